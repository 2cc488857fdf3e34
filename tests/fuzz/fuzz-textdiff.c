// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The input is a context size (its first byte, mod 5), then two texts split at the first NUL
 * byte (or in half when there is none; other NULs become \1). textdiff_unified must give ""
 * for equal texts, and otherwise a diff whose hunk headers count right and which, applied to
 * the first text as patch would (every context and removed line checked), gives the second.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "textdiff.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char NO_NL[] = "\\ No newline at end of file\n";

/* The length of the line of s (len bytes) at pos, its newline included when it has one. */
static size_t
line_at(const char *s, size_t len, size_t pos)
{
	const char *nl = memchr(s + pos, '\n', len - pos);
	return nl ? (size_t)(nl - (s + pos)) + 1 : len - pos;
}

/* Apply diff to a; aborts on anything a correct diff would not hold. Returns the result. */
static char *
apply(const char *a, size_t alen, const char *diff, size_t *ret_len)
{
	char *out = xmalloc(alen + strlen(diff) + 1);
	size_t olen = 0, apos = 0, aline = 0, oline = 0;
	const char *d = diff;
	/* "--- a\n+++ b\n" */
	for (int i = 0; i < 2; i++) {
		d = strchr(d, '\n');
		if (!d)
			abort();
		d++;
	}
	while (*d) {
		unsigned long as, ac = 1, bs, bc = 1;
		if (sscanf(d, "@@ -%lu,%lu +%lu,%lu @@", &as, &ac, &bs, &bc) < 4 &&
		    sscanf(d, "@@ -%lu +%lu,%lu @@", &as, &bs, &bc) < 3 &&
		    sscanf(d, "@@ -%lu,%lu +%lu @@", &as, &ac, &bs) < 3 &&
		    sscanf(d, "@@ -%lu +%lu @@", &as, &bs) < 2)
			abort();
		size_t first = ac ? as - 1 : as; /* lines of a before the hunk */
		if (first < aline)
			abort(); /* hunks out of order, or overlapping */
		while (aline < first) {
			if (apos == alen)
				abort();
			size_t n = line_at(a, alen, apos);
			memcpy(out + olen, a + apos, n);
			olen += n, apos += n, aline++, oline++;
		}
		if ((bc ? bs - 1 : bs) != oline)
			abort(); /* the new side's line number */
		d = strchr(d, '\n') + 1;
		unsigned long seen_a = 0, seen_b = 0;
		while (*d && *d != '@') {
			char kind = d[0];
			const char *nl = strchr(d, '\n');
			if (!nl || (kind != ' ' && kind != '-' && kind != '+'))
				abort();
			size_t take = (size_t)(nl - d); /* the content and its newline */
			const char *next = nl + 1;
			if (strncmp(next, NO_NL, strlen(NO_NL)) == 0) {
				take--; /* no newline after all */
				next += strlen(NO_NL);
			}
			if (kind != '+') {
				if (apos == alen || line_at(a, alen, apos) != take ||
				    memcmp(a + apos, d + 1, take) != 0)
					abort(); /* context or removed line not in a */
				apos += take, aline++, seen_a++;
			}
			if (kind != '-') {
				memcpy(out + olen, d + 1, take);
				olen += take, oline++, seen_b++;
			}
			d = next;
		}
		if (seen_a != ac || seen_b != bc)
			abort(); /* the header's counts */
	}
	memcpy(out + olen, a + apos, alen - apos);
	olen += alen - apos;
	out[olen] = '\0';
	*ret_len = olen;
	return out;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	int ctx = data[0] % 5;
	data++, size--;
	const uint8_t *sep = memchr(data, 0, size);
	size_t alen = sep ? (size_t)(sep - data) : size / 2;
	size_t boff = sep ? alen + 1 : alen;
	char *a = xmalloc(alen + 1), *b = xmalloc(size - boff + 1);
	size_t blen = size - boff;
	for (size_t i = 0; i < alen; i++)
		a[i] = data[i] ? (char)data[i] : '\1';
	for (size_t i = 0; i < blen; i++)
		b[i] = data[boff + i] ? (char)data[boff + i] : '\1';
	a[alen] = b[blen] = '\0';

	char *diff = textdiff_unified("a/f", "b/f", a, alen, b, blen, ctx);
	if (alen == blen && memcmp(a, b, alen) == 0) {
		if (*diff)
			abort();
	} else {
		size_t glen;
		char *got = apply(a, alen, diff, &glen);
		if (glen != blen || memcmp(got, b, blen) != 0)
			abort();
		free(got);
	}
	free(diff);
	free(a);
	free(b);
	return 0;
}
