/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * afterjoin: the proof, run on the node after `keadm join` (or `kubeadm join`) and the NVIDIA
 * device plugin's rollout, that pods can get GPUs here. Its checks are preflight checks (the
 * same result, report and --json document; preflight_report.h), run by `gpuprep verify
 * --after-join`:
 *
 *   node-agent            edgecore runs (or, with no edgecore config, kubelet: a kubeadm node)
 *   agent-config          its config reads, edged is on and, in KubeEdge's old layout,
 *                         devicePluginEnabled is true
 *   agent-endpoint        its runtime endpoint is a socket the runtime answers on
 *   agent-cgroup-driver   its cgroup driver is the runtime's (asked live, else its config)
 *   device-plugin-socket  NVIDIA's device plugin has its socket in the device-plugins dir
 *   device-plugin-registered  kubelet_internal_checkpoint lists nvidia.com/gpu with devices
 *   gpu-count             the devices offered are the GPUs detect sees (x time-slicing replicas)
 *
 * Nothing here prints; cmd/verify.c renders the report.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "error.h"
#include "preflight_report.h"

/* Where keadm writes edgecore's config, and where kubelet keeps device plugins' sockets. */
#define AFTERJOIN_EDGECORE_CONFIG "/etc/kubeedge/config/edgecore.yaml"
#define AFTERJOIN_KUBELET_CONFIG  "/var/lib/kubelet/config.yaml"
#define AFTERJOIN_KUBEADM_FLAGS   "/var/lib/kubelet/kubeadm-flags.env"
#define AFTERJOIN_DEVICE_PLUGINS  "/var/lib/kubelet/device-plugins"
#define AFTERJOIN_CHECKPOINT      "kubelet_internal_checkpoint"
#define AFTERJOIN_GPU_RESOURCE    "nvidia.com/gpu"

struct afterjoin_opts {
	const char *root;            /* --root, or NULL */
	const char *edgecore_config; /* node path; NULL: edgecore's --config, else the default */
	/* The NVIDIA device plugin's config (its ConfigMap, or the config file in it), a path on
	 * this machine (not under --root); NULL: replicas are read from the device IDs. */
	const char *device_plugin_config;
};

/* The ids of the checks, in the order they run; NULL-terminated. */
const char *const *afterjoin_check_ids(void);

/*
 * Run the checks. Fails only when --device-plugin-config cannot be read or
 * is not a device plugin config (file:line:col); every problem on the node
 * is in the report.
 */
int afterjoin_run(const struct afterjoin_opts *opts, struct preflight_report *ret,
                  struct gp_error *err);
