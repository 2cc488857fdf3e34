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
	int basefd;    /* the backup directory (O_PATH) */
	int sessfd;    /* the session directory (O_PATH) */
	char *journal; /* the records not yet written: backup_commit_add() writes them at once */
	char **synced; /* the session's directories to fsync, relative to it ("." first) */
	int *copies;   /* the copies written, to sync in backup_commit_add() */
	char **copy_hosts;
	size_t n_copies;
	int journalfd;  /* the journal, once written (O_APPEND) */
	bool committed; /* the journal exists and the session is durable */
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
	free(s->journal);
	strv_free(s->synced);
	for (size_t i = 0; i < s->n_copies; i++)
		close(s->copies[i]);
	free(s->copies);
	strv_free(s->copy_hosts);
	if (s->journalfd >= 0)
		close(s->journalfd);
	if (s->basefd >= 0)
		close(s->basefd);
	if (s->sessfd >= 0)
		close(s->sessfd);
	free(s);
}

const char *
backup_session_dir(const struct backup_session *s)
{
	return s->dir;
}

static int session_record(struct backup_session *s, const char *what, struct gp_error *err);
static json_t *session_rec(const char *what);

int
backup_begin(const char *root, const char *op, struct backup_session **ret, struct gp_error *err)
{
	_cleanup_free_ char *base = gp_path(root, BACKUP_DIR);
	/* On a used node it is there: one open, no walk creating each parent. */
	_cleanup_close_ int basefd = noderoot_open(root, BACKUP_DIR, O_PATH | O_DIRECTORY, 0);
	if (basefd == -ENOENT) {
		/* /var and /var/lib as on any system (an image may lack them); only ours is
		 * private. */
		int r = noderoot_mkdir_p(root, "/var/lib", 0755);
		if (r == 0)
			r = noderoot_mkdir_p(root, BACKUP_DIR, 0700);
		if (r < 0)
			return gp_error_set_errno(err, r, "cannot create the backup directory '%s'",
			                          base);
		basefd = noderoot_open(root, BACKUP_DIR, O_PATH | O_DIRECTORY, 0);
	}
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
	_cleanup_(backup_session_freep) struct backup_session *s = xcalloc(1, sizeof(*s));
	s->journalfd = -1;
	s->basefd = TAKE_FD(basefd);
	s->sessfd = openat(s->basefd, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (s->sessfd < 0)
		return gp_error_set_errno(err, errno, "cannot open the backup directory '%s/%s'",
		                          base, name);
	s->root = root ? xstrdup(root) : NULL;
	s->op = xstrdup(op);
	s->dir = xasprintf("%s/%s", BACKUP_DIR, name);
	s->stamp = TAKE_PTR(name);
	s->synced = strv_push(NULL, ".");
	/*
	 * "begin" without "complete" later: a run that stopped half way (see undo.h). It and
	 * every file's record reach the journal in one write, in backup_commit_add().
	 */
	if (session_record(s, "begin", err) < 0)
		return -1;
	*ret = TAKE_PTR(s);
	return 0;
}

/* Write a new file at rel in the session; returns its fd, to sync in backup_commit_add(). */
static int
write_new(struct backup_session *s, const char *rel, const char *data, size_t len, int flags,
          char **ret_host, struct gp_error *err)
{
	_cleanup_free_ char *path = xasprintf("%s/%s", s->dir, rel);
	_cleanup_free_ char *host = gp_path(s->root, path);
	_cleanup_close_ int fd = openat(
	        s->sessfd, rel, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC | flags, 0600);
	if (fd < 0)
		return gp_error_set_errno(err, errno, "cannot write '%s'", host);
	int r = write_all(fd, data, len);
	if (r < 0)
		return gp_error_set_errno(err, r, "cannot write '%s'", host);
	*ret_host = TAKE_PTR(host);
	return TAKE_FD(fd);
}

/*
 * Create the directories of rel (a path in the session, "etc/docker/daemon.json") inside the
 * session, which is ours alone (0700, made by this run): each one is noted for one fsync in
 * backup_commit_add().
 */
static int
session_mkdirs(struct backup_session *s, const char *rel, struct gp_error *err)
{
	_cleanup_free_ char *dir = xstrdup(rel);
	for (char *p = strchr(dir, '/'); p; p = strchr(p + 1, '/')) {
		*p = '\0';
		if (!strv_contains(s->synced, dir)) {
			if (mkdirat(s->sessfd, dir, 0700) < 0 && errno != EEXIST) {
				_cleanup_free_ char *host = xasprintf("%s/%s", s->dir, dir);
				_cleanup_free_ char *h = gp_path(s->root, host);
				return gp_error_set_errno(err, errno, "cannot create '%s'", h);
			}
			s->synced = strv_push(s->synced, dir);
		}
		*p = '/';
	}
	return 0;
}

/* Append the record to the session's journal: in memory until backup_commit_add(). */
static int
journal_add(struct backup_session *s, json_t *rec, struct gp_error *err)
{
	_cleanup_free_ char *line = json_dumps(rec, JSON_COMPACT | JSON_PRESERVE_ORDER);
	if (!line)
		return gp_error_set(err, "cannot encode the journal record");
	char *joined = xasprintf("%s%s\n", s->journal ? s->journal : "", line);
	free(s->journal);
	s->journal = joined;
	return 0;
}

/* Append one record to a committed session's journal (node path) and fsync the journal. */
static int
journal_append(const char *root, const char *session_dir, json_t *rec, struct gp_error *err)
{
	_cleanup_free_ char *line = json_dumps(rec, JSON_COMPACT | JSON_PRESERVE_ORDER);
	if (!line)
		return gp_error_set(err, "cannot encode the journal record");
	_cleanup_free_ char *text = xasprintf("%s\n", line);
	_cleanup_free_ char *node = xasprintf("%s/" BACKUP_JOURNAL, session_dir);
	_cleanup_free_ char *path = gp_path(root, node);
	/* The journal exists (backup_commit_add() made it and synced its directory): no new entry.
	 */
	_cleanup_close_ int fd = noderoot_open(root, node, O_WRONLY | O_APPEND | O_NOFOLLOW, 0);
	if (fd < 0)
		return gp_error_set_errno(err, fd, "cannot write '%s'", path);
	int r = write_all(fd, text, strlen(text));
	if (r < 0)
		return gp_error_set_errno(err, r, "cannot write '%s'", path);
	if (fsync(fd) < 0)
		return gp_error_set_errno(err, errno, "cannot sync '%s'", path);
	return 0;
}

int
backup_save(struct backup_session *s, const char *runtime, const struct backup_file *fc,
            struct gp_error *err)
{
	if (s->committed)
		return gp_error_set(err, "the backup '%s' is already committed", s->dir);
	if (fc->existed) {
		const char *rel = fc->path + strspn(fc->path, "/");
		if (session_mkdirs(s, rel, err) < 0)
			return -1;
		char *host = NULL;
		int fd = write_new(s, rel, fc->old_data, fc->old_len, 0, &host, err);
		if (fd < 0)
			return -1;
		s->copies = xrealloc(s->copies, (s->n_copies + 1) * sizeof(*s->copies));
		s->copies[s->n_copies++] = fd;
		s->copy_hosts = strv_push(s->copy_hosts, host);
		free(host);
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
	return journal_add(s, rec, err);
}

int
backup_commit_add(struct backup_session *s, struct safefile_batch *b, struct gp_error *err)
{
	if (s->committed || s->journalfd >= 0)
		return gp_error_set(err, "the backup '%s' is already committed", s->dir);
	/* The journal in one write; the copies, the journal and each directory synced once. */
	_cleanup_free_ char *jhost = NULL;
	s->journalfd = write_new(s, BACKUP_JOURNAL, s->journal ? s->journal : "",
	                         s->journal ? strlen(s->journal) : 0, O_APPEND, &jhost, err);
	if (s->journalfd < 0)
		return -1;
	for (size_t i = 0; i < s->n_copies; i++)
		safefile_batch_add(b, s->copies[i], SAFEFILE_SYNC_FILE, false, s->copy_hosts[i]);
	safefile_batch_add(b, s->journalfd, SAFEFILE_SYNC_FILE, false, jhost);
	for (size_t i = strv_length(s->synced); i-- > 0;) {
		_cleanup_free_ char *node = xasprintf("%s/%s", s->dir, s->synced[i]);
		_cleanup_free_ char *host = gp_path(s->root, node);
		int fd = openat(s->sessfd, s->synced[i],
		                O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0)
			return gp_error_set_errno(err, errno, "cannot sync the directory '%s'",
			                          host);
		safefile_batch_add(b, fd, SAFEFILE_SYNC_DIR, true, host);
	}
	_cleanup_free_ char *base = gp_path(s->root, BACKUP_DIR);
	safefile_batch_add(b, s->basefd, SAFEFILE_SYNC_DIR_PATH, false, base);
	return 0;
}

void
backup_committed(struct backup_session *s)
{
	s->committed = true;
	for (size_t i = 0; i < s->n_copies; i++)
		close(s->copies[i]);
	s->n_copies = 0;
	safefile_test_point("backup-journal");
}

void
backup_discard(struct backup_session *s)
{
	if (s->committed || s->journalfd < 0)
		return;
	unlinkat(s->sessfd, BACKUP_JOURNAL, 0);
	close(s->journalfd);
	s->journalfd = -1;
}

int
backup_complete_add(struct backup_session *s, struct safefile_batch *b, struct gp_error *err)
{
	if (!s->committed || s->journalfd < 0)
		return gp_error_set(err, "the backup '%s' is not committed", s->dir);
	_cleanup_json_ json_t *rec = session_rec("complete");
	_cleanup_free_ char *line = json_dumps(rec, JSON_COMPACT | JSON_PRESERVE_ORDER);
	_cleanup_free_ char *node = xasprintf("%s/" BACKUP_JOURNAL, s->dir);
	_cleanup_free_ char *host = gp_path(s->root, node);
	if (!line)
		return gp_error_set(err, "cannot encode the journal record");
	_cleanup_free_ char *text = xasprintf("%s\n", line);
	int r = write_all(s->journalfd, text, strlen(text));
	if (r < 0)
		return gp_error_set_errno(err, r, "cannot write '%s'", host);
	safefile_batch_add(b, s->journalfd, SAFEFILE_SYNC_FILE, false, host);
	return 0;
}

/* A record with no "op" of its own: {"session": what, "time": ...}. */
static json_t *
session_rec(const char *what)
{
	_cleanup_free_ char *t = now_iso();
	json_t *rec = json_object();
	json_object_set_new(rec, "session", json_string(what));
	json_object_set_new(rec, "time", json_string(t));
	return rec;
}

static int
session_record(struct backup_session *s, const char *what, struct gp_error *err)
{
	_cleanup_json_ json_t *rec = session_rec(what);
	return journal_add(s, rec, err);
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
