// SPDX-License-Identifier: GPL-2.0-or-later
/* Top-level scalars of a YAML document, with libyaml's event parser and byte marks. */
#include "yamledit.h"

#include <stdbool.h>
#include <string.h>
#include <strings.h>
#include <yaml.h>

#include "util.h"
#include "yamlso.h"
#include "yamltree.h"

/* Where the key is, and where the mapping ends. */
struct yaml_top {
	bool found;
	char *value;        /* decoded */
	size_t value_start; /* byte span of the value as written */
	size_t value_end;
	unsigned value_line; /* 1-based, where the value starts */
	unsigned value_col;
	yaml_scalar_style_t style;
	bool have_mapping;     /* a block mapping (false: empty document) */
	size_t indent;         /* column of its keys */
	size_t insert_at;      /* where a new key line goes */
	bool doc_end_explicit; /* "..." ends the document: insert before it */
};

static int
parse_error(const yaml_parser_t *p, struct gp_error *err)
{
	return yaml_tree_parser_error(
	        p, "fix the YAML at that line and column; the file was left as it was", err);
}

static int
mark_error(const yaml_mark_t *m, struct gp_error *err, const char *what)
{
	gp_error_set(err, "%zu:%zu: %s", m->line + 1, m->column + 1, what);
	return gp_error_hint(err, "gpuprep edits a config.yaml whose top level is one block "
	                          "mapping of keys; edit this one by hand");
}

static void
yaml_top_release(struct yaml_top *t)
{
	free(t->value);
}

