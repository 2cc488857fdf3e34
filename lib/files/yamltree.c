// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * A YAML document as libyaml's node tree (yaml_parser_load). See yamltree.h.
 * libyaml does the YAML: block and flow styles, quoting, escapes, anchors and
 * aliases, multi-line scalars; this file only walks what it built.
 */
#include "yamltree.h"

#include <string.h>
#include <yaml.h>

#include "util.h"
#include "yamlso.h"

/* libyaml, loaded by the parse functions; the others take a tree they made. */
static const struct yamlso *ly;

static int
load(struct gp_error *err)
{
	if (!ly && !(ly = yamlso_load(err)))
		return -1;
	return 0;
}

struct yaml_tree {
	yaml_document_t doc;
	bool loaded;
};

static yaml_node_t *
node(const struct yaml_tree *t, yaml_node_id n)
{
	if (!t || n <= 0)
		return NULL;
	return ly->document_get_node((yaml_document_t *)&t->doc, n);
}

/* A document with nothing in it: no node, or an empty plain scalar ("---" alone). */
static bool
doc_empty(const yaml_document_t *d)
{
	const yaml_node_t *y = ly->document_get_root_node((yaml_document_t *)d);
	return !y || (y->type == YAML_SCALAR_NODE && y->data.scalar.length == 0 &&
	              y->data.scalar.style == YAML_PLAIN_SCALAR_STYLE);
}

int
yaml_tree_parser_error(const struct yaml_parser_s *p, const char *hint, struct gp_error *err)
{
	const yaml_mark_t *m = p->problem ? &p->problem_mark : &p->context_mark;
	gp_error_set(err, "%zu:%zu: %s%s%s", m->line + 1, m->column + 1,
	             p->problem ? p->problem : "invalid YAML", p->context ? " " : "",
	             p->context ? p->context : "");
	return gp_error_hint(err, "%s", hint);
}

static int
load_error(const yaml_parser_t *p, struct gp_error *err)
{
	return yaml_tree_parser_error(p, "fix the YAML at that line and column", err);
}

int
yaml_tree_parse(const char *text, size_t len, struct yaml_tree **ret, struct gp_error *err)
{
	yaml_parser_t p;
	if (load(err) < 0)
		return -1;
	if (!ly->parser_initialize(&p))
		return gp_error_set(err, "cannot start the YAML parser");
	ly->parser_set_input_string(&p, (const unsigned char *)text, len);
	struct yaml_tree *t = xcalloc(1, sizeof(*t));
	int r = 0;
	if (!ly->parser_load(&p, &t->doc)) {
		r = load_error(&p, err);
		free(t);
		t = NULL;
	} else {
		t->loaded = true;
		yaml_document_t next;
		if (ly->parser_load(&p, &next)) {
			bool more = ly->document_get_root_node(&next) != NULL && !doc_empty(&next);
			size_t line = next.start_mark.line + 1;
			ly->document_delete(&next);
			if (more) {
				gp_error_set(err, "%zu:1: a second YAML document", line);
				r = gp_error_hint(err, "the file must hold one document: remove "
				                       "the '---' and what follows");
			}
		}
		if (r < 0) {
			yaml_tree_free(t);
			t = NULL;
		}
	}
	ly->parser_delete(&p);
	*ret = t;
	return r;
}

int
yaml_tree_parse_all(const char *text, size_t len, struct yaml_tree ***ret, struct gp_error *err)
{
	yaml_parser_t p;
	if (load(err) < 0)
		return -1;
	if (!ly->parser_initialize(&p))
		return gp_error_set(err, "cannot start the YAML parser");
	ly->parser_set_input_string(&p, (const unsigned char *)text, len);
	struct yaml_tree **all = xcalloc(1, sizeof(*all));
	size_t n = 0;
	int r = 0;
	for (;;) {
		struct yaml_tree *t = xcalloc(1, sizeof(*t));
		if (!ly->parser_load(&p, &t->doc)) {
			r = load_error(&p, err);
			free(t);
			break;
		}
		t->loaded = true;
		if (!ly->document_get_root_node(&t->doc)) {
			yaml_tree_free(t); /* the stream's end */
			break;
		}
		if (doc_empty(&t->doc)) {
			yaml_tree_free(t);
			continue;
		}
		all = xrealloc(all, (n + 2) * sizeof(*all));
		all[n++] = t;
		all[n] = NULL;
	}
	ly->parser_delete(&p);
	if (r < 0) {
		for (size_t i = 0; i < n; i++)
			yaml_tree_free(all[i]);
		free(all);
		return -1;
	}
	*ret = all;
	return 0;
}

void
yaml_tree_free(struct yaml_tree *t)
{
	if (!t)
		return;
	if (t->loaded)
		ly->document_delete(&t->doc);
	free(t);
}

void
yaml_tree_freep(struct yaml_tree **t)
{
	yaml_tree_free(*t);
	*t = NULL;
}

