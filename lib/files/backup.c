// SPDX-License-Identifier: GPL-2.0-or-later
#include "backup.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "rows.h"
#include "safefile.h"

#define JOURNAL "journal.jsonl"

struct backup_session {
	char *root;
	char *op;
	char *dir; /* node path */
	char *stamp;
};

static char *
now_iso(void)
{
	time_t t = time(NULL);
	struct tm tm;
	gmtime_r(&t, &tm);
	char buf[32];
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
	return xstrdup(buf);
}

void
backup_session_free(struct backup_session *s)
{
	if (!s)
		return;
	free(s->root);
	free(s->op);
	free(s->dir);
	free(s->stamp);
	free(s);
}

const char *
backup_session_dir(const struct backup_session *s)
{
	return s->dir;
}

int
backup_begin(const char *root, const char *op, struct backup_session **ret, struct gp_error *err)
{
	_cleanup_free_ char *base = gp_path(root, BACKUP_DIR);
	/* /var and /var/lib as on any system (an image may lack them); only ours is private. */
	_cleanup_free_ char *var_lib = gp_path(root, "/var/lib");
	int r = mkdir_p(var_lib, 0755);
	if (r == 0)
		r = mkdir_p(base, 0700);
	if (r < 0)
		return gp_error_set_errno(err, r, "cannot create the backup directory '%s'", base);

	time_t t = time(NULL);
	struct tm tm;
	gmtime_r(&t, &tm);
	char stamp[32];
	strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm);
	_cleanup_free_ char *name = NULL;
	for (int n = 1; n < 100; n++) {
		free(name);
		name = n == 1 ? xstrdup(stamp) : xasprintf("%s-%02d", stamp, n);
		_cleanup_free_ char *dir = xasprintf("%s/%s", base, name);
		if (mkdir(dir, 0700) == 0)
			break;
		if (errno != EEXIST)
			return gp_error_set_errno(err, errno,
			                          "cannot create the backup directory '%s'", dir);
		if (n == 99)
			return gp_error_set(err, "too many backups in '%s' this second", base);
	}
	struct backup_session *s = xcalloc(1, sizeof(*s));
	s->root = root ? xstrdup(root) : NULL;
	s->op = xstrdup(op);
	s->dir = xasprintf("%s/%s", BACKUP_DIR, name);
	s->stamp = TAKE_PTR(name);
	*ret = s;
	return 0;
}

static int
write_durable(const char *path, int flags, const char *data, size_t len, struct gp_error *err)
{
	_cleanup_close_ int fd = open(path, O_WRONLY | O_CLOEXEC | flags, 0600);
	if (fd < 0)
		return gp_error_set_errno(err, errno, "cannot write '%s'", path);
	while (len > 0) {
		ssize_t w = write(fd, data, len);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return gp_error_set_errno(err, errno, "cannot write '%s'", path);
		}
		data += w;
		len -= (size_t)w;
	}
	if (fsync(fd) < 0)
		return gp_error_set_errno(err, errno, "cannot sync '%s'", path);
	return 0;
}

static void
fsync_path(const char *path)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0)
		fsync(fd);
}

static int
journal_append(const char *root, const char *session_dir, json_t *rec, struct gp_error *err)
{
	_cleanup_free_ char *line = json_dumps(rec, JSON_COMPACT | JSON_PRESERVE_ORDER);
	if (!line)
		return gp_error_set(err, "cannot encode the journal record");
	_cleanup_free_ char *text = xasprintf("%s\n", line);
	_cleanup_free_ char *host_dir = gp_path(root, session_dir);
	_cleanup_free_ char *path = xasprintf("%s/" JOURNAL, host_dir);
	if (write_durable(path, O_CREAT | O_APPEND, text, strlen(text), err) < 0)
		return -1;
	fsync_path(host_dir);
	return 0;
}

