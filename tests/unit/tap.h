/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A tiny TAP producer for the unit tests: one executable per lib/ module,
 * run by meson with protocol 'tap'.
 */
#pragma once

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "util.h"

static int tap_n, tap_failed;

static inline void __attribute__((format(printf, 4, 5)))
tap_result(int ok, const char *file, int line, const char *fmt, ...)
{
	va_list ap;
	printf("%s %d - ", ok ? "ok" : "not ok", ++tap_n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	if (!ok) {
		tap_failed++;
		printf("#   failed at %s:%d\n", file, line);
	}
	fflush(stdout);
}

#define ok(cond, ...) tap_result(!!(cond), __FILE__, __LINE__, __VA_ARGS__)

#define is_str(got, want, name)                                                                    \
	do {                                                                                       \
		const char *_g = (got), *_w = (want);                                              \
		int _ok = (_g && _w) ? strcmp(_g, _w) == 0 : _g == _w;                             \
		tap_result(_ok, __FILE__, __LINE__, "%s", name);                                   \
		if (!_ok)                                                                          \
			printf("#   got:  '%s'\n#   want: '%s'\n", _g ? _g : "(null)",             \
			       _w ? _w : "(null)");                                                \
	} while (0)

#define is_int(got, want, name)                                                                    \
	do {                                                                                       \
		long long _g = (long long)(got), _w = (long long)(want);                           \
		tap_result(_g == _w, __FILE__, __LINE__, "%s", name);                              \
		if (_g != _w)                                                                      \
			printf("#   got:  %lld\n#   want: %lld\n", _g, _w);                        \
	} while (0)

/*
 * Read tests/REL (meson sets TESTS_SRC to tests/) into *ret_data. Without
 * TESTS_SRC: a skip, and false; a file that cannot be read: a failure, and false.
 */
static inline bool
tap_read_fixture(const char *rel, char **ret_data, size_t *ret_len)
{
	const char *src = getenv("TESTS_SRC");
	if (!src) {
		ok(1, "# SKIP TESTS_SRC is not set");
		return false;
	}
	_cleanup_free_ char *path = xasprintf("%s/%s", src, rel);
	int r = read_file(path, ret_data, ret_len);
	ok(r == 0, "read %s", rel);
	return r == 0;
}

/* Write text to path (its directories made first) with the given mode: a test's fixture file. */
static inline void
tap_write_file(const char *path, const char *text, mode_t mode)
{
	_cleanup_free_ char *dir = xstrdup(path);
	*strrchr(dir, '/') = '\0';
	mkdir_p(dir, 0755);
	FILE *f = fopen(path, "w");
	if (!f) {
		ok(0, "write %s: %s", path, strerror(errno));
		return;
	}
	fputs(text, f);
	fclose(f);
	chmod(path, mode);
}

static inline int
tap_done(void)
{
	printf("1..%d\n", tap_n);
	return tap_failed ? 1 : 0;
}
