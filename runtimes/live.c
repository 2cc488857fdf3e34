// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Restart and verify: the results, and the helpers every runtime's restart and
 * verify share. The framework that drives them, with the rollback, is restart.c.
 */
#include "live.h"

#include <errno.h>
#include <stdarg.h>
#include <string.h>

#include "noderoot.h"
#include "runtime.h"

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

json_t *
restart_result_to_json(const struct restart_result *r)
{
	json_t *notes = json_array();
	for (size_t i = 0; r->notes && r->notes[i]; i++)
		json_array_append_new(notes, json_string(r->notes[i]));
	return json_pack("{s:s, s:s, s:s?, s:o, s:o, s:s?, s:o}", "action",
	                 restart_action_name(r->action), "mode", svc_mode_name(r->mode), "why",
	                 r->why, "pid_before",
	                 r->pid_before ? json_integer(r->pid_before) : json_null(), "pid_after",
	                 r->pid_after ? json_integer(r->pid_after) : json_null(), "manual",
	                 r->manual, "notes", notes);
}

char *
restart_result_pids(const struct restart_result *r)
{
	if (r->pid_before && r->pid_after && r->pid_before == r->pid_after)
		return xasprintf(" (pid %d, unchanged)", (int)r->pid_before);
	if (r->pid_before && r->pid_after)
		return xasprintf(" (pid %d, now %d)", (int)r->pid_before, (int)r->pid_after);
	if (r->pid_after)
		return xasprintf(" (now pid %d)", (int)r->pid_after);
	return xstrdup("");
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

char *
live_socket_path(const struct live_opts *opts, const char *def)
{
	const char *s = opts->socket ? opts->socket : def;
	if (str_startswith(s, "unix://"))
		s += strlen("unix://");
	/* Resolved inside the root: "/p/../../dev/null" or a symlink cannot point outside. */
	return noderoot_socket_path(opts->root, s);
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

/*
 * A value the live daemon reports (seen, NULL when absent; seen_text shows it,
 * NULL: seen) against the expected one. When they differ and the config file
 * has the expected value (file_value), the daemon has not loaded the file:
 * "restart needed"; otherwise the file lacks it: run configure.
 */
static void
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
runtime_live_release(struct runtime_live *l)
{
	if (!l)
		return;
	free(l->daemon);
	runtime_config_view_release(&l->view);
	free(l->not_ready);
	*l = (struct runtime_live){0};
}

/* The OCI runtime a daemon uses when its config names none. */
#define LIVE_STOCK_RUNTIME "runc"

static const char *
tri_name(int v)
{
	return v < 0 ? "unset" : v ? "true" : "false";
}

static void diff_add(struct strbuf *diff, const char *fmt, ...) _printf_(2, 3);

static void
diff_add(struct strbuf *diff, const char *fmt, ...)
{
	strbuf_puts(diff, diff->s && *diff->s ? "; " : "");
	va_list ap;
	va_start(ap, fmt);
	strbuf_vprintf(diff, fmt, ap);
	va_end(ap);
}

static const char *
entry_text(const struct runtime_config_entry *e)
{
	return !e ? "absent" : e->path ? e->path : "without a binary (the stock runc)";
}

/* One runtime's entry on both sides. */
static void
diff_entry(struct strbuf *diff, const struct runtime_config_view *file,
           const struct runtime_config_view *live, const char *name)
{
	const struct runtime_config_entry *f = runtime_config_view_find(file, name);
	const struct runtime_config_entry *l = runtime_config_view_find(live, name);
	/* The stock runc is there whether or not the file names it. */
	if (!f && (!l || strcmp(name, LIVE_STOCK_RUNTIME) == 0))
		return;
	bool same_path = f && l && (f->path ? l->path && strcmp(f->path, l->path) == 0 : !l->path);
	if (!same_path)
		diff_add(diff, "runtime %s is %s, the file says %s", name, entry_text(l),
		         entry_text(f));
	else if (f->systemd_cgroup >= 0 && l->systemd_cgroup != f->systemd_cgroup)
		diff_add(diff, "runtime %s has SystemdCgroup %s, the file says %s", name,
		         tri_name(l->systemd_cgroup), tri_name(f->systemd_cgroup));
}

char *
runtime_live_diff(const struct runtime_config_view *file, const struct runtime_live *live,
                  const char *name)
{
	const struct runtime_config_view *lv = &live->view;
	struct strbuf diff = {0};
	const char *fdef = file->default_runtime ? file->default_runtime : LIVE_STOCK_RUNTIME;
	const char *ldef = lv->default_runtime ? lv->default_runtime : LIVE_STOCK_RUNTIME;
	if (strcmp(fdef, ldef) != 0)
		diff_add(&diff, "default runtime %s, the file says %s", ldef, fdef);
	diff_entry(&diff, file, lv, fdef);
	if (strcmp(ldef, fdef) != 0)
		diff_entry(&diff, file, lv, ldef);
	if (name && strcmp(name, fdef) != 0 && strcmp(name, ldef) != 0)
		diff_entry(&diff, file, lv, name);
	if (file->cgroup_driver_set && lv->cgroup_driver_set &&
	    file->cgroup_driver != lv->cgroup_driver)
		diff_add(&diff, "cgroup driver %s, the file says %s",
		         live_or_none(cgroup_driver_name(lv->cgroup_driver)),
		         live_or_none(cgroup_driver_name(file->cgroup_driver)));
	/* containerd before 1.7 reports no enableCDI, whatever the file says. */
	if (file->cdi >= 0 && lv->cdi >= 0 && file->cdi != lv->cdi)
		diff_add(&diff, "CDI %s, the file says %s", lv->cdi ? "on" : "off",
		         file->cdi ? "on" : "off");
	return diff.s;
}

void
live_check_views(struct verify_result *r, const struct live_opts *o, const struct live_who *who,
                 const char *path_check, const char *default_path,
                 const struct runtime_config_view *file, const char *file_error,
                 const struct runtime_live *live)
{
	const char *name = o->runtime_name ? o->runtime_name : LIVE_DEFAULT_RUNTIME_NAME;
	const struct runtime_config_entry *fe = file ? runtime_config_view_find(file, name) : NULL;
	const struct runtime_config_entry *le = runtime_config_view_find(&live->view, name);
	if (!o->file_only) {
		if (o->set_default) {
			const char *ldef = live->view.default_runtime ? live->view.default_runtime
			                                              : LIVE_STOCK_RUNTIME;
			const char *fdef = !file                   ? NULL
			                   : file->default_runtime ? file->default_runtime
			                                           : LIVE_STOCK_RUNTIME;
			live_check_value(r, who, "default_runtime", name, ldef, NULL, fdef);
		}
		const char *want = o->runtime_path  ? o->runtime_path
		                   : fe && fe->path ? fe->path
		                                    : default_path;
		const char *live_path = le ? le->path : NULL;
		live_check_value(r, who, path_check, want, live_path,
		                 live_path ? NULL
		                 : le      ? "(no binary: the stock runc)"
		                           : "(runtime not configured)",
		                 fe ? fe->path : NULL);
		live_check_binary(r, o->root, live_path ? live_path : want);
	}
	if (!file) {
		verify_add(r, "config_loaded", LIVE_CHECK_FAIL, who->config, "unreadable",
		           file_error);
		return;
	}
	_cleanup_free_ char *diff = runtime_live_diff(file, live, name);
	if (!diff) {
		verify_add(r, "config_loaded", LIVE_CHECK_PASS, who->config, "loaded", NULL);
		return;
	}
	r->restart_needed = true;
	verify_add_note(r, "config_loaded", LIVE_CHECK_FAIL, who->config, diff,
	                "restart needed: %s has not loaded '%s' since it changed; run "
	                "'gpuprep restart --runtime %s'",
	                who->daemon, who->config, who->runtime);
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
	bool bare = !strchr(path, '/');
	_cleanup_free_ char *expected = bare ? xasprintf("%s in PATH", path) : xstrdup(path);
	_cleanup_free_ char *found = NULL;
	int e = runtime_program_check(root, path, &found);
	if (e == 0) {
		verify_add(r, "runtime_binary", LIVE_CHECK_PASS, expected,
		           bare ? found : "executable", NULL);
	} else if (bare) {
		verify_add_note(r, "runtime_binary", LIVE_CHECK_FAIL, expected, "not found",
		                "'%s' is in none of /usr/local/sbin, /usr/local/bin, /usr/sbin, "
		                "/usr/bin, /sbin, /bin%s%s; install nvidia-container-toolkit",
		                path, gp_root_is_set(root) ? " under " : "",
		                gp_root_is_set(root) ? root : "");
	} else if (e == -ENOENT) {
		_cleanup_free_ char *host = gp_path(root, path);
		verify_add_note(r, "runtime_binary", LIVE_CHECK_FAIL, path, "not found",
		                "'%s': %s; install nvidia-container-toolkit, or fix the path", host,
		                strerror(-e));
	} else {
		_cleanup_free_ char *host = gp_path(root, path);
		verify_add_note(r, "runtime_binary", LIVE_CHECK_FAIL, path,
		                e == -EISDIR ? "a directory" : "not executable",
		                "'%s' is not an executable file", host);
	}
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
	_cleanup_free_ char *host_pid_file = pid_file ? noderoot_host_path(root, pid_file) : NULL;
	_cleanup_free_ char *from_file = NULL;
	struct gp_error e = GP_ERROR_INIT;
	if (host_pid_file && path_exists(host_pid_file) &&
	    svc_pid_from_file(host_pid_file, &pid, &e) == 0) {
		from_file = xasprintf("pid file '%s'", host_pid_file);
		from = from_file;
	} else {
		gp_error_release(&e);
		if (svc_pid_from_socket(socket, &pid, err) < 0) {
			gp_error_prefix(err, "finding the %s process", comm);
			if (!err->hint)
				gp_error_hint(
				        err,
				        "a reload signals the running %s, found through its pid "
				        "file or its socket: is it running? Start it, or restart "
				        "it with --mode systemd or service",
				        comm);
			return -1;
		}
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
