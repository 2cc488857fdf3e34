/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A unified diff of two texts, by lines, as `diff -u` prints it, so that
 * --dry-run works on an air-gapped node with no diff installed. The common
 * head and tail are skipped by bytes first, and only the middle (with the
 * context lines) is split into lines; that is diffed with Myers' O((N+M)D)
 * search, so a few changes far apart in a 10 MB file cost about one pass over
 * it. Past 1024 changed lines it falls back to an LCS by lines, and a middle
 * too large for that is shown as all lines removed, then all added.
 */
#pragma once

#include <stddef.h>

/*
 * "--- label_a\n+++ label_b\n@@ -l,n +l,n @@\n..." with `context` lines of
 * context; "" when the texts are equal. A last line without a newline is
 * followed by "\ No newline at end of file". Returns a fresh string.
 */
char *textdiff_unified(const char *label_a, const char *label_b, const char *a, size_t a_len,
                       const char *b, size_t b_len, int context);