/* Walk the events; fill t. */
static int
yaml_top_scan(const char *text, size_t len, const char *key, struct yaml_top *t,
              struct gp_error *err)
{
	yaml_parser_t p;
	const struct yamlso *ly = yamlso_load(err);
	if (!ly)
		return -1;
	if (!ly->parser_initialize(&p))
		return gp_error_set(err, "cannot start the YAML parser");
	ly->parser_set_input_string(&p, (const unsigned char *)text, len);
	*t = (struct yaml_top){.insert_at = len};
	int r = 0, depth = 0, docs = 0;
	bool in_key = true, matched = false, done = false;
	while (!done && r == 0) {
		yaml_event_t ev;
		if (!ly->parser_parse(&p, &ev)) {
			r = parse_error(&p, err);
			break;
		}
		switch (ev.type) {
		case YAML_STREAM_END_EVENT:
			done = true;
			break;
		case YAML_DOCUMENT_START_EVENT:
			if (++docs > 1)
				r = mark_error(&ev.start_mark, err,
				               "a second YAML document: config.yaml holds one");
			break;
		case YAML_DOCUMENT_END_EVENT:
			if (!ev.data.document_end.implicit) {
				t->doc_end_explicit = true;
				t->insert_at = ev.start_mark.index;
			}
			break;
		case YAML_MAPPING_START_EVENT:
		case YAML_SEQUENCE_START_EVENT:
			if (depth == 0) {
				if (ev.type != YAML_MAPPING_START_EVENT)
					r = mark_error(
					        &ev.start_mark, err,
					        "the top level is a list, not a mapping of keys");
				else if (ev.data.mapping_start.style == YAML_FLOW_MAPPING_STYLE)
					r = mark_error(&ev.start_mark, err,
					               "the top level is a flow mapping ({...})");
				t->have_mapping = true;
				t->indent = ev.start_mark.column;
			} else if (depth == 1) {
				if (in_key)
					r = mark_error(&ev.start_mark, err,
					               "a key that is not a scalar");
				else if (matched)
					r = mark_error(&ev.start_mark, err,
					               "the key's value is not a single value");
				in_key = !in_key;
				matched = false;
			}
			depth++;
			break;
		case YAML_MAPPING_END_EVENT:
		case YAML_SEQUENCE_END_EVENT:
			depth--;
			break;
		case YAML_ALIAS_EVENT:
			if (depth == 0)
				r = mark_error(&ev.start_mark, err,
				               "the top level is an alias (*name), not a mapping");
			else if (depth == 1) {
				if (matched)
					r = mark_error(&ev.start_mark, err,
					               "the key's value is an alias (*name)");
				in_key = !in_key;
				matched = false;
			}
			break;
		case YAML_SCALAR_EVENT:
			if (depth == 0) {
				/*
				 * Only an empty document takes a first key; a written null
				 * (~, null) would stay in front of it and make the text
				 * invalid, so it is refused like any other single value.
				 */
				bool empty = ev.data.scalar.length == 0;
				if (!empty || ev.data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
					r = mark_error(
					        &ev.start_mark, err,
					        "the top level is a single value, not a mapping");
			} else if (depth == 1 && in_key) {
				matched = strcmp((char *)ev.data.scalar.value, key) == 0 &&
				          strlen(key) == ev.data.scalar.length;
				if (matched && t->found)
					r = mark_error(&ev.start_mark, err,
					               "the key is there twice; which one counts "
					               "is unclear");
				in_key = false;
			} else if (depth == 1) {
				if (matched && ev.data.scalar.anchor)
					r = mark_error(
					        &ev.start_mark, err,
					        "the key's value has an anchor (&name) that other "
					        "keys may refer to");
				else if (matched) {
					t->found = true;
					t->value = xstrndup((char *)ev.data.scalar.value,
					                    ev.data.scalar.length);
					t->value_start = ev.start_mark.index;
					t->value_end = ev.end_mark.index;
					t->value_line = (unsigned)ev.start_mark.line + 1;
					t->value_col = (unsigned)ev.start_mark.column + 1;
					t->style = ev.data.scalar.style;
				}
				matched = false;
				in_key = true;
			}
			break;
		default:
			break;
		}
		ly->event_delete(&ev);
	}
	ly->parser_delete(&p);
	if (r < 0)
		yaml_top_release(t);
	return r;
}

int
yaml_find_top_scalar(const char *text, size_t len, const char *key, char **ret, unsigned *ret_line,
                     unsigned *ret_col, struct gp_error *err)
{
	struct yaml_top t;
	if (yaml_top_scan(text, len, key, &t, err) < 0)
		return -1;
	if (!t.found)
		return 0;
	*ret = TAKE_PTR(t.value);
	*ret_line = t.value_line;
	*ret_col = t.value_col;
	return 1;
}

int
yaml_get_top_scalar(const char *text, size_t len, const char *key, char **ret, struct gp_error *err)
{
	unsigned line, col;
	return yaml_find_top_scalar(text, len, key, ret, &line, &col, err);
}

/* value as a YAML scalar: plain when it is a safe word, else double-quoted. */
static char *
scalar_text(const char *value)
{
	bool plain = *value &&
	             strspn(value, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	                           "0123456789._/-") == strlen(value) &&
	             !strchr("-.", value[0]);
	static const char *const words[] = {"true", "false", "yes", "no", "on",
	                                    "off",  "null",  "y",   "n"};
	for (size_t i = 0; plain && i < GP_ARRAY_SIZE(words); i++)
		plain = strcasecmp(value, words[i]) != 0;
	if (plain)
		return xstrdup(value);
	struct strbuf s = {0};
	strbuf_puts(&s, "\"");
	for (const char *c = value; *c; c++) {
		if (*c == '"' || *c == '\\')
			strbuf_puts(&s, "\\");
		if ((unsigned char)*c < 0x20)
			strbuf_printf(&s, "\\x%02x", (unsigned char)*c);
		else
			strbuf_add(&s, c, 1);
	}
	strbuf_puts(&s, "\"");
	return s.s;
}

int
yaml_set_top_scalar(const char *text, size_t len, const char *key, const char *value,
                    char **ret_text, size_t *ret_len, struct gp_error *err)
{
	struct yaml_top t;
	if (yaml_top_scan(text, len, key, &t, err) < 0)
		return -1;
	_cleanup_free_ char *val = scalar_text(value);
	struct strbuf out = {0};
	strbuf_puts(&out, "");
	if (t.found) {
		bool same = strcmp(t.value, value) == 0;
		yaml_top_release(&t);
		if (same) {
			free(out.s);
			return 0;
		}
		strbuf_add(&out, text, t.value_start);
		/* "key:" with no value: the value goes after the colon. */
		if (t.value_start == t.value_end && t.value_start > 0 &&
		    text[t.value_start - 1] == ':')
			strbuf_puts(&out, " ");
		strbuf_puts(&out, val);
		/* A block scalar (| or >) takes its line break with it: put one back. */
		if (t.value_end > t.value_start && text[t.value_end - 1] == '\n')
			strbuf_puts(&out, "\n");
		strbuf_add(&out, text + t.value_end, len - t.value_end);
	} else {
		_cleanup_free_ char *k = scalar_text(key);
		size_t at = t.insert_at;
		strbuf_add(&out, text, at);
		if (at > 0 && text[at - 1] != '\n')
			strbuf_puts(&out, "\n");
		for (size_t i = 0; t.have_mapping && i < t.indent; i++)
			strbuf_puts(&out, " ");
		strbuf_printf(&out, "%s: %s\n", k, val);
		strbuf_add(&out, text + at, len - at);
		yaml_top_release(&t);
	}
	/* The result must read back as the same mapping with the key set. */
	_cleanup_free_ char *check = NULL;
	_cleanup_error_ struct gp_error e = GP_ERROR_INIT;
	size_t n = strlen(out.s);
	if (yaml_get_top_scalar(out.s, n, key, &check, &e) != 1 || strcmp(check, value) != 0) {
		free(out.s);
		gp_error_set(err, "setting %s would not give valid YAML%s%s", key,
		             e.msg ? ": " : "", e.msg ? e.msg : "");
		return gp_error_hint(err, "edit the file by hand; it was left as it was");
	}
	*ret_text = out.s;
	*ret_len = n;
	return 1;
}
