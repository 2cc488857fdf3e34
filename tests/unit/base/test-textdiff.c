// SPDX-License-Identifier: GPL-2.0-or-later
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "textdiff.h"
#include "util.h"

/*
 * Apply a unified diff to a, as patch would, checking every context and
 * removed line against a. Returns the new text, or NULL if the diff does not
 * apply.
 */
static char *
apply(const char *a, const char *diff)
{
	size_t alen = strlen(a), cap = alen + strlen(diff) + 1, olen = 0;
	char *out = xmalloc(cap);
	size_t apos = 0; /* byte offset in a */
	size_t aline = 0;
	const char *d = strstr(diff, "@@ ");
	if (!d) {
		free(out);
		return NULL;
	}
	while (d && *d) {
		unsigned long as, ac = 1, bs, bc = 1;
		if (sscanf(d, "@@ -%lu,%lu +%lu,%lu @@", &as, &ac, &bs, &bc) < 4 &&
		    sscanf(d, "@@ -%lu +%lu,%lu @@", &as, &bs, &bc) < 3 &&
		    sscanf(d, "@@ -%lu,%lu +%lu @@", &as, &ac, &bs) < 3 &&
		    sscanf(d, "@@ -%lu +%lu @@", &as, &bs) < 2)
			goto fail;
		unsigned long first = ac ? as - 1 : as; /* lines of a before the hunk */
		while (aline < first) {
			const char *nl = strchr(a + apos, '\n');
			size_t n = nl ? (size_t)(nl - (a + apos)) + 1 : alen - apos;
			memcpy(out + olen, a + apos, n);
			olen += n, apos += n, aline++;
		}
		d = strchr(d, '\n') + 1;
		while (*d && d[0] != '@') {
			char kind = d[0];
			const char *nl = strchr(d, '\n');
			size_t n = (size_t)(nl - d); /* without the newline */
			bool nonl = strncmp(nl + 1, "\\ No newline", 12) == 0;
			size_t take = n - 1 + (nonl ? 0 : 1);
			if (kind == ' ' || kind == '-') {
				if (strncmp(a + apos, d + 1, take) != 0)
					goto fail;
				apos += take, aline++;
			}
			if (kind == ' ' || kind == '+') {
				memcpy(out + olen, d + 1, take);
				olen += take;
			}
			d = nl + 1;
			if (nonl)
				d = strchr(d, '\n') + 1;
		}
	}
	memcpy(out + olen, a + apos, alen - apos);
	olen += alen - apos;
	out[olen] = '\0';
	return out;
fail:
	free(out);
	return NULL;
}

static char *
random_text(unsigned *seed, int lines, int alphabet, bool newline_at_end)
{
	char *s = xstrdup("");
	for (int i = 0; i < lines; i++) {
		char *n = xasprintf("%sline %d%s", s, rand_r(seed) % alphabet,
		                    i + 1 < lines || newline_at_end ? "\n" : "");
		free(s);
		s = n;
	}
	return s;
}

