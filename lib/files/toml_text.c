// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * TOML text, token by token: UTF-8, error positions, comments, strings, keys,
 * numbers and date-times as the parser reads them, and keys and strings as
 * the editor writes them. See toml_internal.h.
 */
#include "toml_internal.h"

#include <string.h>

static void
sb_add_utf8(struct sbuf *b, uint32_t cp)
{
	char u[4];
	size_t n;
	if (cp < 0x80) {
		u[0] = (char)cp;
		n = 1;
	} else if (cp < 0x800) {
		u[0] = (char)(0xC0 | (cp >> 6));
		u[1] = (char)(0x80 | (cp & 0x3F));
		n = 2;
	} else if (cp < 0x10000) {
		u[0] = (char)(0xE0 | (cp >> 12));
		u[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
		u[2] = (char)(0x80 | (cp & 0x3F));
		n = 3;
	} else {
		u[0] = (char)(0xF0 | (cp >> 18));
		u[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
		u[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
		u[3] = (char)(0x80 | (cp & 0x3F));
		n = 4;
	}
	sb_add(b, u, n);
}

/* The one-letter escapes of basic strings: pairs of the letter and what it stands for. */
static const char escapes[] = "b\bt\tn\nf\fr\r\"\"\\\\";

/* What \letter stands for, or 0 when it is not a one-letter escape. */
static char
escape_char(char letter)
{
	for (size_t i = 0; escapes[i]; i += 2)
		if (escapes[i] == letter)
			return escapes[i + 1];
	return 0;
}

/* The letter that escapes c, or 0. */
static char
escape_letter(char c)
{
	for (size_t i = 0; escapes[i]; i += 2)
		if (escapes[i + 1] == c)
			return escapes[i];
	return 0;
}

/* Offset of the first byte that is not valid UTF-8 (overlongs and surrogates included), or len. */
size_t
toml_utf8_check(const unsigned char *s, size_t len)
{
	size_t i = 0;
	while (i < len) {
		if (i + 8 <= len) {
			uint64_t w;
			memcpy(&w, s + i, 8);
			if (!(w & 0x8080808080808080ULL)) {
				i += 8;
				continue;
			}
		}
		unsigned char c = s[i];
		if (c < 0x80) {
			i++;
			continue;
		}
		size_t n;
		uint32_t cp;
		if (c >= 0xC2 && c <= 0xDF) {
			n = 1;
			cp = c & 0x1F;
		} else if (c >= 0xE0 && c <= 0xEF) {
			n = 2;
			cp = c & 0x0F;
		} else if (c >= 0xF0 && c <= 0xF4) {
			n = 3;
			cp = c & 0x07;
		} else {
			return i;
		}
		if (i + n >= len)
			return i;
		for (size_t k = 1; k <= n; k++) {
			if ((s[i + k] & 0xC0) != 0x80)
				return i;
			cp = (cp << 6) | (s[i + k] & 0x3F);
		}
		if (n == 2 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF)))
			return i;
		if (n == 3 && (cp < 0x10000 || cp > 0x10FFFF))
			return i;
		i += n + 1;
	}
	return len;
}

void
toml_pos_line_col(const char *s, size_t bom, size_t pos, unsigned *ret_line, unsigned *ret_col)
{
	unsigned line = 1, col = 1;
	size_t ls = 0;
	for (size_t i = 0; i < pos; i++)
		if (s[i] == '\n') {
			line++;
			ls = i + 1;
		}
	if (ls == 0)
		ls = bom < pos ? bom : pos;
	for (size_t i = ls; i < pos; i++)
		if (((unsigned char)s[i] & 0xC0) != 0x80)
			col++;
	*ret_line = line;
	*ret_col = col;
}

int _printf_(3, 4) toml_fail(struct parser *ps, size_t pos, const char *fmt, ...)
{
	if (gp_error_is_set(ps->err))
		return -1;
	unsigned line, col;
	toml_pos_line_col(ps->s, ps->doc->bom, pos > ps->len ? ps->len : pos, &line, &col);
	va_list ap;
	va_start(ap, fmt);
	_cleanup_free_ char *m = xvasprintf(fmt, ap);
	va_end(ap);
	return gp_error_set(ps->err, "%u:%u: %s", line, col, m);
}

/* Names the character at pos for a message: 'x', newline, U+0007, end of file. */
const char *
toml_what(struct parser *ps, size_t pos, char out[16])
{
	if (pos >= ps->len)
		return "end of file";
	unsigned char c = (unsigned char)ps->s[pos];
	if (c == '\n')
		return "newline";
	if (c == '\r')
		return "carriage return";
	if (c < 0x20 || c == 0x7F) {
		snprintf(out, 16, "U+%04X", c);
		return out;
	}
	size_t n = 1;
	if (c >= 0x80)
		while (n < 4 && pos + n < ps->len && ((unsigned char)ps->s[pos + n] & 0xC0) == 0x80)
			n++;
	snprintf(out, 16, "'%.*s'", (int)n, ps->s + pos);
	return out;
}

static int
scan_comment(struct parser *ps, size_t *pos)
{
	const char *s = ps->s;
	size_t p = *pos + 1;
	for (;;) {
		unsigned char c = (unsigned char)s[p];
		if ((c >= 0x20 && c != 0x7F) || c == '\t') {
			p++;
			continue;
		}
		if (c == '\n' || p >= ps->len || (c == '\r' && s[p + 1] == '\n'))
			break;
		char w[16];
		return toml_fail(ps, p, "control character %s in a comment", toml_what(ps, p, w));
	}
	*pos = p;
	return 0;
}

/* After a statement: white space, maybe a comment, then a newline or the end. */
int
toml_end_of_line(struct parser *ps, size_t *pos, const char *after)
{
	const char *s = ps->s;
	size_t p = skip_ws(s, *pos);
	if (s[p] == '#' && scan_comment(ps, &p) < 0)
		return -1;
	if (p >= ps->len) {
		*pos = p;
		return 0;
	}
	if (s[p] == '\n')
		p++;
	else if (s[p] == '\r' && s[p + 1] == '\n')
		p += 2;
	else {
		char w[16];
		return toml_fail(ps, p, "expected a newline after %s, found %s", after,
		                 toml_what(ps, p, w));
	}
	*pos = p;
	return 0;
}

/* White space, comments and newlines, as arrays allow between values. */
int
toml_skip_wcn(struct parser *ps, size_t *pos)
{
	const char *s = ps->s;
	size_t p = *pos;
	for (;;) {
		p = skip_ws(s, p);
		if (s[p] == '#') {
			if (scan_comment(ps, &p) < 0)
				return -1;
		} else if (s[p] == '\n') {
			p++;
		} else if (s[p] == '\r' && s[p + 1] == '\n') {
			p += 2;
		} else {
			break;
		}
	}
	*pos = p;
	return 0;
}

/* One escape sequence at s[p] == '\\' in a basic string. */
static int
scan_escape(struct parser *ps, size_t p, size_t *ret_next)
{
	const char *s = ps->s;
	char c = s[p + 1];
	if (c && escape_char(c)) {
		*ret_next = p + 2;
		return 0;
	}
	if (c != 'u' && c != 'U') {
		char w[16];
		return toml_fail(ps, p, "invalid escape sequence: backslash followed by %s",
		                 toml_what(ps, p + 1, w));
	}
	int nhex = c == 'u' ? 4 : 8;
	uint32_t cp = 0;
	for (int i = 0; i < nhex; i++) {
		int v = hex_value(s[p + 2 + i]);
		if (v < 0)
			return toml_fail(ps, p, "\\%c needs %d hexadecimal digits", c, nhex);
		cp = (cp << 4) | (uint32_t)v;
	}
	if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
		return toml_fail(ps, p, "\\%c%.*s is not a Unicode scalar value", c, nhex,
		                 s + p + 2);
	*ret_next = p + 2 + (size_t)nhex;
	return 0;
}

static inline bool
plain_char(unsigned char c)
{
	return (c >= 0x20 && c != 0x7F) || c == '\t';
}

static int
string_char_error(struct parser *ps, size_t q, const char *close)
{
	char w[16];
	if (q >= ps->len || ps->s[q] == '\n' || (ps->s[q] == '\r' && ps->s[q + 1] == '\n'))
		return toml_fail(ps, q, "expected %s to close the string, found %s", close,
		                 toml_what(ps, q, w));
	return toml_fail(ps, q, "control character %s in a string", toml_what(ps, q, w));
}

/* A string at s[p] (its opening quote); *ret_end is past the closing quote(s). */
int
toml_scan_string(struct parser *ps, size_t p, size_t *ret_end, bool *ret_escapes)
{
	const char *s = ps->s;
	char quote = s[p];
	bool ml = s[p + 1] == quote && s[p + 2] == quote;
	bool esc = false;
	size_t q = p + (ml ? 3 : 1);
	for (;;) {
		unsigned char c = (unsigned char)s[q];
		if (c == (unsigned char)quote) {
			if (!ml) {
				q++;
				break;
			}
			size_t n = 1;
			while (s[q + n] == quote)
				n++;
			if (n >= 3) {
				if (n > 5)
					return toml_fail(ps, q,
					                 "too many quotes at the end of a string");
				q += n;
				break;
			}
			q += n;
			continue;
		}
		if (c == '\\' && quote == '"') {
			esc = true;
			char nc = s[q + 1];
			if (ml && (is_ws(nc) || nc == '\n' || nc == '\r')) {
				size_t r = skip_ws(s, q + 1);
				if (s[r] == '\n')
					r++;
				else if (s[r] == '\r' && s[r + 1] == '\n')
					r += 2;
				else
					return toml_fail(
					        ps, q,
					        "a backslash followed by white space must end "
					        "the line");
				for (;;) {
					if (is_ws(s[r]) || s[r] == '\n')
						r++;
					else if (s[r] == '\r' && s[r + 1] == '\n')
						r += 2;
					else
						break;
				}
				q = r;
				continue;
			}
			if (scan_escape(ps, q, &q) < 0)
				return -1;
			continue;
		}
		if (plain_char(c)) {
			q++;
			continue;
		}
		if (ml && q < ps->len) {
			if (c == '\n') {
				q++;
				continue;
			}
			if (c == '\r' && s[q + 1] == '\n') {
				q += 2;
				continue;
			}
		}
		return string_char_error(ps, q,
		                         quote == '"' ? (ml ? "'\"\"\"'" : "'\"'")
		                                      : (ml ? "\"'''\"" : "\"'\""));
	}
	*ret_end = q;
	if (ret_escapes)
		*ret_escapes = esc;
	return 0;
}

/* Decode a valid string literal s[off, end) (quotes included) onto out. */
void
toml_decode_string(const char *s, size_t off, size_t end, struct sbuf *out)
{
	char quote = s[off];
	bool ml = end - off >= 6 && s[off + 1] == quote && s[off + 2] == quote;
	size_t p = off + (ml ? 3 : 1), e = end - (ml ? 3 : 1);
	if (ml) {
		if (s[p] == '\n')
			p++;
		else if (s[p] == '\r' && s[p + 1] == '\n')
			p += 2;
	}
	if (quote == '\'') {
		sb_add(out, s + p, e - p);
		return;
	}
	sb_grow(out, e - p);
	while (p < e) {
		const char *bs = memchr(s + p, '\\', e - p);
		size_t run = bs ? (size_t)(bs - (s + p)) : e - p;
		sb_add(out, s + p, run);
		p += run;
		if (p >= e)
			break;
		char c = s[p + 1], x = escape_char(c);
		if (x) {
			sb_addc(out, x);
			p += 2;
		} else if (c == 'u' || c == 'U') {
			int n = c == 'u' ? 4 : 8;
			uint32_t cp = 0;
			for (int i = 0; i < n; i++)
				cp = (cp << 4) | (uint32_t)hex_value(s[p + 2 + i]);
			sb_add_utf8(out, cp);
			p += 2 + (size_t)n;
		} else { /* a line-ending backslash: drop it and all white space after it */
			p++;
			while (p < e && (is_ws(s[p]) || s[p] == '\n' || s[p] == '\r'))
				p++;
		}
	}
}

static int
parse_simple_key(struct parser *ps, size_t *pos, struct kpart *kp)
{
	const char *s = ps->s;
	struct toml_doc *doc = ps->doc;
	size_t p = *pos;
	char c = s[p];
	kp->src = (uint32_t)p;
	kp->pool = false;
	if (is_bare(c)) {
		size_t q = p + 1;
		while (is_bare(s[q]))
			q++;
		kp->off = (uint32_t)p;
		kp->len = (uint32_t)(q - p);
		*pos = q;
	} else if (c == '"' || c == '\'') {
		if (s[p + 1] == c && s[p + 2] == c)
			return toml_fail(ps, p, "a key cannot be a multi-line string");
		size_t end;
		bool esc;
		if (toml_scan_string(ps, p, &end, &esc) < 0)
			return -1;
		if (esc) {
			struct sbuf b = {doc->pool, doc->pool_len, doc->pool_cap};
			size_t start = b.len;
			toml_decode_string(s, p, end, &b);
			doc->pool = b.p;
			doc->pool_len = b.len;
			doc->pool_cap = b.cap;
			kp->pool = true;
			kp->off = (uint32_t)start;
			kp->len = (uint32_t)(b.len - start);
		} else {
			kp->off = (uint32_t)(p + 1);
			kp->len = (uint32_t)(end - p - 2);
		}
		*pos = end;
	} else {
		char w[16];
		return toml_fail(ps, p, "expected a key, found %s", toml_what(ps, p, w));
	}
	kp->hash = hash_bytes((kp->pool ? doc->pool : doc->buf) + kp->off, kp->len);
	return 0;
}

/* A key, dotted or not, into ps->parts; *pos ends past the white space after it. */
int
toml_parse_key(struct parser *ps, size_t *pos)
{
	const char *s = ps->s;
	size_t p = *pos;
	ps->n_parts = 0;
	for (;;) {
		if (ps->n_parts == ps->cap_parts) {
			ps->cap_parts = ps->cap_parts ? ps->cap_parts * 2 : 16;
			ps->parts = xrealloc(ps->parts, ps->cap_parts * sizeof(*ps->parts));
		}
		if (parse_simple_key(ps, &p, &ps->parts[ps->n_parts]) < 0)
			return -1;
		ps->n_parts++;
		p = skip_ws(s, p);
		if (s[p] != '.')
			break;
		p = skip_ws(s, p + 1);
	}
	*pos = p;
	return 0;
}

/* Digits of a base, single underscores between them; SIZE_MAX when none at p. */
static size_t
scan_digits(const char *s, size_t p, size_t q, int base)
{
#define DIGIT_OK(c)                                                                                \
	(base == 16 ? hex_value(c) >= 0 : (c) >= '0' && (c) < '0' + (base < 10 ? base : 10))
	if (p >= q || !DIGIT_OK(s[p]))
		return SIZE_MAX;
	p++;
	while (p < q) {
		if (DIGIT_OK(s[p]))
			p++;
		else if (s[p] == '_' && p + 1 < q && DIGIT_OK(s[p + 1]))
			p += 2;
		else
			break;
	}
	return p;
#undef DIGIT_OK
}

/* The value of valid integer text s[p, q) (sign, base prefix, underscores); false on overflow. */
bool
toml_int_value(const char *s, size_t p, size_t q, int64_t *ret)
{
	bool neg = false;
	if (s[p] == '+' || s[p] == '-')
		neg = s[p++] == '-';
	int base = 10;
	if (s[p] == '0' && p + 1 < q && (s[p + 1] == 'x' || s[p + 1] == 'o' || s[p + 1] == 'b')) {
		base = s[p + 1] == 'x' ? 16 : s[p + 1] == 'o' ? 8 : 2;
		p += 2;
	}
	uint64_t v = 0, limit = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
	for (; p < q; p++) {
		if (s[p] == '_')
			continue;
		uint64_t d = (uint64_t)hex_value(s[p]);
		if (v > (limit - d) / (uint64_t)base)
			return false;
		v = v * (uint64_t)base + d;
	}
	*ret = neg ? (int64_t)(0 - v) : (int64_t)v;
	return true;
}

int
toml_scan_number(struct parser *ps, size_t p0, size_t q, uint8_t *ret_type)
{
	const char *s = ps->s;
	char w[16];
	size_t p = p0;
	bool sign = s[p] == '+' || s[p] == '-';
	if (sign)
		p++;
	if (q - p == 3 && (memcmp(s + p, "inf", 3) == 0 || memcmp(s + p, "nan", 3) == 0)) {
		*ret_type = TOML_FLOAT;
		return 0;
	}
	if (s[p] == '0' && p + 1 < q && (s[p + 1] == 'x' || s[p + 1] == 'o' || s[p + 1] == 'b')) {
		int base = s[p + 1] == 'x' ? 16 : s[p + 1] == 'o' ? 8 : 2;
		const char *name = base == 16 ? "hexadecimal" : base == 8 ? "octal" : "binary";
		if (sign)
			return toml_fail(ps, p0, "%s %s integer cannot have a sign",
			                 base == 8 ? "an" : "a", name);
		size_t r = scan_digits(s, p + 2, q, base);
		if (r == SIZE_MAX)
			return toml_fail(ps, p + 2, "expected %s digits, found %s", name,
			                 toml_what(ps, p + 2, w));
		if (r != q)
			return toml_fail(ps, r, "invalid character %s in %s %s integer",
			                 toml_what(ps, r, w), base == 8 ? "an" : "a", name);
		int64_t v;
		if (!toml_int_value(s, p0, q, &v))
			return toml_fail(ps, p0, "integer out of range");
		*ret_type = TOML_INTEGER;
		return 0;
	}
	size_t r = scan_digits(s, p, q, 10);
	if (r == SIZE_MAX) {
		if (q - p0 > 1 || is_bare(s[p0]))
			return toml_fail(ps, p0, "invalid value '%.*s'%s",
			                 (int)(q - p0 > 24 ? 24 : q - p0), s + p0,
			                 is_bare(s[p]) ? " (a string needs quotes)" : "");
		return toml_fail(ps, p0, "expected a value, found %s", toml_what(ps, p0, w));
	}
	if (s[p] == '0' && r > p + 1)
		return toml_fail(ps, p, "leading zeros are not allowed");
	bool is_float = false;
	if (r < q && s[r] == '.') {
		size_t r2 = scan_digits(s, r + 1, q, 10);
		if (r2 == SIZE_MAX)
			return toml_fail(ps, r + 1,
			                 "expected digits after the decimal point, found %s",
			                 toml_what(ps, r + 1, w));
		r = r2;
		is_float = true;
	}
	if (r < q && (s[r] == 'e' || s[r] == 'E')) {
		r++;
		if (r < q && (s[r] == '+' || s[r] == '-'))
			r++;
		size_t r2 = scan_digits(s, r, q, 10);
		if (r2 == SIZE_MAX)
			return toml_fail(ps, r, "expected digits in the exponent, found %s",
			                 toml_what(ps, r, w));
		r = r2;
		is_float = true;
	}
	if (r != q)
		return toml_fail(ps, r, "invalid character %s in a number", toml_what(ps, r, w));
	if (!is_float) {
		int64_t v;
		if (!toml_int_value(s, p0, q, &v))
			return toml_fail(ps, p0, "integer out of range");
	}
	*ret_type = is_float ? TOML_FLOAT : TOML_INTEGER;
	return 0;
}

static bool
two_digits(const char *s, size_t p, int *ret)
{
	if (!is_digit(s[p]) || !is_digit(s[p + 1]))
		return false;
	*ret = (s[p] - '0') * 10 + (s[p + 1] - '0');
	return true;
}

static int
days_in_month(int y, int m)
{
	static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return 29;
	return days[m - 1];
}

/*
 * A date-time at s[p, q) into ret (may be NULL); the text is known to start
 * like a date (DDDD-) or a time (DD:). Fails with a message when invalid.
 */
int
toml_scan_datetime(struct parser *ps, const char *s, size_t p, size_t q, struct toml_datetime *ret)
{
	struct toml_datetime dt = {0};
	size_t r = p;
	bool date = false;
	int hi, lo;
	if (is_digit(s[p + 2]) && s[p + 4] == '-') {
		if (q - p < 10 || !two_digits(s, p, &hi) || !two_digits(s, p + 2, &lo) ||
		    s[p + 4] != '-' || !two_digits(s, p + 5, &dt.month) || s[p + 7] != '-' ||
		    !two_digits(s, p + 8, &dt.day))
			return toml_fail(ps, p, "invalid date, expected YYYY-MM-DD");
		dt.year = hi * 100 + lo;
		if (dt.month < 1 || dt.month > 12)
			return toml_fail(ps, p + 5, "invalid month %02d", dt.month);
		if (dt.day < 1 || dt.day > days_in_month(dt.year, dt.month))
			return toml_fail(ps, p + 8, "invalid day %02d for %04d-%02d", dt.day,
			                 dt.year, dt.month);
		date = true;
		r = p + 10;
		if (r == q) {
			dt.type = TOML_DATE_LOCAL;
			goto done;
		}
		if (s[r] != 'T' && s[r] != 't' && s[r] != ' ')
			return toml_fail(ps, r, "expected 'T' between the date and the time");
		r++;
	}
	if (q - r < 8 || !two_digits(s, r, &dt.hour) || s[r + 2] != ':' ||
	    !two_digits(s, r + 3, &dt.minute) || s[r + 5] != ':' ||
	    !two_digits(s, r + 6, &dt.second))
		return toml_fail(ps, r, "invalid time, expected HH:MM:SS");
	if (dt.hour > 23 || dt.minute > 59 || dt.second > 60)
		return toml_fail(ps, r, "invalid time %.8s", s + r);
	r += 8;
	if (r < q && s[r] == '.') {
		r++;
		if (r >= q || !is_digit(s[r]))
			return toml_fail(ps, r,
			                 "expected digits after the decimal point in a time");
		int scale = 100000000;
		while (r < q && is_digit(s[r])) {
			dt.nanosecond += (s[r] - '0') * scale;
			scale /= 10;
			r++;
		}
	}
	if (!date) {
		dt.type = TOML_TIME_LOCAL;
	} else if (r < q && (s[r] == 'Z' || s[r] == 'z')) {
		dt.type = TOML_DATETIME;
		r++;
	} else if (r < q && (s[r] == '+' || s[r] == '-')) {
		int oh, om;
		if (q - r < 6 || !two_digits(s, r + 1, &oh) || s[r + 3] != ':' ||
		    !two_digits(s, r + 4, &om) || oh > 23 || om > 59)
			return toml_fail(ps, r, "invalid time offset, expected +HH:MM or -HH:MM");
		dt.offset_minutes = (s[r] == '-' ? -1 : 1) * (oh * 60 + om);
		dt.type = TOML_DATETIME;
		r += 6;
	} else {
		dt.type = TOML_DATETIME_LOCAL;
	}
done:
	if (r != q) {
		char w[16];
		return toml_fail(ps, r, "invalid character %s in a date-time", toml_what(ps, r, w));
	}
	if (ret)
		*ret = dt;
	return 0;
}

bool
toml_looks_like_date(const char *s, size_t p, size_t q)
{
	return q - p >= 5 && is_digit(s[p]) && is_digit(s[p + 1]) && is_digit(s[p + 2]) &&
	       is_digit(s[p + 3]) && s[p + 4] == '-';
}

bool
toml_looks_like_time(const char *s, size_t p, size_t q)
{
	return q - p >= 3 && is_digit(s[p]) && is_digit(s[p + 1]) && s[p + 2] == ':';
}

/* ---- keys and paths as text ---- */

static bool
key_is_bare(const char *k, size_t n)
{
	if (!n)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!is_bare(k[i]))
			return false;
	return true;
}

