// SPDX-License-Identifier: GPL-2.0-or-later
#include "safefile.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <stdint.h>
#include <unistd.h>

#include "noderoot.h"
#include "proc.h"
#include "tmpfiles.h"

#define TMP_INFIX ".gpuprep-tmp-"

void
safefile_test_point(const char *step)
{
	const char *at = getenv("GPUPREP_TEST_KILL_AT");
	if (at && strcmp(at, step) == 0) {
		/* SIGTERM to see what gpuprep's handler does there (cmd/main.c). */
		const char *sig = getenv("GPUPREP_TEST_KILL_SIGNAL");
		raise(sig && strcmp(sig, "TERM") == 0 ? SIGTERM : SIGKILL);
	}
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
			/* Gone on SIGINT or SIGTERM too (cmd/main.c), until renamed or removed. */
			tmpfiles_note_file(dirfd, tmp);
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

void
safefile_tmp_release(struct safefile_tmp *t)
{
	if (!t)
		return;
	if (t->fd >= 0)
		close(t->fd);
	if (t->dirfd >= 0) {
		if (t->tmp) {
			unlinkat(t->dirfd, t->tmp, 0);
			tmpfiles_forget_file(t->dirfd, t->tmp);
		}
		close(t->dirfd);
	}
	free(t->name);
	free(t->tmp);
	free(t->host);
	free(t->host_tmp);
	*t = (struct safefile_tmp){.fd = -1, .dirfd = -1};
}

int
safefile_prepare(const char *root, const char *path, const char *data, size_t len, mode_t mode,
                 struct safefile_tmp *ret, struct gp_error *err)
{
	*ret = (struct safefile_tmp){.fd = -1, .dirfd = -1};
	/* A symlinked config has its target written: follow it inside the root. */
	_cleanup_free_ char *target = NULL;
	if (safefile_resolve(root, path, &target, err) < 0)
		return -1;
	_cleanup_(safefile_tmp_release) struct safefile_tmp t = {.fd = -1, .dirfd = -1};
	t.host = gp_path(root, target);
	_cleanup_free_ char *host_dir = path_dir(t.host);
	t.dirfd = noderoot_open_parent(root, target, &t.name);
	if (t.dirfd < 0) {
		int e = -t.dirfd;
		gp_error_set_errno(err, e, "cannot write '%s': cannot create a file in '%s'",
		                   t.host, host_dir);
		return set_errno_hint(err, e);
	}
	struct stat st;
	bool exists = fstatat(t.dirfd, t.name, &st, AT_SYMLINK_NOFOLLOW) == 0;
	if (exists && S_ISDIR(st.st_mode))
		return gp_error_set(err, "cannot write '%s': it is a directory", t.host);

	t.fd = tmp_create(t.dirfd, t.name, &t.tmp);
	if (t.fd < 0) {
		gp_error_set_errno(err, -t.fd, "cannot write '%s': cannot create a file in '%s'",
		                   t.host, host_dir);
		return set_errno_hint(err, -t.fd);
	}
	t.host_tmp = xasprintf("%s/%s", host_dir, t.tmp);
	safefile_test_point("tmp-create");

	int r = write_all(t.fd, data, len / 2);
	if (r == 0) {
		safefile_test_point("tmp-write-half");
		r = write_all(t.fd, data + len / 2, len - len / 2);
	}
	if (r < 0) {
		gp_error_set_errno(err, r, "cannot write '%s'", t.host_tmp);
		return set_errno_hint(err, -r);
	}
	safefile_test_point("tmp-write");

	if (fchmod(t.fd, exists ? (st.st_mode & 07777) : mode) < 0)
		return gp_error_set_errno(err, errno, "cannot set the mode of '%s'", t.host_tmp);
	if (exists && (st.st_uid != geteuid() || st.st_gid != getegid()) &&
	    fchown(t.fd, st.st_uid, st.st_gid) < 0) {
		gp_error_set_errno(err, errno, "cannot keep the owner of '%s' (uid %u, gid %u)",
		                   t.host, (unsigned)st.st_uid, (unsigned)st.st_gid);
		return gp_error_hint(err, "run gpuprep as root (sudo)");
	}
	*ret = t;
	t = (struct safefile_tmp){.fd = -1, .dirfd = -1};
	return 0;
}

int
safefile_tmp_rename(struct safefile_tmp *t, int *ret_dirfd, struct gp_error *err)
{
	if (close(TAKE_FD(t->fd)) < 0)
		return gp_error_set_errno(err, errno, "cannot write '%s'", t->host_tmp);
	if (renameat(t->dirfd, t->tmp, t->dirfd, t->name) < 0)
		return fail_errno(err, errno, "cannot replace", t->host);
	tmpfiles_forget_file(t->dirfd, t->tmp);
	free(TAKE_PTR(t->tmp)); /* renamed: nothing to remove */
	safefile_test_point("rename");
	*ret_dirfd = TAKE_FD(t->dirfd);
	return 0;
}

int
safefile_replace(const char *root, const char *path, const char *data, size_t len, mode_t mode,
                 int *ret_dirfd, struct gp_error *err)
{
	_cleanup_(safefile_tmp_release) struct safefile_tmp t = {.fd = -1, .dirfd = -1};
	if (safefile_prepare(root, path, data, len, mode, &t, err) < 0)
		return -1;
	if (fsync(t.fd) < 0) {
		int e = errno;
		gp_error_set_errno(err, e, "cannot sync '%s'", t.host_tmp);
		return set_errno_hint(err, e);
	}
	safefile_test_point("tmp-fsync");
	_cleanup_close_ int dirfd = -1;
	if (safefile_tmp_rename(&t, &dirfd, err) < 0)
		return -1;
	if (ret_dirfd) {
		*ret_dirfd = TAKE_FD(dirfd);
		return 0;
	}
	/* The file is new from here on; a failure says so (changeset_apply puts it back). */
	int r = noderoot_fsync_dirfd(dirfd);
	if (r < 0) {
		_cleanup_free_ char *host_dir = path_dir(t.host);
		gp_error_set_errno(err, r, "replaced '%s', but cannot sync the directory '%s'",
		                   t.host, host_dir);
		return set_errno_hint(err, -r);
	}
	safefile_test_point("dir-fsync");
	return 0;
}

void
safefile_batch_add(struct safefile_batch *b, int fd, enum safefile_sync kind, bool take,
                   const char *host)
{
	if (fd < 0)
		return;
	/* A directory may come twice (two files in it); each file is added once, or by the
	 * same fd. */
	struct stat st = {0};
	if (kind == SAFEFILE_SYNC_FILE) {
		for (size_t i = 0; i < b->n; i++)
			if (b->v[i].fd == fd)
				return;
	} else if (fstat(fd, &st) == 0)
		for (size_t i = 0; i < b->n; i++)
			if (b->v[i].dev == st.st_dev && b->v[i].ino == st.st_ino) {
				if (take)
					close(fd);
				return;
			}
	b->v = xrealloc(b->v, (b->n + 1) * sizeof(*b->v));
	b->v[b->n++] = (struct safefile_batch_item){.fd = fd,
	                                            .kind = kind,
	                                            .owned = take,
	                                            .host = xstrdup(host),
	                                            .dev = st.st_dev,
	                                            .ino = st.st_ino};
}

int
safefile_batch_run(struct safefile_batch *b, struct gp_error *err)
{
	return safefile_batch_run_n(b, NULL, err);
}

/* One item's sync: 0 or -errno. */
static int
sync_item(const struct safefile_batch_item *it)
{
	if (it->kind == SAFEFILE_SYNC_DIR_PATH)
		return noderoot_fsync_dirfd(it->fd);
	if (fsync(it->fd) < 0)
		/* A directory on a file system that cannot sync one (EINVAL): nothing to do. */
		return it->kind == SAFEFILE_SYNC_DIR && errno == EINVAL ? 0 : -errno;
	return 0;
}

/* At most this many syncs on threads of their own; a batch holds a few files and dirs. */
#define SYNC_THREADS_MAX 16

struct sync_job {
	const struct safefile_batch_item *it;
	pthread_t thread;
	bool started;
	int r;
};

static void *
sync_thread(void *p)
{
	struct sync_job *j = p;
	j->r = sync_item(j->it);
	return NULL;
}

int
safefile_batch_run_n(struct safefile_batch *b, size_t *ret_synced, struct gp_error *err)
{
	/* Start every file's writeback first: their blocks join one journal commit. */
	for (size_t i = 0; i < b->n; i++)
		if (b->v[i].kind == SAFEFILE_SYNC_FILE)
			sync_file_range(b->v[i].fd, 0, 0, SYNC_FILE_RANGE_WRITE);
	/*
	 * The items' syncs do not depend on each other: all at once, each on a thread of its
	 * own but the last, which this thread syncs. One after another, each waited for its
	 * own writes and cache flush; at once, their writes overlap and the block layer merges
	 * their flushes (a configure of containerd's default config took 0.2-0.4 ms less on
	 * a 2-core virtual machine's ext4, of 3.3-4.6 ms).
	 * Which thread syncs which item is fixed, so that strace's fault counters, which are
	 * per thread, still pick out items (tests/integration/faults.sh). Where a thread
	 * cannot start, and past the first SYNC_THREADS_MAX items, an item is synced here.
	 */
	_cleanup_free_ struct sync_job *jobs = xcalloc(b->n + 1, sizeof(*jobs));
	for (size_t i = 0; i < b->n; i++) {
		jobs[i].it = &b->v[i];
		if (i + 1 < b->n && i < SYNC_THREADS_MAX)
			jobs[i].started =
			        proc_thread_create(&jobs[i].thread, sync_thread, &jobs[i]) == 0;
	}
	for (size_t i = b->n; i-- > 0;)
		if (!jobs[i].started)
			jobs[i].r = sync_item(jobs[i].it);
	for (size_t i = 0; i < b->n; i++)
		if (jobs[i].started)
			pthread_join(jobs[i].thread, NULL);
	/* The first failure in the order added is the one told. */
	size_t i = 0;
	while (i < b->n && jobs[i].r == 0)
		i++;
	int r = i < b->n ? jobs[i].r : 0;
	if (r < 0) {
		const struct safefile_batch_item *it = &b->v[i];
		gp_error_set_errno(err, r, "cannot sync %s'%s'",
		                   it->kind == SAFEFILE_SYNC_FILE ? "" : "the directory ",
		                   it->host);
		set_errno_hint(err, -r);
	}
	if (ret_synced)
		*ret_synced = i;
	safefile_batch_release(b);
	return r < 0 ? -1 : 0;
}

void
safefile_batch_release(struct safefile_batch *b)
{
	if (!b)
		return;
	for (size_t i = 0; i < b->n; i++) {
		if (b->v[i].owned)
			close(b->v[i].fd);
		free(b->v[i].host);
	}
	free(b->v);
	*b = (struct safefile_batch){0};
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

/* Wait for the exclusive lock on fd, the lock file at path; fd is closed on failure. */
static int
lock_wait(int fd_, const char *path, int timeout_ms, struct gp_error *err)
{
	_cleanup_close_ int fd = fd_;
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
	int fd = noderoot_open(root, "/run/gpuprep.lock", O_RDWR | O_CREAT | O_NOFOLLOW, 0600);
	if (fd < 0) {
		gp_error_set_errno(err, -fd, "cannot open the lock '%s'", path);
		return set_errno_hint(err, -fd);
	}
	return lock_wait(fd, path, timeout_ms, err);
}

int
safefile_lock_present(const char *root, int timeout_ms, struct gp_error *err)
{
	int fd = noderoot_open(root, "/run/gpuprep.lock", O_RDWR | O_NOFOLLOW, 0);
	if (fd < 0)
		return -1;
	_cleanup_free_ char *path = safefile_lock_path(root);
	return lock_wait(fd, path, timeout_ms, err);
}