int
main(void)
{
	_cleanup_free_ char *same = textdiff_unified("a/x", "b/x", "a\nb\n", 4, "a\nb\n", 4, 3);
	is_str(same, "", "equal texts give no diff");

	const char *a = "1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n";
	const char *b = "1\n2\n3\n4\nfive\n6\n7\n8\n9\n10\n";
	_cleanup_free_ char *d1 = textdiff_unified("a/f", "b/f", a, strlen(a), b, strlen(b), 3);
	is_str(d1, "--- a/f\n+++ b/f\n@@ -2,7 +2,7 @@\n 2\n 3\n 4\n-5\n+five\n 6\n 7\n 8\n",
	       "one changed line, 3 lines of context");

	_cleanup_free_ char *d2 = textdiff_unified("/dev/null", "b/f", "", 0, "x\ny\n", 4, 3);
	is_str(d2, "--- /dev/null\n+++ b/f\n@@ -0,0 +1,2 @@\n+x\n+y\n", "a new file");

	_cleanup_free_ char *d3 = textdiff_unified("a/f", "/dev/null", "x\n", 2, "", 0, 3);
	is_str(d3, "--- a/f\n+++ /dev/null\n@@ -1 +0,0 @@\n-x\n", "a removed file");

	_cleanup_free_ char *d4 = textdiff_unified("a/f", "b/f", "x", 1, "x\n", 2, 3);
	is_str(d4, "--- a/f\n+++ b/f\n@@ -1 +1 @@\n-x\n\\ No newline at end of file\n+x\n",
	       "no newline at end of file");

	const char *far_a = "a\n1\n2\n3\n4\n5\n6\n7\n8\nb\n";
	const char *far_b = "A\n1\n2\n3\n4\n5\n6\n7\n8\nB\n";
	_cleanup_free_ char *d5 =
	        textdiff_unified("a/f", "b/f", far_a, strlen(far_a), far_b, strlen(far_b), 3);
	is_str(d5,
	       "--- a/f\n+++ b/f\n@@ -1,4 +1,4 @@\n-a\n+A\n 1\n 2\n 3\n@@ -7,4 +7,4 @@\n 6\n 7\n "
	       "8\n-b\n+B\n",
	       "changes far apart make two hunks");

	/* Random texts: the diff always turns a into b. */
	unsigned seed = 12345;
	int bad = 0;
	for (int i = 0; i < 400; i++) {
		_cleanup_free_ char *ta =
		        random_text(&seed, rand_r(&seed) % 30, 6, rand_r(&seed) % 4);
		_cleanup_free_ char *tb =
		        random_text(&seed, rand_r(&seed) % 30, 6, rand_r(&seed) % 4);
		_cleanup_free_ char *d =
		        textdiff_unified("a/f", "b/f", ta, strlen(ta), tb, strlen(tb), i % 4);
		if (strcmp(ta, tb) == 0) {
			bad += *d != '\0';
			continue;
		}
		_cleanup_free_ char *got = apply(ta, d);
		if (!got || strcmp(got, tb) != 0) {
			if (!bad)
				printf("# a:\n%s\n# b:\n%s\n# diff:\n%s\n", ta, tb, d);
			bad++;
		}
	}
	is_int(bad, 0, "400 random diffs apply and give b");

	/* Past the LCS size limit the diff is coarse but still right. */
	_cleanup_free_ char *big_a = random_text(&seed, 3000, 1000, true);
	_cleanup_free_ char *big_b = random_text(&seed, 3000, 1000, true);
	_cleanup_free_ char *dbig =
	        textdiff_unified("a/f", "b/f", big_a, strlen(big_a), big_b, strlen(big_b), 3);
	_cleanup_free_ char *gbig = apply(big_a, dbig);
	ok(gbig && strcmp(gbig, big_b) == 0, "a diff past the LCS limit applies");

	/*
	 * A config-sized edit of a big file: one line changed near the top, lines added near
	 * the end, 200000 lines apart. Two small hunks (this was once every line removed and
	 * added: the middle between the changes was past the LCS limit).
	 */
	struct strbuf ha = {0}, hb = {0};
	for (int i = 0; i < 200000; i++) {
		strbuf_printf(&ha, "key%d = %d\n", i, i);
		strbuf_printf(&hb, "key%d = %d\n", i, i == 5 ? -1 : i);
		if (i == 199990)
			strbuf_puts(&hb, "new = 1\nnew2 = 2\n");
	}
	_cleanup_free_ char *huge_a = ha.s, *huge_b = hb.s;
	_cleanup_free_ char *dh = textdiff_unified("a/f", "b/f", huge_a, ha.len, huge_b, hb.len, 1);
	is_str(dh,
	       "--- a/f\n+++ b/f\n@@ -5,3 +5,3 @@\n key4 = 4\n-key5 = 5\n+key5 = -1\n key6 = 6\n"
	       "@@ -199991,2 +199991,4 @@\n key199990 = 199990\n+new = 1\n+new2 = 2\n"
	       " key199991 = 199991\n",
	       "two changes 200000 lines apart in a big file: two small hunks");
	_cleanup_free_ char *gh = apply(huge_a, dh);
	ok(gh && strcmp(gh, huge_b) == 0, "the big file's diff applies");
	return tap_done();
}
