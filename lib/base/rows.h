/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The one row model: every listing is built once as a JSON array of objects,
 * then rendered either as an aligned table or as --json. lib/ only formats
 * into strings; cmd/ prints them.
 */
#pragma once

#include <jansson.h>
#include <stdbool.h>

#include "util.h"

struct rows_column {
	const char *header; /* "ADDRESS" */
	const char *key;    /* "pci_address" */
};

/*
 * Render rows (a JSON array of objects) as a table: a header line, then one
 * line per row, columns separated by two spaces, the last column unpadded.
 * Strings print as they are, booleans as yes/no, null or a missing key as "-",
 * arrays as comma-separated values. With color, the header is bold.
 * Returns a fresh string ending in a newline.
 */
char *rows_format_table(const struct rows_column *cols, size_t ncols, const json_t *rows,
                        bool color);

/* Render one cell's value as the table would; returns a fresh string. */
char *rows_cell_text(const json_t *v);

/* Serialize a document as --json prints it: 2-space indent, keys in insertion order, newline. */
char *rows_format_json(const json_t *doc);

/* jansson itself provides json_decrefp() for cleanup attributes. */
#define _cleanup_json_ _cleanup_(json_decrefp)
