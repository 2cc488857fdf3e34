/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What containerd's configure (containerd.c) and its reader (containerd_inspect.c)
 * share, from containerd_layout.c: where each config version keeps the CRI plugin,
 * the shape containerd requires of it, and the containerd under the root. Private
 * to runtimes/containerd*.c.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "error.h"
#include "toml.h"

#define CONTAINERD_CONFIG_PATH   "/etc/containerd/config.toml"
#define CONTAINERD_MAX_VERSION   4
#define CONTAINERD_RUNC_V2       "io.containerd.runc.v2"
#define CONTAINERD_STOCK_RUNTIME "runc"
#define CONTAINERD_MAX_DEPTH     16
#define REFUSES                  "containerd refuses to start with it: "

/* Where each config version keeps the CRI plugin and its containerd table. */
struct containerd_layout {
	const char *cri[3];        /* the CRI plugin's table: enable_cdi */
	const char *containerd[4]; /* its containerd table: runtimes, default_runtime_name */
};

/* A key path built from a prefix and more keys; at most 16 keys. */
struct kpath {
	const char *k[CONTAINERD_MAX_DEPTH + 1];
	size_t n;
};

static inline void
kpath_init(struct kpath *p, const char *const *prefix)
{
	p->n = 0;
	for (; *prefix; prefix++)
		p->k[p->n++] = *prefix;
	p->k[p->n] = NULL;
}

static inline const char *const *
kpath_with(struct kpath *p, const char *key)
{
	if (p->n < CONTAINERD_MAX_DEPTH) {
		p->k[p->n++] = key;
		p->k[p->n] = NULL;
	}
	return p->k;
}

static inline void
kpath_pop(struct kpath *p, size_t n)
{
	p->n -= n;
	p->k[p->n] = NULL;
}

/* Indexed by config version, 1 to CONTAINERD_MAX_VERSION. */
extern const struct containerd_layout containerd_layouts[];
/* A version 1 file that spells the CRI plugin by its full ID. */
extern const struct containerd_layout containerd_layout_v1_full_id;
/* The layout a document of that version uses. */
const struct containerd_layout *containerd_layout_for(const struct toml_doc *doc, int version);
/* The line of the top-level version key, 1-based, or 0. */
int containerd_version_line(const char *text, size_t len);
/* The plugin IDs that serve the CRI: disabling any of them disables it. */
extern const char *const containerd_cri_plugin_ids[4];
/* True when the text holds only whitespace. */
bool containerd_text_is_blank(const char *s, size_t len);
/* The major version of the containerd under root, or 0 when it cannot be run. */
int containerd_installed_major(const char *root);
/* The keys containerd requires of a type in this layout; an error names file:line:col. */
int containerd_check_shape(const struct toml_doc *doc, const char *name,
                           const struct containerd_layout *lay, struct gp_error *err);
/* runtime_containerd's inspect op. */
int containerd_inspect(const char *root, const char *config_path, struct runtime_config_view *ret,
                       struct gp_error *err);
