// SPDX-License-Identifier: GPL-2.0-or-later
#include "backup.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "noderoot.h"
#include "rows.h"
#include "safefile.h"

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

static int session_record(const char *root, const char *session_dir, const char *what,
                          struct gp_error *err);

int
backup_begin(const char *root, const char *op, struct backup_session **ret, struct gp_error *err)
{
	_cleanup_free_ char *base = gp_path(root, BACKUP_DIR);
	/* /var and /var/lib as on any system (an image may lack them); only ours is private. */
	int r = noderoot_mkdir_p(root, "/var/lib", 0755);
	if (r == 0)
		r = noderoot_mkdir_p(root, BACKUP_DIR, 0700);
	if (r < 0)
		return gp_error_set_errno(err, r, "cannot create the backup directory '%s'", base);
	_cleanup_close_ int basefd = noderoot_open(root, BACKUP_DIR, O_PATH | O_DIRECTORY, 0);
	if (basefd < 0)
		return gp_error_set_errno(err, basefd, "cannot open the backup directory '%s'",
		                          base);

	time_t t = time(NULL);
	struct tm tm;
	gmtime_r(&t, &tm);
	char stamp[32];
	strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm);
	_cleanup_free_ char *name = NULL;
	for (int n = 1; n < 100; n++) {
		free(name);
		name = n == 1 ? xstrdup(stamp) : xasprintf("%s-%02d", stamp, n);
		if (mkdirat(basefd, name, 0700) == 0)
			break;
		if (errno != EEXIST)
			return gp_error_set_errno(err, errno,
			                          "cannot create the backup directory '%s/%s'",
			                          base, name);
		if (n == 99)
			return gp_error_set(err, "too many backups in '%s' this second", base);
	}
	/* The session must survive a crash before any file changes. */
	r = noderoot_fsync_dirfd(basefd);
	if (r < 0)
		return gp_error_set_errno(err, r, "cannot sync the backup directory '%s'", base);
	_cleanup_(backup_session_freep) struct backup_session *s = xcalloc(1, sizeof(*s));
	s->root = root ? xstrdup(root) : NULL;
	s->op = xstrdup(op);
	s->dir = xasprintf("%s/%s", BACKUP_DIR, name);
	s->stamp = TAKE_PTR(name);
	/* "begin" without "complete" later: a run that stopped half way (see undo.h). */
	if (session_record(root, s->dir, "begin", err) < 0)
		return -1;
	*ret = TAKE_PTR(s);
	return 0;
}

/* Write (create, or append to) the node path and fsync it, then fsync its directory. */
static int
write_durable(const char *root, const char *node, int flags, const char *data, size_t len,
              struct gp_error *err)
{
	_cleanup_free_ char *path = gp_path(root, node);
	_cleanup_close_ int fd = noderoot_open(root, node, O_WRONLY | O_NOFOLLOW | flags, 0600);
	if (fd < 0)
		return gp_error_set_errno(err, fd, "cannot write '%s'", path);
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
	_cleanup_free_ char *name = NULL;
	_cleanup_close_ int dirfd = noderoot_open_parent(root, node, &name);
	int r = dirfd < 0 ? dirfd : noderoot_fsync_dirfd(dirfd);
	if (r < 0)
		return gp_error_set_errno(err, r, "cannot sync the directory of '%s'", path);
	return 0;
}

static int
journal_append(const char *root, const char *session_dir, json_t *rec, struct gp_error *err)
{
	_cleanup_free_ char *line = json_dumps(rec, JSON_COMPACT | JSON_PRESERVE_ORDER);
	if (!line)
		return gp_error_set(err, "cannot encode the journal record");
	_cleanup_free_ char *text = xasprintf("%s\n", line);
	_cleanup_free_ char *path = xasprintf("%s/" BACKUP_JOURNAL, session_dir);
	return write_durable(root, path, O_CREAT | O_APPEND, text, strlen(text), err);
}

int
backup_save(struct backup_session *s, const char *runtime, const struct backup_file *fc,
            struct gp_error *err)
{
	if (fc->existed) {
		_cleanup_free_ char *copy = xasprintf("%s%s", s->dir, fc->path);
		_cleanup_free_ char *parent = xstrndup(copy, (size_t)(strrchr(copy, '/') - copy));
		int r = noderoot_mkdir_p(s->root, parent, 0700);
		if (r < 0) {
			_cleanup_free_ char *host = gp_path(s->root, parent);
			return gp_error_set_errno(err, r, "cannot create '%s'", host);
		}
		if (write_durable(s->root, copy, O_CREAT | O_EXCL, fc->old_data, fc->old_len, err) <
		    0)
			return -1;
		safefile_test_point("backup-copy");
	}
	_cleanup_free_ char *t = now_iso();
	unsigned long long h = (unsigned long long)fnv1a64(fc->new_data ? fc->new_data : "",
	                                                   fc->removed ? 0 : fc->new_len);
	_cleanup_free_ char *hex = xasprintf("%016llx", h);
	_cleanup_json_ json_t *rec = json_object();
	json_object_set_new(rec, "op", json_string(s->op));
	json_object_set_new(rec, "runtime", runtime ? json_string(runtime) : json_null());
	json_object_set_new(rec, "path", json_string(fc->path));
	json_object_set_new(rec, "existed", json_boolean(fc->existed));
	json_object_set_new(rec, "mode", json_integer(fc->mode));
	json_object_set_new(rec, "time", json_string(t));
	json_object_set_new(rec, "removed", json_boolean(fc->removed));
	json_object_set_new(rec, "new_size",
	                    json_integer(fc->removed ? 0 : (json_int_t)fc->new_len));
	json_object_set_new(rec, "new_fnv1a64", json_string(hex));
	if (journal_append(s->root, s->dir, rec, err) < 0)
		return -1;
	safefile_test_point("backup-journal");
	return 0;
}

/* A record with no "op" of its own: {"session": what, "time": ...}. */
static int
session_record(const char *root, const char *session_dir, const char *what, struct gp_error *err)
{
	_cleanup_free_ char *t = now_iso();
	_cleanup_json_ json_t *rec = json_object();
	json_object_set_new(rec, "session", json_string(what));
	json_object_set_new(rec, "time", json_string(t));
	return journal_append(root, session_dir, rec, err);
}

int
backup_mark_complete(const char *root, const char *session_dir, struct gp_error *err)
{
	return session_record(root, session_dir, "complete", err);
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
