// SPDX-License-Identifier: GPL-2.0-or-later
#include "undo.h"

#include <dirent.h>
#include <errno.h>
#include <jansson.h>
#include <string.h>

#include "backup.h"
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
	*u = (struct undo){0};
}

/* The journal's records, or NULL when it cannot be read or parsed at all. */
static json_t *
journal_load(const char *path, char ***warnings)
{
	_cleanup_free_ char *text = NULL;
	if (read_file(path, &text, NULL) < 0)
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

static int
build_undo(const char *root, const char *session_dir, const json_t *recs, struct undo *u,
           struct gp_error *err)
{
	size_t i;
	json_t *rec;
	json_array_foreach (recs, i, rec) {
		const char *path = rec_str(rec, "path");
		if (!rec_str(rec, "op") || !path || path[0] != '/')
			continue;
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
		if (!as_written) {
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
		int r = read_file(copy, &data, &len);
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
	struct dirent **list = NULL;
	int n = scandir(base, &list, NULL, alphasort);
	if (n < 0) {
		if (errno == ENOENT)
			return 0;
		return gp_error_set_errno(err, errno, "cannot read the backups in '%s'", base);
	}
	int r = 0;
	for (int i = n - 1; i >= 0 && !ret->session_dir && r == 0; i--) {
		const char *name = list[i]->d_name;
		if (name[0] == '.')
			continue;
		_cleanup_free_ char *journal = xasprintf("%s/%s/" BACKUP_JOURNAL, base, name);
		_cleanup_json_ json_t *recs = journal_load(journal, &ret->warnings);
		if (!recs)
			continue;
		const char *rt = session_candidate(recs, runtime);
		if (!rt)
			continue;
		ret->session_dir = xasprintf("%s/%s", BACKUP_DIR, name);
		ret->runtime = xstrdup(rt);
		r = build_undo(root, ret->session_dir, recs, ret, err);
	}
	for (int i = 0; i < n; i++)
		free(list[i]);
	free(list);
	if (r < 0)
		undo_release(ret);
	return r;
}

int
undo_run(const char *root, const char *runtime, bool dry_run, int lock_timeout_ms, struct undo *ret,
         struct gp_error *err)
{
	*ret = (struct undo){0};
	_cleanup_close_ int lock = -1;
	if (!dry_run) {
		lock = safefile_lock(root, lock_timeout_ms, err);
		if (lock < 0)
			return -1;
	}
	if (undo_prepare(root, runtime, ret, err) < 0)
		return -1;
	if (dry_run || !ret->session_dir)
		return 0;
	if (changeset_apply(&ret->changes, root, "undo", ret->runtime, &ret->backup_dir, err) < 0)
		goto fail;
	const char *by = ret->backup_dir ? strrchr(ret->backup_dir, '/') + 1 : "nothing-changed";
	if (backup_mark_undone(root, ret->session_dir, by, err) < 0)
		goto fail;
	return 0;
fail:
	gp_error_prefix(err, "undoing '%s'", ret->session_dir);
	undo_release(ret);
	return -1;
}
