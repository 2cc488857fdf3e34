/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * lib/files/ owns the editors that keep every byte they do not change (TOML, daemon.json,
 * and this one for YAML); it may include from lib/base.
 */
/*
 * Top-level scalar keys of a YAML document (k3s's and RKE2's config.yaml),
 * read and set without touching any other byte: comments, order, quoting,
 * indentation. The document is parsed with libyaml, which gives each
 * scalar's byte span; an edit splices only the value's bytes, or appends one
 * "key: value" line to the top-level block mapping.
 *
 * Errors read "LINE:COL: message" (1-based), as libyaml or the editor found it.
 */
#pragma once

#include <stddef.h>

#include "error.h"

/*
 * The top-level key's value: 1 and *ret (fresh) when the key is there with a
 * scalar value, 0 when it is not, -1 with err set when the text is not YAML,
 * not one block mapping (an empty or comment-only document counts as an
 * empty mapping), holds the key twice, or the value is not a scalar.
 */
int yaml_get_top_scalar(const char *text, size_t len, const char *key, char **ret,
                        struct gp_error *err);

/* The same, also giving where the value starts (1-based line and column). */
int yaml_find_top_scalar(const char *text, size_t len, const char *key, char **ret,
                         unsigned *ret_line, unsigned *ret_col, struct gp_error *err);

/*
 * Set the top-level key to value (written plain when YAML allows it, else
 * double-quoted). Returns 1 with *ret_text (fresh, NUL-terminated) and
 * *ret_len when the text changed, 0 when the key already holds value (nothing
 * is returned), -1 with err set as yaml_get_top_scalar() fails.
 */
int yaml_set_top_scalar(const char *text, size_t len, const char *key, const char *value,
                        char **ret_text, size_t *ret_len, struct gp_error *err);