/* A string as a TOML basic string. */
void
toml_fmt_string(struct sbuf *b, const char *s, size_t n)
{
	sb_grow(b, n + 2);
	sb_addc(b, '"');
	for (size_t i = 0; i < n; i++) {
		char c = s[i], letter = escape_letter(c);
		if (letter) {
			sb_addc(b, '\\');
			sb_addc(b, letter);
		} else if ((unsigned char)c < 0x20 || c == 0x7F) {
			sb_addf(b, "\\u%04X", (unsigned char)c);
		} else {
			sb_addc(b, c);
		}
	}
	sb_addc(b, '"');
}

void
toml_fmt_key(struct sbuf *b, const char *k, size_t n)
{
	if (key_is_bare(k, n))
		sb_add(b, k, n);
	else
		toml_fmt_string(b, k, n);
}

char *
toml_path_format(const char *const *path)
{
	struct sbuf b = {0};
	sb_grow(&b, 0);
	b.p[0] = '\0';
	for (size_t i = 0; path[i]; i++) {
		if (i)
			sb_addc(&b, '.');
		toml_fmt_key(&b, path[i], strlen(path[i]));
	}
	return b.p;
}

char *
toml_path_prefix_format(const char *const *path, size_t n)
{
	struct sbuf b = {0};
	sb_grow(&b, 0);
	b.p[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		if (i)
			sb_addc(&b, '.');
		toml_fmt_key(&b, path[i], strlen(path[i]));
	}
	return b.p;
}

