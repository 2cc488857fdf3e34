/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A TOML 1.0 reader and editor that keeps every byte it does not have to
 * change: comments, blank lines, key order, quoting, whitespace and
 * indentation.
 *
 * A document is its text (one buffer) plus an index of spans into it: one
 * node per table, array and value, each naming the bytes it came from. An edit
 * splices new bytes into the text, touching only the lines it must, moves the
 * offsets after the splice and has the parser read just the new bytes in
 * their place. The index always describes exactly the text that
 * toml_doc_text() returns, and an edit can never leave invalid TOML behind
 * (if it would, the text is put back and the edit fails).
 *
 * Key paths are NULL-terminated arrays of decoded key names:
 *
 *	toml_get_bool(doc, TOML_PATH("plugins", "io.containerd.grpc.v1.cri", "containerd",
 *				     "runtimes", "runc", "options", "SystemdCgroup"), &b, err);
 *
 * A path goes through [table] headers, [a.b.c] headers, dotted keys and inline
 * tables alike; through an array of tables ([[x]]) it goes into the last
 * element, as a [x.y] header would.
 *
 * Parse errors read "LINE:COL: message" (both 1-based, COL counted in
 * characters), e.g. "12:5: expected '='".
 */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"

struct toml_doc;
/* A read handle into a document; valid until the next edit or toml_doc_free(). */
struct toml_node;

enum toml_type {
	TOML_NONE = 0, /* no such key */
	TOML_STRING,
	TOML_INTEGER,
	TOML_FLOAT,
	TOML_BOOL,
	TOML_DATETIME,       /* offset date-time: 1979-05-27T07:32:00Z */
	TOML_DATETIME_LOCAL, /* 1979-05-27T07:32:00 */
	TOML_DATE_LOCAL,     /* 1979-05-27 */
	TOML_TIME_LOCAL,     /* 07:32:00 */
	TOML_ARRAY,          /* a static array, or an array of tables ([[x]]) */
	TOML_TABLE,
};

struct toml_datetime {
	enum toml_type type; /* one of the four date/time types */
	int year, month, day;
	int hour, minute, second;
	int nanosecond;
	int offset_minutes; /* TOML_DATETIME only: minutes east of UTC */
};

#define TOML_PATH(...) ((const char *const[]){__VA_ARGS__, NULL})
/* The empty path: the root table. */
#define TOML_ROOT ((const char *const[]){NULL})

/* Parse a copy of text[0..len). Errors are "LINE:COL: message". */
int toml_doc_parse(const char *text, size_t len, struct toml_doc **ret_doc, struct gp_error *err);
/* Read and parse a file. Errors are "PATH:LINE:COL: message" or name the file. */
int toml_doc_load(const char *path, struct toml_doc **ret_doc, struct gp_error *err);
void toml_doc_free(struct toml_doc *doc);
static inline void
toml_doc_freep(struct toml_doc **doc)
{
	toml_doc_free(*doc);
}
#define _cleanup_toml_doc_ _cleanup_(toml_doc_freep)

/*
 * Free the document and return its text (NUL-terminated, *ret_len bytes) as a malloc'd
 * string, without ever holding the index, the text and a copy at once: for a big config,
 * what the caller keeps once the edits are done.
 */
char *toml_doc_finish(struct toml_doc *doc, size_t *ret_len);
/* The document's current text, every byte as parsed plus the edits. Not a copy. */
const char *toml_doc_text(const struct toml_doc *doc, size_t *ret_len);

/* "a.\"b.c\".d": a path written as a TOML key, quoting only where needed. */
char *toml_path_format(const char *const *path);

/*
 * Reading by path. The getters return 1 and set *ret when the key exists, 0
 * when it does not (leaving *ret alone), and -1 when it holds another type
 * ("LINE:COL: 'a.b' is an integer, not a string", at the key, with a hint).
 */
enum toml_type toml_get_type(const struct toml_doc *doc, const char *const *path);
/* True when the table exists, defined explicitly or only implied by a deeper header. */
bool toml_table_exists(const struct toml_doc *doc, const char *const *path);
/* True when the table has its own [header], is defined by dotted keys, or is inline. */
bool toml_table_is_explicit(const struct toml_doc *doc, const char *const *path);
int toml_get_string(const struct toml_doc *doc, const char *const *path, char **ret,
                    struct gp_error *err);
int toml_get_bool(const struct toml_doc *doc, const char *const *path, bool *ret,
                  struct gp_error *err);
int toml_get_int(const struct toml_doc *doc, const char *const *path, int64_t *ret,
                 struct gp_error *err);
int toml_get_float(const struct toml_doc *doc, const char *const *path, double *ret,
                   struct gp_error *err);
int toml_get_datetime(const struct toml_doc *doc, const char *const *path,
                      struct toml_datetime *ret, struct gp_error *err);
/* An array whose elements are all strings, as a NULL-terminated vector. */
int toml_get_strv(const struct toml_doc *doc, const char *const *path, char ***ret,
                  struct gp_error *err);
/* The keys of a table, in document order, as a NULL-terminated vector. */
int toml_table_keys(const struct toml_doc *doc, const char *const *path, char ***ret,
                    struct gp_error *err);

