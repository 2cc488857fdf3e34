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
#include <stdint.h>
#include <unistd.h>

#include "noderoot.h"

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

int
safefile_resolve(const char *root, const char *path, char **ret_path, struct gp_error *err)
{
	int r = noderoot_resolve(root, path, ret_path);
	if (r < 0) {
		_cleanup_free_ char *host = gp_path(root, path);
		return gp_error_set_errno(err, r, "cannot follow '%s'", host);
	}
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

/* Create ".<name>.gpuprep-tmp-XXXXXX" in dirfd; returns the fd and the name. */
static int
tmp_create(int dirfd, const char *name, char **ret_tmp)
{
	static const char chars[] =
	        "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	uint64_t x = (uint64_t)ts.tv_nsec ^ ((uint64_t)getpid() << 32) ^ (uint64_t)ts.tv_sec;
	for (int tries = 0; tries < 100; tries++) {
		char suffix[7];
		for (int i = 0; i < 6; i++) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			suffix[i] = chars[x % (sizeof(chars) - 1)];
		}
		suffix[6] = '\0';
		char *tmp = xasprintf(".%s" TMP_INFIX "%s", name, suffix);
		int fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
		                0600);
		if (fd >= 0) {
			*ret_tmp = tmp;
			return fd;
		}
		int e = errno;
		free(tmp);
		if (e != EEXIST)
			return -e;
	}
	return -EEXIST;
}

/* The error for a failed step on the node path, with the hint for its errno. */
static int
fail_errno(struct gp_error *err, int e, const char *what, const char *host)
{
	gp_error_set_errno(err, e, "%s '%s'", what, host);
	return set_errno_hint(err, e);
}

int
safefile_write(const char *root, const char *path, const char *data, size_t len, mode_t mode,
               struct gp_error *err)
{
	return safefile_replace(root, path, data, len, mode, NULL, err);
}

int
safefile_replace(const char *root, const char *path, const char *data, size_t len, mode_t mode,
                 int *ret_dirfd, struct gp_error *err)
{
	/* A symlinked config has its target written: follow it inside the root. */
	_cleanup_free_ char *target = NULL;
	if (safefile_resolve(root, path, &target, err) < 0)
		return -1;
	_cleanup_free_ char *host = gp_path(root, target);
	_cleanup_free_ char *name = NULL;
	_cleanup_free_ char *host_dir = path_dir(host);
	_cleanup_close_ int dirfd = noderoot_open_parent(root, target, &name);
	if (dirfd < 0) {
		gp_error_set_errno(err, -dirfd, "cannot write '%s': cannot create a file in '%s'",
		                   host, host_dir);
		return set_errno_hint(err, -dirfd);
	}
	struct stat st;
	bool exists = fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0;
	if (exists && S_ISDIR(st.st_mode))
		return gp_error_set(err, "cannot write '%s': it is a directory", host);

	_cleanup_free_ char *tmp = NULL;
	_cleanup_close_ int fd = tmp_create(dirfd, name, &tmp);
	if (fd < 0) {
		gp_error_set_errno(err, -fd, "cannot write '%s': cannot create a file in '%s'",
		                   host, host_dir);
		return set_errno_hint(err, -fd);
	}
	_cleanup_free_ char *host_tmp = xasprintf("%s/%s", host_dir, tmp);
	safefile_test_point("tmp-create");

	int r = write_all(fd, data, len / 2);
	if (r == 0) {
		safefile_test_point("tmp-write-half");
		r = write_all(fd, data + len / 2, len - len / 2);
	}
	if (r < 0) {
		gp_error_set_errno(err, r, "cannot write '%s'", host_tmp);
		set_errno_hint(err, -r);
		goto fail;
	}
	safefile_test_point("tmp-write");

	if (fchmod(fd, exists ? (st.st_mode & 07777) : mode) < 0) {
		gp_error_set_errno(err, errno, "cannot set the mode of '%s'", host_tmp);
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
		int e = errno;
		gp_error_set_errno(err, e, "cannot sync '%s'", host_tmp);
		set_errno_hint(err, e);
		goto fail;
	}
	safefile_test_point("tmp-fsync");
	if (close(TAKE_FD(fd)) < 0) {
		gp_error_set_errno(err, errno, "cannot write '%s'", host_tmp);
		goto fail;
	}
	if (renameat(dirfd, tmp, dirfd, name) < 0) {
		fail_errno(err, errno, "cannot replace", host);
		goto fail;
	}
	safefile_test_point("rename");
	if (ret_dirfd) {
		*ret_dirfd = TAKE_FD(dirfd);
		return 0;
	}
	/* The file is new from here on; a failure says so (changeset_apply puts it back). */
	r = noderoot_fsync_dirfd(dirfd);
	if (r < 0) {
		gp_error_set_errno(err, r, "replaced '%s', but cannot sync the directory '%s'",
		                   host, host_dir);
		return set_errno_hint(err, -r);
	}
	safefile_test_point("dir-fsync");
	return 0;
fail:
	unlinkat(dirfd, tmp, 0);
	return -1;
}

