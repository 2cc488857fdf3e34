// SPDX-License-Identifier: GPL-2.0-or-later
#include "textdiff.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "util.h"

/* The most edits (lines removed plus added) Myers' search looks for before giving up. */
#define MYERS_MAX_D 1024
/* The largest middle (lines a x lines b) that gets a real LCS when Myers gave up. */
#define LCS_MAX_CELLS (4u * 1024 * 1024)

/* The lines of a region of a text: line i is s[off[i]..off[i + 1]), with its newline. */
struct lines {
	const char *s;
	size_t *off; /* n + 1 offsets into s */
	size_t n;
};

/* One removed ('-': line a of the old text) or added ('+': line b of the new) line. */
struct change {
	char kind;
	size_t a; /* the old line ('-'), or the old line it comes before ('+') */
	size_t b; /* the new line ('+'), or the new line it comes before ('-') */
};

struct script {
	struct change *v;
	size_t n, cap;
};

static void
script_add(struct script *sc, char kind, size_t a, size_t b)
{
	if (sc->n == sc->cap)
		sc->v = xrealloc(sc->v, (sc->cap = sc->cap ? 2 * sc->cap : 64) * sizeof(*sc->v));
	sc->v[sc->n++] = (struct change){kind, a, b};
}

static void
split_lines(const char *s, size_t start, size_t end, struct lines *ret)
{
	size_t n = 0, cap = 16;
	size_t *off = xmalloc(cap * sizeof(*off));
	size_t i = start;
	while (i < end) {
		if (n + 1 >= cap)
			off = xrealloc(off, (cap *= 2) * sizeof(*off));
		off[n++] = i;
		const char *nl = memchr(s + i, '\n', end - i);
		i = nl ? (size_t)(nl - s) + 1 : end;
	}
	off[n] = end;
	*ret = (struct lines){s, off, n};
}

static size_t
line_len(const struct lines *l, size_t i)
{
	return l->off[i + 1] - l->off[i];
}

static const char *
line_at(const struct lines *l, size_t i)
{
	return l->s + l->off[i];
}

static bool
line_eq(const struct lines *a, size_t i, const struct lines *b, size_t j)
{
	size_t n = line_len(a, i);
	return n == line_len(b, j) && memcmp(line_at(a, i), line_at(b, j), n) == 0;
}

/*
 * Myers' O((N+M)D) greedy search for the shortest edit script, keeping each round's furthest
 * points for the walk back. Fills sc in order and returns true, or returns false (sc empty)
 * when more than MYERS_MAX_D edits are needed, or the search grows too long.
 */