/* Reading by handle: for walking tables and arrays. */
const struct toml_node *toml_root(const struct toml_doc *doc);
/* NULL when absent. */
const struct toml_node *toml_lookup(const struct toml_doc *doc, const char *const *path);
enum toml_type toml_node_type(const struct toml_node *node);
/* The child of a table by key, NULL when absent. */
const struct toml_node *toml_node_get(const struct toml_doc *doc, const struct toml_node *table,
                                      const char *key);
/* Children of a table or array in document order; NULL at the end. */
const struct toml_node *toml_node_first(const struct toml_doc *doc, const struct toml_node *node);
const struct toml_node *toml_node_next(const struct toml_doc *doc, const struct toml_node *node);
/* Number of keys of a table, or elements of an array. */
size_t toml_node_count(const struct toml_node *node);
/* The decoded key of a table's child (not NUL-terminated: keys may hold NUL). */
const char *toml_node_key(const struct toml_doc *doc, const struct toml_node *node,
                          size_t *ret_len);
/* The value's bytes in the text, as written ("'x'", "0x10", "[1, 2]"). */
const char *toml_node_raw(const struct toml_doc *doc, const struct toml_node *node,
                          size_t *ret_len);
/* True for a table that only exists because a deeper [a.b.c] header implies it. */
bool toml_node_is_implicit(const struct toml_node *node);
/* "a table", "an array of tables", "an integer", ...: what a node is, for messages. */
const char *toml_node_kind(const struct toml_node *node);
/*
 * Where a node is written (1-based; columns in characters): a key-value's key,
 * a [header] table's '[', an array of tables' first [[header]], an array
 * element's value.
 */
void toml_node_line_col(const struct toml_doc *doc, const struct toml_node *node,
                        unsigned *ret_line, unsigned *ret_col);
/*
 * Put the file's name in front of an error from this library: "FILE:LINE:COL:
 * message" when the message starts with a position, else "FILE: message".
 * Returns -1.
 */
int toml_error_in(struct gp_error *err, const char *file);
/* Typed values; -1 when the node has another type. ret_len may be NULL. */
int toml_node_string(const struct toml_doc *doc, const struct toml_node *node, char **ret,
                     size_t *ret_len, struct gp_error *err);
int toml_node_bool(const struct toml_doc *doc, const struct toml_node *node, bool *ret,
                   struct gp_error *err);
int toml_node_int(const struct toml_doc *doc, const struct toml_node *node, int64_t *ret,
                  struct gp_error *err);
int toml_node_float(const struct toml_doc *doc, const struct toml_node *node, double *ret,
                    struct gp_error *err);
int toml_node_datetime(const struct toml_doc *doc, const struct toml_node *node,
                       struct toml_datetime *ret, struct gp_error *err);

/*
 * Editing. Each edit returns 1 when it changed the text, 0 when there was
 * nothing to do (the value was already equal, the table already there, the
 * key already absent), and -1 with err set otherwise; on -1 the text is as
 * it was.
 *
 * Setting a key that exists replaces only its value's bytes. A new key goes
 * on a new line after the last key-value line of its table's section,
 * indented like its siblings; its table is created first when missing. In an
 * inline table the key is added inside the braces. New keys are quoted only
 * when needed; strings are written as basic strings.
 */
int toml_set_string(struct toml_doc *doc, const char *const *path, const char *value,
                    struct gp_error *err);
int toml_set_bool(struct toml_doc *doc, const char *const *path, bool value, struct gp_error *err);
int toml_set_int(struct toml_doc *doc, const char *const *path, int64_t value,
                 struct gp_error *err);
int toml_set_strv(struct toml_doc *doc, const char *const *path, const char *const *values,
                  struct gp_error *err);
/* Set to a value written in TOML ("{ a = 1 }", "[1, 2]", "'lit'"); it is validated. */
int toml_set_raw(struct toml_doc *doc, const char *const *path, const char *value,
                 struct gp_error *err);
/*
 * toml_set_raw() for a value as another document wrote it (toml_node_raw): it is one valid
 * value already, so it is not parsed on its own first (a copy of a table's keys would parse
 * each twice). The edit still checks it in place and fails, changing nothing, if it is not.
 */
int toml_set_raw_parsed(struct toml_doc *doc, const char *const *path, const char *value,
                        struct gp_error *err);
/*
 * Make sure a table exists with its own header. A new [a."b.c".d] header goes
 * after the last existing sub-table of its parent, indented like its
 * siblings, with a blank line before it where the siblings have one. A table
 * only implied by deeper headers gets its header just before the first of
 * them.
 */
int toml_table_create(struct toml_doc *doc, const char *const *path, struct gp_error *err);
/* Delete a key: its whole line, trailing comment included (inside braces: the pair). */
int toml_delete(struct toml_doc *doc, const char *const *path, struct gp_error *err);

/*
 * The document as toml-test's tagged JSON: every leaf is
 * {"type": "integer", "value": "42"}, tables are objects, arrays are arrays.
 */
json_t *toml_doc_to_json(const struct toml_doc *doc);

/*
 * For tests and fuzzing: true when the index that edits kept up to date is the
 * one that indexing the text from scratch gives (tree, order, spans, sections,
 * lookups).
 */
bool toml_doc_check(const struct toml_doc *doc);
