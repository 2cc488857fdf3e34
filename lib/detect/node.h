/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * lib/detect/ owns the node report that `gpuprep detect` prints.
 * It may include from lib/base, lib/files, lib/node, lib/live, runtimes (README "Architecture"; the
 * folder's meson.build sets the include path that enforces it).
 */
/*
 * What a provisioning run needs to know about a node, read once: its GPUs
 * (on PCI, or a Jetson/Tegra board), the NVIDIA driver's state, the OS and
 * the container runtimes present. `gpuprep detect` prints it; `preflight` and
 * `up` take the same struct node_info and decide from it.
 *
 *	struct node_info info;
 *	struct node_detect_options o = {.root = ctx->root};
 *	if (node_detect(&o, &info, err) < 0)
 *		return -1;
 *	if (node_gpu_count(&info) == 0) ...
 *	json_t *doc = node_info_to_json(&info);
 *	node_info_release(&info);
 *
 * Every path is read under opts->root. Device paths reported (device nodes,
 * binaries, configs, sockets) are the node's own, without the root prefix.
 */
#pragma once

#include <jansson.h>
#include <stdbool.h>

#include "error.h"
#include "nvml.h"
#include "osinfo.h"
#include "pci.h"
#include "runtime.h"

#define NODE_SCHEMA_VERSION 1

/* A Jetson/Tegra board: the GPU is part of the SoC, not on PCI. */
struct node_tegra {
	char *l4t_release; /* "R35.4.1" from /etc/nv_tegra_release, or NULL */
	char *board;       /* "t186ref" from the same line, or NULL */
	char *soc_family;  /* /sys/devices/soc0/family ("Tegra"), or NULL */
	char *model;       /* /proc/device-tree/model, or NULL */
	char **compatible; /* /proc/device-tree/compatible strings, or NULL */
};

struct node_driver {
	char *kernel_module_version; /* /proc/driver/nvidia/version (or /sys/module/nvidia/version)
	                              */
	char *kernel_module_type;    /* "proprietary" or "open", when the version is known */
	bool nvidia_loaded;          /* /sys/module/nvidia exists */
	bool nouveau_loaded;         /* /sys/module/nouveau exists */
	char **device_nodes; /* "/dev/nvidiactl", "/dev/nvidia0", ..., "/dev/nvidia-uvm", or NULL */
	struct node_nvml nvml;
};

/* One container runtime from runtime_all[], as found on the node. */
struct node_runtime {
	const struct runtime_ops *ops;
	char *binary; /* "/usr/bin/containerd", or NULL when not found */
	bool config_exists;
	bool socket_exists; /* a socket is there: the rule preflight and verify use */
	bool socket_other;  /* something else is at the socket's path (a file, a dir) */
};

struct node_info {
	struct pci_scan pci;
	struct node_tegra *tegra; /* NULL when the node is not a Tegra board */
	struct node_driver driver;
	struct os_info os;
	struct node_runtime *runtimes; /* one per runtime_all[] entry, in that order */
	size_t n_runtimes;
};

struct node_detect_options {
	const char *root;     /* NULL or "/" for the running system */
	const char *pci_dump; /* scan this `lspci -x` dump instead of sysfs */
	const char *pci_ids;  /* name GPUs from this pci.ids; NULL: libpci's default */
	bool skip_nvml;       /* never load NVML (it is always skipped under a root) */
};

/* Read everything. Fails only on unreadable inputs (see pci_scan_gpus()). */
int node_detect(const struct node_detect_options *opts, struct node_info *ret,
                struct gp_error *err);
void node_info_release(struct node_info *info);

/* PCI GPUs, plus one for a Tegra board. */
size_t node_gpu_count(const struct node_info *info);

/*
 * The document `detect --json` prints (schema_version NODE_SCHEMA_VERSION):
 * schema_version, gpu_count, pci_source, gpus[], tegra, driver, os, runtimes[].
 */
json_t *node_info_to_json(const struct node_info *info);

/*
 * Parsers, exposed for tests.
 * The L4T release from nv_tegra_release text: "# R35 (release), REVISION: 4.1, ..." gives
 * "R35.4.1" and board "t186ref" (ret_board may be NULL). Returns 0, or -1 when the text has
 * no release.
 */
int node_parse_tegra_release(const char *text, char **ret_release, char **ret_board);
/* The module version from /proc/driver/nvidia/version text, and whether it is the open one. */
int node_parse_nvidia_version(const char *text, char **ret_version, bool *ret_open);
/* NUL-separated device-tree strings into a vector (NULL when there are none). */
char **node_parse_dt_strings(const char *data, size_t len);
