// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The input is both a value for yaml_quote() and a template for
 * template_render(). yaml_quote must give a scalar with no raw control
 * character that unescapes back to exactly the input (or NULL); the
 * renderer must not crash on any template.
 */
#include <stdint.h>
#include <string.h>

#include "template.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
put_utf8(char **p, unsigned cp)
{
	char *o = *p;
	if (cp < 0x80) {
		*o++ = (char)cp;
	} else if (cp < 0x800) {
		*o++ = (char)(0xc0 | (cp >> 6));
		*o++ = (char)(0x80 | (cp & 0x3f));
	} else {
		*o++ = (char)(0xe0 | (cp >> 12));
		*o++ = (char)(0x80 | ((cp >> 6) & 0x3f));
		*o++ = (char)(0x80 | (cp & 0x3f));
	}
	*p = o;
}

/* Undo yaml_quote's escapes; aborts on anything it should not have written. */
static char *
unquote(const char *q)
{
	size_t n = strlen(q);
	if (n < 2 || q[0] != '"' || q[n - 1] != '"')
		abort();
	char *out = xmalloc(n), *o = out;
	for (size_t i = 1; i < n - 1; i++) {
		unsigned char c = (unsigned char)q[i];
		if (c < 0x20 || c == 0x7f || c == '"')
			abort();
		if (c != '\\') {
			*o++ = (char)c;
			continue;
		}
		c = (unsigned char)q[++i];
		if (c == '"' || c == '\\')
			*o++ = (char)c;
		else if (c == 'n')
			*o++ = '\n';
		else if (c == 't')
			*o++ = '\t';
		else if (c == 'r')
			*o++ = '\r';
		else if (c == 'u' && i + 4 < n - 1) {
			char hex[5] = {q[i + 1], q[i + 2], q[i + 3], q[i + 4], 0};
			put_utf8(&o, (unsigned)strtoul(hex, NULL, 16));
			i += 4;
		} else
			abort();
	}
	*o = '\0';
	return out;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	_cleanup_free_ char *s = xstrndup((const char *)data, size);

	_cleanup_free_ char *q = yaml_quote(s);
	if (q) {
		_cleanup_free_ char *back = unquote(q);
		if (strcmp(back, s) != 0)
			abort();
	}

	static const struct template_var vars[] = {{"a", "x: y"}, {"b", NULL}, {"n", "4"}};
	_cleanup_error_ struct gp_error err = GP_ERROR_INIT;
	_cleanup_free_ char *out = NULL;
	if (template_render("fuzz", s, vars, GP_ARRAY_SIZE(vars), &out, &err) == 0) {
		if (!out || gp_error_is_set(&err))
			abort();
	} else if (out || !err.msg) {
		abort();
	}
	return 0;
}
