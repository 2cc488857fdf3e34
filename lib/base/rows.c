// SPDX-License-Identifier: GPL-2.0-or-later
#include "rows.h"

#include <string.h>

char *
rows_cell_text(const json_t *v)
{
	if (!v || json_is_null(v))
		return xstrdup("-");
	if (json_is_string(v))
		return xstrdup(json_string_value(v));
	if (json_is_true(v))
		return xstrdup("yes");
	if (json_is_false(v))
		return xstrdup("no");
	if (json_is_integer(v))
		return xasprintf("%lld", (long long)json_integer_value(v));
	if (json_is_real(v))
		return xasprintf("%g", json_real_value(v));
	if (json_is_array(v)) {
		if (json_array_size(v) == 0)
			return xstrdup("-");
		char *out = xstrdup("");
		size_t i;
		json_t *e;
		json_array_foreach (v, i, e) {
			_cleanup_free_ char *t = rows_cell_text(e);
			char *n = xasprintf("%s%s%s", out, i ? "," : "", t);
			free(out);
			out = n;
		}
		return out;
	}
	char *s = json_dumps(v, JSON_COMPACT);
	return s ? s : xstrdup("?");
}

static void
buf_pad(struct strbuf *b, size_t n)
{
	while (n--)
		strbuf_add(b, " ", 1);
}

/* Display width, counting UTF-8 code points rather than bytes. */
static size_t
text_width(const char *s)
{
	size_t w = 0;
	for (; *s; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			w++;
	return w;
}

char *
rows_format_table(const struct rows_column *cols, size_t ncols, const json_t *rows, bool color)
{
	size_t nrows = json_array_size(rows);
	_cleanup_free_ size_t *width = xcalloc(ncols, sizeof(size_t));
	char **cells = xcalloc(nrows * ncols + 1, sizeof(char *));

	for (size_t c = 0; c < ncols; c++)
		width[c] = text_width(cols[c].header);
	for (size_t r = 0; r < nrows; r++) {
		const json_t *row = json_array_get(rows, r);
		for (size_t c = 0; c < ncols; c++) {
			char *t = rows_cell_text(json_object_get(row, cols[c].key));
			/* A cell never breaks the table's lines. */
			for (char *p = t; *p; p++)
				if (*p == '\n' || *p == '\t')
					*p = ' ';
			cells[r * ncols + c] = t;
			size_t w = text_width(t);
			if (w > width[c])
				width[c] = w;
		}
	}

	struct strbuf b = {0};
	strbuf_puts(&b, "");
	if (color)
		strbuf_puts(&b, "\033[1m");
	for (size_t c = 0; c < ncols; c++) {
		strbuf_puts(&b, cols[c].header);
		if (c + 1 < ncols)
			buf_pad(&b, width[c] - text_width(cols[c].header) + 2);
	}
	if (color)
		strbuf_puts(&b, "\033[0m");
	strbuf_puts(&b, "\n");
	for (size_t r = 0; r < nrows; r++) {
		for (size_t c = 0; c < ncols; c++) {
			const char *t = cells[r * ncols + c];
			strbuf_puts(&b, t);
			if (c + 1 < ncols)
				buf_pad(&b, width[c] - text_width(t) + 2);
		}
		strbuf_puts(&b, "\n");
	}
	for (size_t i = 0; i < nrows * ncols; i++)
		free(cells[i]);
	free(cells);
	return b.s;
}

char *
rows_format_json(const json_t *doc)
{
	_cleanup_free_ char *s =
	        json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(15));
	if (!s)
		return xstrdup("null\n");
	return xasprintf("%s\n", s);
}
