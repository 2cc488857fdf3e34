// SPDX-License-Identifier: GPL-2.0-or-later
#include "changeset.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include "backup.h"
#include "safefile.h"
#include "textdiff.h"

static void
file_change_free(struct file_change *fc)
{
	if (!fc)
		return;
	free(fc->path);
	free(fc->old_data);
	free(fc->new_data);
	free(fc);
}

void
changeset_release(struct changeset *cs)
{
	if (!cs)
		return;
	for (size_t i = 0; i < cs->n_files; i++)
		file_change_free(cs->files[i]);
	free(cs->files);
	cs->files = NULL;
	cs->n_files = 0;
}

int
changeset_read(struct changeset *cs, const char *root, const char *path, struct file_change **ret,
               struct gp_error *err)
{
	_cleanup_free_ char *target = NULL;
	if (safefile_resolve(root, path, &target, err) < 0)
		return -1;
	for (size_t i = 0; i < cs->n_files; i++)
		if (strcmp(cs->files[i]->path, target) == 0) {
			*ret = cs->files[i];
			return 0;
		}

	_cleanup_free_ char *host = gp_path(root, target);
	struct stat st;
	struct file_change *fc = xcalloc(1, sizeof(*fc));
	fc->mode = 0644;
	if (stat(host, &st) == 0) {
		if (S_ISDIR(st.st_mode)) {
			file_change_free(fc);
			gp_error_set(err, "cannot edit '%s': it is a directory", host);
			return gp_error_hint(err, "give the config file itself with --config");
		}
		fc->existed = true;
		fc->mode = st.st_mode & 07777;
		int r = read_file(host, &fc->old_data, &fc->old_len);
		if (r < 0) {
			file_change_free(fc);
			return gp_error_set_errno(err, r, "cannot read '%s'", host);
		}
	} else if (errno == ENOENT) {
		fc->old_data = xstrdup("");
	} else {
		int e = errno;
		file_change_free(fc);
		return gp_error_set_errno(err, e, "cannot read '%s'", host);
	}
	fc->path = TAKE_PTR(target);
	fc->new_data = xmalloc(fc->old_len + 1);
	memcpy(fc->new_data, fc->old_data, fc->old_len + 1);
	fc->new_len = fc->old_len;

	cs->files = xrealloc(cs->files, (cs->n_files + 1) * sizeof(*cs->files));
	cs->files[cs->n_files++] = fc;
	*ret = fc;
	return 0;
}

void
file_change_set_new(struct file_change *fc, const char *data, size_t len)
{
	char *copy = xmalloc(len + 1);
	memcpy(copy, data, len);
	copy[len] = '\0';
	file_change_take_new(fc, copy, len);
}

void
file_change_take_new(struct file_change *fc, char *data, size_t len)
{
	free(fc->new_data);
	fc->new_data = data;
	fc->new_len = len;
}

bool
file_change_changes(const struct file_change *fc)
{
	if (fc->remove)
		return fc->existed;
	return !fc->existed || fc->old_len != fc->new_len ||
	       memcmp(fc->old_data, fc->new_data, fc->old_len) != 0;
}

bool
changeset_changes(const struct changeset *cs)
{
	for (size_t i = 0; i < cs->n_files; i++)
		if (file_change_changes(cs->files[i]))
			return true;
	return false;
}

/* Put one file back as it was read. */
static int
restore_one(const char *root, const struct file_change *fc, struct gp_error *err)
{
	if (!fc->existed)
		return safefile_remove(root, fc->path, err);
	return safefile_write(root, fc->path, fc->old_data, fc->old_len, fc->mode, err);
}

static int
apply_one(const char *root, const struct file_change *fc, struct gp_error *err)
{
	if (fc->remove)
		return safefile_remove(root, fc->path, err);
	_cleanup_free_ char *host = gp_path(root, fc->path);
	char *slash = strrchr(host, '/');
	if (slash && slash != host) {
		*slash = '\0';
		int r = mkdir_p(host, 0755);
		if (r < 0)
			return gp_error_set_errno(err, r, "cannot create the directory '%s'", host);
	}
	safefile_clean_stale(root, fc->path);
	return safefile_write(root, fc->path, fc->new_data, fc->new_len, fc->mode, err);
}

static int
backup_one(struct backup_session *session, const char *runtime, const struct file_change *fc,
           struct gp_error *err)
{
	const struct backup_file f = {
	        .path = fc->path,
	        .existed = fc->existed,
	        .mode = fc->mode,
	        .old_data = fc->old_data,
	        .old_len = fc->old_len,
	        .new_data = fc->new_data,
	        .new_len = fc->new_len,
	        .removed = fc->remove,
	};
	return backup_save(session, runtime, &f, err);
}

int
changeset_apply(const struct changeset *cs, const char *root, const char *op, const char *runtime,
                char **ret_backup_dir, struct gp_error *err)
{
	if (ret_backup_dir)
		*ret_backup_dir = NULL;
	if (!changeset_changes(cs))
		return 0;

	/* Refuse before anything changes. */
	for (size_t i = 0; i < cs->n_files; i++)
		if (file_change_changes(cs->files[i]) &&
		    safefile_check_writable(root, cs->files[i]->path, err) < 0)
			return -1;

	_cleanup_(backup_session_freep) struct backup_session *session = NULL;
	if (backup_begin(root, op, &session, err) < 0)
		return -1;
	for (size_t i = 0; i < cs->n_files; i++)
		if (file_change_changes(cs->files[i]) &&
		    backup_one(session, runtime, cs->files[i], err) < 0)
			return -1;

	for (size_t i = 0; i < cs->n_files; i++) {
		if (!file_change_changes(cs->files[i]))
			continue;
		if (apply_one(root, cs->files[i], err) == 0)
			continue;
		/* Put back what was already written; the backup stays for reference. */
		bool restored = true;
		for (size_t k = 0; k < i; k++) {
			_cleanup_error_ struct gp_error e2 = GP_ERROR_INIT;
			if (file_change_changes(cs->files[k]) &&
			    restore_one(root, cs->files[k], &e2) < 0)
				restored = false;
		}
		if (restored) {
			_cleanup_error_ struct gp_error e3 = GP_ERROR_INIT;
			backup_mark_undone(root, backup_session_dir(session), "rollback", &e3);
		} else {
			_cleanup_free_ char *bdir = gp_path(root, backup_session_dir(session));
			gp_error_hint(err,
			              "some files were already changed; their originals are in "
			              "'%s'",
			              bdir);
		}
		return -1;
	}
	if (ret_backup_dir)
		*ret_backup_dir = xstrdup(backup_session_dir(session));
	return 0;
}

char *
changeset_diff(const struct changeset *cs)
{
	char *out = xstrdup("");
	for (size_t i = 0; i < cs->n_files; i++) {
		const struct file_change *fc = cs->files[i];
		if (!file_change_changes(fc))
			continue;
		const char *rel = fc->path[0] == '/' ? fc->path + 1 : fc->path;
		_cleanup_free_ char *la =
		        fc->existed ? xasprintf("a/%s", rel) : xstrdup("/dev/null");
		_cleanup_free_ char *lb =
		        fc->remove ? xstrdup("/dev/null") : xasprintf("b/%s", rel);
		_cleanup_free_ char *d = textdiff_unified(la, lb, fc->old_data, fc->old_len,
		                                          fc->remove ? "" : fc->new_data,
		                                          fc->remove ? 0 : fc->new_len, 3);
		char *joined = xasprintf("%s%s", out, d);
		free(out);
		out = joined;
	}
	return out;
}
