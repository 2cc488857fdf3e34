// SPDX-License-Identifier: GPL-2.0-or-later
/* Shared by restart, verify and configure --restart: progress, options, output. */
#include "liveout.h"

#include <string.h>
#include <sys/stat.h>

#include "noderoot.h"

static const char spinner[] = "|/-\\";

static void
progress_clear(struct cmd_progress *p)
{
	if (p->drawn) {
		fputs("\r\033[K", stderr);
		fflush(stderr);
		p->drawn = false;
	}
}

static void
progress_step(void *data, const char *msg)
{
	struct cmd_progress *p = data;
	progress_clear(p);
	free(p->label);
	p->label = xstrdup(msg);
	cmd_note(p->ctx, "%s", msg);
}

static void
progress_tick(void *data)
{
	struct cmd_progress *p = data;
	if (!p->ctx->tty || p->ctx->quiet)
		return;
	p->frame = (p->frame + 1) % (sizeof(spinner) - 1);
	fprintf(stderr, "\r\033[K%c %s", spinner[p->frame], p->label ? p->label : "waiting");
	fflush(stderr);
	p->drawn = true;
}

static void
progress_line(const char *line, void *data)
{
	struct cmd_progress *p = data;
	if (!p->ctx->verbose)
		return;
	progress_clear(p);
	cmd_debug(p->ctx, "| %s", line);
}

void
cmd_progress_init(struct cmd_progress *p, struct gp_ctx *ctx)
{
	*p = (struct cmd_progress){.ctx = ctx};
	p->live = (struct live_progress){
	        .step = progress_step,
	        .tick = progress_tick,
	        .line = progress_line,
	        .data = p,
	};
}

void
cmd_progress_release(struct cmd_progress *p)
{
	progress_clear(p);
	free(p->label);
	p->label = NULL;
}

int
cmd_parse_timeout(struct gp_ctx *ctx, const char *opt, const char *arg, unsigned *ret_ms,
                  struct gp_error *err)
{
	char *end;
	long v = strtol(arg, &end, 10);
	if (end == arg || *end || v < 1 || v > 3600)
		return cmd_usage_error(ctx, err, "%s takes seconds, 1 to 3600, not '%s'", opt, arg);
	*ret_ms = (unsigned)v * 1000u;
	return 0;
}

int
cmd_live_option(struct gp_ctx *ctx, int c, const char *arg, struct live_opts *o,
                const char **runtime, struct gp_error *err)
{
	switch (c) {
	case LIVE_OPT_RUNTIME:
		*runtime = arg;
		return 1;
	case LIVE_OPT_SOCKET:
		o->socket = arg;
		return 1;
	case LIVE_OPT_CONFIG:
		if (arg[0] != '/')
			return cmd_usage_error(ctx, err, "--config takes an absolute path");
		o->config_path = arg;
		return 1;
	case LIVE_OPT_RUNTIME_NAME:
		if (!*arg)
			return cmd_usage_error(ctx, err, "--runtime-name must not be empty");
		o->runtime_name = arg;
		return 1;
	case LIVE_OPT_RUNTIME_PATH:
		o->runtime_path = arg;
		return 1;
	case LIVE_OPT_NO_SET_DEFAULT:
		o->set_default = false;
		return 1;
	case LIVE_OPT_CDI:
		o->cdi = true;
		return 1;
	case LIVE_OPT_TIMEOUT:
		return cmd_parse_timeout(ctx, "--timeout", arg, &o->timeout_ms, err) < 0 ? -1 : 1;
	default:
		return 0;
	}
}

/* Is the runtime's default socket there, under root? */
static bool
socket_present(const char *root, const struct runtime_ops *ops)
{
	const char *s = ops->cri_socket ? ops->cri_socket : ops->socket_path;
	if (!s)
		return false;
	_cleanup_free_ char *p = noderoot_socket_path(root, s);
	struct stat st;
	return stat(p, &st) == 0 && S_ISSOCK(st.st_mode);
}

int
cmd_pick_live_runtime(struct gp_ctx *ctx, const char *name, bool restart,
                      const struct runtime_ops **ret, struct gp_error *err)
{
	const char *verb = restart ? "restart" : "verify";
	if (name) {
		const struct runtime_ops *ops = runtime_find(name);
		if (!ops)
			return cmd_usage_error(ctx, err, "unknown runtime '%s'", name);
		if ((restart && !ops->restart) || !ops->verify) {
			gp_error_set(err, "gpuprep cannot %s %s", verb, ops->name);
			return gp_error_hint(err, "%s it by hand", verb);
		}
		*ret = ops;
		return 0;
	}
	/* Without --runtime: the one runtime whose daemon has its socket in place. */
	const struct runtime_ops *found = NULL;
	size_t n = 0;
	for (size_t i = 0; runtime_all[i]; i++) {
		const struct runtime_ops *ops = runtime_all[i];
		if ((restart && !ops->restart) || !ops->verify || !socket_present(ctx->root, ops))
			continue;
		found = ops;
		n++;
	}
	if (n == 1) {
		cmd_debug(ctx, "%s: its socket is in place", found->name);
		*ret = found;
		return 0;
	}
	if (n == 0) {
		/* Not a usage error: the daemon is not up (or its socket is elsewhere). */
		gp_error_set(err,
		             "no container runtime is running: no daemon socket is in place%s%s%s",
		             gp_root_is_set(ctx->root) ? " under '" : "",
		             gp_root_is_set(ctx->root) ? ctx->root : "",
		             gp_root_is_set(ctx->root) ? "'" : "");
		return gp_error_hint(
		        err,
		        "start the runtime (systemctl start containerd, or docker), then "
		        "run 'gpuprep %s' again; or name its socket with --runtime and "
		        "--socket",
		        verb);
	}
	cmd_usage_error(ctx, err, "more than one runtime is running; choose one with --runtime");
	return gp_error_hint(err, "gpuprep %s --runtime containerd, for example", verb);
}

