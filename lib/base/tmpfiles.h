/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Private temporary directories, removed on every exit path, and the files
 * written into them.
 */
#pragma once

#include <stddef.h>

#include "error.h"

/*
 * Make a fresh private (0700) directory gpuprep-<what>-XXXXXX in $TMPDIR, or
 * when that is unset in /dev/shm (memory) if it is there, else in /tmp.
 * Beside it, "<dir>.lock" stays locked (flock) while this process lives, and
 * goes with tmpfiles_rm_rf(); first, the dirs of runs that died (their
 * .lock older than a minute and not locked) are removed.
 */
int tmpfiles_mkdtemp(const char *what, char **ret_path, struct gp_error *err);
/* Remove a tree without following symlinks. NULL is ignored. Returns 0 or -errno. */
int tmpfiles_rm_rf(const char *path);
/*
 * Remove every temp dir this process made and has not removed yet, with its lock file, and
 * every temp file noted (tmpfiles_note_file()), using
 * system calls alone: async-signal-safe, for the handler of SIGINT and SIGTERM (cmd/main.c),
 * which then lets the signal end the process. Run on the main thread only.
 */
void tmpfiles_remove_all_now(void);
/*
 * A temp file of this process's outside its temp dirs (a config's ".NAME.gpuprep-tmp-XXXXXX"
 * beside it, a bundle's "OUT.gpuprep-XXXXXX"): tmpfiles_remove_all_now() removes it until it
 * is forgotten, which its owner does once it is renamed or removed, before closing dirfd (the
 * directory name is relative to; AT_FDCWD for a path).
 */
void tmpfiles_note_file(int dirfd, const char *name);
void tmpfiles_forget_file(int dirfd, const char *name);
/* For _cleanup_: remove the tree and free the path. */
void tmpfiles_rm_rf_freep(char **path);
#define _cleanup_tmpdir_ _cleanup_(tmpfiles_rm_rf_freep)

/*
 * Write a file in a private temporary directory (created, or truncated): no
 * one else sees it, so there is nothing to make atomic. Files on the node's
 * system are written with safefile_write() instead.
 */
int tmpfiles_write(const char *path, const void *data, size_t len, unsigned mode,
                   struct gp_error *err);
