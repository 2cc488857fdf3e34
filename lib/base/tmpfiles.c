// SPDX-License-Identifier: GPL-2.0-or-later
#include "tmpfiles.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* The ".lock" files of this process's temp dirs: held (flock) until it exits or removes them. */
static struct {
	char *dir;
	int fd;
} owned[16];

/* The lock file beside a temp dir: "<dir>.lock". */
static char *
lock_path(const char *dir)
{
	return xasprintf("%s.lock", dir);
}

/*
 * Remove the temp dirs of runs that died (killed, or the machine lost power): those named
 * gpuprep-WHAT-XXXXXX whose "<dir>.lock" exists, is older than a minute (so one being made is
 * never taken), and is locked by no one. Directories without that lock file are not ours to
 * remove (an older gpuprep's, or someone else's).
 */
static void
sweep_stale(const char *base)
{
	DIR *d = opendir(base);
	if (!d)
		return;
	time_t now = time(NULL);
	for (struct dirent *de; (de = readdir(d));) {
		const char *name = de->d_name;
		size_t n = strlen(name);
		if (!str_startswith(name, "gpuprep-") || !str_endswith(name, ".lock") ||
		    n < strlen("gpuprep-x-XXXXXX.lock") ||
		    name[n - strlen("XXXXXX.lock") - 1] != '-')
			continue;
		int fd = openat(dirfd(d), name, O_RDWR | O_NOFOLLOW | O_CLOEXEC);
		struct stat st;
		if (fd < 0)
			continue;
		if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_uid == geteuid() &&
		    now - st.st_mtime > 60 && flock(fd, LOCK_EX | LOCK_NB) == 0) {
			_cleanup_free_ char *lock = xasprintf("%s/%s", base, name);
			_cleanup_free_ char *dir = xstrndup(lock, strlen(lock) - strlen(".lock"));
			struct stat dst;
			if (lstat(dir, &dst) < 0 ||
			    (S_ISDIR(dst.st_mode) && dst.st_uid == geteuid()))
				tmpfiles_rm_rf(dir);
			unlink(lock);
		}
		close(fd);
	}
	closedir(d);
}

/* Hold "<dir>.lock" for as long as this process lives (or until the dir is removed). */
static void
hold_lock(const char *dir)
{
	_cleanup_free_ char *lock = lock_path(dir);
	int fd = open(lock, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return;
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		close(fd);
		return;
	}
	for (size_t i = 0; i < GP_ARRAY_SIZE(owned); i++)
		if (!owned[i].dir) {
			owned[i].dir = xstrdup(dir);
			owned[i].fd = fd;
			return;
		}
	/* More than 16 at once: the lock goes when the process exits anyway. */
}

static void
release_lock(const char *dir)
{
	for (size_t i = 0; i < GP_ARRAY_SIZE(owned); i++)
		if (owned[i].dir && strcmp(owned[i].dir, dir) == 0) {
			_cleanup_free_ char *lock = lock_path(dir);
			unlink(lock);
			close(owned[i].fd);
			free(owned[i].dir);
			owned[i].dir = NULL;
			return;
		}
}

int
tmpfiles_mkdtemp(const char *what, char **ret_path, struct gp_error *err)
{
	/*
	 * $TMPDIR when set; otherwise memory (/dev/shm) when it is there: what goes
	 * here (extracted packages, apt's lists) is short-lived, and writing it to the
	 * disk that dpkg then fsyncs would slow dpkg down.
	 */
	const char *base = getenv("TMPDIR");
	if (!base || !*base)
		base = access("/dev/shm", W_OK | X_OK) == 0 && path_is_dir("/dev/shm") ? "/dev/shm"
		                                                                       : "/tmp";
	sweep_stale(base);
	char *p = xasprintf("%s/gpuprep-%s-XXXXXX", base, what);
	if (!mkdtemp(p)) {
		int e = errno;
		gp_error_set_errno(err, e, "creating a temporary directory in '%s'", base);
		gp_error_hint(err, "set TMPDIR to a writable directory with free space");
		free(p);
		return -1;
	}
	hold_lock(p);
	*ret_path = p;
	return 0;
}

static int
rm_one(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if (type == FTW_DP)
		rmdir(path);
	else
		unlink(path);
	return 0;
}

int
tmpfiles_rm_rf(const char *path)
{
	if (!path)
		return 0;
	int r = nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS) < 0 ? -errno : 0;
	release_lock(path);
	return r;
}

void
tmpfiles_rm_rf_freep(char **path)
{
	if (!*path)
		return;
	tmpfiles_rm_rf(*path);
	free(*path);
	*path = NULL;
}

int
tmpfiles_write(const char *path, const void *data, size_t len, unsigned mode, struct gp_error *err)
{
	_cleanup_close_ int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	if (fd < 0)
		return gp_error_set_errno(err, errno, "writing '%s'", path);
	const char *p = data;
	while (len > 0) {
		ssize_t n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return gp_error_set_errno(err, errno, "writing '%s'", path);
		p += n;
		len -= (size_t)n;
	}
	return 0;
}
