/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Small helpers every module uses: cleanup attributes, allocation that aborts on
 * failure, and paths resolved under --root.
 */
#pragma once

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define GP_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#define _cleanup_(f)     __attribute__((cleanup(f)))
#define _cleanup_free_   _cleanup_(freep)
#define _cleanup_close_  _cleanup_(closep)
#define _cleanup_fclose_ _cleanup_(fclosep)
#define _cleanup_strv_   _cleanup_(strv_freep)
#define _printf_(a, b)   __attribute__((format(printf, a, b)))
#define _unused_         __attribute__((unused))
#define _noreturn_       __attribute__((noreturn))

/* Hand ownership out of a cleanup variable: the variable becomes NULL. */
#define TAKE_PTR(p)                                                                                \
	({                                                                                         \
		__typeof__(p) _tp = (p);                                                           \
		(p) = NULL;                                                                        \
		_tp;                                                                               \
	})

#define TAKE_FD(fd)                                                                                \
	({                                                                                         \
		int _tf = (fd);                                                                    \
		(fd) = -1;                                                                         \
		_tf;                                                                               \
	})

static inline void
freep(void *p)
{
	free(*(void **)p);
}

static inline void
closep(int *fd)
{
	if (*fd >= 0)
		close(*fd);
}

static inline void
fclosep(FILE **f)
{
	if (*f)
		fclose(*f);
}

/* Allocation failure is the one thing that aborts. */
void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) _printf_(1, 2);
char *xvasprintf(const char *fmt, va_list ap) _printf_(1, 0);

/* NULL-terminated string vectors. */
void strv_free(char **v);
static inline void
strv_freep(char ***v)
{
	strv_free(*v);
}
size_t strv_length(char *const *v);
/* Append a copy of s; returns the (possibly moved) vector. */
char **strv_push(char **v, const char *s);
bool strv_contains(char *const *v, const char *s);
/* Sort in place with strcmp; returns v. */
char **strv_sort(char **v);

/* The value of a hexadecimal digit, or -1. */
int hex_value(int c);
/* FNV-1a, 64 bits: a fast hash of bytes, for equality checks (not for security). */
uint64_t fnv1a64(const void *data, size_t len);

/* Milliseconds on CLOCK_MONOTONIC, for deadlines. */
uint64_t mono_ms(void);

bool str_startswith(const char *s, const char *prefix);
bool str_endswith(const char *s, const char *suffix);
/* Strip leading and trailing white space in place; returns s. */
char *str_strip(char *s);
/*
 * The edit distance between a and b (insertions, deletions, substitutions and
 * swaps of two neighbours, each 1), at most 255: for "did you mean".
 */
size_t str_distance(const char *a, const char *b);
/*
 * The candidate closest to word, when it is close enough to be what was meant
 * (a distance of at most a third of word's length, and at least 1; a
 * candidate that starts with word counts too), else NULL. Ties go to the first.
 */
const char *str_closest(const char *word, const char *const *candidates, size_t n);
/*
 * s in at most width bytes (width >= 5): s itself when it fits, else its start
 * and its end joined by "...", so that a file name's version and suffix stay.
 */
char *str_fit(const char *s, size_t width);

/*
 * Resolve an absolute path under the root (NULL or "/" means the real root).
 * Always returns a fresh string: gp_path("/mnt/img", "/etc/os-release") is
 * "/mnt/img/etc/os-release".
 */
char *gp_path(const char *root, const char *path);
/* True when root is set to something other than "/". */
bool gp_root_is_set(const char *root);

/*
 * Read a whole file into a NUL-terminated buffer. Returns 0, or a negative
 * errno. ret_len may be NULL.
 */
int read_file(const char *path, char **ret_data, size_t *ret_len);
/* The rest of fd, NUL-terminated as read_file's; size_hint (0: unknown) sizes the first buffer. */
int read_fd(int fd, size_t size_hint, char **ret_data, size_t *ret_len);
/*
 * Open a file to read it whole: returns the descriptor, or a negative errno
 * (-EISDIR for a directory). *ret_size is its size for a regular file, else 0.
 */
int open_for_read(const char *path, size_t *ret_size);
/* Write all of data, again after EINTR and short writes. Returns 0 or -errno. */
int write_all(int fd, const void *data, size_t len);
/* read(2), again after EINTR. */
ssize_t read_retry(int fd, void *buf, size_t n);
/* Read the first line of a small file, without the newline. Returns 0 or -errno. */
int read_line_file(const char *path, char **ret_line);
bool path_exists(const char *path);
bool path_is_dir(const char *path);
/* mkdir -p with the given mode. Returns 0 or -errno. */
int mkdir_p(const char *path, unsigned mode);

/* A string that grows: s is NUL-terminated once anything was added (even ""), NULL before. */
struct strbuf {
	char *s;
	size_t len, cap;
};
void strbuf_add(struct strbuf *b, const char *s, size_t n);
void strbuf_puts(struct strbuf *b, const char *s);
void strbuf_printf(struct strbuf *b, const char *fmt, ...) _printf_(2, 3);
void strbuf_vprintf(struct strbuf *b, const char *fmt, va_list ap) _printf_(2, 0);
