/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Private temporary directories (removed on every exit path) and atomic file
 * writes (a temp file beside the target, fsync, rename), so that a failure
 * never leaves a half-written file behind.
 */
#pragma once

#include <stddef.h>

#include "error.h"

/*
 * Make a fresh private (0700) directory gpuprep-<what>-XXXXXX in $TMPDIR, or
 * when that is unset in /dev/shm (memory) if it is there, else in /tmp.
 */
int tmpfiles_mkdtemp(const char *what, char **ret_path, struct gp_error *err);
/* Remove a tree without following symlinks. NULL is ignored. Returns 0 or -errno. */
int tmpfiles_rm_rf(const char *path);
/* For _cleanup_: remove the tree and free the path. */
void tmpfiles_rm_rf_freep(char **path);
#define _cleanup_tmpdir_ _cleanup_(tmpfiles_rm_rf_freep)

/*
 * Write data to path atomically with the given mode, creating missing parent
 * directories (0755). The old file, if any, stays whole until the rename.
 */
int tmpfiles_write_atomic(const char *path, const void *data, size_t len, unsigned mode,
                          struct gp_error *err);
