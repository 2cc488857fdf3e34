/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Writing a config file so that a crash at any moment leaves either the old
 * or the new file, never half of one: a temp file in the same directory,
 * written and fsynced, renamed over the original, then the directory fsynced.
 * safefile_write() does it all for one file; a change of several files (and
 * its backup) writes every temp file first (safefile_prepare), syncs them all
 * in one safefile_batch, then renames them and syncs each directory once.
 * The file keeps its mode and owner, and a symlinked config has its target
 * written (the link stays).
 *
 * Paths here are "node paths" (/etc/docker/daemon.json as the node sees it),
 * resolved under root with gp_path(); a symlink's absolute target is read
 * under root too, so --root never escapes into the host.
 *
 * Test hook: with GPUPREP_TEST_KILL_AT=<step> in the environment the process
 * SIGKILLs itself at that step of the write path (see safefile_test_point).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "error.h"

/* The steps of the write path, in order, as GPUPREP_TEST_KILL_AT names them. */
#define SAFEFILE_STEPS                                                                             \
	"lock", "backup-copy", "tmp-create", "tmp-write-half", "tmp-write", "backup-journal",      \
	        "tmp-fsync", "rename", "dir-fsync", "journal-undone"

/*
 * Kill the process with SIGKILL when GPUPREP_TEST_KILL_AT names this step.
 * For the crash-safety tests only; costs one getenv otherwise.
 */
void safefile_test_point(const char *step);

/*
 * Follow symlinks from the node path `path` (the last component, through
 * chains of links) and return the node path of the file to write. A dangling
 * link resolves to its target (which the write then creates).
 */
int safefile_resolve(const char *root, const char *path, char **ret_path, struct gp_error *err);

/*
 * Atomically replace (or create) the node path with data. An existing file
 * keeps its mode and owner; a new one gets `mode` (and the caller's owner).
 * The directory must exist. On any error the original is untouched and the
 * temp file is removed.
 */
int safefile_write(const char *root, const char *path, const char *data, size_t len, mode_t mode,
                   struct gp_error *err);

/*
 * safefile_write() without the directory's fsync: the file is synced and renamed, and
 * *ret_dirfd is its directory (O_PATH), for the caller to fsync once (noderoot_fsync_dirfd)
 * after every file of that directory, and close. The file is durable only then.
 */
int safefile_replace(const char *root, const char *path, const char *data, size_t len, mode_t mode,
                     int *ret_dirfd, struct gp_error *err);

/* A temp file written beside a node path, to be synced (a batch) and renamed over it. */
struct safefile_tmp {
	int fd;         /* the temp file, written; -1 once closed */
	int dirfd;      /* its directory (O_PATH); -1 once handed on */
	char *name;     /* the file's name in dirfd */
	char *tmp;      /* the temp file's name in dirfd; NULL once renamed */
	char *host;     /* the file, for messages */
	char *host_tmp; /* the temp file, for messages */
};
/*
 * The first half of safefile_write(): the temp file created, written, with the mode and
 * owner the file will have; not synced. The caller syncs t->fd (in a batch with others), then
 * calls safefile_tmp_rename(). On error nothing is left behind.
 */
int safefile_prepare(const char *root, const char *path, const char *data, size_t len, mode_t mode,
                     struct safefile_tmp *ret, struct gp_error *err);
/*
 * Close the synced temp file and rename it over the file; *ret_dirfd is its directory, to
 * fsync (safefile_batch) and close. The file is durable only then.
 */
int safefile_tmp_rename(struct safefile_tmp *t, int *ret_dirfd, struct gp_error *err);
/* Remove the temp file unless it was renamed, close everything (fds of -1 are none). */
void safefile_tmp_release(struct safefile_tmp *t);

/*
 * fsyncs made together: every file's writeback is started first (sync_file_range), so that
 * their blocks reach the disk in one journal commit, then each file and directory is fsynced
 * once (a directory added twice, by any fd, is synced once). POSIX's guarantees, one per
 * file and directory, at about the cost of one.
 */
enum safefile_sync {
	SAFEFILE_SYNC_FILE,     /* a regular file, open for writing */
	SAFEFILE_SYNC_DIR,      /* a directory opened O_RDONLY */
	SAFEFILE_SYNC_DIR_PATH, /* a directory's O_PATH fd (opened again to sync) */
};
struct safefile_batch_item {
	int fd;
	enum safefile_sync kind;
	bool owned; /* closed by the batch */
	char *host;
	dev_t dev;
	ino_t ino;
};
struct safefile_batch {
	struct safefile_batch_item *v;
	size_t n;
};
/* Add fd to sync (take: the batch closes it, else it stays the caller's); host names it. */
void safefile_batch_add(struct safefile_batch *b, int fd, enum safefile_sync kind, bool take,
                        const char *host);
/*
 * Sync everything added, all at once (a thread for each of the first 16 items but the last;
 * the calling thread syncs the rest), tell the first failure in the order added ("cannot
 * sync ..."), and empty the batch (closing the fds it took) either way.
 */
int safefile_batch_run(struct safefile_batch *b, struct gp_error *err);
/*
 * safefile_batch_run(), saying how many items, in the order added, were synced before the
 * first that failed (all: n).
 */
int safefile_batch_run_n(struct safefile_batch *b, size_t *ret_synced, struct gp_error *err);
void safefile_batch_release(struct safefile_batch *b);

/* Remove the node path and fsync its directory; a missing file is not an error. */
int safefile_remove(const char *root, const char *path, struct gp_error *err);

/* safefile_remove() leaving the fsync to the caller as safefile_replace() does (-1: none). */
int safefile_unlink(const char *root, const char *path, int *ret_dirfd, struct gp_error *err);

/*
 * Check, before anything changes, that safefile_write() can replace the node
 * path: its directory exists (or can be created) and is writable, and the file
 * is not a directory and not immutable. Errors say which and how to act.
 */
int safefile_check_writable(const char *root, const char *path, struct gp_error *err);

/*
 * Remove temp files that a killed run left beside the node path
 * (".<name>.gpuprep-tmp-XXXXXX"). Only safe while holding the lock.
 */
void safefile_clean_stale(const char *root, const char *path);

/*
 * Take the exclusive lock <root>/run/gpuprep.lock (creating /run if needed),
 * waiting up to timeout_ms (0: do not wait, <0: forever). Returns the fd to
 * keep open (closing it releases the lock), or -1 with err set.
 */
int safefile_lock(const char *root, int timeout_ms, struct gp_error *err);

/*
 * safefile_lock() when the lock file is already there, creating nothing: the
 * fd, or -1 with err unset when there is no lock file to take (or it cannot
 * be opened: safefile_lock() then says why), or -1 with err set when it is
 * there but cannot be taken (held past timeout_ms).
 */
int safefile_lock_present(const char *root, int timeout_ms, struct gp_error *err);

/* How long a run waits for the lock: GPUPREP_LOCK_TIMEOUT seconds, or 30 s. */
int safefile_lock_timeout_ms(void);

/* The lock path under root; a fresh string. */
char *safefile_lock_path(const char *root);
