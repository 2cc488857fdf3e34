/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A whole YAML document read into libyaml's node tree, for the nested configs gpuprep only
 * reads: edgecore.yaml (modules.edged.tailoredKubeletConfig.cgroupDriver), kubelet's
 * config.yaml and the NVIDIA device plugin's config (sharing.timeSlicing.resources[]). Aliases
 * resolve to the node they name. Nothing is written back; yamledit.h is the editor.
 *
 * Errors read "LINE:COL: message" (1-based), as libyaml or the reader found it.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "error.h"

struct yaml_tree;

/* A node of the tree: 0 is "none". */
typedef int yaml_node_id;

enum yaml_tree_kind {
	YAML_TREE_NONE = 0,
	YAML_TREE_SCALAR,
	YAML_TREE_SEQUENCE,
	YAML_TREE_MAPPING,
};

/*
 * Parse text (one document; a second one is an error). An empty or
 * comment-only text gives a tree whose root is 0.
 */
int yaml_tree_parse(const char *text, size_t len, struct yaml_tree **ret, struct gp_error *err);
/*
 * Every document of a stream ("---" between them), as a NULL-terminated
 * array (free each, then the array); empty documents are left out.
 */
int yaml_tree_parse_all(const char *text, size_t len, struct yaml_tree ***ret,
                        struct gp_error *err);
void yaml_tree_free(struct yaml_tree *t);

/* libyaml's parser error as "LINE:COL: problem context" (1-based), with hint; returns -1.
 * yamledit.c's parse errors are this too. */
struct yaml_parser_s;
int yaml_tree_parser_error(const struct yaml_parser_s *p, const char *hint, struct gp_error *err);
void yaml_tree_freep(struct yaml_tree **t);

yaml_node_id yaml_tree_root(const struct yaml_tree *t);
enum yaml_tree_kind yaml_tree_kind(const struct yaml_tree *t, yaml_node_id n);
/* Where the node starts, 1-based. */
void yaml_tree_mark(const struct yaml_tree *t, yaml_node_id n, size_t *ret_line, size_t *ret_col);

/*
 * The value of key in mapping m: >0, 0 when m is no mapping or has no such
 * key, -1 with err set ("LINE:COL: duplicate key 'k'") when it has it twice.
 */
yaml_node_id yaml_tree_get(const struct yaml_tree *t, yaml_node_id m, const char *key,
                           struct gp_error *err);
/* The same along a path of keys ("modules", "edged", NULL). */
yaml_node_id yaml_tree_path(const struct yaml_tree *t, yaml_node_id m, const char *const *keys,
                            struct gp_error *err);

/* A scalar's text, NULL for anything else. plain: written without quotes. */
const char *yaml_tree_scalar(const struct yaml_tree *t, yaml_node_id n, bool *ret_plain);

/*
 * A scalar as a YAML 1.1 boolean, as Go's YAML readers take it (true, True,
 * TRUE, yes, on, ... unquoted): 1 with *ret, 0 when it is no boolean.
 */
int yaml_tree_bool(const struct yaml_tree *t, yaml_node_id n, bool *ret);

/* A sequence's length and its items; a mapping's pairs (key and value). */
size_t yaml_tree_len(const struct yaml_tree *t, yaml_node_id n);
yaml_node_id yaml_tree_item(const struct yaml_tree *t, yaml_node_id seq, size_t i);
yaml_node_id yaml_tree_pair(const struct yaml_tree *t, yaml_node_id map, size_t i,
                            yaml_node_id *ret_key);
