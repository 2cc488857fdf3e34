// SPDX-License-Identifier: GPL-2.0-or-later
#include "changeset.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "backup.h"
#include "noderoot.h"
#include "safefile.h"
#include "textdiff.h"

static void
file_change_free(struct file_change *fc)
{
	if (!fc)
		return;
	free(fc->path);
	if (fc->new_data != fc->old_data)
		free(fc->new_data);
	free(fc->old_data);
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
	int r = noderoot_stat(root, target, &st);
	if (r == 0) {
		if (S_ISDIR(st.st_mode)) {
			file_change_free(fc);
			gp_error_set(err, "cannot edit '%s': it is a directory", host);
			return gp_error_hint(err, "give the config file itself with --config");
		}
		fc->existed = true;
		fc->mode = st.st_mode & 07777;
		r = noderoot_read_file(root, target, &fc->old_data, &fc->old_len);
		if (r < 0) {
			file_change_free(fc);
			return gp_error_set_errno(err, r, "cannot read '%s'", host);
		}
	} else if (r == -ENOENT) {
		fc->old_data = xstrdup("");
	} else {
		file_change_free(fc);
		return gp_error_set_errno(err, r, "cannot read '%s'", host);
	}
	fc->path = TAKE_PTR(target);
	/* Unchanged until an editor sets it: the same bytes, not a copy of a big file. */
	fc->new_data = fc->old_data;
	fc->new_len = fc->old_len;

	cs->files = xrealloc(cs->files, (cs->n_files + 1) * sizeof(*cs->files));
	cs->files[cs->n_files++] = fc;
	*ret = fc;
	return 0;
}

/* The target of the link at the node path: 0, -ENOENT when nothing is there, -EINVAL when
 * something other than a link is. */
static int
read_link(const char *root, const char *path, char **ret_target)
{
	_cleanup_free_ char *name = NULL;
	_cleanup_close_ int dirfd = noderoot_open_parent(root, path, &name);
	if (dirfd < 0)
		return dirfd;
	char buf[PATH_MAX];
	ssize_t n = readlinkat(dirfd, name, buf, sizeof(buf) - 1);
	if (n < 0)
		return -errno;
	*ret_target = xstrndup(buf, (size_t)n);
	return 0;
}

int
changeset_read_symlink(struct changeset *cs, const char *root, const char *path,
                       struct file_change **ret, struct gp_error *err)
{
	_cleanup_free_ char *norm = noderoot_normalize(path);
	for (size_t i = 0; i < cs->n_files; i++)
		if (strcmp(cs->files[i]->path, norm) == 0) {
			*ret = cs->files[i];
			return 0;
		}
	_cleanup_free_ char *host = gp_path(root, norm);
	_cleanup_free_ char *target = NULL;
	int r = read_link(root, norm, &target);
	if (r < 0 && r != -ENOENT) {
		gp_error_set_errno(err, r == -EINVAL ? 0 : r, "cannot make '%s' a link%s", host,
		                   r == -EINVAL ? ": something other than a link is there" : "");
		return gp_error_hint(err, "move '%s' away, then run this again", host);
	}
	struct file_change *fc = xcalloc(1, sizeof(*fc));
	fc->symlink = true;
	fc->mode = 0777;
	fc->existed = r == 0;
	fc->old_data = r == 0 ? TAKE_PTR(target) : xstrdup("");
	fc->old_len = strlen(fc->old_data);
	fc->new_data = xstrdup(fc->old_data);
	fc->new_len = fc->old_len;
	fc->path = TAKE_PTR(norm);
	cs->files = xrealloc(cs->files, (cs->n_files + 1) * sizeof(*cs->files));
	cs->files[cs->n_files++] = fc;
	*ret = fc;
	return 0;
}

/*
 * Make the node path a link to target: made under a temp name and renamed over the path, so
 * that it is the old entry or the new link at every moment. *ret_dirfd as safefile_replace().
 */
