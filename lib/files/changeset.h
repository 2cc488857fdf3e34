/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * lib/files/ owns safe file replacement under --root, backups, the undo journal, change sets, and
 * the TOML and daemon.json editors. It may include from lib/base (README "Architecture"; the
 * folder's meson.build sets the include path that enforces it).
 */
/*
 * A set of file edits computed in memory and then applied together, safely:
 * every file is checked for writability first, the originals are backed up
 * and journaled (lib/files/backup.h), and each file is replaced atomically
 * (lib/files/safefile.h). An edit that changes no byte writes nothing, so running
 * the same command twice leaves the files (and their mtimes) alone.
 *
 * `gpuprep configure` builds one from a runtime's configure operation;
 * `gpuprep undo` builds one from a backup.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "error.h"

struct file_change {
	char *path;     /* node path ("/etc/docker/daemon.json"), symlinks already followed */
	bool existed;   /* the file existed when it was read */
	mode_t mode;    /* the existing file's mode; for a new file, the mode to create it with */
	char *old_data; /* what was read ("" when it did not exist); NUL-terminated */
	size_t old_len;
	/* What it should hold; NUL-terminated; ignored with remove. Read only: until set it is
	 * old_data itself (no copy), and file_change_set_new/take_new replace it. */
	char *new_data;
	size_t new_len;
	bool remove; /* the file should not exist afterwards */
};

struct changeset {
	struct file_change **files;
	size_t n_files;
};

#define CHANGESET_INIT                                                                             \
	{                                                                                          \
		NULL, 0                                                                            \
	}

void changeset_release(struct changeset *cs);

/*
 * Read the node path (following symlinks) and add it to the set, with new
 * data equal to the old, for the caller to edit. A missing file is read as
 * empty with existed = false. Errors: a directory, an unreadable file.
 * *ret points into the set and stays valid until changeset_release().
 */
int changeset_read(struct changeset *cs, const char *root, const char *path,
                   struct file_change **ret, struct gp_error *err);

/* Replace fc's new data with a copy of data. */
void file_change_set_new(struct file_change *fc, const char *data, size_t len);
/* Take ownership of data (NUL-terminated, len bytes) as fc's new data. */
void file_change_take_new(struct file_change *fc, char *data, size_t len);

/* True when applying the change would alter the file. */
bool file_change_changes(const struct file_change *fc);
bool changeset_changes(const struct changeset *cs);

/*
 * Apply every changing file: check all are writable, back them up under a
 * new backup session journaled as (op, runtime), then write each atomically,
 * creating missing directories. If a later file fails, the earlier ones are
 * put back. The caller holds safefile_lock(). *ret_backup_dir (may be NULL)
 * gets the session's node path, or NULL when nothing changed.
 */
int changeset_apply(const struct changeset *cs, const char *root, const char *op,
                    const char *runtime, char **ret_backup_dir, struct gp_error *err);

/*
 * A unified diff of every changing file (labels a/<path> and b/<path>, or
 * /dev/null for a created or removed file), concatenated; a fresh string,
 * empty when nothing changes.
 */
char *changeset_diff(const struct changeset *cs);
