/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Inside preflight: what a check sees and how it reports (preflight_check.c),
 * and the checks the runner calls (preflight_<area>.c). Only lib/preflight*.c
 * include this; the interface for everyone else is preflight.h.
 */
#pragma once

#include "node.h"
#include "preflight_report.h"
#include "runtime.h"

struct preflight_ctx {
	const char *root;                  /* NULL for the real root */
	const struct runtime_ops *runtime; /* the runtime keadm will talk to */
	bool runtime_given;                /* --runtime was passed */
	const char *cri_endpoint;          /* as keadm will get it */
	char *cri_socket;                  /* its path, "/run/containerd/containerd.sock" */
	bool cri_socket_given;             /* --cri-socket was passed */
	const char *cgroup_driver;         /* "systemd" or "cgroupfs" */

	/* The node scan, made once on first use by preflight_node(). */
	struct node_info node;
	bool node_done, node_ok;
	bool want_nvml; /* a selected check reads NVML; else the scan does not load it */

	/* The runtime's config file, read once by preflight_runtime_view(). */
	struct runtime_config_view view;
	bool view_done, view_ok;
	struct gp_error view_err;
	struct gp_error node_err;
};

typedef void (*preflight_check_fn)(struct preflight_ctx *ctx, struct preflight_result *r);

/*
 * The node as `gpuprep detect` sees it (GPUs, Tegra, driver state, device
 * nodes), scanned once and shared by every check. NULL when the scan failed,
 * with *ret_error saying why.
 */
const struct node_info *preflight_node(struct preflight_ctx *ctx, const char **ret_error);
/*
 * preflight_node() for every check but gpu-present: when the scan failed, r is
 * set to skip, pointing to gpu-present, which says why once (with the hint).
 */
const struct node_info *preflight_node_or_skip(struct preflight_ctx *ctx,
                                               struct preflight_result *r);
void preflight_node_release(struct preflight_ctx *ctx);

/*
 * What the runtime's config file says, read once through the runtime's
 * inspect operation. NULL with r set when it cannot be had: skip when the
 * runtime has no reader yet, fail when the file cannot be read.
 */
const struct runtime_config_view *preflight_runtime_view(struct preflight_ctx *ctx,
                                                         struct preflight_result *r);
/* The same, without a result: NULL when there is no reader or the file cannot be read. */
const struct runtime_config_view *preflight_runtime_view_quiet(struct preflight_ctx *ctx);
void preflight_runtime_release(struct preflight_ctx *ctx);

/* Append a formatted item to a ", "-separated list (*list may be NULL). */
void preflight_list_add(char **list, const char *fmt, ...) _printf_(2, 3);
/* The same with "; " between the items: a list of problems that may hold ", " lists. */
void preflight_problem_add(char **list, const char *fmt, ...) _printf_(2, 3);

/* Set the status and message (replacing any). */
void preflight_set(struct preflight_result *r, enum preflight_status status, const char *fmt, ...)
        _printf_(3, 4);
/* Set or replace the hint. */
void preflight_hint(struct preflight_result *r, const char *fmt, ...) _printf_(2, 3);

/*
 * A path under the root. "/var/run/..." is read as "/run/..." when the root's
 * /var/run is a symlink (it points at /run on every current distribution, and
 * an absolute link would leave the root).
 */
char *preflight_path(const struct preflight_ctx *ctx, const char *path);

/*
 * True when the root has no such pseudo file system at all ("/proc", "/sys"):
 * a mounted image that is not a running system. Checks of kernel state skip
 * then, saying so.
 */
bool preflight_no_kernel_fs(const struct preflight_ctx *ctx, const char *mount);

/* The checks, by file. */
void preflight_check_root(struct preflight_ctx *ctx, struct preflight_result *r);
void preflight_check_gpu_present(struct preflight_ctx *ctx, struct preflight_result *r);
void preflight_check_nouveau(struct preflight_ctx *ctx, struct preflight_result *r);
void preflight_check_driver_loaded(struct preflight_ctx *ctx, struct preflight_result *r);
void preflight_check_device_nodes(struct preflight_ctx *ctx, struct preflight_result *r);
void preflight_check_nvml(struct preflight_ctx *ctx, struct preflight_result *r);
void preflight_check_driver_version_match(struct preflight_ctx *ctx, struct preflight_result *r);
void preflight_check_toolkit(struct preflight_ctx *ctx, struct preflight_result *r);
void preflight_check_cgroups(struct preflight_ctx *ctx, struct preflight_result *r);
void preflight_check_swap(struct preflight_ctx *ctx, struct preflight_result *r);
void preflight_check_ip_forward(struct preflight_ctx *ctx, struct preflight_result *r);
void preflight_check_edgecore_clean(struct preflight_ctx *ctx, struct preflight_result *r);
void preflight_check_dev_char_links(struct preflight_ctx *ctx, struct preflight_result *r);
void preflight_check_cdi(struct preflight_ctx *ctx, struct preflight_result *r);
void preflight_check_jetson_mode(struct preflight_ctx *ctx, struct preflight_result *r);
void preflight_check_runtime_config(struct preflight_ctx *ctx, struct preflight_result *r);
void preflight_check_runtime_live(struct preflight_ctx *ctx, struct preflight_result *r);
void preflight_check_runtime_version(struct preflight_ctx *ctx, struct preflight_result *r);
void preflight_check_cri_socket(struct preflight_ctx *ctx, struct preflight_result *r);
void preflight_check_cri_plugin(struct preflight_ctx *ctx, struct preflight_result *r);
void preflight_check_cgroup_driver(struct preflight_ctx *ctx, struct preflight_result *r);
