// SPDX-License-Identifier: GPL-2.0-or-later
#include "template.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

/*
 * Decode one UTF-8 sequence at s (strict: no overlong forms, no surrogates,
 * nothing above U+10FFFF). Returns its length, or 0 when it is not valid.
 */
static size_t
utf8_decode(const unsigned char *s, uint32_t *ret_cp)
{
	uint32_t cp, min;
	size_t n;

	if (s[0] < 0x80) {
		*ret_cp = s[0];
		return 1;
	} else if ((s[0] & 0xe0) == 0xc0) {
		cp = s[0] & 0x1f, n = 2, min = 0x80;
	} else if ((s[0] & 0xf0) == 0xe0) {
		cp = s[0] & 0x0f, n = 3, min = 0x800;
	} else if ((s[0] & 0xf8) == 0xf0) {
		cp = s[0] & 0x07, n = 4, min = 0x10000;
	} else {
		return 0;
	}
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	*ret_cp = cp;
	return n;
}

/* Characters YAML does not allow raw, or folds or strips inside a quoted scalar. */
static bool
yaml_needs_escape(uint32_t cp)
{
	return cp < 0x20 || (cp >= 0x7f && cp <= 0x9f) || cp == 0x2028 || cp == 0x2029 ||
	       cp == 0xfeff || cp == 0xfffe || cp == 0xffff;
}

char *
yaml_quote(const char *s)
{
	struct strbuf b = {0};
	const unsigned char *p = (const unsigned char *)s;

	strbuf_puts(&b, "\"");
	while (*p) {
		uint32_t cp;
		size_t n = utf8_decode(p, &cp);
		if (n == 0) {
			free(b.s);
			return NULL;
		}
		if (cp == '"') {
			strbuf_puts(&b, "\\\"");
		} else if (cp == '\\') {
			strbuf_puts(&b, "\\\\");
		} else if (cp == '\n') {
			strbuf_puts(&b, "\\n");
		} else if (cp == '\t') {
			strbuf_puts(&b, "\\t");
		} else if (cp == '\r') {
			strbuf_puts(&b, "\\r");
		} else if (yaml_needs_escape(cp)) {
			char esc[8];
			snprintf(esc, sizeof(esc), "\\u%04X", (unsigned)cp);
			strbuf_puts(&b, esc);
		} else {
			strbuf_add(&b, (const char *)p, n);
		}
		p += n;
	}
	strbuf_puts(&b, "\"");
	return b.s;
}

const struct template_file *
template_find(const char *name)
{
	for (size_t i = 0; i < template_files_count; i++)
		if (strcmp(template_files[i].name, name) == 0)
			return &template_files[i];
	return NULL;
}

#define TEMPLATE_MAX_DEPTH 16

struct render {
	const char *name, *text;
	const struct template_var *vars;
	size_t n_vars;
	struct gp_error *err;
	struct strbuf out;
	/* The open sections, innermost last, and how many of them drop their text. */
	struct {
		const char *name;
		size_t len, pos;
		bool drop;
	} open[TEMPLATE_MAX_DEPTH];
	size_t depth, dropping;
};

static int _printf_(3, 4) render_error(struct render *r, size_t pos, const char *fmt, ...)
{
	unsigned line = 1, col = 1;
	va_list ap;

	for (size_t i = 0; i < pos; i++) {
		if (r->text[i] == '\n')
			line++, col = 1;
		else
			col++;
	}
	va_start(ap, fmt);
	_cleanup_free_ char *m = xvasprintf(fmt, ap);
	va_end(ap);
	return gp_error_set(r->err, "template '%s': %u:%u: %s", r->name, line, col, m);
}

static const struct template_var *
render_lookup(struct render *r, const char *name, size_t len)
{
	for (size_t i = 0; i < r->n_vars; i++)
		if (strlen(r->vars[i].name) == len && memcmp(r->vars[i].name, name, len) == 0)
			return &r->vars[i];
	return NULL;
}