static int
symlink_replace(const char *root, const char *path, const char *target, int *ret_dirfd,
                struct gp_error *err)
{
	_cleanup_free_ char *host = gp_path(root, path);
	_cleanup_free_ char *dir = xstrdup(path);
	char *slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		*slash = '\0';
		int r = noderoot_mkdir_p(root, dir, 0755);
		if (r < 0)
			return gp_error_set_errno(err, r, "cannot create the directory of '%s'",
			                          host);
	}
	_cleanup_free_ char *name = NULL;
	_cleanup_close_ int dirfd = noderoot_open_parent(root, path, &name);
	if (dirfd < 0)
		return gp_error_set_errno(err, -dirfd, "cannot create the link '%s'", host);
	_cleanup_free_ char *tmp = xasprintf(".%s.gpuprep-link", name);
	(void)unlinkat(dirfd, tmp, 0);
	if (symlinkat(target, dirfd, tmp) < 0)
		return gp_error_set_errno(err, errno, "cannot create the link '%s'", host);
	if (renameat(dirfd, tmp, dirfd, name) < 0) {
		int e = errno;
		(void)unlinkat(dirfd, tmp, 0);
		return gp_error_set_errno(err, e, "cannot create the link '%s'", host);
	}
	if (ret_dirfd) {
		*ret_dirfd = TAKE_FD(dirfd);
		return 0;
	}
	int r = noderoot_fsync_dirfd(dirfd);
	return r < 0 ? gp_error_set_errno(err, r, "cannot sync the directory of '%s'", host) : 0;
}

/* Remove the link at the node path, only while it still points at target. */
static int
symlink_remove(const char *root, const char *path, const char *target, int *ret_dirfd,
               struct gp_error *err)
{
	_cleanup_free_ char *cur = NULL;
	if (read_link(root, path, &cur) < 0 || strcmp(cur, target) != 0)
		return 0;
	return safefile_unlink(root, path, ret_dirfd, err);
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
	if (fc->new_data != fc->old_data)
		free(fc->new_data);
	fc->new_data = data;
	fc->new_len = len;
}

bool
file_change_changes(const struct file_change *fc)
{
	if (fc->remove)
		return fc->existed;
	if (fc->symlink && !fc->new_len)
		return false;
	return !fc->existed || fc->old_len != fc->new_len ||
	       (fc->new_data != fc->old_data &&
	        memcmp(fc->old_data, fc->new_data, fc->old_len) != 0);
}

bool
changeset_changes(const struct changeset *cs)
{
	for (size_t i = 0; i < cs->n_files; i++)
		if (file_change_changes(cs->files[i]))
			return true;
	return false;
}

/* Put one file back as it was read, unless it already is. */
static int
restore_one(const char *root, const struct file_change *fc, struct gp_error *err)
{
	if (fc->symlink) {
		if (!fc->existed)
			return fc->remove ? 0
			                  : symlink_remove(root, fc->path, fc->new_data, NULL, err);
		return symlink_replace(root, fc->path, fc->old_data, NULL, err);
	}
	_cleanup_free_ char *cur = NULL;
	size_t len = 0;
	int r = noderoot_read_file(root, fc->path, &cur, &len);
	if (!fc->existed)
		return r == -ENOENT ? 0 : safefile_remove(root, fc->path, err);
	if (r == 0 && len == fc->old_len && memcmp(cur, fc->old_data, len) == 0)
		return 0;
	return safefile_write(root, fc->path, fc->old_data, fc->old_len, fc->mode, err);
}

/* Write fc's temp file (not synced), creating its directory first. */
static int
prepare_one(const char *root, const struct file_change *fc, struct safefile_tmp *ret,
            struct gp_error *err)
{
	_cleanup_free_ char *dir = xstrdup(fc->path);
	char *slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		*slash = '\0';
		int r = noderoot_mkdir_p(root, dir, 0755);
		if (r < 0) {
			_cleanup_free_ char *host = gp_path(root, dir);
			gp_error_set_errno(err, r, "cannot create the directory '%s'", host);
			return -1;
		}
	}
	return safefile_prepare(root, fc->path, fc->new_data, fc->new_len, fc->mode, ret, err);
}

