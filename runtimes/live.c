// SPDX-License-Identifier: GPL-2.0-or-later
/* Restart and verify: the helpers every runtime shares, and the framework with the rollback. */
#include "live.h"

#include <errno.h>
#include <stdarg.h>
#include <string.h>
#include <sys/stat.h>

#include "backup.h"
#include "runtime.h"
#include "safefile.h"

static const char *const check_status_names[] = {
        [LIVE_CHECK_PASS] = "pass",
        [LIVE_CHECK_FAIL] = "fail",
        [LIVE_CHECK_SKIP] = "skip",
};

const char *
live_check_status_name(enum live_check_status s)
{
	return (size_t)s < GP_ARRAY_SIZE(check_status_names) ? check_status_names[s] : "?";
}

static const char *const action_names[] = {
        [RESTART_ACTION_NONE] = "none",
        [RESTART_ACTION_RELOAD] = "reload",
        [RESTART_ACTION_RESTART] = "restart",
};

const char *
restart_action_name(enum restart_action a)
{
	return (size_t)a < GP_ARRAY_SIZE(action_names) ? action_names[a] : "?";
}

void
verify_result_release(struct verify_result *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->n_checks; i++) {
		free(r->checks[i].name);
		free(r->checks[i].expected);
		free(r->checks[i].seen);
		free(r->checks[i].note);
	}
	free(r->checks);
	free(r->daemon);
	free(r->socket);
	*r = (struct verify_result){0};
}