int
backup_save(struct backup_session *s, const char *runtime, const struct file_change *fc,
            struct gp_error *err)
{
	_cleanup_free_ char *host_dir = gp_path(s->root, s->dir);
	if (fc->existed) {
		_cleanup_free_ char *copy = xasprintf("%s%s", host_dir, fc->path);
		char *slash = strrchr(copy, '/');
		*slash = '\0';
		int r = mkdir_p(copy, 0700);
		if (r < 0)
			return gp_error_set_errno(err, r, "cannot create '%s'", copy);
		_cleanup_free_ char *parent = xstrdup(copy);
		*slash = '/';
		if (write_durable(copy, O_CREAT | O_EXCL, fc->old_data, fc->old_len, err) < 0)
			return -1;
		fsync_path(parent);
		safefile_test_point("backup-copy");
	}
	_cleanup_free_ char *t = now_iso();
	unsigned long long h = (unsigned long long)fnv1a64(fc->new_data ? fc->new_data : "",
	                                                   fc->remove ? 0 : fc->new_len);
	_cleanup_free_ char *hex = xasprintf("%016llx", h);
	_cleanup_json_ json_t *rec = json_object();
	json_object_set_new(rec, "op", json_string(s->op));
	json_object_set_new(rec, "runtime", runtime ? json_string(runtime) : json_null());
	json_object_set_new(rec, "path", json_string(fc->path));
	json_object_set_new(rec, "existed", json_boolean(fc->existed));
	json_object_set_new(rec, "mode", json_integer(fc->mode));
	json_object_set_new(rec, "time", json_string(t));
	json_object_set_new(rec, "removed", json_boolean(fc->remove));
	json_object_set_new(rec, "new_size",
	                    json_integer(fc->remove ? 0 : (json_int_t)fc->new_len));
	json_object_set_new(rec, "new_fnv1a64", json_string(hex));
	if (journal_append(s->root, s->dir, rec, err) < 0)
		return -1;
	safefile_test_point("backup-journal");
	return 0;
}

int
backup_mark_undone(const char *root, const char *session_dir, const char *by, struct gp_error *err)
{
	_cleanup_free_ char *t = now_iso();
	_cleanup_json_ json_t *rec = json_object();
	json_object_set_new(rec, "undone_by", json_string(by));
	json_object_set_new(rec, "time", json_string(t));
	if (journal_append(root, session_dir, rec, err) < 0)
		return -1;
	safefile_test_point("journal-undone");
	return 0;
}

void
backup_undo_release(struct backup_undo *u)
{
	if (!u)
		return;
	free(u->session_dir);
	free(u->runtime);
	free(u->backup_dir);
	changeset_release(&u->changes);
	strv_free(u->warnings);
	*u = (struct backup_undo){0};
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
build_undo(const char *root, const char *session_dir, const json_t *recs, struct backup_undo *u,
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
backup_undo_prepare(const char *root, const char *runtime, struct backup_undo *ret,
                    struct gp_error *err)
{
	*ret = (struct backup_undo){0};
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
		_cleanup_free_ char *journal = xasprintf("%s/%s/" JOURNAL, base, name);
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
		backup_undo_release(ret);
	return r;
}

int
backup_undo(const char *root, const char *runtime, bool dry_run, int lock_timeout_ms,
            struct backup_undo *ret, struct gp_error *err)
{
	*ret = (struct backup_undo){0};
	/* Check the journals before the lock: a refused one leaves the node as it was. */
	if (backup_undo_prepare(root, runtime, ret, err) < 0)
		return -1;
	if (dry_run)
		return 0;
	/* Again under the lock: another run may have written meanwhile. */
	backup_undo_release(ret);
	_cleanup_close_ int lock = safefile_lock(root, lock_timeout_ms, err);
	if (lock < 0)
		return -1;
	if (backup_undo_prepare(root, runtime, ret, err) < 0)
		return -1;
	if (!ret->session_dir)
		return 0;
	if (changeset_apply(&ret->changes, root, "undo", ret->runtime, &ret->backup_dir, err) < 0)
		goto fail;
	const char *by = ret->backup_dir ? strrchr(ret->backup_dir, '/') + 1 : "nothing-changed";
	if (backup_mark_undone(root, ret->session_dir, by, err) < 0)
		goto fail;
	return 0;
fail:
	gp_error_prefix(err, "undoing '%s'", ret->session_dir);
	backup_undo_release(ret);
	return -1;
}