static const struct rows_column verify_cols[] = {
        {"CHECK", "check"},
        {"STATUS", "status"},
        {"EXPECTED", "expected"},
        {"SEEN", "seen"},
};

void
cmd_print_verify(struct gp_ctx *ctx, const struct verify_result *v)
{
	_cleanup_json_ json_t *rows = json_array();
	for (size_t i = 0; i < v->n_checks; i++) {
		const struct live_check *c = &v->checks[i];
		json_array_append_new(rows, json_pack("{s:s, s:s, s:s?, s:s?}", "check", c->name,
		                                      "status", live_check_status_name(c->status),
		                                      "expected", c->expected, "seen", c->seen));
	}
	_cleanup_free_ char *table =
	        rows_format_table(verify_cols, GP_ARRAY_SIZE(verify_cols), rows, ctx->color);
	cmd_out(ctx, table);
	for (size_t i = 0; i < v->n_checks; i++) {
		const struct live_check *c = &v->checks[i];
		if (!c->note)
			continue;
		_cleanup_free_ char *line = xasprintf("%s: %s\n", c->name, c->note);
		cmd_out(ctx, line);
	}
}

static void
print_result(struct gp_ctx *ctx, const struct runtime_ops *ops, const struct restart_result *r,
             const char *prefix)
{
	if (r->action == RESTART_ACTION_NONE && r->manual) {
		_cleanup_free_ char *s = xasprintf("%s: not restarted (--mode none); to load the "
		                                   "new config, run: %s\n",
		                                   ops->name, r->manual);
		cmd_out(ctx, s);
		return;
	}
	if (r->action == RESTART_ACTION_NONE)
		return;
	_cleanup_free_ char *pids = restart_result_pids(r);
	_cleanup_free_ char *s =
	        xasprintf("%s%s: %s through %s%s%s%s\n", prefix, ops->name,
	                  r->action == RESTART_ACTION_RELOAD ? "reloaded" : "restarted",
	                  svc_mode_name(r->mode), pids, r->why ? ": " : "", r->why ? r->why : "");
	cmd_out(ctx, s);
	for (size_t i = 0; r->notes && r->notes[i]; i++) {
		_cleanup_free_ char *n = xasprintf("note: %s\n", r->notes[i]);
		cmd_out(ctx, n);
	}
}

void
cmd_print_restart(struct gp_ctx *ctx, const struct runtime_ops *ops, const struct restart_report *r)
{
	for (size_t i = 0; r->warnings && r->warnings[i]; i++)
		cmd_warn(ctx, "%s", r->warnings[i]);
	print_result(ctx, ops, &r->first, "");
	if (r->verified)
		cmd_print_verify(ctx, &r->verify);
	if (!r->rolled_back)
		return;
	_cleanup_free_ char *backup = gp_path(ctx->root, r->backup_dir);
	_cleanup_free_ char *s = xasprintf("rollback: restored the backup '%s'\n", backup);
	cmd_out(ctx, s);
	print_result(ctx, ops, &r->second, "rollback: ");
	if (r->after_rollback.n_checks)
		cmd_print_verify(ctx, &r->after_rollback);
}

json_t *
cmd_restart_json(struct gp_ctx *ctx, const struct runtime_ops *ops, const struct restart_report *r,
                 bool ok)
{
	json_t *doc = json_object();
	json_object_set_new(doc, "schema_version", json_integer(LIVE_SCHEMA_VERSION));
	json_object_set_new(doc, "runtime", json_string(ops->name));
	json_object_set_new(doc, "restart", restart_result_to_json(&r->first));
	json_object_set_new(doc, "verify",
	                    r->verified ? verify_result_to_json(&r->verify, ops->name)
	                                : json_null());
	json_object_set_new(doc, "already_loaded", json_boolean(r->not_needed));
	json_object_set_new(doc, "rolled_back", json_boolean(r->rolled_back));
	json_t *rb = json_null();
	if (r->rolled_back) {
		rb = json_object();
		_cleanup_free_ char *backup = gp_path(ctx->root, r->backup_dir);
		_cleanup_free_ char *kept =
		        r->undo_backup_dir ? gp_path(ctx->root, r->undo_backup_dir) : NULL;
		json_object_set_new(rb, "backup_dir", json_string(backup));
		json_object_set_new(rb, "failed_config_dir",
		                    kept ? json_string(kept) : json_null());
		json_object_set_new(rb, "restart", restart_result_to_json(&r->second));
		json_object_set_new(rb, "verify",
		                    r->after_rollback.n_checks
		                            ? verify_result_to_json(&r->after_rollback, ops->name)
		                            : json_null());
	}
	json_object_set_new(doc, "rollback", rb);
	json_t *w = json_array();
	for (size_t i = 0; r->warnings && r->warnings[i]; i++)
		json_array_append_new(w, json_string(r->warnings[i]));
	json_object_set_new(doc, "warnings", w);
	json_object_set_new(doc, "ok", json_boolean(ok));
	return doc;
}