static char *
dup_or_null(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

struct live_check *
verify_add(struct verify_result *r, const char *name, enum live_check_status status,
           const char *expected, const char *seen, const char *note)
{
	r->checks = xrealloc(r->checks, (r->n_checks + 1) * sizeof(*r->checks));
	struct live_check *c = &r->checks[r->n_checks++];
	*c = (struct live_check){
	        .name = xstrdup(name),
	        .status = status,
	        .expected = dup_or_null(expected),
	        .seen = dup_or_null(seen),
	        .note = dup_or_null(note),
	};
	return c;
}

struct live_check *
verify_add_note(struct verify_result *r, const char *name, enum live_check_status status,
                const char *expected, const char *seen, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	_cleanup_free_ char *note = xvasprintf(fmt, ap);
	va_end(ap);
	return verify_add(r, name, status, expected, seen, note);
}

const struct live_check *
verify_first_failure(const struct verify_result *r)
{
	for (size_t i = 0; i < r->n_checks; i++)
		if (r->checks[i].status == LIVE_CHECK_FAIL)
			return &r->checks[i];
	return NULL;
}

bool
verify_ok(const struct verify_result *r)
{
	return r->n_checks > 0 && !verify_first_failure(r);
}

static json_t *
str_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

json_t *
verify_result_to_json(const struct verify_result *r, const char *runtime)
{
	json_t *doc = json_object();
	json_object_set_new(doc, "schema_version", json_integer(LIVE_SCHEMA_VERSION));
	json_object_set_new(doc, "runtime", json_string(runtime));
	json_object_set_new(doc, "socket", str_or_null(r->socket));
	json_object_set_new(doc, "daemon", str_or_null(r->daemon));
	json_t *checks = json_array();
	for (size_t i = 0; i < r->n_checks; i++) {
		const struct live_check *c = &r->checks[i];
		json_array_append_new(
		        checks, json_pack("{s:s, s:s, s:o, s:o, s:o}", "check", c->name, "status",
		                          live_check_status_name(c->status), "expected",
		                          str_or_null(c->expected), "seen", str_or_null(c->seen),
		                          "note", str_or_null(c->note)));
	}
	json_object_set_new(doc, "checks", checks);
	json_object_set_new(doc, "restart_needed", json_boolean(r->restart_needed));
	json_object_set_new(doc, "ok", json_boolean(verify_ok(r)));
	return doc;
}

void
restart_result_release(struct restart_result *r)
{
	if (!r)
		return;
	free(r->why);
	free(r->manual);
	strv_free(r->notes);
	*r = (struct restart_result){0};
}

void
restart_report_release(struct restart_report *r)
{
	if (!r)
		return;
	restart_result_release(&r->first);
	restart_result_release(&r->second);
	verify_result_release(&r->verify);
	verify_result_release(&r->after_rollback);
	free(r->backup_dir);
	free(r->undo_backup_dir);
	strv_free(r->warnings);
	*r = (struct restart_report){0};
}

char *
live_socket_path(const struct live_opts *opts, const char *def)
{
	const char *s = opts->socket ? opts->socket : def;
	if (str_startswith(s, "unix://"))
		s += strlen("unix://");
	return gp_path(opts->root, s);
}

const char *
live_config_path(const struct live_opts *opts, const char *def)
{
	return opts->config_path ? opts->config_path : def;
}

void
live_step(const struct live_opts *opts, const char *fmt, ...)
{
	if (!opts->progress || !opts->progress->step)
		return;
	va_list ap;
	va_start(ap, fmt);
	_cleanup_free_ char *msg = xvasprintf(fmt, ap);
	va_end(ap);
	opts->progress->step(opts->progress->data, msg);
}

void
live_tick(void *data)
{
	const struct live_opts *opts = data;
	if (opts->progress && opts->progress->tick)
		opts->progress->tick(opts->progress->data);
}

unsigned
live_timeout_ms(const struct live_opts *opts)
{
	return opts->timeout_ms ? opts->timeout_ms : LIVE_DEFAULT_TIMEOUT_MS;
}

const char *
live_or_none(const char *s)
{
	return s ? s : "(none)";
}

void
live_check_value(struct verify_result *r, const struct live_who *who, const char *check,
                 const char *expected, const char *seen, const char *seen_text,
                 const char *file_value)
{
	const char *shown = seen_text ? seen_text : live_or_none(seen);
	if (seen && strcmp(seen, expected) == 0)
		verify_add(r, check, LIVE_CHECK_PASS, expected, shown, NULL);
	else if (file_value && strcmp(file_value, expected) == 0)
		verify_add_note(r, check, LIVE_CHECK_FAIL, expected, shown,
		                "restart needed: '%s' says %s, %s has not loaded it", who->config,
		                expected, who->daemon);
	else
		verify_add_note(r, check, LIVE_CHECK_FAIL, expected, shown,
		                "'%s' does not say %s: run 'gpuprep configure --runtime %s'",
		                who->config, expected, who->runtime);
}

void
live_diff(struct strbuf *diff, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	_cleanup_free_ char *s = xvasprintf(fmt, ap);
	va_end(ap);
	strbuf_puts(diff, diff->s && *diff->s ? "; " : "");
	strbuf_puts(diff, s);
}

void
live_check_loaded(struct verify_result *r, const struct live_who *who, const char *error,
                  struct strbuf *diff)
{
	if (error) {
		verify_add(r, "config_loaded", LIVE_CHECK_FAIL, who->config, "unreadable", error);
	} else if (!diff->s || !*diff->s) {
		verify_add(r, "config_loaded", LIVE_CHECK_PASS, who->config, "loaded", NULL);
	} else {
		r->restart_needed = true;
		verify_add_note(r, "config_loaded", LIVE_CHECK_FAIL, who->config, diff->s,
		                "restart needed: %s has not loaded '%s' since it changed; run "
		                "'gpuprep restart --runtime %s'",
		                who->daemon, who->config, who->runtime);
	}
	free(diff->s);
	*diff = (struct strbuf){0};
}

bool
live_smoke_start(const struct live_opts *o, struct verify_result *r, const char *expected)
{
	if (o->smoke_has_gpu)
		return true;
	verify_add(r, "smoke", LIVE_CHECK_SKIP, expected, "not run",
	           "no NVIDIA GPU on this node: the smoke test needs one");
	return false;
}

char *const *
live_smoke_cmd(const struct live_opts *o)
{
	static char *nvidia_smi[] = {"nvidia-smi", "-L", NULL};
	return o->smoke_cmd ? o->smoke_cmd : nvidia_smi;
}

char *
live_smoke_name(void)
{
	return xasprintf("gpuprep-smoke-%d", (int)getpid());
}

void
live_smoke_done(const struct live_opts *o, struct verify_result *r, const char *expected,
                long status, bool timed_out, const char *output, const char *fail_note)
{
	output = output ? output : "";
	size_t n = strcspn(output, "\n");
	_cleanup_free_ char *line = xstrndup(output, n > 80 ? 80 : n);
	_cleanup_free_ char *seen =
	        timed_out ? xstrdup("timed out")
	                  : xasprintf("exit %ld%s%s", status, *line ? ": " : "", line);
	bool gpu_listed = o->smoke_cmd || strstr(output, "GPU ");
	if (status == 0 && !timed_out && gpu_listed) {
		verify_add(r, "smoke", LIVE_CHECK_PASS, expected, seen, NULL);
		return;
	}
	if (fail_note) {
		verify_add(r, "smoke", LIVE_CHECK_FAIL, expected, seen, fail_note);
		return;
	}
	if (status == 0 && !timed_out) {
		verify_add(r, "smoke", LIVE_CHECK_FAIL, expected, seen,
		           "nvidia-smi -L listed no GPU");
		return;
	}
	_cleanup_free_ char *tail = proc_tail_lines(output, 3);
	for (char *p = tail; *p; p++)
		if (*p == '\n')
			*p = ' ';
	verify_add_note(r, "smoke", LIVE_CHECK_FAIL, expected, seen, "the container %s%s%s",
	                timed_out ? "did not finish in time" : "failed",
	                *str_strip(tail) ? "; its output ends: " : "", tail);
}

void
live_check_binary(struct verify_result *r, const char *root, const char *path)
{
	if (!path || !*path) {
		verify_add(r, "runtime_binary", LIVE_CHECK_FAIL, "an executable", "no path",
		           "the daemon names no binary for the runtime");
		return;
	}
	if (!strchr(path, '/')) {
		_cleanup_free_ char *expected = xasprintf("%s in PATH", path);
		_cleanup_free_ char *found = runtime_find_program(root, path);
		if (found)
			verify_add(r, "runtime_binary", LIVE_CHECK_PASS, expected, found, NULL);
		else
			verify_add_note(r, "runtime_binary", LIVE_CHECK_FAIL, expected, "not found",
			                "'%s' is in none of /usr/local/sbin, /usr/local/bin, "
			                "/usr/sbin, /usr/bin, /sbin, /bin%s%s; install "
			                "nvidia-container-toolkit",
			                path, gp_root_is_set(root) ? " under " : "",
			                gp_root_is_set(root) ? root : "");
		return;
	}
	_cleanup_free_ char *host = gp_path(root, path);
	struct stat st;
	if (stat(host, &st) < 0) {
		verify_add_note(r, "runtime_binary", LIVE_CHECK_FAIL, path, "not found",
		                "'%s': %s; install nvidia-container-toolkit, or fix the path", host,
		                strerror(errno));
		return;
	}
	if (!S_ISREG(st.st_mode) || access(host, X_OK) < 0) {
		verify_add_note(r, "runtime_binary", LIVE_CHECK_FAIL, path,
		                S_ISDIR(st.st_mode) ? "a directory" : "not executable",
		                "'%s' is not an executable file", host);
		return;
	}
	verify_add(r, "runtime_binary", LIVE_CHECK_PASS, path, "executable", NULL);
}

static int
pid_comm_is(pid_t pid, const char *comm, char **ret_comm)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/comm", (int)pid);
	_cleanup_free_ char *line = NULL;
	if (read_line_file(path, &line) < 0)
		return -1;
	bool same = strcmp(line, comm) == 0;
	*ret_comm = TAKE_PTR(line);
	return same ? 1 : 0;
}

