/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Backups of every file gpuprep changes: the write side of the undo journal
 * (lib/files/undo.h reads it back).
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
#include <stddef.h>
#include <sys/types.h>

#include "error.h"
#include "safefile.h"

/* The directory that holds the sessions, as a node path. */
#define BACKUP_DIR "/var/lib/gpuprep/backup"
/* Each session's journal, in the session directory. */
#define BACKUP_JOURNAL "journal.jsonl"

struct backup_session;

/* One file about to change, as backup_save() records it. */
struct backup_file {
	const char *path;     /* node path ("/etc/docker/daemon.json") */
	bool existed;         /* the original exists: it is copied into the session */
	mode_t mode;          /* the original's mode, or the new file's */
	const char *old_data; /* the original */
	size_t old_len;
	const char *new_data; /* what replaces it (journaled as size and hash); NULL: "" */
	size_t new_len;
	bool removed; /* the file is removed instead */
};

/* Create a new session directory. op is "configure", "undo", ... */
int backup_begin(const char *root, const char *op, struct backup_session **ret,
                 struct gp_error *err);
/*
 * Copy fc's original (when it existed) into the session, synced, and add its journal record;
 * the record and the directories reach the disk in backup_commit_add().
 */
int backup_save(struct backup_session *s, const char *runtime, const struct backup_file *fc,
                struct gp_error *err);
/*
 * Make the session durable before any file changes: the journal ("begin" and every saved
 * file's record) in one write, and into the batch b: each copy, the journal, each of the
 * session's directories and the backup directory, one fsync each. The caller adds its own
 * files (the configs' temp files) to b, runs it, and then calls backup_committed(). A session
 * killed before that has no journal or one never synced, and nothing had changed yet.
 */
int backup_commit_add(struct backup_session *s, struct safefile_batch *b, struct gp_error *err);
/* The batch of backup_commit_add() ran: the session is durable. */
void backup_committed(struct backup_session *s);
/*
 * The batch failed, or the change stopped before it ran: remove the journal, so that undo
 * passes the session by (nothing changed).
 */
void backup_discard(struct backup_session *s);
/*
 * Append {"session": "complete"} to a committed session's journal and add the journal to b
 * (with the directories of the last files renamed): every file of the change was written.
 * A session has {"session": "begin"} from backup_begin() on; one with no "complete" (and not
 * undone) is a run that stopped half way, which undo takes together with the change after it.
 */
int backup_complete_add(struct backup_session *s, struct safefile_batch *b, struct gp_error *err);
/* The session's node path ("/var/lib/gpuprep/backup/20260102T030405Z"). */
const char *backup_session_dir(const struct backup_session *s);
void backup_session_free(struct backup_session *s);
static inline void
backup_session_freep(struct backup_session **s)
{
	backup_session_free(*s);
}

/* Append the "undone" record to a session's journal (node path), and fsync it. */
int backup_mark_undone(const char *root, const char *session_dir, const char *by,
                       struct gp_error *err);
