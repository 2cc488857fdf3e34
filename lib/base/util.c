// SPDX-License-Identifier: GPL-2.0-or-later
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>

static _noreturn_ void
oom(void)
{
	fputs("gpuprep: fatal: out of memory\n", stderr);
	abort();
}

void *
xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (!p)
		oom();
	return p;
}

void *
xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);
	if (!p)
		oom();
	return p;
}

void *
xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p)
		oom();
	return p;
}

char *
xstrdup(const char *s)
{
	char *p = strdup(s);
	if (!p)
		oom();
	return p;
}

char *
xstrndup(const char *s, size_t n)
{
	char *p = strndup(s, n);
	if (!p)
		oom();
	return p;
}

char *
xvasprintf(const char *fmt, va_list ap)
{
	char *s;
	if (vasprintf(&s, fmt, ap) < 0)
		oom();
	return s;
}

char *
xasprintf(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *s = xvasprintf(fmt, ap);
	va_end(ap);
	return s;
}

void
strv_free(char **v)
{
	if (!v)
		return;
	for (char **p = v; *p; p++)
		free(*p);
	free(v);
}

size_t
strv_length(char *const *v)
{
	size_t n = 0;
	while (v && v[n])
		n++;
	return n;
}

char **
strv_push(char **v, const char *s)
{
	size_t n = strv_length(v);
	v = xrealloc(v, (n + 2) * sizeof(char *));
	v[n] = xstrdup(s);
	v[n + 1] = NULL;
	return v;
}

bool
strv_contains(char *const *v, const char *s)
{
	for (size_t i = 0; v && v[i]; i++)
		if (strcmp(v[i], s) == 0)
			return true;
	return false;
}

static int
strv_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

char **
strv_sort(char **v)
{
	if (v)
		qsort(v, strv_length(v), sizeof(char *), strv_cmp);
	return v;
}

bool
str_startswith(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

bool
str_endswith(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n >= m && memcmp(s + n - m, suffix, m) == 0;
}

char *
str_strip(char *s)
{
	char *start = s;
	while (*start == ' ' || *start == '\t' || *start == '\n' || *start == '\r')
		start++;
	size_t n = strlen(start);
	while (n > 0 && (start[n - 1] == ' ' || start[n - 1] == '\t' || start[n - 1] == '\n' ||
	                 start[n - 1] == '\r'))
		n--;
	memmove(s, start, n);
	s[n] = '\0';
	return s;
}

bool
gp_root_is_set(const char *root)
{
	return root && *root && strcmp(root, "/") != 0;
}

char *
gp_path(const char *root, const char *path)
{
	if (!gp_root_is_set(root))
		return xstrdup(path);
	size_t n = strlen(root);
	while (n > 1 && root[n - 1] == '/')
		n--;
	while (*path == '/')
		path++;
	return xasprintf("%.*s/%s", (int)n, root, path);
}

int
open_for_read(const char *path, size_t *ret_size)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	struct stat st;
	if (fstat(fd, &st) < 0)
		return -errno;
	if (S_ISDIR(st.st_mode))
		return -EISDIR;
	*ret_size = S_ISREG(st.st_mode) ? (size_t)st.st_size : 0;
	return TAKE_FD(fd);
}

ssize_t
read_retry(int fd, void *buf, size_t n)
{
	ssize_t r;
	do
		r = read(fd, buf, n);
	while (r < 0 && errno == EINTR);
	return r;
}

int
read_file(const char *path, char **ret_data, size_t *ret_len)
{
	size_t size;
	_cleanup_close_ int fd = open_for_read(path, &size);
	if (fd < 0)
		return fd;
	return read_fd(fd, size, ret_data, ret_len);
}

int
read_fd(int fd, size_t size_hint, char **ret_data, size_t *ret_len)
{
	size_t cap = size_hint + 1 < 4096 ? 4096 : size_hint + 1;
	_cleanup_free_ char *buf = xmalloc(cap);
	size_t len = 0;
	for (;;) {
		if (len + 1 >= cap) {
			cap *= 2;
			buf = xrealloc(buf, cap);
		}
		ssize_t r = read_retry(fd, buf + len, cap - len - 1);
		if (r < 0)
			return -errno;
		if (r == 0)
			break;
		len += (size_t)r;
	}
	buf[len] = '\0';
	if (ret_len)
		*ret_len = len;
	*ret_data = TAKE_PTR(buf);
	return 0;
}