int
live_daemon_pid(const char *root, const char *pid_file, const char *socket, const char *comm,
                pid_t *ret, struct gp_error *err)
{
	pid_t pid = 0;
	const char *from;
	_cleanup_free_ char *host_pid_file = pid_file ? gp_path(root, pid_file) : NULL;
	_cleanup_free_ char *from_file = NULL;
	struct gp_error e = GP_ERROR_INIT;
	if (host_pid_file && path_exists(host_pid_file) &&
	    svc_pid_from_file(host_pid_file, &pid, &e) == 0) {
		from_file = xasprintf("pid file '%s'", host_pid_file);
		from = from_file;
	} else {
		gp_error_release(&e);
		if (svc_pid_from_socket(socket, &pid, err) < 0)
			return gp_error_prefix(err, "finding the %s process", comm);
		from = "the socket's peer";
	}
	gp_error_release(&e);
	_cleanup_free_ char *seen = NULL;
	int r = pid_comm_is(pid, comm, &seen);
	if (r < 0)
		return gp_error_set(err, "process %d (from %s) is gone", (int)pid, from);
	if (r == 0) {
		gp_error_set(err, "process %d (from %s) is '%s', not %s", (int)pid, from, seen,
		             comm);
		return gp_error_hint(err,
		                     "the socket may be held for %s by a service manager: use "
		                     "--mode systemd or service",
		                     comm);
	}
	*ret = pid;
	return 0;
}

