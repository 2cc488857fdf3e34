// SPDX-License-Identifier: GPL-2.0-or-later
#include "undo.h"

#include <dirent.h>
#include <errno.h>
#include <jansson.h>
#include <string.h>

#include "backup.h"
#include "noderoot.h"
#include "rows.h"
#include "safefile.h"

void
undo_release(struct undo *u)
{
	if (!u)
		return;
	free(u->session_dir);
	free(u->runtime);
	free(u->backup_dir);
	changeset_release(&u->changes);
	strv_free(u->warnings);
	strv_free(u->also_undone);
	*u = (struct undo){0};
}

/*
 * The journal's records, or NULL when it cannot be read or parsed at all. Each record keeps
 * its line number as "_line", for the errors that name it.
 */
static json_t *
journal_load(const char *root, const char *node, char ***warnings)
{
	_cleanup_free_ char *path = gp_path(root, node);
	_cleanup_free_ char *text = NULL;
	if (noderoot_read_file(root, node, &text, NULL) < 0)
		return NULL;
	json_t *recs = json_array();
	char *save = NULL;
	unsigned lineno = 0;
	for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		lineno++;
		json_error_t je;
		json_t *rec = json_loads(line, 0, &je);
		if (!rec || !json_is_object(rec)) {
			json_decref(rec);
			_cleanup_free_ char *w =
			        xasprintf("'%s':%u: skipping a line that is not a journal record",
			                  path, lineno);
			*warnings = strv_push(*warnings, w);
			continue;
		}
		json_object_set_new(rec, "_line", json_integer(lineno));
		json_array_append_new(recs, rec);
	}
	return recs;
}

static const char *
rec_str(const json_t *rec, const char *key)
{
	return json_string_value(json_object_get(rec, key));
}

/* Is this session one to undo (for runtime)? Returns its runtime, or NULL. */
static const char *
session_candidate(const json_t *recs, const char *runtime)
{
	const char *rt = NULL;
	size_t i;
	json_t *rec;
	json_array_foreach (recs, i, rec) {
		if (json_object_get(rec, "undone_by"))
			return NULL;
		const char *op = rec_str(rec, "op");
		if (!op)
			continue;
		if (strcmp(op, "undo") == 0)
			return NULL;
		if (!rt)
			rt = rec_str(rec, "runtime");
	}
	if (!rt || (runtime && strcmp(rt, runtime) != 0))
		return NULL;
	return rt;
}

/* A session that began and did not complete: a run that stopped half way. */
static bool
session_interrupted(const json_t *recs)
{
	bool begun = false, complete = false;
	size_t i;
	json_t *rec;
	json_array_foreach (recs, i, rec) {
		const char *what = rec_str(rec, "session");
		begun = begun || (what && strcmp(what, "begin") == 0);
		complete = complete || (what && strcmp(what, "complete") == 0);
	}
	return begun && !complete;
}

static bool
session_has(const json_t *recs, const char *key, const char *value)
{
	size_t i;
	json_t *rec;
	json_array_foreach (recs, i, rec) {
		const json_t *v = json_object_get(rec, key);
		if (v &&
		    (!value || (json_is_string(v) && strcmp(json_string_value(v), value) == 0)))
			return true;
	}
	return false;
}

/*
 * A journal entry's path must be what gpuprep writes there: absolute and normalised (no "..",
 * ".", "//"), not inside the backups. Anything else was put there by hand or by an attacker
 * (/../../etc/hostname would copy the host's file into the image): refused, naming the line.
 */
static int
check_entry_path(const char *root, const char *session_dir, const json_t *rec, const char *path,
                 struct gp_error *err)
{
	_cleanup_free_ char *norm = path ? noderoot_normalize(path) : NULL;
	const char *why = !path || !*path      ? "no path"
	                  : path[0] != '/'     ? "a relative path"
	                  : strcmp(norm, path) ? "a path that is not normalised"
	                  : strcmp(path, "/") == 0 || str_startswith(path, BACKUP_DIR "/") ||
	                                  strcmp(path, BACKUP_DIR) == 0
	                          ? "a path that is not a config file"
	                          : NULL;
	if (!why)
		return 0;
	_cleanup_free_ char *journal_node = xasprintf("%s/" BACKUP_JOURNAL, session_dir);
	_cleanup_free_ char *journal = gp_path(root, journal_node);
	_cleanup_free_ char *session = gp_path(root, session_dir);
	gp_error_set(err, "'%s':%lld: the entry names %s%s%s%s, which undo does not follow",
	             journal, (long long)json_integer_value(json_object_get(rec, "_line")), why,
	             path ? " ('" : "", path ? path : "", path ? "')" : "");
	return gp_error_hint(err,
	                     "the journal was changed by hand or is damaged; restore the files "
	                     "from '%s' by hand, then remove that session",
	                     session);
}

