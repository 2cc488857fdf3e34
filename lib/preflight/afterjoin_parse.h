/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The files afterjoin reads, parsed without touching the node (so unit tests and fuzzers can
 * feed them): edgecore.yaml in both of KubeEdge's layouts and kubelet's config.yaml, the NVIDIA
 * device plugin's config, and kubelet's device manager checkpoint. Errors read "LINE:COL:
 * message" with a hint; the caller adds the file's name.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "error.h"

/* What a node agent (edgecore's edged, or kubelet) is told to use. */
struct agent_config {
	char *api_version;        /* "edgecore.config.kubeedge.io/v1alpha2", or NULL */
	bool old_layout;          /* KubeEdge < 1.12: modules.edged.cgroupDriver, ... */
	bool edged_disabled;      /* modules.edged.enable: false */
	char *cgroup_driver;      /* "systemd" or "cgroupfs" (the default when unset) */
	char *cgroup_driver_from; /* "modules.edged.tailoredKubeletConfig.cgroupDriver", or
	                             "the default" */
	char *endpoint;      /* the runtime's endpoint, "unix:///run/containerd/containerd.sock" */
	char *endpoint_from; /* the key it comes from, or "the default" */
	char *runtime_type;  /* old layout: "docker" or "remote" (NULL: newer layouts) */
	int device_plugins;  /* old layout: devicePluginEnabled 1 or 0; -1: always on */
	size_t device_plugins_line, device_plugins_col; /* where it is set (0: unset) */
};
void agent_config_release(struct agent_config *c);

/*
 * edgecore.yaml: KubeEdge 1.12+ (modules.edged.tailoredKubeletConfig) or the
 * older layout (modules.edged.cgroupDriver, remoteRuntimeEndpoint,
 * runtimeType, dockerAddress, devicePluginEnabled), with edgecore's defaults
 * where a key is missing.
 */
int agent_config_parse_edgecore(const char *text, size_t len, struct agent_config *ret,
                                struct gp_error *err);
/*
 * kubelet's KubeletConfiguration (cgroupDriver, containerRuntimeEndpoint),
 * with flags (kubelet's command line, or kubeadm-flags.env; may be NULL)
 * taking precedence as kubelet gives them: --cgroup-driver=,
 * --container-runtime-endpoint=.
 */
int agent_config_parse_kubelet(const char *text, size_t len, const char *flags,
                               struct agent_config *ret, struct gp_error *err);

/* The time-slicing (or MPS) sharing of one resource in the device plugin's config. */
struct dp_share {
	char *name;       /* "nvidia.com/gpu" */
	char *advertised; /* the name it is offered as: rename, or name.shared with renameByDefault
	                   */
	long replicas;
	bool some_devices; /* devices: lists some GPUs only */
};
struct dp_sharing {
	struct dp_share *shares;
	size_t n;
	char *from; /* "sharing.timeSlicing" or "sharing.mps"; NULL: no sharing */
};
void dp_sharing_release(struct dp_sharing *s);
/* The share of resource name (as configured, not as advertised), or NULL. */
const struct dp_share *dp_sharing_find(const struct dp_sharing *s, const char *name);

/*
 * The device plugin's config: the file it reads (version: v1, sharing: ...)
 * or a ConfigMap holding it (data with one entry; several are an error that
 * names them).
 */
int dp_sharing_parse(const char *text, size_t len, struct dp_sharing *ret, struct gp_error *err);

/* kubelet_internal_checkpoint: Data.RegisteredDevices, resource by resource. */
struct dp_resource {
	char *name;
	char **ids;
	size_t n_ids;
};
struct dp_checkpoint {
	struct dp_resource *resources;
	size_t n;
};
void dp_checkpoint_release(struct dp_checkpoint *c);
const struct dp_resource *dp_checkpoint_find(const struct dp_checkpoint *c, const char *name);
int dp_checkpoint_parse(const char *text, size_t len, struct dp_checkpoint *ret,
                        struct gp_error *err);

/*
 * How many GPUs the device IDs stand for: NVIDIA's plugin offers each
 * time-sliced replica as "<id>::<n>", so the distinct ids before "::".
 */
size_t dp_physical_count(char *const *ids, size_t n);
