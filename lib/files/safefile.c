// SPDX-License-Identifier: GPL-2.0-or-later
#include "safefile.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define TMP_INFIX ".gpuprep-tmp-"

void
safefile_test_point(const char *step)
{
	const char *at = getenv("GPUPREP_TEST_KILL_AT");
	if (at && strcmp(at, step) == 0)
		raise(SIGKILL);
}

/* The directory part of a path ("/" for "/x", "." for "x"); a fresh string. */
static char *
path_dir(const char *path)
{
	const char *slash = strrchr(path, '/');
	if (!slash)
		return xstrdup(".");
	if (slash == path)
		return xstrdup("/");
	return xstrndup(path, (size_t)(slash - path));
}

static const char *
path_base(const char *path)
{
	const char *slash = strrchr(path, '/');
	return slash ? slash + 1 : path;
}

/* Lexically normalize an absolute path: no "//", ".", or ".." (never above "/"). */
static char *
path_normalize(const char *path)
{
	size_t n = strlen(path);
	char *out = xmalloc(n + 2);
	size_t len = 0;
	const char *p = path;
	while (*p) {
		while (*p == '/')
			p++;
		if (!*p)
			break;
		const char *end = strchrnul(p, '/');
		size_t clen = (size_t)(end - p);
		if (clen == 1 && p[0] == '.') {
			/* nothing */
		} else if (clen == 2 && p[0] == '.' && p[1] == '.') {
			while (len > 0 && out[len - 1] != '/')
				len--;
			if (len > 0)
				len--;
		} else {
			out[len++] = '/';
			memcpy(out + len, p, clen);
			len += clen;
		}
		p = end;
	}
	if (len == 0)
		out[len++] = '/';
	out[len] = '\0';
	return out;
}

int
safefile_resolve(const char *root, const char *path, char **ret_path, struct gp_error *err)
{
	_cleanup_free_ char *cur = path_normalize(path);
	for (int hops = 0;; hops++) {
		_cleanup_free_ char *host = gp_path(root, cur);
		struct stat st;
		if (lstat(host, &st) < 0 || !S_ISLNK(st.st_mode))
			break;
		if (hops >= 40)
			return gp_error_set_errno(err, ELOOP, "cannot follow '%s'", host);
		char buf[PATH_MAX];
		ssize_t n = readlink(host, buf, sizeof(buf) - 1);
		if (n < 0)
			return gp_error_set_errno(err, errno, "cannot read the symlink '%s'", host);
		buf[n] = '\0';
		_cleanup_free_ char *next = NULL;
		if (buf[0] == '/') {
			next = xstrdup(buf);
		} else {
			_cleanup_free_ char *dir = path_dir(cur);
			next = xasprintf("%s/%s", dir, buf);
		}
		free(cur);
		cur = path_normalize(next);
	}
	*ret_path = TAKE_PTR(cur);
	return 0;
}

static const char *
hint_for_errno(int e)
{
	switch (e) {
	case EROFS:
		return "the file system is mounted read-only; remount it read-write";
	case EPERM:
		return "the file or its directory may be immutable (lsattr); remove the flag with "
		       "'chattr -i', or run as root";
	case EACCES:
		return "run gpuprep as root (sudo)";
	case ENOSPC:
	case EDQUOT:
		return "free some space on that file system";
	default:
		return NULL;
	}
}

static int
set_errno_hint(struct gp_error *err, int e)
{
	const char *h = hint_for_errno(e);
	if (h)
		gp_error_hint(err, "%s", h);
	return -1;
}

static int
fsync_dir(const char *dir, struct gp_error *err)
{
	_cleanup_close_ int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return gp_error_set_errno(err, errno, "cannot open the directory '%s'", dir);
	if (fsync(fd) < 0 && errno != EINVAL)
		return gp_error_set_errno(err, errno, "cannot sync the directory '%s'", dir);
	return 0;
}

static int
write_all(int fd, const char *data, size_t len)
{
	while (len > 0) {
		ssize_t w = write(fd, data, len);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		data += w;
		len -= (size_t)w;
	}
	return 0;
}

int
safefile_write(const char *root, const char *path, const char *data, size_t len, mode_t mode,
               struct gp_error *err)
{
	_cleanup_free_ char *host = gp_path(root, path);
	_cleanup_free_ char *dir = path_dir(host);
	struct stat st;
	bool exists = stat(host, &st) == 0;
	if (exists && S_ISDIR(st.st_mode))
		return gp_error_set(err, "cannot write '%s': it is a directory", host);

