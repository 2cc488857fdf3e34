// SPDX-License-Identifier: GPL-2.0-or-later
#include "textdiff.h"

#include <stdint.h>
#include <string.h>

#include "util.h"

/* The largest middle (lines a x lines b) that gets a real LCS. */
#define LCS_MAX_CELLS (4u * 1024 * 1024)

struct line {
	const char *s;
	size_t len; /* with the newline, when there is one */
	uint64_t hash;
};

struct op {
	char kind; /* ' ', '-', '+' */
	size_t a;  /* index in a (the line for ' ' and '-', else the next one) */
	size_t b;
};

static struct line *
split_lines(const char *s, size_t len, size_t *ret_n)
{
	size_t n = 0, cap = 16;
	struct line *v = xmalloc(cap * sizeof(*v));
	size_t i = 0;
	while (i < len) {
		const char *nl = memchr(s + i, '\n', len - i);
		size_t end = nl ? (size_t)(nl - s) + 1 : len;
		if (n == cap)
			v = xrealloc(v, (cap *= 2) * sizeof(*v));
		v[n++] = (struct line){s + i, end - i, fnv1a64(s + i, end - i)};
		i = end;
	}
	*ret_n = n;
	return v;
}

static bool
line_eq(const struct line *x, const struct line *y)
{
	return x->hash == y->hash && x->len == y->len && memcmp(x->s, y->s, x->len) == 0;
}

static void
emit_line(struct strbuf *out, char kind, const struct line *l)
{
	strbuf_add(out, &kind, 1);
	strbuf_add(out, l->s, l->len);
	if (l->len == 0 || l->s[l->len - 1] != '\n')
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

char *
textdiff_unified(const char *label_a, const char *label_b, const char *a, size_t a_len,
                 const char *b, size_t b_len, int context)
{
	size_t na, nb;
	_cleanup_free_ struct line *la = split_lines(a, a_len, &na);
	_cleanup_free_ struct line *lb = split_lines(b, b_len, &nb);

	size_t pre = 0;
	while (pre < na && pre < nb && line_eq(&la[pre], &lb[pre]))
		pre++;
	size_t suf = 0;
	while (suf < na - pre && suf < nb - pre && line_eq(&la[na - 1 - suf], &lb[nb - 1 - suf]))
		suf++;
	if (pre == na && pre == nb)
		return xstrdup("");

	size_t ma = na - pre - suf, mb = nb - pre - suf;
	_cleanup_free_ struct op *ops = xmalloc((na + nb + 1) * sizeof(*ops));
	size_t nops = 0;
	for (size_t i = 0; i < pre; i++)
		ops[nops++] = (struct op){' ', i, i};

	if (ma > 0 && mb > 0 && (ma + 1) * (mb + 1) <= LCS_MAX_CELLS) {
		/* L[i][j]: LCS length of a[pre+i..] and b[pre+j..]. */
		size_t w = mb + 1;
		_cleanup_free_ uint32_t *L = xcalloc((ma + 1) * w, sizeof(uint32_t));
		for (size_t i = ma; i-- > 0;)
			for (size_t j = mb; j-- > 0;) {
				if (line_eq(&la[pre + i], &lb[pre + j]))
					L[i * w + j] = L[(i + 1) * w + j + 1] + 1;
				else
					L[i * w + j] = L[(i + 1) * w + j] > L[i * w + j + 1]
					                       ? L[(i + 1) * w + j]
					                       : L[i * w + j + 1];
			}
		size_t i = 0, j = 0;
		while (i < ma || j < mb) {
			if (i < ma && j < mb && line_eq(&la[pre + i], &lb[pre + j])) {
				ops[nops++] = (struct op){' ', pre + i, pre + j};
				i++, j++;
			} else if (i < ma && (j == mb || L[(i + 1) * w + j] >= L[i * w + j + 1])) {
				ops[nops++] = (struct op){'-', pre + i, pre + j};
				i++;
			} else {
				ops[nops++] = (struct op){'+', pre + i, pre + j};
				j++;
			}
		}
	} else {
		for (size_t i = 0; i < ma; i++)
			ops[nops++] = (struct op){'-', pre + i, pre};
		for (size_t j = 0; j < mb; j++)
			ops[nops++] = (struct op){'+', pre + ma, pre + j};
	}
	for (size_t k = 0; k < suf; k++)
		ops[nops++] = (struct op){' ', pre + ma + k, pre + mb + k};

	struct strbuf out = {0};
	strbuf_printf(&out, "--- %s\n+++ %s\n", label_a, label_b);
	size_t ctx = context < 0 ? 0 : (size_t)context;
	size_t i = 0;
	while (i < nops) {
		if (ops[i].kind == ' ') {
			i++;
			continue;
		}
		size_t start = i > ctx ? i - ctx : 0;
		size_t last = i; /* the last change in this hunk */
		for (size_t k = i + 1; k < nops; k++) {
			if (ops[k].kind == ' ')
				continue;
			if (k - last - 1 > 2 * ctx)
				break;
			last = k;
		}
		size_t end = last + 1 + ctx < nops ? last + 1 + ctx : nops;
		size_t ca = 0, cb = 0;
		for (size_t k = start; k < end; k++) {
			ca += ops[k].kind != '+';
			cb += ops[k].kind != '-';
		}
		strbuf_add(&out, "@@ ", 3);
		range_header(&out, '-', ops[start].a, ca);
		strbuf_add(&out, " ", 1);
		range_header(&out, '+', ops[start].b, cb);
		strbuf_add(&out, " @@\n", 4);
		for (size_t k = start; k < end; k++) {
			if (ops[k].kind == '+')
				emit_line(&out, '+', &lb[ops[k].b]);
			else
				emit_line(&out, ops[k].kind, &la[ops[k].a]);
		}
		i = end;
	}
	return out.s;
}