int
live_service_restart(const struct live_opts *opts, const char *name, enum svc_mode mode,
                     bool reload, struct gp_error *err)
{
	struct proc_opts po = {0};
	if (opts->progress) {
		po.on_line = opts->progress->line;
		po.userdata = opts->progress->data;
	}
	return svc_restart(opts->root, name, mode, reload, &po, err);
}

pid_t
live_daemon_pid_or_zero(const struct live_opts *o, const struct live_daemon *d, const char *socket)
{
	pid_t pid = 0;
	struct gp_error e = GP_ERROR_INIT;
	if (live_daemon_pid(o->root, d->pid_file, socket, d->comm, &pid, &e) < 0)
		pid = 0;
	gp_error_release(&e);
	return pid;
}

int
live_full_restart(const struct live_opts *o, const struct live_daemon *d, const char *socket,
                  enum svc_mode mode, struct restart_result *ret, struct gp_error *err)
{
	ret->mode = mode;
	ret->pid_before = live_daemon_pid_or_zero(o, d, socket);
	ret->action = RESTART_ACTION_RESTART;
	if (mode == SVC_MODE_SYSTEMD) {
		live_step(o, "restarting %s with systemctl restart %s", d->comm, d->service);
	} else {
		_cleanup_free_ char *rel = xasprintf("/etc/init.d/%s", d->service);
		_cleanup_free_ char *script = gp_path(o->root, rel);
		live_step(o, "restarting %s with '%s restart'", d->comm, script);
	}
	if (live_service_restart(o, d->service, mode, false, err) < 0)
		return -1;
	live_step(o, "waiting for %s on '%s'", d->comm, socket);
	if (d->wait_ready(socket, live_timeout_ms(o), live_tick, (void *)o, err) < 0)
		return gp_error_prefix(err, "%s did not come back", d->comm);
	ret->pid_after = live_daemon_pid_or_zero(o, d, socket);
	return 0;
}

int
runtime_verify(const struct runtime_ops *ops, const struct live_opts *opts,
               struct verify_result *ret, struct gp_error *err)
{
	*ret = (struct verify_result){0};
	if (!ops->verify) {
		gp_error_set(err, "verifying %s is not supported", ops->name);
		return gp_error_hint(err, "ask the daemon by hand");
	}
	if (ops->verify(opts, ret, err) < 0) {
		verify_result_release(ret);
		return gp_error_prefix(err, "verifying %s", ops->name);
	}
	return 0;
}

