/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libyaml, for the YAML gpuprep reads and edits (k3s's and RKE2's config.yaml, the
 * templates, kubectl's output; lib/files/yamltree and yamledit), loaded on first use:
 * mapping it cost every command about 0.05 ms at start, though most read no YAML.
 * yamlso_linked.c is the static build's table.
 */
#pragma once

#include <yaml.h>

#include "error.h"

/* Every libyaml function gpuprep calls, without its yaml_ prefix. */
#define YAMLSO_FUNCS(X)                                                                            \
	X(document_delete)                                                                         \
	X(document_get_node)                                                                       \
	X(document_get_root_node)                                                                  \
	X(event_delete)                                                                            \
	X(get_version_string)                                                                      \
	X(parser_delete)                                                                           \
	X(parser_initialize)                                                                       \
	X(parser_load)                                                                             \
	X(parser_parse)                                                                            \
	X(parser_set_input_string)

struct yamlso {
#define YAMLSO_FIELD(name) __typeof__(&yaml_##name) name;
	YAMLSO_FUNCS(YAMLSO_FIELD)
#undef YAMLSO_FIELD
};

/*
 * The loaded library, or NULL with err set (and a hint) when no usable libyaml can be
 * loaded. Loads once; later calls return the same table.
 */
const struct yamlso *yamlso_load(struct gp_error *err);
