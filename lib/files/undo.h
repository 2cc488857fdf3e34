/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Undo: the read side of the backup journal (lib/files/backup.h). Finds the
 * newest backup session to undo and turns it into a change set
 * (lib/files/changeset.h) that puts its originals back; applying that change
 * set backs up the current files in a session of its own, so an undo can
 * itself be looked at later.
 */
#pragma once

#include <stdbool.h>

#include "changeset.h"
#include "error.h"

struct undo {
	char *session_dir;        /* node path of the session to undo; NULL: nothing to undo */
	char *runtime;            /* the session's runtime */
	struct changeset changes; /* current content -> the backed-up original */
	char **warnings;          /* files changed since gpuprep wrote them, ... */
	char *backup_dir;         /* the undo's own backup session (node path), once applied */
	char **also_undone;       /* older sessions of runs that stopped half way, undone with it */
};

/*
 * Find the newest session made by a change (not an undo) and not yet undone,
 * whose files belong to runtime (NULL: any runtime), and build the changes
 * that restore its originals: a file that did not exist is removed. When
 * nothing is left to undo, session_dir stays NULL and 0 is returned.
 *
 * Older sessions of runs that stopped half way (killed between two files:
 * "begin" but no "complete" in the journal, see backup_mark_complete()) come
 * along, so that one undo puts back what the interrupted run and the run that
 * finished its job changed together (also_undone lists them).
 */
int undo_prepare(const char *root, const char *runtime, struct undo *ret, struct gp_error *err);
void undo_release(struct undo *u);

/*
 * The whole of `gpuprep undo`: take the lock (unless dry_run), prepare, and
 * unless dry_run apply the changes (backing up the current files in a session
 * of op "undo") and mark the session undone.
 */
int undo_run(const char *root, const char *runtime, bool dry_run, int lock_timeout_ms,
             struct undo *ret, struct gp_error *err);