/* The keys from the root down to id (array elements are skipped), as a TOML key. */
char *
toml_node_path(const struct toml_doc *doc, uint32_t id)
{
	uint32_t chain[64];
	size_t n = 0;
	bool more = false;
	for (uint32_t x = id; x; x = doc->nodes[x].parent) {
		if (doc->nodes[doc->nodes[x].parent].type != TOML_TABLE)
			continue;
		if (n == GP_ARRAY_SIZE(chain)) {
			more = true;
			break;
		}
		chain[n++] = x;
	}
	struct sbuf b = {0};
	sb_grow(&b, 0);
	b.p[0] = '\0';
	if (more)
		sb_adds(&b, "...");
	while (n--) {
		const struct toml_node *x = &doc->nodes[chain[n]];
		if (b.len)
			sb_addc(&b, '.');
		toml_fmt_key(&b, node_key(doc, x), x->key_len);
	}
	return b.p;
}

const char *
toml_type_name(enum toml_type t)
{
	switch (t) {
	case TOML_STRING:
		return "a string";
	case TOML_INTEGER:
		return "an integer";
	case TOML_FLOAT:
		return "a float";
	case TOML_BOOL:
		return "a boolean";
	case TOML_DATETIME:
		return "a date-time";
	case TOML_DATETIME_LOCAL:
		return "a local date-time";
	case TOML_DATE_LOCAL:
		return "a local date";
	case TOML_TIME_LOCAL:
		return "a local time";
	case TOML_ARRAY:
		return "an array";
	case TOML_TABLE:
		return "a table";
	case TOML_NONE:
		break;
	}
	return "nothing";
}