/* One tag, "{{...}}" at pos with its inside from name to name + len. */
static int
render_tag(struct render *r, size_t pos, char kind, const char *name, size_t len)
{
	const struct template_var *v = render_lookup(r, name, len);
	if (!v)
		return render_error(r, pos, "unknown name '%.*s'", (int)len, name);

	if (kind == '#') {
		if (r->depth == TEMPLATE_MAX_DEPTH)
			return render_error(r, pos, "sections nested more than %d deep",
			                    TEMPLATE_MAX_DEPTH);
		bool drop = !v->value;
		r->open[r->depth].name = name;
		r->open[r->depth].len = len;
		r->open[r->depth].pos = pos;
		r->open[r->depth].drop = drop;
		r->depth++;
		r->dropping += drop;
		return 0;
	}
	if (kind == '/') {
		if (r->depth == 0)
			return render_error(r, pos, "'{{/%.*s}}' closes no section", (int)len,
			                    name);
		r->depth--;
		if (r->open[r->depth].len != len || memcmp(r->open[r->depth].name, name, len) != 0)
			return render_error(r, pos, "'{{/%.*s}}' closes '{{#%.*s}}'", (int)len,
			                    name, (int)r->open[r->depth].len,
			                    r->open[r->depth].name);
		r->dropping -= r->open[r->depth].drop;
		return 0;
	}
	if (r->dropping)
		return 0;
	if (!v->value)
		return render_error(r, pos, "'%.*s' has no value", (int)len, name);
	if (kind == '&') {
		strbuf_puts(&r->out, v->value);
		return 0;
	}
	_cleanup_free_ char *q = yaml_quote(v->value);
	if (!q)
		return render_error(r, pos, "the value of '%.*s' is not valid UTF-8", (int)len,
		                    name);
	strbuf_puts(&r->out, q);
	return 0;
}

int
template_render(const char *name, const char *text, const struct template_var *vars, size_t n_vars,
                char **ret_out, struct gp_error *err)
{
	struct render r = {.name = name, .text = text, .vars = vars, .n_vars = n_vars, .err = err};
	size_t pos = 0;

	for (;;) {
		const char *tag_open = strstr(text + pos, "{{");
		size_t start = tag_open ? (size_t)(tag_open - text) : strlen(text);
		size_t text_end = start;
		const char *tag_close = tag_open ? strstr(tag_open + 2, "}}") : NULL;
		size_t end = tag_close ? (size_t)(tag_close - text) + 2 : 0;
		char kind = tag_open ? tag_open[2] : 0;
		bool section = kind == '#' || kind == '/';

		/* A section tag alone on its line takes the whole line with it. */
		if (tag_close && section) {
			size_t bol = start, eol = end;
			while (bol > pos && (text[bol - 1] == ' ' || text[bol - 1] == '\t'))
				bol--;
			while (text[eol] == ' ' || text[eol] == '\t')
				eol++;
			if ((bol == 0 || text[bol - 1] == '\n') &&
			    (text[eol] == '\n' || !text[eol])) {
				text_end = bol;
				end = text[eol] ? eol + 1 : eol;
			}
		}
		if (!r.dropping)
			strbuf_add(&r.out, text + pos, text_end - pos);
		if (!tag_open)
			break;
		if (!tag_close) {
			render_error(&r, start, "'{{' is not closed");
			goto fail;
		}

		const char *tag = tag_open + 2;
		size_t len = (size_t)(tag_close - tag);
		if (kind == '#' || kind == '/' || kind == '&')
			tag++, len--;
		if (len == 0 || strspn(tag, "abcdefghijklmnopqrstuvwxyz0123456789_") < len) {
			render_error(&r, start, "bad tag '%.*s'", (int)(tag_close + 2 - tag_open),
			             tag_open);
			goto fail;
		}
		if (render_tag(&r, start, kind, tag, len) < 0)
			goto fail;
		pos = end;
	}
	if (r.depth > 0) {
		render_error(&r, r.open[r.depth - 1].pos, "'{{#%.*s}}' is not closed",
		             (int)r.open[r.depth - 1].len, r.open[r.depth - 1].name);
		goto fail;
	}
	if (!r.out.s)
		r.out.s = xstrdup("");
	*ret_out = r.out.s;
	return 0;
fail:
	free(r.out.s);
	return -1;
}