/* The failure of a verify as one line. */
static void
verify_failure_error(const struct verify_result *v, const char *what, struct gp_error *err)
{
	const struct live_check *c = verify_first_failure(v);
	if (!c) {
		gp_error_set(err, "%s: nothing was checked", what);
		return;
	}
	gp_error_set(err, "%s: check %s failed: expected %s, seen %s", what, c->name,
	             c->expected ? c->expected : "-", c->seen ? c->seen : "-");
	if (c->note)
		gp_error_hint(err, "%s", c->note);
}

/*
 * The backup the last gpuprep configure of this runtime took (not undone
 * yet): its session, and the config file as it was before (NULL when the
 * session does not hold the config file).
 */
static int
find_backup(const struct runtime_ops *ops, const struct restart_opts *opts, char **ret_session,
            char **ret_original, bool *ret_existed, struct gp_error *err)
{
	*ret_session = NULL;
	*ret_original = NULL;
	*ret_existed = false;
	_cleanup_(backup_undo_release) struct backup_undo u = {0};
	if (backup_undo_prepare(opts->live.root, ops->name, &u, err) < 0)
		return gp_error_prefix(err, "looking for the backup gpuprep configure took");
	if (!u.session_dir)
		return 0;
	*ret_session = xstrdup(u.session_dir);
	const char *config = live_config_path(&opts->live, ops->config_path);
	_cleanup_free_ char *resolved = NULL;
	struct gp_error e = GP_ERROR_INIT;
	if (!config || safefile_resolve(opts->live.root, config, &resolved, &e) < 0) {
		gp_error_release(&e);
		return 0;
	}
	for (size_t i = 0; i < u.changes.n_files; i++) {
		const struct file_change *fc = u.changes.files[i];
		if (strcmp(fc->path, resolved) != 0)
			continue;
		*ret_existed = !fc->remove;
		*ret_original = xstrdup(fc->remove ? "" : fc->new_data);
		break;
	}
	return 0;
}

/* Put the configure backup back, as `gpuprep undo` does (the failed files are kept). */
static int
restore_backup(const struct runtime_ops *ops, const struct restart_opts *opts,
               struct restart_report *ret, struct gp_error *err)
{
	_cleanup_(backup_undo_release) struct backup_undo u = {0};
	if (backup_undo(opts->live.root, ops->name, false, safefile_lock_timeout_ms(), &u, err) < 0)
		return -1;
	if (!u.session_dir || strcmp(u.session_dir, ret->backup_dir) != 0)
		return gp_error_set(err, "the backup '%s' changed while gpuprep restarted %s",
		                    ret->backup_dir, ops->name);
	for (size_t i = 0; u.warnings && u.warnings[i]; i++)
		ret->warnings = strv_push(ret->warnings, u.warnings[i]);
	ret->undo_backup_dir = TAKE_PTR(u.backup_dir);
	return 0;
}

/* Put the backup back, restart the same way, and check the daemon is on the old config. */
static int
rollback(const struct runtime_ops *ops, const struct restart_opts *opts, struct restart_report *ret,
         struct gp_error *first, struct gp_error *err)
{
	const char *config = live_config_path(&opts->live, ops->config_path);
	_cleanup_free_ char *host_config = config ? gp_path(opts->live.root, config) : NULL;
	if (!ret->backup_dir) {
		gp_error_move(err, first);
		gp_error_prefix(err, "%s of %s failed", restart_action_name(ret->first.action),
		                ops->name);
		return gp_error_hint(err,
		                     "there is no backup from gpuprep configure to roll back to: "
		                     "fix '%s' and run 'gpuprep restart --runtime %s' again",
		                     host_config ? host_config : "the config", ops->name);
	}

