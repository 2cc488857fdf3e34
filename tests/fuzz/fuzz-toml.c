// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Fuzz the TOML parser and editor. For every input that parses:
 *   - writing it back gives the same bytes;
 *   - each edit (set a string, an integer and an array, create a table,
 *     delete a key) either fails and leaves the text as it was, or leaves a
 *     text that parses again, to the same values as the edited document holds,
 *     and the index the edit kept up to date is the one a fresh parse builds;
 *   - a set value reads back.
 * The edits go along two paths: the first key at each level, and the first
 * table at each level. Any broken promise aborts.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "toml.h"
#include "util.h"

static bool
same_json(const struct toml_doc *a, const struct toml_doc *b)
{
	json_t *ja = toml_doc_to_json(a), *jb = toml_doc_to_json(b);
	bool eq = json_equal(ja, jb);
	json_decref(ja);
	json_decref(jb);
	return eq;
}

/* After an edit: a failure changed nothing; a success left a valid, consistent text. */
static void
check_edit(struct toml_doc *doc, int r, const char *before, size_t before_len)
{
	size_t len;
	const char *text = toml_doc_text(doc, &len);
	if (r < 0) {
		if (len != before_len || memcmp(text, before, len) != 0)
			abort();
		return;
	}
	if (r == 0 && (len != before_len || memcmp(text, before, len) != 0))
		abort();
	_cleanup_error_ struct gp_error err = GP_ERROR_INIT;
	struct toml_doc *again = NULL;
	if (toml_doc_parse(text, len, &again, &err) < 0)
		abort();
	if (!same_json(doc, again) || !toml_doc_check(doc))
		abort();
	toml_doc_free(again);
}

#define EDIT(call)                                                                                 \
	do {                                                                                       \
		size_t _bl;                                                                        \
		const char *_bt = toml_doc_text(doc, &_bl);                                        \
		char *_before = xmalloc(_bl + 1);                                                  \
		memcpy(_before, _bt, _bl);                                                         \
		struct gp_error _e = GP_ERROR_INIT;                                                \
		int _r = (call);                                                                   \
		check_edit(doc, _r, _before, _bl);                                                 \
		gp_error_release(&_e);                                                             \
		free(_before);                                                                     \
	} while (0)

/* The edits along one path down the document; tables: prefer a child that is a table. */
static void
edit_along(struct toml_doc *doc, bool tables)
{
	_cleanup_error_ struct gp_error err = GP_ERROR_INIT;
	const char *path[8] = {NULL};
	char *owned[8] = {NULL};
	size_t depth = 0;
	const struct toml_node *n = toml_root(doc);
	while (depth < 6 && toml_node_type(n) == TOML_TABLE) {
		const struct toml_node *c = toml_node_first(doc, n);
		if (tables)
			for (const struct toml_node *t = c; t; t = toml_node_next(doc, t))
				if (toml_node_type(t) == TOML_TABLE) {
					c = t;
					break;
				}
		if (!c)
			break;
		size_t kl;
		const char *k = toml_node_key(doc, c, &kl);
		if (memchr(k, '\0', kl))
			break;
		owned[depth] = xstrndup(k, kl);
		path[depth] = owned[depth];
		depth++;
		n = c;
	}

	EDIT(toml_set_string(doc, TOML_PATH("plugins", "io.containerd.grpc.v1.cri", "fuzz"),
	                     "v\"\\\n\x01", &_e));
	if (depth) {
		EDIT(toml_set_int(doc, path, -42, &_e));
		int64_t v;
		if (toml_get_type(doc, path) == TOML_INTEGER &&
		    (toml_get_int(doc, path, &v, &err) != 1 || v != -42))
			abort();
		gp_error_release(&err);
	}
	const char *sub[10] = {NULL};
	for (size_t i = 0; i < depth && i < 3; i++)
		sub[i] = path[i];
	size_t sd = depth < 3 ? depth : 3;
	sub[sd] = "new table";
	sub[sd + 1] = "k";
	EDIT(toml_set_strv(doc, sub, TOML_PATH("a", "b"), &_e));
	sub[sd + 1] = NULL;
	EDIT(toml_table_create(doc, sub, &_e));
	EDIT(toml_set_bool(doc, TOML_PATH("a", "b", "c"), true, &_e));
	if (depth)
		EDIT(toml_delete(doc, path, &_e));
	EDIT(toml_delete(doc, TOML_PATH("plugins", "io.containerd.grpc.v1.cri", "fuzz"), &_e));

	for (size_t i = 0; i < depth; i++)
		free(owned[i]);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	_cleanup_error_ struct gp_error err = GP_ERROR_INIT;
	struct toml_doc *doc = NULL;
	if (toml_doc_parse((const char *)data, size, &doc, &err) < 0)
		return 0;
	size_t len;
	const char *text = toml_doc_text(doc, &len);
	if (len != size || memcmp(text, data, size) != 0)
		abort();
	json_decref(toml_doc_to_json(doc));

	/*
	 * Two paths into the document: the first key of each table on the way down,
	 * and the first key that is a table (so edits reach the tables under
	 * [headers] and the inline tables in them, past the root's own keys).
	 */
	for (int tables = 0; tables < 2; tables++)
		edit_along(doc, tables);
	toml_doc_free(doc);
	return 0;
}