int
write_all(int fd, const void *data, size_t len)
{
	const char *p = data;
	while (len > 0) {
		ssize_t w = write(fd, p, len);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += w;
		len -= (size_t)w;
	}
	return 0;
}

int
read_line_file(const char *path, char **ret_line)
{
	char *data;
	int r = read_file(path, &data, NULL);
	if (r < 0)
		return r;
	data[strcspn(data, "\n")] = '\0';
	*ret_line = data;
	return 0;
}

bool
path_exists(const char *path)
{
	struct stat st;
	return lstat(path, &st) == 0;
}

bool
path_is_dir(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

int
mkdir_p(const char *path, unsigned mode)
{
	_cleanup_free_ char *p = xstrdup(path);
	for (char *s = p + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(p, mode) < 0 && errno != EEXIST)
			return -errno;
		*s = '/';
	}
	if (mkdir(p, mode) < 0 && errno != EEXIST)
		return -errno;
	return path_is_dir(p) ? 0 : -ENOTDIR;
}

void
strbuf_add(struct strbuf *b, const char *s, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		b->cap = (b->len + n + 1) * 2;
		b->s = xrealloc(b->s, b->cap);
	}
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
}

void
strbuf_puts(struct strbuf *b, const char *s)
{
	strbuf_add(b, s, strlen(s));
}

void
strbuf_vprintf(struct strbuf *b, const char *fmt, va_list ap)
{
	_cleanup_free_ char *s = xvasprintf(fmt, ap);
	strbuf_puts(b, s);
}

void
strbuf_printf(struct strbuf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	strbuf_vprintf(b, fmt, ap);
	va_end(ap);
}

int
hex_value(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

uint64_t
fnv1a64(const void *data, size_t len)
{
	const unsigned char *p = data;
	uint64_t h = 1469598103934665603ull;
	for (size_t i = 0; i < len; i++)
		h = (h ^ p[i]) * 1099511628211ull;
	return h;
}

size_t
str_distance(const char *a, const char *b)
{
	size_t la = strnlen(a, 254), lb = strnlen(b, 254);
	/* Three rows of the matrix: two back (for swaps), one back, this one. */
	unsigned char rows[3][256];
	unsigned char *pp = rows[0], *prev = rows[1], *cur = rows[2];
	for (size_t j = 0; j <= lb; j++)
		prev[j] = (unsigned char)j;
	for (size_t i = 1; i <= la; i++) {
		cur[0] = (unsigned char)i;
		for (size_t j = 1; j <= lb; j++) {
			unsigned v = prev[j - 1] + (a[i - 1] != b[j - 1]);
			if (prev[j] + 1u < v)
				v = prev[j] + 1u;
			if (cur[j - 1] + 1u < v)
				v = cur[j - 1] + 1u;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
			    pp[j - 2] + 1u < v)
				v = pp[j - 2] + 1u;
			cur[j] = (unsigned char)(v > 255 ? 255 : v);
		}
		unsigned char *t = pp;
		pp = prev;
		prev = cur;
		cur = t;
	}
	return prev[lb];
}

const char *
str_closest(const char *word, const char *const *candidates, size_t n)
{
	size_t len = strlen(word);
	size_t limit = len / 3 ? len / 3 : 1;
	const char *best = NULL;
	size_t best_d = SIZE_MAX;
	for (size_t i = 0; i < n; i++) {
		size_t d = str_distance(word, candidates[i]);
		if (len >= 2 && str_startswith(candidates[i], word))
			d = d < limit ? d : limit;
		if (d <= limit && d < best_d) {
			best = candidates[i];
			best_d = d;
		}
	}
	return best;
}

char *
str_fit(const char *s, size_t width)
{
	size_t len = strlen(s);
	if (len <= width || width < 5)
		return xstrdup(s);
	size_t tail = (width - 3) / 2 + (width - 3) % 2, head = width - 3 - tail;
	return xasprintf("%.*s...%s", (int)head, s, s + len - tail);
}

uint64_t
mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}