/* Rename fc's synced temp file into place, or remove fc; its directory goes into b. */
static int
apply_one(const char *root, const struct file_change *fc, struct safefile_tmp *tmp,
          struct safefile_batch *b, struct gp_error *err)
{
	int dirfd = -1;
	int r = fc->symlink && fc->remove
	                ? symlink_remove(root, fc->path, fc->old_data, &dirfd, err)
	        : fc->symlink ? symlink_replace(root, fc->path, fc->new_data, &dirfd, err)
	        : fc->remove  ? safefile_unlink(root, fc->path, &dirfd, err)
	                      : safefile_tmp_rename(tmp, &dirfd, err);
	if (r < 0)
		return -1;
	_cleanup_free_ char *host = gp_path(root, fc->path);
	char *slash = strrchr(host, '/');
	if (slash && slash != host)
		*slash = '\0';
	safefile_batch_add(b, dirfd, SAFEFILE_SYNC_DIR_PATH, true, host);
	return 0;
}

/*
 * The order files change in, so that every prefix is a state one undo reverts and the
 * daemons can read: files that come into being first (a drop-in before the main config that
 * imports it), then edits, then removals (the main config stops importing a drop-in before
 * the drop-in goes). Returns the changing files' indexes; *ret_n of them.
 */
static int
file_kind(const struct file_change *fc)
{
	return fc->remove ? 2 : fc->existed ? 1 : 0;
}

static size_t *
apply_order(const struct changeset *cs, size_t *ret_n)
{
	size_t *order = xcalloc(cs->n_files + 1, sizeof(*order));
	size_t n = 0;
	for (int pass = 0; pass < 3; pass++)
		for (size_t i = 0; i < cs->n_files; i++) {
			const struct file_change *fc = cs->files[i];
			if (file_kind(fc) == pass && file_change_changes(fc))
				order[n++] = i;
		}
	*ret_n = n;
	return order;
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
	        .symlink = fc->symlink,
	};
	return backup_save(session, runtime, &f, err);
}

/* Remove the temp files not renamed, and free them. */
static void
tmps_free(struct safefile_tmp *tmps, size_t n)
{
	for (size_t i = 0; tmps && i < n; i++)
		safefile_tmp_release(&tmps[i]);
	free(tmps);
}