/*
 * A link gpuprep made (a "symlink" record): removed while it still points where gpuprep
 * pointed it; one that was there before gets its old target back, from the backup copy. A
 * link changed since is left alone, with a warning: it is no longer gpuprep's.
 */
static int
undo_symlink(const char *root, const char *session_dir, const json_t *rec, const char *path,
             bool warn, struct undo *u, struct gp_error *err)
{
	struct file_change *fc;
	if (changeset_read_symlink(&u->changes, root, path, &fc, err) < 0)
		return -1;
	_cleanup_free_ char *host = gp_path(root, fc->path);
	const char *want_hash = rec_str(rec, "new_fnv1a64");
	_cleanup_free_ char *cur_hash =
	        xasprintf("%016llx", (unsigned long long)fnv1a64(fc->old_data, fc->old_len));
	bool removed = json_is_true(json_object_get(rec, "removed"));
	bool as_written = removed ? !fc->existed
	                          : fc->existed && want_hash && strcmp(want_hash, cur_hash) == 0;
	if (!json_is_true(json_object_get(rec, "existed"))) {
		if (as_written) {
			fc->remove = true;
		} else if (fc->existed && warn) {
			_cleanup_free_ char *w = xasprintf("'%s' links to '%s' since gpuprep made "
			                                   "it: leaving it",
			                                   host, fc->old_data);
			u->warnings = strv_push(u->warnings, w);
		}
		return 0;
	}
	_cleanup_free_ char *copy_node = xasprintf("%s%s", session_dir, path);
	_cleanup_free_ char *copy = gp_path(root, copy_node);
	char *target;
	int r = noderoot_read_file(root, copy_node, &target, NULL);
	if (r < 0) {
		gp_error_set_errno(err, r, "cannot read the backup '%s'", copy);
		return gp_error_hint(err, "the backup is damaged; restore the link '%s' by hand",
		                     host);
	}
	if (!as_written && warn) {
		_cleanup_free_ char *w = xasprintf("'%s' changed since gpuprep wrote it; pointing "
		                                   "it back at '%s' anyway",
		                                   host, target);
		u->warnings = strv_push(u->warnings, w);
	}
	file_change_take_new(fc, target, strlen(target));
	fc->remove = false;
	return 0;
}

static int
build_undo(const char *root, const char *session_dir, const json_t *recs, bool warn, struct undo *u,
           struct gp_error *err)
{
	size_t i;
	json_t *rec;
	json_array_foreach (recs, i, rec) {
		const char *path = rec_str(rec, "path");
		if (!rec_str(rec, "op"))
			continue;
		if (check_entry_path(root, session_dir, rec, path, err) < 0)
			return -1;
		if (json_is_true(json_object_get(rec, "symlink"))) {
			if (undo_symlink(root, session_dir, rec, path, warn, u, err) < 0)
				return -1;
			continue;
		}
		bool existed = json_is_true(json_object_get(rec, "existed"));
		struct file_change *fc;
		if (changeset_read(&u->changes, root, path, &fc, err) < 0)
			return -1;
		_cleanup_free_ char *host = gp_path(root, fc->path);

		const char *want_hash = rec_str(rec, "new_fnv1a64");
		bool removed = json_is_true(json_object_get(rec, "removed"));
		_cleanup_free_ char *cur_hash = xasprintf(
		        "%016llx", (unsigned long long)fnv1a64(fc->old_data, fc->old_len));
		bool as_written =
		        removed ? !fc->existed
		                : fc->existed && want_hash && strcmp(want_hash, cur_hash) == 0;
		if (!as_written && warn) {
			const char *when = rec_str(rec, "time");
			_cleanup_free_ char *w = xasprintf(
			        "'%s' changed since gpuprep wrote it%s%s; restoring the original "
			        "anyway (the current file is kept in the new backup)",
			        host, when ? " at " : "", when ? when : "");
			u->warnings = strv_push(u->warnings, w);
		}

		if (!existed) {
			fc->remove = true;
			continue;
		}
		_cleanup_free_ char *copy_node = xasprintf("%s%s", session_dir, path);
		_cleanup_free_ char *copy = gp_path(root, copy_node);
		char *data;
		size_t len;
		int r = noderoot_read_file(root, copy_node, &data, &len);
		if (r < 0) {
			gp_error_set_errno(err, r, "cannot read the backup '%s'", copy);
			return gp_error_hint(err, "the backup is damaged; restore '%s' by hand",
			                     host);
		}
		file_change_take_new(fc, data, len);
		fc->remove = false;
		json_t *mode = json_object_get(rec, "mode");
		if (!fc->existed && json_is_integer(mode))
			fc->mode = (mode_t)json_integer_value(mode) & 07777;
	}
	return 0;
}

