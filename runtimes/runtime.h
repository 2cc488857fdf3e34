/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * One module per container runtime, each exporting one `const struct
 * runtime_ops`. Nothing outside runtimes/ compares runtime names: it asks
 * runtime_find() and calls through the ops.
 *
 * Later work adds operations (configure, restart, verify) as members here;
 * a NULL member means the runtime does not support that operation.
 */
#pragma once

#include <stdbool.h>

#include "error.h"

struct runtime_ops {
	const char *name;        /* "containerd": what --runtime takes */
	const char *binary;      /* "containerd": looked up in the usual bin dirs under root */
	const char *config_path; /* "/etc/containerd/config.toml", or NULL when it has none */
	const char *socket_path; /* "/run/containerd/containerd.sock" */
	const char *cri_socket;  /* the CRI endpoint kubelet/edgecore would use, or NULL */
};

extern const struct runtime_ops runtime_docker;
extern const struct runtime_ops runtime_containerd;
extern const struct runtime_ops runtime_cri_dockerd;
extern const struct runtime_ops runtime_k3s;

/* Every runtime, in report order, NULL-terminated. */
extern const struct runtime_ops *const runtime_all[];

/* The runtime called name, or NULL. */
const struct runtime_ops *runtime_find(const char *name);
