/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A tiny renderer for the YAML templates in templates/, which the build turns
 * into C arrays (templates/embed.py), so an air-gapped node needs nothing
 * beside the binary.
 *
 * The syntax, all of it:
 *   {{name}}               the value, as a YAML double-quoted scalar (yaml_quote)
 *   {{&name}}              the value as it is, for values the program made (numbers)
 *   {{#name}} ... {{/name}} kept when name has a value, dropped when it is NULL
 * Names are [a-z0-9_]+. A section tag alone on its line takes the whole line
 * with it, so templates stay readable. Every name used must be in the list,
 * also inside dropped sections: a misspelled name is an error, not a blank.
 */
#pragma once

#include <stddef.h>

#include "error.h"

struct template_var {
	const char *name;
	const char *value; /* NULL: unset (its sections are dropped) */
};

struct template_file {
	const char *name; /* "device-plugin.yaml" */
	const char *text; /* NUL-terminated */
	size_t len;
};

/* The files of templates/, generated at build time. */
extern const struct template_file template_files[];
extern const size_t template_files_count;

/* The built-in template by file name, or NULL. */
const struct template_file *template_find(const char *name);

/*
 * Render text (named name in errors) with vars into a fresh string. Errors
 * (a template bug, or a value that is not UTF-8) name the template and
 * line:col of the tag.
 */
int template_render(const char *name, const char *text, const struct template_var *vars,
                    size_t n_vars, char **ret_out, struct gp_error *err);

/*
 * s as a YAML double-quoted scalar, quotes included, that parses back to
 * exactly s whatever it holds: '"' and '\' are escaped, newline, tab and CR
 * as \n \t \r, every other control or non-printable character (C0, DEL, C1,
 * U+2028, U+2029, U+FEFF, U+FFFE, U+FFFF) as \uXXXX; the rest of UTF-8 stays
 * as it is. Returns NULL when s is not valid UTF-8.
 */
char *yaml_quote(const char *s);