	_cleanup_free_ char *host_backup = gp_path(opts->live.root, ret->backup_dir);
	live_step(&opts->live, "rolling back: restoring the backup '%s'", host_backup);
	struct gp_error second = GP_ERROR_INIT;
	int r = restore_backup(ops, opts, ret, &second);
	if (r == 0) {
		ret->rolled_back = true;
		struct restart_opts again = *opts;
		again.force_action = ret->first.action;
		again.original = NULL;
		r = ops->restart(&again, &ret->second, &second);
	}
	if (r == 0) {
		struct live_opts vo = opts->live;
		vo.file_only = true;
		vo.smoke_image = NULL;
		r = runtime_verify(ops, &vo, &ret->after_rollback, &second);
		if (r == 0 && !verify_ok(&ret->after_rollback)) {
			verify_failure_error(&ret->after_rollback, "after the rollback", &second);
			r = -1;
		}
	}

	gp_error_move(err, first);
	_cleanup_free_ char *host_undo =
	        ret->undo_backup_dir ? gp_path(opts->live.root, ret->undo_backup_dir) : NULL;
	_cleanup_free_ char *why = xstrdup(err->msg ? err->msg : "failed");
	_cleanup_free_ char *hint = dup_or_null(err->hint);
	if (r == 0) {
		gp_error_set(err,
		             "%s of %s failed: %s; rolled back: '%s' is restored from '%s' (the "
		             "failed one is kept in '%s') and %s runs on it again",
		             restart_action_name(ret->first.action), ops->name, why,
		             host_config ? host_config : "the config", host_backup,
		             host_undo ? host_undo : "no backup", ops->name);
		if (hint)
			gp_error_hint(err, "%s", hint);
		return -1;
	}
	gp_error_set(err, "%s of %s failed: %s; the rollback failed too: %s",
	             restart_action_name(ret->first.action), ops->name, why,
	             second.msg ? second.msg : "unknown error");
	gp_error_hint(err,
	              "%s may be down: look at its log, fix '%s' (the backup is in '%s'), and "
	              "start it by hand",
	              ops->name, host_config ? host_config : "its config", host_backup);
	gp_error_release(&second);
	return -1;
}

int
runtime_restart(const struct runtime_ops *ops, const struct restart_opts *opts,
                struct restart_report *ret, struct gp_error *err)
{
	*ret = (struct restart_report){0};
	if (!ops->restart) {
		gp_error_set(err, "restarting %s is not supported", ops->name);
		return gp_error_hint(err,
		                     "restart it by hand, then run 'gpuprep verify --runtime %s'",
		                     ops->name);
	}

	struct restart_opts o = *opts;
	_cleanup_free_ char *original = NULL;
	if (!o.force_action && !o.original) {
		if (find_backup(ops, opts, &ret->backup_dir, &original, &o.original_existed, err) <
		    0)
			return -1;
		o.original = original;
	}

	struct gp_error first = GP_ERROR_INIT;
	int r = ops->restart(&o, &ret->first, &first);
	if (r == 0 && ret->first.action == RESTART_ACTION_NONE)
		return 0;
	if (r == 0) {
		r = runtime_verify(ops, &o.live, &ret->verify, &first);
		ret->verified = r == 0;
		if (r == 0 && !verify_ok(&ret->verify)) {
			_cleanup_free_ char *what = xasprintf(
			        "verify after the %s", restart_action_name(ret->first.action));
			verify_failure_error(&ret->verify, what, &first);
			r = -1;
		}
	}
	if (r == 0)
		return 0;
	/* Nothing was touched: the daemon runs as before, there is nothing to roll back. */
	if (ret->first.action == RESTART_ACTION_NONE) {
		gp_error_move(err, &first);
		return -1;
	}
	return rollback(ops, &o, ret, &first, err);
}