	_cleanup_free_ char *tmp = xasprintf("%s/.%s" TMP_INFIX "XXXXXX", dir, path_base(host));
	_cleanup_close_ int fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0) {
		int e = errno;
		gp_error_set_errno(err, e, "cannot write '%s': cannot create a file in '%s'", host,
		                   dir);
		return set_errno_hint(err, e);
	}
	safefile_test_point("tmp-create");

	int r = write_all(fd, data, len / 2);
	if (r == 0) {
		safefile_test_point("tmp-write-half");
		r = write_all(fd, data + len / 2, len - len / 2);
	}
	if (r < 0) {
		gp_error_set_errno(err, r, "cannot write '%s'", tmp);
		set_errno_hint(err, -r);
		goto fail;
	}
	safefile_test_point("tmp-write");

	if (fchmod(fd, exists ? (st.st_mode & 07777) : mode) < 0) {
		gp_error_set_errno(err, errno, "cannot set the mode of '%s'", tmp);
		goto fail;
	}
	if (exists && (st.st_uid != geteuid() || st.st_gid != getegid()) &&
	    fchown(fd, st.st_uid, st.st_gid) < 0) {
		gp_error_set_errno(err, errno, "cannot keep the owner of '%s' (uid %u, gid %u)",
		                   host, (unsigned)st.st_uid, (unsigned)st.st_gid);
		gp_error_hint(err, "run gpuprep as root (sudo)");
		goto fail;
	}
	if (fsync(fd) < 0) {
		gp_error_set_errno(err, errno, "cannot sync '%s'", tmp);
		goto fail;
	}
	safefile_test_point("tmp-fsync");
	if (close(TAKE_FD(fd)) < 0) {
		gp_error_set_errno(err, errno, "cannot write '%s'", tmp);
		goto fail;
	}
	if (rename(tmp, host) < 0) {
		int e = errno;
		gp_error_set_errno(err, e, "cannot replace '%s'", host);
		set_errno_hint(err, e);
		goto fail;
	}
	safefile_test_point("rename");
	if (fsync_dir(dir, err) < 0)
		return -1;
	safefile_test_point("dir-fsync");
	return 0;
fail:
	unlink(tmp);
	return -1;
}

int
safefile_remove(const char *root, const char *path, struct gp_error *err)
{
	_cleanup_free_ char *host = gp_path(root, path);
	if (unlink(host) < 0) {
		if (errno == ENOENT)
			return 0;
		int e = errno;
		gp_error_set_errno(err, e, "cannot remove '%s'", host);
		return set_errno_hint(err, e);
	}
	_cleanup_free_ char *dir = path_dir(host);
	return fsync_dir(dir, err);
}

int
safefile_check_writable(const char *root, const char *path, struct gp_error *err)
{
	_cleanup_free_ char *host = gp_path(root, path);
	struct stat st;
	if (stat(host, &st) == 0) {
		if (S_ISDIR(st.st_mode)) {
			gp_error_set(err, "cannot write '%s': it is a directory", host);
			return gp_error_hint(err, "give the config file itself with --config");
		}
		if (access(host, W_OK) < 0) {
			int e = errno;
			gp_error_set_errno(err, e, "cannot write '%s'", host);
			return set_errno_hint(err, e);
		}
	}
	/* The nearest existing directory must let us create the temp file. */
	_cleanup_free_ char *dir = path_dir(host);
	while (stat(dir, &st) < 0 && errno == ENOENT && strcmp(dir, "/") != 0) {
		char *up = path_dir(dir);
		free(dir);
		dir = up;
	}
	if (stat(dir, &st) == 0 && !S_ISDIR(st.st_mode))
		return gp_error_set(err, "cannot write '%s': '%s' is not a directory", host, dir);
	if (access(dir, W_OK) < 0) {
		int e = errno;
		gp_error_set_errno(err, e, "cannot write '%s': cannot create files in '%s'", host,
		                   dir);
		return set_errno_hint(err, e);
	}
	return 0;
}

void
safefile_clean_stale(const char *root, const char *path)
{
	_cleanup_free_ char *host = gp_path(root, path);
	_cleanup_free_ char *dir = path_dir(host);
	_cleanup_free_ char *prefix = xasprintf(".%s" TMP_INFIX, path_base(host));
	DIR *d = opendir(dir);
	if (!d)
		return;
	struct dirent *de;
	while ((de = readdir(d))) {
		if (!str_startswith(de->d_name, prefix) || strlen(de->d_name) != strlen(prefix) + 6)
			continue;
		unlinkat(dirfd(d), de->d_name, 0);
	}
	closedir(d);
}

int
safefile_lock_timeout_ms(void)
{
	const char *s = getenv("GPUPREP_LOCK_TIMEOUT");
	if (!s || !*s)
		return 30 * 1000;
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (errno || *end || v < 0 || v > INT_MAX / 1000)
		return 30 * 1000;
	return (int)v * 1000;
}

char *
safefile_lock_path(const char *root)
{
	return gp_path(root, "/run/gpuprep.lock");
}

int
safefile_lock(const char *root, int timeout_ms, struct gp_error *err)
{
	_cleanup_free_ char *path = safefile_lock_path(root);
	_cleanup_free_ char *dir = path_dir(path);
	int r = mkdir_p(dir, 0755);
	if (r < 0) {
		gp_error_set_errno(err, r, "cannot create '%s' for the lock", dir);
		return set_errno_hint(err, -r);
	}
	_cleanup_close_ int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0) {
		int e = errno;
		gp_error_set_errno(err, e, "cannot open the lock '%s'", path);
		return set_errno_hint(err, e);
	}
	for (int waited = 0;; waited += 50) {
		if (flock(fd, LOCK_EX | LOCK_NB) == 0)
			break;
		if (errno != EWOULDBLOCK && errno != EINTR)
			return gp_error_set_errno(err, errno, "cannot lock '%s'", path);
		if (timeout_ms >= 0 && waited >= timeout_ms) {
			gp_error_set(err, "another gpuprep run holds the lock '%s'", path);
			return gp_error_hint(err, "wait for it to finish, then try again");
		}
		struct timespec ts = {0, 50 * 1000 * 1000};
		nanosleep(&ts, NULL);
	}
	safefile_test_point("lock");
	return TAKE_FD(fd);
}
