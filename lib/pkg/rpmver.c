// SPDX-License-Identifier: GPL-2.0-or-later
#include "rpmver.h"

#include <string.h>

#include "util.h"

/* rpm's ctype is ASCII only, whatever the locale. */
static bool
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool
is_alpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool
is_alnum(char c)
{
	return is_digit(c) || is_alpha(c);
}

/* Skip what only separates parts ('~' and '^' mean something). */
static const char *
skip_separators(const char *s)
{
	while (*s && !is_alnum(*s) && *s != '~' && *s != '^')
		s++;
	return s;
}

static size_t
run_of(const char *s, bool (*in)(char))
{
	size_t n = 0;
	while (s[n] && in(s[n]))
		n++;
	return n;
}

int
rpmver_segment_compare(const char *a, const char *b)
{
	if (strcmp(a, b) == 0)
		return 0;
	while (*a || *b) {
		a = skip_separators(a);
		b = skip_separators(b);
		/* '~': before everything, the end included */
		if (*a == '~' || *b == '~') {
			if (*a != '~')
				return 1;
			if (*b != '~')
				return -1;
			a++;
			b++;
			continue;
		}
		/* '^': like '~', except that the end sorts before it */
		if (*a == '^' || *b == '^') {
			if (!*a)
				return -1;
			if (!*b)
				return 1;
			if (*a != '^')
				return 1;
			if (*b != '^')
				return -1;
			a++;
			b++;
			continue;
		}
		if (!*a || !*b)
			break;
		bool num = is_digit(*a);
		bool (*in)(char) = num ? is_digit : is_alpha;
		size_t na = run_of(a, in), nb = run_of(b, in);
		/* a number against letters (b's run of digits is empty): the number is newer */
		if (nb == 0)
			return num ? 1 : -1;
		const char *sa = a, *sb = b;
		a += na;
		b += nb;
		if (num) {
			while (na && *sa == '0')
				sa++, na--;
			while (nb && *sb == '0')
				sb++, nb--;
			if (na != nb)
				return na > nb ? 1 : -1;
		}
		int c = memcmp(sa, sb, na < nb ? na : nb);
		if (c)
			return c < 0 ? -1 : 1;
		if (na != nb)
			return na > nb ? 1 : -1;
	}
	/* every part alike: what is left (separators, or more parts) is newer */
	if (!*a && !*b)
		return 0;
	return *a ? 1 : -1;
}

struct evr {
	char *buf;
	const char *epoch, *version, *release; /* release NULL when there is none */
};

static void
evr_parse(const char *s, struct evr *e)
{
	e->buf = xstrdup(s);
	char *v = e->buf;
	size_t d = run_of(v, is_digit);
	e->epoch = "0";
	if (v[d] == ':') {
		v[d] = '\0';
		if (d)
			e->epoch = v;
		v += d + 1;
	}
	char *hyphen = strrchr(v, '-');
	e->release = NULL;
	if (hyphen) {
		*hyphen = '\0';
		e->release = hyphen + 1;
	}
	e->version = v;
}

int
rpmver_compare(const char *a, const char *b)
{
	if (!a || !b)
		return a ? 1 : b ? -1 : 0;
	struct evr ea, eb;
	evr_parse(a, &ea);
	evr_parse(b, &eb);
	int r = rpmver_segment_compare(ea.epoch, eb.epoch);
	if (r == 0)
		r = rpmver_segment_compare(ea.version, eb.version);
	/* a release beats none (rpm.vercmp; only dependency ranges let none match any) */
	if (r == 0 && (ea.release || eb.release))
		r = !ea.release   ? -1
		    : !eb.release ? 1
		                  : rpmver_segment_compare(ea.release, eb.release);
	free(ea.buf);
	free(eb.buf);
	return r;
}

static bool
valid_part(const char *s, size_t n)
{
	if (n == 0)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!is_alnum(s[i]) && !strchr("._+~^", s[i]))
			return false;
	return true;
}

bool
rpmver_valid(const char *s)
{
	if (!s || !*s)
		return false;
	size_t d = run_of(s, is_digit);
	if (s[d] == ':') {
		if (d == 0)
			return false;
		s += d + 1;
	}
	const char *hyphen = strchr(s, '-');
	if (!hyphen)
		return valid_part(s, strlen(s));
	return valid_part(s, (size_t)(hyphen - s)) && valid_part(hyphen + 1, strlen(hyphen + 1));
}