int
safefile_remove(const char *root, const char *path, struct gp_error *err)
{
	return safefile_unlink(root, path, NULL, err);
}

int
safefile_unlink(const char *root, const char *path, int *ret_dirfd, struct gp_error *err)
{
	if (ret_dirfd)
		*ret_dirfd = -1;
	_cleanup_free_ char *host = gp_path(root, path);
	_cleanup_free_ char *name = NULL;
	_cleanup_close_ int dirfd = noderoot_open_parent(root, path, &name);
	if (dirfd == -ENOENT)
		return 0;
	if (dirfd < 0)
		return fail_errno(err, -dirfd, "cannot remove", host);
	if (unlinkat(dirfd, name, 0) < 0) {
		if (errno == ENOENT)
			return 0;
		return fail_errno(err, errno, "cannot remove", host);
	}
	if (ret_dirfd) {
		*ret_dirfd = TAKE_FD(dirfd);
		return 0;
	}
	int r = noderoot_fsync_dirfd(dirfd);
	if (r < 0) {
		_cleanup_free_ char *dir = path_dir(host);
		gp_error_set_errno(err, r, "removed '%s', but cannot sync the directory '%s'", host,
		                   dir);
		return set_errno_hint(err, -r);
	}
	return 0;
}

int
safefile_check_writable(const char *root, const char *path, struct gp_error *err)
{
	_cleanup_free_ char *host = gp_path(root, path);
	struct stat st;
	int r = noderoot_stat(root, path, &st);
	if (r == 0) {
		if (S_ISDIR(st.st_mode)) {
			gp_error_set(err, "cannot write '%s': it is a directory", host);
			return gp_error_hint(err, "give the config file itself with --config");
		}
		r = noderoot_access(root, path, W_OK);
		if (r < 0)
			return fail_errno(err, -r, "cannot write", host);
	} else if (r != -ENOENT) {
		return fail_errno(err, -r, "cannot write", host);
	}
	/* The nearest existing directory must let us create the temp file. */
	_cleanup_free_ char *dir = path_dir(path);
	while ((r = noderoot_stat(root, dir, &st)) == -ENOENT && strcmp(dir, "/") != 0) {
		char *up = path_dir(dir);
		free(dir);
		dir = up;
	}
	_cleanup_free_ char *host_dir = gp_path(root, dir);
	if (r == -ENOTDIR || (r == 0 && !S_ISDIR(st.st_mode)))
		return gp_error_set(err, "cannot write '%s': '%s' is not a directory", host,
		                    host_dir);
	r = r < 0 ? r : noderoot_access(root, dir, W_OK);
	if (r < 0) {
		gp_error_set_errno(err, -r, "cannot write '%s': cannot create files in '%s'", host,
		                   host_dir);
		return set_errno_hint(err, -r);
	}
	return 0;
}

void
safefile_clean_stale(const char *root, const char *path)
{
	_cleanup_free_ char *name = NULL;
	_cleanup_close_ int pfd = noderoot_open_parent(root, path, &name);
	if (pfd < 0)
		return;
	_cleanup_free_ char *prefix = xasprintf(".%s" TMP_INFIX, name);
	int fd = openat(pfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d = fd < 0 ? NULL : fdopendir(fd);
	if (!d) {
		if (fd >= 0)
			close(fd);
		return;
	}
	struct dirent *de;
	while ((de = readdir(d))) {
		if (!str_startswith(de->d_name, prefix) || strlen(de->d_name) != strlen(prefix) + 6)
			continue;
		/* Only our own kind of file: a regular file, never a link or a directory. */
		struct stat st;
		if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
		    S_ISREG(st.st_mode))
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
	int r = noderoot_mkdir_p(root, "/run", 0755);
	if (r < 0) {
		gp_error_set_errno(err, r, "cannot create '%s' for the lock", dir);
		return set_errno_hint(err, -r);
	}
	_cleanup_close_ int fd =
	        noderoot_open(root, "/run/gpuprep.lock", O_RDWR | O_CREAT | O_NOFOLLOW, 0600);
	if (fd < 0) {
		gp_error_set_errno(err, -fd, "cannot open the lock '%s'", path);
		return set_errno_hint(err, -fd);
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