static bool
diff_myers(const struct lines *a, const struct lines *b, struct script *sc)
{
	ptrdiff_t n = (ptrdiff_t)a->n, m = (ptrdiff_t)b->n;
	ptrdiff_t max = n + m < MYERS_MAX_D ? n + m : MYERS_MAX_D;
	/* v[k + max + 1]: the furthest x on diagonal k; trace[d] starts at d * d (rounds 0..d-1
	 * hold 1 + 3 + ... + (2d - 1) = d * d values). */
	_cleanup_free_ ptrdiff_t *v = xcalloc((size_t)(2 * max + 3), sizeof(*v));
	_cleanup_free_ ptrdiff_t *trace = NULL;
	size_t trace_cap = 0;
	ptrdiff_t d_end = -1;
	/* Many changes spread over a big file: each round can walk most of it; give up after
	 * 32 walks' worth, so a dry run never takes more than a fraction of a second. */
	size_t work = 0, budget = 32 * (size_t)(n + m) + 1024 * 1024;
	for (ptrdiff_t d = 0; d <= max && d_end < 0 && work <= budget; d++) {
		size_t need = (size_t)((d + 1) * (d + 1));
		if (need > trace_cap) {
			trace_cap = need * 2;
			trace = xrealloc(trace, trace_cap * sizeof(*trace));
		}
		for (ptrdiff_t k = -d; k <= d; k += 2) {
			ptrdiff_t x;
			if (k == -d || (k != d && v[k - 1 + max + 1] < v[k + 1 + max + 1]))
				x = v[k + 1 + max + 1];
			else
				x = v[k - 1 + max + 1] + 1;
			ptrdiff_t y = x - k;
			while (x < n && y < m && line_eq(a, (size_t)x, b, (size_t)y))
				x++, y++, work++;
			v[k + max + 1] = x;
			trace[d * d + (k + d)] = x;
			if (x >= n && y >= m && d_end < 0)
				d_end = d;
		}
	}
	if (d_end < 0)
		return false;
	/* Walk back from (n, m): each round d was reached from round d - 1 by one edit. */
	size_t first = sc->n;
	ptrdiff_t x = n, y = m;
	for (ptrdiff_t d = d_end; d > 0; d--) {
		ptrdiff_t k = x - y;
		const ptrdiff_t *prev = trace + (d - 1) * (d - 1); /* k' in -(d-1)..d-1 */
		bool down = k == -d || (k != d && prev[k - 1 + (d - 1)] < prev[k + 1 + (d - 1)]);
		ptrdiff_t pk = down ? k + 1 : k - 1;
		ptrdiff_t px = prev[pk + (d - 1)], py = px - pk;
		if (down)
			script_add(sc, '+', (size_t)px, (size_t)py);
		else
			script_add(sc, '-', (size_t)px, (size_t)py);
		x = px, y = py;
	}
	/* Reverse into order; a '-' and '+' at the same point keep removals first. */
	for (size_t i = first, j = sc->n; i + 1 < j; i++, j--) {
		struct change t = sc->v[i];
		sc->v[i] = sc->v[j - 1];
		sc->v[j - 1] = t;
	}
	return true;
}

/* A real LCS by lines when it fits in LCS_MAX_CELLS, else all of a removed, then b added. */
static void
diff_fallback(const struct lines *a, const struct lines *b, struct script *sc)
{
	size_t ma = a->n, mb = b->n;
	if (ma == 0 || mb == 0 || (ma + 1) * (mb + 1) > LCS_MAX_CELLS) {
		for (size_t i = 0; i < ma; i++)
			script_add(sc, '-', i, 0);
		for (size_t j = 0; j < mb; j++)
			script_add(sc, '+', ma, j);
		return;
	}
	/* L[i][j]: LCS length of a[i..] and b[j..]. */
	size_t w = mb + 1;
	_cleanup_free_ uint32_t *L = xcalloc((ma + 1) * w, sizeof(uint32_t));
	for (size_t i = ma; i-- > 0;)
		for (size_t j = mb; j-- > 0;) {
			if (line_eq(a, i, b, j))
				L[i * w + j] = L[(i + 1) * w + j + 1] + 1;
			else
				L[i * w + j] = L[(i + 1) * w + j] > L[i * w + j + 1]
				                       ? L[(i + 1) * w + j]
				                       : L[i * w + j + 1];
		}
	size_t i = 0, j = 0;
	while (i < ma || j < mb) {
		if (i < ma && j < mb && line_eq(a, i, b, j)) {
			i++, j++;
		} else if (i < ma && (j == mb || L[(i + 1) * w + j] >= L[i * w + j + 1])) {
			script_add(sc, '-', i, j);
			i++;
		} else {
			script_add(sc, '+', i, j);
			j++;
		}
	}
}

static void
emit_line(struct strbuf *out, char kind, const struct lines *l, size_t i)
{
	size_t n = line_len(l, i);
	const char *s = line_at(l, i);
	strbuf_add(out, &kind, 1);
	strbuf_add(out, s, n);
	if (n == 0 || s[n - 1] != '\n')
		strbuf_printf(out, "\n\\ No newline at end of file\n");
}

static void
range_header(struct strbuf *out, char sign, size_t start, size_t count)
{
	/* diff -u: an empty range names the line before it; a range of 1 has no count. */
	if (count == 1)
		strbuf_printf(out, "%c%zu", sign, start + 1);
	else
		strbuf_printf(out, "%c%zu,%zu", sign, count ? start + 1 : start, count);
}

/* The old and new positions just past change c. */
static void
after(const struct change *c, size_t *ret_a, size_t *ret_b)
{
	*ret_a = c->a + (c->kind == '-');
	*ret_b = c->b + (c->kind == '+');
}