int
changeset_apply(const struct changeset *cs, const char *root, const char *op, const char *runtime,
                char **ret_backup_dir, struct gp_error *err)
{
	if (ret_backup_dir)
		*ret_backup_dir = NULL;
	/* Temp files a killed run left (every writer holds the lock, so none is live). */
	for (size_t i = 0; i < cs->n_files; i++)
		if (!cs->files[i]->symlink)
			safefile_clean_stale(root, cs->files[i]->path);
	if (!changeset_changes(cs))
		return 0;

	/* Refuse before anything changes. */
	for (size_t i = 0; i < cs->n_files; i++)
		if (file_change_changes(cs->files[i]) && !cs->files[i]->symlink &&
		    safefile_check_writable(root, cs->files[i]->path, err) < 0)
			return -1;

	size_t n;
	_cleanup_free_ size_t *order = apply_order(cs, &n);
	/*
	 * Every original is backed up and journaled, and every new file written to its temp
	 * file; then all of them are synced in one batch (about one journal commit), before the
	 * first file changes.
	 */
	_cleanup_(backup_session_freep) struct backup_session *session = NULL;
	/* Declared before the first goto: its cleanup runs on every way out. */
	_cleanup_error_ struct gp_error complete_err = GP_ERROR_INIT;
	if (backup_begin(root, op, &session, err) < 0)
		return -1;
	for (size_t k = 0; k < n; k++)
		if (backup_one(session, runtime, cs->files[order[k]], err) < 0)
			return -1;
	struct safefile_tmp *tmps = xcalloc(n + 1, sizeof(*tmps));
	for (size_t k = 0; k < n; k++)
		tmps[k] = (struct safefile_tmp){.fd = -1, .dirfd = -1};
	_cleanup_(safefile_batch_release) struct safefile_batch batch = {0};
	for (size_t k = 0; k < n; k++) {
		const struct file_change *fc = cs->files[order[k]];
		/* A link is made in place, by a rename (apply_one); it has no temp file. */
		if (!fc->remove && !fc->symlink && prepare_one(root, fc, &tmps[k], err) < 0)
			goto fail_before;
	}
	if (backup_commit_add(session, &batch, err) < 0)
		goto fail_before;
	for (size_t k = 0; k < n; k++)
		safefile_batch_add(&batch, tmps[k].fd, SAFEFILE_SYNC_FILE, false, tmps[k].host_tmp);
	if (safefile_batch_run(&batch, err) < 0)
		goto fail_before;
	backup_committed(session);
	safefile_test_point("tmp-fsync");

	/*
	 * Each directory is synced once, after its last file of a kind (new files, edits,
	 * removals), before the next kind starts: a drop-in is durable before the main config
	 * that imports it changes. The journal's "complete" joins the last kind's batch, after
	 * its directories: the renames and the record reach the disk in one journal commit.
	 * Should a directory's sync fail, the rollback below records "undone_by" after it; should
	 * the journal's alone fail, every file is durable and only the record is lost.
	 */
	bool complete = false;
	for (size_t k = 0; k < n; k++) {
		int r = apply_one(root, cs->files[order[k]], &tmps[k], &batch, err);
		bool last = k + 1 == n;
		size_t dirs = batch.n, synced = 0;
		if (r == 0 && last)
			complete = backup_complete_add(session, &batch, &complete_err) == 0;
		if (r == 0 && (last || file_kind(cs->files[order[k + 1]]) !=
		                               file_kind(cs->files[order[k]]))) {
			r = safefile_batch_run_n(&batch, &synced, last ? &complete_err : err);
			if (r < 0 && last && synced >= dirs) {
				complete = false;
				r = 0;
			} else if (r < 0 && last) {
				gp_error_move(err, &complete_err);
			}
			if (r == 0)
				safefile_test_point("dir-fsync");
		}
		if (r == 0 && last)
			break;
		if (r == 0)
			continue;
		safefile_batch_release(&batch);
		tmps_free(tmps, n);
		tmps = NULL;
		/*
		 * Put back every file tried so far, this one too: a write can fail after its
		 * rename (the directory's fsync), and then the file is already new.
		 */
		bool restored = true;
		for (size_t j = k + 1; j-- > 0;) {
			_cleanup_error_ struct gp_error e2 = GP_ERROR_INIT;
			if (restore_one(root, cs->files[order[j]], &e2) < 0)
				restored = false;
		}
		_cleanup_error_ struct gp_error e3 = GP_ERROR_INIT;
		if (restored &&
		    backup_mark_undone(root, backup_session_dir(session), "rollback", &e3) == 0) {
			_cleanup_free_ char *h = err->hint ? TAKE_PTR(err->hint) : NULL;
			return gp_error_hint(err,
			                     "%s%snothing was changed: every file is as it was",
			                     h ? h : "", h ? "; " : "");
		}
		/* Not put back (or not recorded so): the session stays for `gpuprep undo`. */
		_cleanup_free_ char *bdir = gp_path(root, backup_session_dir(session));
		_cleanup_free_ char *h = err->hint ? TAKE_PTR(err->hint) : NULL;
		gp_error_hint(err,
		              "%s%s%s; run 'gpuprep undo' to put back the originals (backed up in "
		              "'%s')",
		              h ? h : "", h ? "; " : "",
		              restored
		                      ? "the files were put back, but that could not be recorded"
		                      : "some files were already changed and could not be put back",
		              bdir);
		if (ret_backup_dir)
			*ret_backup_dir = xstrdup(backup_session_dir(session));
		return -1;
	}
	tmps_free(tmps, n);
	if (ret_backup_dir)
		*ret_backup_dir = xstrdup(backup_session_dir(session));
	if (!complete) {
		_cleanup_free_ char *bdir = gp_path(root, backup_session_dir(session));
		gp_error_move(err, &complete_err);
		gp_error_prefix(err, "every file was written, but");
		return gp_error_hint(err,
		                     "run 'gpuprep undo' to put back the originals (backed up "
		                     "in '%s')",
		                     bdir);
	}
	return 0;
fail_before:
	/* Nothing changed: the temp files go, and a journal written but not synced too. */
	safefile_batch_release(&batch);
	tmps_free(tmps, n);
	backup_discard(session);
	_cleanup_free_ char *h = err->hint ? TAKE_PTR(err->hint) : NULL;
	return gp_error_hint(err, "%s%snothing was changed: every file is as it was", h ? h : "",
	                     h ? "; " : "");
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
