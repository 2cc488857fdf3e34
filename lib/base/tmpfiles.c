// SPDX-License-Identifier: GPL-2.0-or-later
#include "tmpfiles.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

/*
 * The ".lock" files of this process's temp dirs: held (flock) until it exits or removes them.
 * Read by tmpfiles_remove_all_now() in a signal handler on the main thread: a slot's dir is set
 * only once its string is whole, and cleared before the string is freed.
 */
static struct {
	char *volatile dir;
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
			owned[i].fd = fd;
			owned[i].dir = xstrdup(dir);
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
			char *d = owned[i].dir;
			owned[i].dir = NULL;
			unlink(lock);
			close(owned[i].fd);
			free(d);
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

/*
 * This process's temp files outside its temp dirs, for tmpfiles_remove_all_now(): a slot's
 * name is whole before it is marked used, and unmarked before it is reused.
 */
static struct {
	volatile sig_atomic_t used;
	int dirfd;
	char name[4096];
} files[8];

void
tmpfiles_note_file(int dirfd, const char *name)
{
	if (strlen(name) >= sizeof(files[0].name))
		return;
	for (size_t i = 0; i < GP_ARRAY_SIZE(files); i++)
		if (!files[i].used) {
			files[i].dirfd = dirfd;
			strcpy(files[i].name, name);
			files[i].used = 1;
			return;
		}
	/* More than 8 at once: the next run removes it, as it did before there was a list. */
}

void
tmpfiles_forget_file(int dirfd, const char *name)
{
	for (size_t i = 0; i < GP_ARRAY_SIZE(files); i++)
		if (files[i].used && files[i].dirfd == dirfd && strcmp(files[i].name, name) == 0) {
			files[i].used = 0;
			return;
		}
}

/* linux_dirent64, as getdents64(2) fills it: the C library's readdir allocates. */
struct dent64 {
	uint64_t ino;
	int64_t off;
	unsigned short reclen;
	unsigned char type;
	char name[];
};

/*
 * Empty the directory dfd with system calls only (no allocation, no stdio): for a signal
 * handler. Each pass reads the directory from its start and removes what it finds, until one
 * finds nothing more (removing while reading may skip entries). Depth is bounded: a temp dir
 * holds packages and downloads, two or three levels deep.
 */
static void
empty_dir_now(int dfd, int depth)
{
	char buf[2048] __attribute__((aligned(8)));
	for (int pass = 0; pass < 64; pass++) {
		bool removed = false;
		if (lseek(dfd, 0, SEEK_SET) < 0)
			return;
		for (;;) {
			long n = syscall(SYS_getdents64, dfd, buf, sizeof(buf));
			if (n <= 0)
				break;
			for (long off = 0; off < n;) {
				struct dent64 *d = (struct dent64 *)(void *)(buf + off);
				off += d->reclen;
				const char *name = d->name;
				if (name[0] == '.' && (!name[1] || (name[1] == '.' && !name[2])))
					continue;
				if (d->type != DT_DIR && unlinkat(dfd, name, 0) == 0) {
					removed = true;
					continue;
				}
				if (depth < 16) {
					int fd = openat(dfd, name,
					                O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
					                        O_CLOEXEC);
					if (fd >= 0) {
						empty_dir_now(fd, depth + 1);
						close(fd);
					}
				}
				if (unlinkat(dfd, name, AT_REMOVEDIR) == 0)
					removed = true;
			}
		}
		if (!removed)
			return;
	}
}

void
tmpfiles_remove_all_now(void)
{
	int saved = errno;
	for (size_t i = 0; i < GP_ARRAY_SIZE(files); i++)
		if (files[i].used)
			unlinkat(files[i].dirfd, files[i].name, 0);
	for (size_t i = 0; i < GP_ARRAY_SIZE(owned); i++) {
		const char *dir = owned[i].dir;
		if (!dir)
			continue;
		int fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd >= 0) {
			empty_dir_now(fd, 0);
			close(fd);
		}
		rmdir(dir);
		/* "<dir>.lock", built on the stack. */
		char lock[4096];
		size_t n = strlen(dir);
		if (n + sizeof(".lock") <= sizeof(lock)) {
			memcpy(lock, dir, n);
			memcpy(lock + n, ".lock", sizeof(".lock"));
			unlink(lock);
		}
	}
	errno = saved;
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