/* The hunks of sc over the region's lines; line numbers start at base + 1. */
static void
emit_hunks(struct strbuf *out, const struct lines *a, const struct lines *b,
           const struct script *sc, size_t base, size_t ctx)
{
	size_t i = 0;
	while (i < sc->n) {
		/* The changes closer than 2 * ctx lines to the one before join its hunk. */
		size_t last = i;
		for (size_t k = i + 1; k < sc->n; k++) {
			size_t ea, eb;
			after(&sc->v[k - 1], &ea, &eb);
			if (sc->v[k].a - ea > 2 * ctx)
				break;
			last = k;
		}
		size_t lead = sc->v[i].a < ctx ? sc->v[i].a : ctx;
		size_t sa = sc->v[i].a - lead, sb = sc->v[i].b - lead;
		size_t ea, eb;
		after(&sc->v[last], &ea, &eb);
		size_t trail = a->n - ea < ctx ? a->n - ea : ctx;
		ea += trail, eb += trail;
		strbuf_add(out, "@@ ", 3);
		range_header(out, '-', base + sa, ea - sa);
		strbuf_add(out, " ", 1);
		range_header(out, '+', base + sb, eb - sb);
		strbuf_add(out, " @@\n", 4);
		size_t pa = sa;
		for (size_t k = i; k <= last; k++) {
			const struct change *c = &sc->v[k];
			for (; pa < c->a; pa++)
				emit_line(out, ' ', a, pa);
			if (c->kind == '-')
				emit_line(out, '-', a, pa++);
			else
				emit_line(out, '+', b, c->b);
		}
		for (; pa < ea; pa++)
			emit_line(out, ' ', a, pa);
		i = last + 1;
	}
}

/* Is offset i of s (of length len) at the start of a line? */
static bool
line_start(const char *s, size_t i)
{
	return i == 0 || s[i - 1] == '\n';
}

char *
textdiff_unified(const char *label_a, const char *label_b, const char *a, size_t a_len,
                 const char *b, size_t b_len, int context)
{
	size_t ctx = context < 0 ? 0 : (size_t)context;
	/* The common head, in whole lines. */
	size_t p = 0, lim = a_len < b_len ? a_len : b_len;
	while (p < lim && a[p] == b[p])
		p++;
	if (p == a_len && p == b_len)
		return xstrdup("");
	while (p > 0 && a[p - 1] != '\n')
		p--;
	/* The common tail, in whole lines, not overlapping the head. */
	size_t s = 0;
	lim -= p;
	while (s < lim && a[a_len - 1 - s] == b[b_len - 1 - s])
		s++;
	while (s > 0 && !(line_start(a, a_len - s) && line_start(b, b_len - s)))
		s--;
	/* Only the middle and ctx lines either side are split into lines. */
	size_t base = 0;
	for (const char *q = a; (q = memchr(q, '\n', (size_t)(a + p - q))); q++)
		base++;
	size_t start = p;
	for (size_t k = 0; k < ctx && start > 0; k++) {
		start--;
		while (start > 0 && a[start - 1] != '\n')
			start--;
		base--;
	}
	size_t tail = s; /* the bytes of the tail that stay out */
	for (size_t k = 0; k < ctx && tail > 0; k++) {
		const char *nl = memchr(a + a_len - tail, '\n', tail);
		tail = nl ? a_len - (size_t)(nl - a) - 1 : 0;
	}
	struct lines la, lb;
	split_lines(a, start, a_len - tail, &la);
	split_lines(b, start, b_len - tail, &lb);
	_cleanup_free_ size_t *free_a = la.off, *free_b = lb.off;

	struct script sc = {0};
	if (!diff_myers(&la, &lb, &sc))
		diff_fallback(&la, &lb, &sc);
	_cleanup_free_ struct change *free_sc = sc.v;

	struct strbuf out = {0};
	strbuf_printf(&out, "--- %s\n+++ %s\n", label_a, label_b);
	emit_hunks(&out, &la, &lb, &sc, base, ctx);
	return out.s;
}
