/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Editing a JSON object file (daemon.json) in place: jansson parses and
 * validates, and each edit splices only the bytes of the value it changes
 * into the original text. Every other byte stays: key order, spacing,
 * indentation (tabs, 2 or 4 spaces, detected), inline objects and arrays, and
 * the trailing newline. New members copy the layout of their siblings; a new
 * nested object is laid out with the file's indentation.
 *
 * After every edit the text is parsed again and compared with the expected
 * value, so an edit can never produce a file that means something else.
 *
 * A missing, empty or whitespace-only file reads as {}. The document must be
 * an object; duplicate keys and NUL bytes are refused.
 */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "error.h"

struct jsonedit_doc;

/*
 * Parse text. name is used in errors ("<name>:3:5: string or '}' expected near
 * '}'"). Errors: malformed JSON (with line:col), duplicate keys, not an object.
 */
int jsonedit_parse(const char *name, const char *text, size_t len, struct jsonedit_doc **ret,
                   struct gp_error *err);
void jsonedit_free(struct jsonedit_doc *doc);
static inline void
jsonedit_freep(struct jsonedit_doc **doc)
{
	jsonedit_free(*doc);
}

/* The current text (NUL-terminated) and its length. */
const char *jsonedit_text(const struct jsonedit_doc *doc, size_t *ret_len);
/* The detected indentation unit: "\t", "  ", "    ", ... */
const char *jsonedit_indent(const struct jsonedit_doc *doc);
/* The current document (an object); valid until the next edit. */
const json_t *jsonedit_root(const struct jsonedit_doc *doc);
/* The value at a NULL-terminated key path, or NULL. */
const json_t *jsonedit_get(const struct jsonedit_doc *doc, const char *const *path);

/*
 * Set the member at a NULL-terminated key path to value (borrowed), creating
 * missing objects on the way. Every key but the last must name an object.
 */
int jsonedit_set(struct jsonedit_doc *doc, const char *const *path, const json_t *value,
                 struct gp_error *err);
/* Remove the member at path; a missing member is not an error. */
int jsonedit_delete(struct jsonedit_doc *doc, const char *const *path, struct gp_error *err);

/* Array edits at path (which must name an array). */
int jsonedit_array_append(struct jsonedit_doc *doc, const char *const *path, const json_t *value,
                          struct gp_error *err);
int jsonedit_array_set(struct jsonedit_doc *doc, const char *const *path, size_t index,
                       const json_t *value, struct gp_error *err);
int jsonedit_array_delete(struct jsonedit_doc *doc, const char *const *path, size_t index,
                          struct gp_error *err);

/*
 * Refuse the value at path for its type: "<name>:L:C: 'a.b' is an array, not
 * an object" (want: "an object"), pointing at the value, with a default hint
 * the caller may replace. Returns -1.
 */
int jsonedit_type_error(const struct jsonedit_doc *doc, const char *const *path, const char *want,
                        struct gp_error *err);
/* Line and column (1-based, in characters) where the value at path starts. */
void jsonedit_position(const struct jsonedit_doc *doc, const char *const *path, unsigned *ret_line,
                       unsigned *ret_col);

/* "object", "array", "string", "number", "true", "false", "null". */
const char *jsonedit_type_name(const json_t *v);

/* The key path as the user would write it: "runtimes.nvidia.path". Fresh string. */
char *jsonedit_path_str(const char *const *path);
