// SPDX-License-Identifier: GPL-2.0-or-later
#include "debver.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

struct parsed {
	unsigned long epoch;
	char *upstream;
	const char *revision;
	char *buf;
};

static void
parse(const char *v, struct parsed *p)
{
	p->buf = xstrdup(v);
	p->epoch = 0;
	char *s = p->buf;
	char *colon = strchr(s, ':');
	if (colon) {
		*colon = '\0';
		p->epoch = strtoul(s, NULL, 10);
		s = colon + 1;
	}
	char *hyphen = strrchr(s, '-');
	if (hyphen) {
		*hyphen = '\0';
		p->revision = hyphen + 1;
	} else {
		p->revision = "";
	}
	p->upstream = s;
}

static int
order(int c)
{
	if (isdigit(c))
		return 0;
	if (isalpha(c))
		return c;
	if (c == '~')
		return -1;
	if (c)
		return c + 256;
	return 0;
}

static int
verrevcmp(const char *a, const char *b)
{
	while (*a || *b) {
		int first_diff = 0;
		while ((*a && !isdigit((unsigned char)*a)) || (*b && !isdigit((unsigned char)*b))) {
			int ac = order((unsigned char)*a);
			int bc = order((unsigned char)*b);
			if (ac != bc)
				return ac - bc;
			a++;
			b++;
		}
		while (*a == '0')
			a++;
		while (*b == '0')
			b++;
		while (isdigit((unsigned char)*a) && isdigit((unsigned char)*b)) {
			if (!first_diff)
				first_diff = *a - *b;
			a++;
			b++;
		}
		if (isdigit((unsigned char)*a))
			return 1;
		if (isdigit((unsigned char)*b))
			return -1;
		if (first_diff)
			return first_diff;
	}
	return 0;
}

int
debver_compare(const char *a, const char *b)
{
	if (!a || !b)
		return a ? 1 : b ? -1 : 0;
	struct parsed pa, pb;
	parse(a, &pa);
	parse(b, &pb);
	int r;
	if (pa.epoch != pb.epoch)
		r = pa.epoch > pb.epoch ? 1 : -1;
	else if ((r = verrevcmp(pa.upstream, pb.upstream)) == 0)
		r = verrevcmp(pa.revision, pb.revision);
	free(pa.buf);
	free(pb.buf);
	return r < 0 ? -1 : r > 0 ? 1 : 0;
}

bool
debver_valid(const char *s)
{
	if (!s || !*s)
		return false;
	const char *colon = strchr(s, ':');
	if (colon) {
		if (colon == s)
			return false;
		for (const char *p = s; p < colon; p++)
			if (!isdigit((unsigned char)*p))
				return false;
		s = colon + 1;
	}
	if (!isdigit((unsigned char)*s))
		return false;
	const char *hyphen = strrchr(s, '-');
	if (hyphen && hyphen[1] == '\0')
		return false;
	for (const char *p = s; *p; p++) {
		if (isalnum((unsigned char)*p) || strchr(".+~", *p))
			continue;
		if (*p == '-' && hyphen)
			continue;
		if (*p == ':')
			continue;
		return false;
	}
	return true;
}

char *
debver_upstream(const char *v)
{
	struct parsed p;
	parse(v, &p);
	char *r = xstrdup(p.upstream);
	free(p.buf);
	return r;
}
