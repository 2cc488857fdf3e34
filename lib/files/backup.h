/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Backups of every file gpuprep changes, and undo.
 *
 * Each run that changes files opens one session directory,
 * <root>/var/lib/gpuprep/backup/<UTC timestamp>/ (20260102T030405Z; a second
 * session in the same second gets "-02", "-03", ...). Before a file changes,
 * its original is copied to <session>/<node path> and a line is appended to
 * <session>/journal.jsonl:
 *
 *   {"op": "configure", "runtime": "docker", "path": "/etc/docker/daemon.json",
 *    "existed": true, "mode": 420, "time": "2026-01-02T03:04:05Z",
 *    "new_size": 181, "new_fnv1a64": "af63bd4c8601b7df"}
 *
 * Undo restores the newest session that is not an undo and not yet undone,
 * and then appends {"undone_by": "<session>", "time": ...} to its journal.
 */
#pragma once

#include <stdbool.h>

#include "changeset.h"
#include "error.h"

/* The directory that holds the sessions, as a node path. */
#define BACKUP_DIR "/var/lib/gpuprep/backup"

struct backup_session;

/* Create a new session directory. op is "configure", "undo", ... */
int backup_begin(const char *root, const char *op, struct backup_session **ret,
                 struct gp_error *err);
/* Copy fc's original (when it existed) into the session and journal it, durably. */
int backup_save(struct backup_session *s, const char *runtime, const struct file_change *fc,
                struct gp_error *err);
/* The session's node path ("/var/lib/gpuprep/backup/20260102T030405Z"). */
const char *backup_session_dir(const struct backup_session *s);
void backup_session_free(struct backup_session *s);
static inline void
backup_session_freep(struct backup_session **s)
{
	backup_session_free(*s);
}

/* Append the "undone" record to a session's journal (node path). */
int backup_mark_undone(const char *root, const char *session_dir, const char *by,
                       struct gp_error *err);

struct backup_undo {
	char *session_dir;        /* node path of the session to undo; NULL: nothing to undo */
	char *runtime;            /* the session's runtime */
	struct changeset changes; /* current content -> the backed-up original */
	char **warnings;          /* files changed since gpuprep wrote them, ... */
	char *backup_dir;         /* the undo's own backup session (node path), once applied */
};

/*
 * Find the newest session made by a change (not an undo) and not yet undone,
 * whose files belong to runtime (NULL: any runtime), and build the changes
 * that restore its originals: a file that did not exist is removed. When
 * nothing is left to undo, session_dir stays NULL and 0 is returned.
 */
int backup_undo_prepare(const char *root, const char *runtime, struct backup_undo *ret,
                        struct gp_error *err);
void backup_undo_release(struct backup_undo *u);

/*
 * The whole of `gpuprep undo`: take the lock (unless dry_run), prepare, and
 * unless dry_run apply the changes (backing up the current files in a session
 * of op "undo") and mark the session undone.
 */
int backup_undo(const char *root, const char *runtime, bool dry_run, int lock_timeout_ms,
                struct backup_undo *ret, struct gp_error *err);