yaml_node_id
yaml_tree_root(const struct yaml_tree *t)
{
	return t && !doc_empty(&t->doc) ? 1 : 0;
}

enum yaml_tree_kind
yaml_tree_kind(const struct yaml_tree *t, yaml_node_id n)
{
	const yaml_node_t *y = node(t, n);
	if (!y)
		return YAML_TREE_NONE;
	switch (y->type) {
	case YAML_SCALAR_NODE:
		return YAML_TREE_SCALAR;
	case YAML_SEQUENCE_NODE:
		return YAML_TREE_SEQUENCE;
	case YAML_MAPPING_NODE:
		return YAML_TREE_MAPPING;
	default:
		return YAML_TREE_NONE;
	}
}

void
yaml_tree_mark(const struct yaml_tree *t, yaml_node_id n, size_t *ret_line, size_t *ret_col)
{
	const yaml_node_t *y = node(t, n);
	*ret_line = y ? y->start_mark.line + 1 : 1;
	*ret_col = y ? y->start_mark.column + 1 : 1;
}

const char *
yaml_tree_scalar(const struct yaml_tree *t, yaml_node_id n, bool *ret_plain)
{
	const yaml_node_t *y = node(t, n);
	if (!y || y->type != YAML_SCALAR_NODE)
		return NULL;
	if (ret_plain)
		*ret_plain = y->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
	return (const char *)y->data.scalar.value;
}

/* A scalar's text equals s (scalars hold no NUL in configs; a longer one does not match). */
static bool
scalar_is(const yaml_node_t *y, const char *s)
{
	return y && y->type == YAML_SCALAR_NODE && y->data.scalar.length == strlen(s) &&
	       memcmp(y->data.scalar.value, s, y->data.scalar.length) == 0;
}

yaml_node_id
yaml_tree_get(const struct yaml_tree *t, yaml_node_id m, const char *key, struct gp_error *err)
{
	const yaml_node_t *map = node(t, m);
	if (!map || map->type != YAML_MAPPING_NODE)
		return 0;
	yaml_node_id found = 0;
	for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top;
	     p++) {
		const yaml_node_t *k = node(t, p->key);
		if (!scalar_is(k, key))
			continue;
		if (found) {
			gp_error_set(err, "%zu:%zu: duplicate key '%s'", k->start_mark.line + 1,
			             k->start_mark.column + 1, key);
			return gp_error_hint(err, "keep one '%s' and remove the other", key);
		}
		found = p->value;
	}
	return found;
}

yaml_node_id
yaml_tree_path(const struct yaml_tree *t, yaml_node_id m, const char *const *keys,
               struct gp_error *err)
{
	yaml_node_id n = m;
	for (size_t i = 0; keys[i] && n > 0; i++)
		n = yaml_tree_get(t, n, keys[i], err);
	return n;
}

int
yaml_tree_bool(const struct yaml_tree *t, yaml_node_id n, bool *ret)
{
	static const char *const yes[] = {"y",    "Y",    "yes", "Yes", "YES", "true",
	                                  "True", "TRUE", "on",  "On",  "ON",  NULL};
	static const char *const no[] = {"n",     "N",     "no",  "No",  "NO",  "false",
	                                 "False", "FALSE", "off", "Off", "OFF", NULL};
	const yaml_node_t *y = node(t, n);
	if (!y || y->type != YAML_SCALAR_NODE || y->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return 0;
	for (size_t i = 0; yes[i]; i++) {
		if (scalar_is(y, yes[i])) {
			*ret = true;
			return 1;
		}
		if (scalar_is(y, no[i])) {
			*ret = false;
			return 1;
		}
	}
	return 0;
}

size_t
yaml_tree_len(const struct yaml_tree *t, yaml_node_id n)
{
	const yaml_node_t *y = node(t, n);
	if (!y)
		return 0;
	if (y->type == YAML_SEQUENCE_NODE)
		return (size_t)(y->data.sequence.items.top - y->data.sequence.items.start);
	if (y->type == YAML_MAPPING_NODE)
		return (size_t)(y->data.mapping.pairs.top - y->data.mapping.pairs.start);
	return 0;
}

yaml_node_id
yaml_tree_item(const struct yaml_tree *t, yaml_node_id seq, size_t i)
{
	const yaml_node_t *y = node(t, seq);
	if (!y || y->type != YAML_SEQUENCE_NODE || i >= yaml_tree_len(t, seq))
		return 0;
	return y->data.sequence.items.start[i];
}

yaml_node_id
yaml_tree_pair(const struct yaml_tree *t, yaml_node_id map, size_t i, yaml_node_id *ret_key)
{
	const yaml_node_t *y = node(t, map);
	if (!y || y->type != YAML_MAPPING_NODE || i >= yaml_tree_len(t, map))
		return 0;
	*ret_key = y->data.mapping.pairs.start[i].key;
	return y->data.mapping.pairs.start[i].value;
}