int
undo_prepare(const char *root, const char *runtime, struct undo *ret, struct gp_error *err)
{
	*ret = (struct undo){0};
	_cleanup_free_ char *base = gp_path(root, BACKUP_DIR);
	DIR *d = noderoot_opendir(root, BACKUP_DIR);
	if (!d) {
		if (errno == ENOENT)
			return 0;
		return gp_error_set_errno(err, errno, "cannot read the backups in '%s'", base);
	}
	_cleanup_strv_ char **list = NULL;
	for (struct dirent *de; (de = readdir(d));)
		if (de->d_name[0] != '.')
			list = strv_push(list, de->d_name);
	closedir(d);
	strv_sort(list);
	int n = (int)strv_length(list);
	int r = 0;
	for (int i = n - 1; i >= 0 && !ret->session_dir && r == 0; i--) {
		const char *name = list[i];
		_cleanup_free_ char *journal = xasprintf(BACKUP_DIR "/%s/" BACKUP_JOURNAL, name);
		_cleanup_json_ json_t *recs = journal_load(root, journal, &ret->warnings);
		if (!recs)
			continue;
		const char *rt = session_candidate(recs, runtime);
		if (!rt)
			continue;
		ret->session_dir = xasprintf("%s/%s", BACKUP_DIR, name);
		ret->runtime = xstrdup(rt);
		r = build_undo(root, ret->session_dir, recs, true, ret, err);
		/* The older runs of the same runtime that stopped half way come along. */
		for (int j = i - 1; j >= 0 && r == 0; j--) {
			_cleanup_free_ char *jn =
			        xasprintf(BACKUP_DIR "/%s/" BACKUP_JOURNAL, list[j]);
			_cleanup_json_ json_t *older = journal_load(root, jn, &ret->warnings);
			if (!older || session_has(older, "undone_by", NULL))
				continue;
			if (session_has(older, "op", "undo") ||
			    !session_candidate(older, ret->runtime) || !session_interrupted(older))
				break;
			_cleanup_free_ char *dir = xasprintf("%s/%s", BACKUP_DIR, list[j]);
			r = build_undo(root, dir, older, false, ret, err);
			ret->also_undone = strv_push(ret->also_undone, dir);
		}
	}
	if (r < 0)
		undo_release(ret);
	return r;
}

int
undo_run(const char *root, const char *runtime, bool dry_run, int lock_timeout_ms, struct undo *ret,
         struct gp_error *err)
{
	*ret = (struct undo){0};
	/* Check the journals before the lock: a refused one leaves the node as it was. */
	if (undo_prepare(root, runtime, ret, err) < 0)
		return -1;
	if (dry_run)
		return 0;
	/* Again under the lock: another run may have written meanwhile. */
	undo_release(ret);
	_cleanup_close_ int lock = safefile_lock(root, lock_timeout_ms, err);
	if (lock < 0)
		return -1;
	if (undo_prepare(root, runtime, ret, err) < 0)
		return -1;
	if (!ret->session_dir)
		return 0;
	if (changeset_apply(&ret->changes, root, "undo", ret->runtime, &ret->backup_dir, err) < 0)
		goto fail;
	const char *by = ret->backup_dir ? strrchr(ret->backup_dir, '/') + 1 : "nothing-changed";
	if (backup_mark_undone(root, ret->session_dir, by, err) < 0)
		goto recorded;
	for (size_t i = 0; ret->also_undone && ret->also_undone[i]; i++)
		if (backup_mark_undone(root, ret->also_undone[i], by, err) < 0)
			goto recorded;
	return 0;
recorded:
	/* The originals are back; only the record is missing, and undo again writes it. */
	gp_error_prefix(err, "the originals are back in place, but");
	gp_error_hint(err, "run 'gpuprep undo' again to record it");
fail:
	gp_error_prefix(err, "undoing '%s'", ret->session_dir);
	undo_release(ret);
	return -1;
}
