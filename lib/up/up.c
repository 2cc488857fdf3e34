// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * up: preflight, install, configure, restart, verify, preflight again, as one idempotent run.
 * The report it fills, with its names and --json document, is up_report.c.
 */
#include "up.h"

#include <string.h>
#include <time.h>

#include "cdispec.h"
#include "osinfo.h"
#include "preflight.h"
#include "proc.h"

/*
 * What install, configure and restart cannot change: the GPU and its driver,
 * and the kernel's state. The runtime's checks (runtime-config, runtime-live,
 * cri-socket, cri-plugin, cgroup-driver, dev-char-links, cdi) wait for the
 * last step.
 */
const char *const up_preinstall_checks[] = {
        "root",
        "gpu-present",
        "nouveau",
        "driver-loaded",
        "device-nodes",
        "nvml",
        "driver-version-match",
        "cgroups",
        "swap",
        "ip-forward",
        "edgecore-clean",
        NULL,
};

/* The state of one run, shared by the steps. */
struct up_run {
	const struct up_opts *o;
	struct up_report *rep;
	const struct runtime_ops *ops;
	bool has_gpu;
	bool changed;        /* an earlier step changed something */
	bool config_changed; /* configure wrote (or, dry run, would write) */
	bool verified;       /* the restart step verified the daemon already */
	struct verify_result verify;
	struct gp_error verify_err; /* why the restart's verify failed (and was rolled back) */
	char *live_socket;          /* node path: --cri-socket when the runtime serves CRI itself */
	uint64_t start_us;
	/* The restart's verify, timed apart so that it counts as the verify step's. */
	struct runtime_ops timed;
	struct live_progress relay;
	uint64_t verify_us;
};

static uint64_t
now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static struct up_step *
step_begin(struct up_run *u, enum up_step_id id)
{
	struct up_step *s = &u->rep->steps[id];
	if (u->o->step_begin)
		u->o->step_begin(id, u->o->data);
	u->start_us = now_us();
	return s;
}

/* Finish a step: its status and message; returns 0, or -1 for a failure. */
static int step_end(struct up_run *u, struct up_step *s, enum up_status status, const char *fmt,
                    ...) _printf_(4, 5);

static int
step_end(struct up_run *u, struct up_step *s, enum up_status status, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	free(s->message);
	s->message = xvasprintf(fmt, ap);
	va_end(ap);
	s->status = status;
	s->duration_us = now_us() - u->start_us;
	if (s->id == UP_STEP_RESTART) {
		s->duration_us -= u->verify_us < s->duration_us ? u->verify_us : s->duration_us;
	} else if (s->id == UP_STEP_VERIFY && u->verified) {
		s->duration_us = u->verify_us;
	}
	if (status == UP_DONE)
		u->changed = true;
	if (u->o->step_end)
		u->o->step_end(s, u->o->data);
	if (status != UP_FAILED)
		return 0;
	if (!u->rep->failed) {
		u->rep->failed = true;
		u->rep->failed_step = s->id;
	}
	return -1;
}

/* A check step that passed: "done" after a change in this run, else "already done". */
static enum up_status
passed(const struct up_run *u)
{
	if (u->o->dry_run)
		return u->changed ? UP_WOULD : UP_ALREADY_DONE;
	return u->changed ? UP_DONE : UP_ALREADY_DONE;
}

/* --- preflight ------------------------------------------------------------------------- */

static char *
failed_ids(const struct preflight_report *rep)
{
	char *list = NULL;
	for (size_t i = 0; i < rep->n; i++) {
		if (rep->results[i].status != PREFLIGHT_FAIL)
			continue;
		char *l =
		        xasprintf("%s%s%s", list ? list : "", list ? "," : "", rep->results[i].id);
		free(list);
		list = l;
	}
	return list;
}

static char *
preflight_counts(const struct preflight_report *rep)
{
	size_t warn = rep->count[PREFLIGHT_WARN];
	return xasprintf("%zu passed, %zu %s, %zu skipped", rep->count[PREFLIGHT_PASS], warn,
	                 warn == 1 ? "warning" : "warnings", rep->count[PREFLIGHT_SKIP]);
}

/* Run preflight; on failure err says which checks failed. */
static int
run_preflight(struct up_run *u, struct up_step *s, const struct preflight_opts *po,
              struct gp_error *err)
{
	struct preflight_report rep;
	if (preflight_run(po, &rep, err) < 0)
		return step_end(u, s, UP_FAILED, "%s", err->msg);
	s->detail = preflight_report_json(&rep);
	_cleanup_free_ char *counts = preflight_counts(&rep);
	if (preflight_report_ok(&rep)) {
		if (s->id == UP_STEP_PREFLIGHT)
			for (size_t i = 0; i < rep.n; i++)
				if (strcmp(rep.results[i].id, "gpu-present") == 0)
					u->has_gpu = rep.results[i].status == PREFLIGHT_PASS;
		preflight_report_release(&rep);
		return step_end(u, s, s->id == UP_STEP_PREFLIGHT ? UP_ALREADY_DONE : passed(u),
		                "%s", counts);
	}

	/* No GPU at all: nothing else matters, and nothing was changed. */
	for (size_t i = 0; i < rep.n && s->id == UP_STEP_PREFLIGHT; i++) {
		const struct preflight_result *r = &rep.results[i];
		if (strcmp(r->id, "gpu-present") != 0 || r->status != PREFLIGHT_FAIL)
			continue;
		/* A node that cannot be read is a failure (1), not the news that it has no GPU (3).
		 */
		u->rep->no_gpu = !rep.node_unreadable;
		gp_error_set_code(err, rep.node_unreadable ? GP_EXIT_FAILURE : GP_EXIT_NO_GPU,
		                  "%s; nothing was changed", r->message);
		if (r->hint)
			gp_error_hint(err, "%s", r->hint);
		/* The row counts; the check's line beneath it says why, and the error once more. */
		_cleanup_free_ char *failed = failed_ids(&rep);
		int ret = step_end(u, s, UP_FAILED, "%s; errors: %s", counts, failed);
		preflight_report_release(&rep);
		return ret;
	}
	_cleanup_free_ char *ids = failed_ids(&rep);
	const struct preflight_result *first = NULL;
	for (size_t i = 0; i < rep.n && !first; i++)
		if (rep.results[i].status == PREFLIGHT_FAIL)
			first = &rep.results[i];
	gp_error_set(err, "%s: %s", first->id, first->message);
	if (first->hint)
		gp_error_hint(err, "%s (or pass --ignore-preflight-errors %s)", first->hint, ids);
	else
		gp_error_hint(err, "fix it, or pass --ignore-preflight-errors %s", ids);
	preflight_report_release(&rep);
	return step_end(u, s, UP_FAILED, "%s; errors: %s", counts, ids);
}

static int
step_preflight(struct up_run *u, struct gp_error *err)
{
	struct up_step *s = step_begin(u, UP_STEP_PREFLIGHT);
	_cleanup_strv_ char **only = NULL;
	for (size_t i = 0; up_preinstall_checks[i]; i++)
		only = strv_push(only, up_preinstall_checks[i]);
	struct preflight_opts po = {
	        .root = u->o->root,
	        .ignore = u->o->ignore,
	        .ignore_all = u->o->ignore_all,
	        .only = only,
	};
	return run_preflight(u, s, &po, err);
}

/* The endpoint keadm will get, and the cgroup driver the runtime uses now. */
static void
keadm_values(struct up_run *u)
{
	struct up_report *rep = u->rep;
	free(rep->cri_endpoint);
	if (u->o->cri_socket)
		rep->cri_endpoint = xstrdup(u->o->cri_socket);
	else
		rep->cri_endpoint =
		        xasprintf("unix://%s", u->ops->cri_socket ? u->ops->cri_socket
		                                                  : runtime_cri_dockerd.cri_socket);
	free(rep->cgroup_driver);
	rep->cgroup_driver = NULL;
	if (u->o->cgroup_driver) {
		rep->cgroup_driver = xstrdup(cgroup_driver_name(u->o->cgroup_driver));
		return;
	}
	struct runtime_config_view v = {0};
	struct gp_error e = GP_ERROR_INIT;
	if (u->ops->inspect && u->ops->inspect(u->o->root, NULL, &v, &e) == 0 && v.cgroup_driver)
		rep->cgroup_driver = xstrdup(cgroup_driver_name(v.cgroup_driver));
	else
		rep->cgroup_driver = xstrdup(PREFLIGHT_DEFAULT_CGROUP_DRIVER);
	runtime_config_view_release(&v);
	gp_error_release(&e);
}

static int
step_preflight_full(struct up_run *u, struct gp_error *err)
{
	struct up_step *s = step_begin(u, UP_STEP_PREFLIGHT_FULL);
	keadm_values(u);
	if (u->o->dry_run) {
		json_t *ids = json_array();
		for (const char *const *id = preflight_check_ids(); *id; id++)
			json_array_append_new(ids, json_string(*id));
		s->detail = json_pack("{s:o, s:s, s:s}", "checks", ids, "cri_socket",
		                      u->rep->cri_endpoint, "cgroup_driver", u->rep->cgroup_driver);
		return step_end(u, s, UP_WOULD,
		                "would run every check (%zu) with --cri-socket %s "
		                "--cgroup-driver %s",
		                json_array_size(ids), u->rep->cri_endpoint, u->rep->cgroup_driver);
	}
	if (u->rep->restart_manual)
		return step_end(u, s, UP_SKIPPED,
		                "%s was not restarted: restart it, then run gpuprep up again",
		                u->ops->name);
	struct preflight_opts po = {
	        .root = u->o->root,
	        .runtime = u->ops->name,
	        .cri_socket = u->rep->cri_endpoint,
	        .cgroup_driver = u->rep->cgroup_driver,
	        .ignore = u->o->ignore,
	        .ignore_all = u->o->ignore_all,
	};
	return run_preflight(u, s, &po, err);
}

/* --- install --------------------------------------------------------------------------- */

/*
 * Without --version or --offline, an installed toolkit (all four packages at
 * one version) is enough: `up` makes a node ready, it does not upgrade it,
 * and it asks no repository for that. Returns the version, or NULL.
 */
static char *
installed_toolkit(const char *root)
{
	struct os_info os = {0};
	struct gp_error e = GP_ERROR_INIT;
	char *now[APT_REPO_TOOLKIT_COUNT] = {0};
	char *version = NULL;
	if (os_info_read(root, &os, &e) < 0 || os.family == OS_FAMILY_UNKNOWN ||
	    pkg_query_installed(root, os.family, now, &e) < 0)
		goto out;
	version = now[0] ? xstrdup(now[0]) : NULL;
	for (size_t k = 1; k < APT_REPO_TOOLKIT_COUNT && version; k++)
		if (!now[k] || strcmp(now[k], version) != 0) {
			free(version);
			version = NULL;
		}
out:
	for (size_t k = 0; k < APT_REPO_TOOLKIT_COUNT; k++)
		free(now[k]);
	os_info_release(&os);
	gp_error_release(&e);
	return version;
}

static int
step_install(struct up_run *u, struct gp_error *err)
{
	const struct up_opts *o = u->o;
	struct up_step *s = step_begin(u, UP_STEP_INSTALL);
	if (!o->version && !o->offline) {
		_cleanup_free_ char *v = installed_toolkit(o->root);
		if (v) {
			u->rep->toolkit_version = xstrdup(v);
			return step_end(u, s, UP_ALREADY_DONE,
			                "the NVIDIA container toolkit %s is installed", v);
		}
	}
	struct pkg_install_opts po = {
	        .root = o->root,
	        .version = o->version,
	        .repo_url = o->repo_url,
	        .keyring = o->keyring,
	        .offline = o->offline,
	        .fetch = {.progress = o->fetch_progress,
	                  .retry = o->fetch_retry,
	                  .userdata = o->data},
	};
	struct pkg_plan plan = {0};
	if (pkg_plan_make(&po, &plan, err) < 0) {
		gp_error_prefix(err, "install");
		return step_end(u, s, UP_FAILED, "%s", err->msg);
	}
	s->detail = pkg_plan_to_json(&plan);
	/* What was installed before, to tell what a failed install still changed. */
	_cleanup_free_ char *before =
	        plan.up_to_date || o->dry_run ? NULL : installed_toolkit(o->root);
	const char *from = pkg_source_name(plan.source);
	const char *version = plan.version ? plan.version : "(the newest)";
	if (plan.version)
		u->rep->toolkit_version = xstrdup(plan.version);
	int r;
	if (plan.up_to_date) {
		r = step_end(u, s, UP_ALREADY_DONE, "the NVIDIA container toolkit %s is installed",
		             version);
	} else if (o->dry_run) {
		r = step_end(u, s, UP_WOULD,
		             "would install the NVIDIA container toolkit %s from %s '%s'", version,
		             from, plan.location);
	} else if (pkg_plan_execute(&plan, o->install_step, o->install_output, o->data, err) < 0) {
		/*
		 * The package tool may have done its part before the step failed (stopped by a
		 * signal once dpkg had finished): what is installed now is what the hint tells.
		 */
		_cleanup_free_ char *now = installed_toolkit(o->root);
		if (now && (!before || strcmp(now, before) != 0))
			u->rep->installed_version = xstrdup(now);
		gp_error_prefix(err, "install");
		r = step_end(u, s, UP_FAILED, "%s", err->msg);
	} else {
		_cleanup_free_ char *now = installed_toolkit(o->root);
		u->rep->installed_version = xstrdup(now ? now : version);
		free(u->rep->toolkit_version);
		u->rep->toolkit_version = xstrdup(u->rep->installed_version);
		r = step_end(u, s, UP_DONE,
		             "installed the NVIDIA container toolkit %s from %s '%s'",
		             u->rep->installed_version, from, plan.location);
	}
	pkg_plan_release(&plan);
	return r;
}

/* --- configure ------------------------------------------------------------------------- */

static json_t *
changes_json(const char *root, const struct changeset *cs)
{
	json_t *files = json_array();
	for (size_t i = 0; i < cs->n_files; i++) {
		const struct file_change *fc = cs->files[i];
		_cleanup_free_ char *host = gp_path(root, fc->path);
		json_array_append_new(files, json_pack("{s:s, s:b, s:b}", "path", host, "changed",
		                                       file_change_changes(fc), "created",
		                                       file_change_changes(fc) && !fc->existed));
	}
	return files;
}

static char *
changed_list(const char *root, const struct changeset *cs)
{
	char *list = NULL;
	for (size_t i = 0; i < cs->n_files; i++) {
		if (!file_change_changes(cs->files[i]))
			continue;
		_cleanup_free_ char *host = gp_path(root, cs->files[i]->path);
		char *l = xasprintf("%s%s'%s'", list ? list : "", list ? ", " : "", host);
		free(list);
		list = l;
	}
	return list;
}

static int
step_configure(struct up_run *u, struct gp_error *err)
{
	const struct up_opts *o = u->o;
	struct up_step *s = step_begin(u, UP_STEP_CONFIGURE);
	struct configure_opts co = {
	        .root = o->root,
	        .runtime_name = LIVE_DEFAULT_RUNTIME_NAME,
	        .set_default = o->set_default,
	        .cgroup_driver = o->cgroup_driver,
	        .cdi = o->cdi,
	};
	/* --cdi: the spec from the nvidia-ctk the install step put there, when missing or stale. */
	_cleanup_(cdispec_plan_release) struct cdispec_plan cdi = {0};
	if (o->cdi) {
		if (cdispec_plan(o->root, o->exec_root_tools, !o->dry_run, &cdi, err) < 0) {
			gp_error_prefix(err, "generating the CDI spec '%s'", CDISPEC_PATH);
			return step_end(u, s, UP_FAILED, "%s", err->msg);
		}
		co.cdi_spec_path = CDISPEC_PATH;
		co.cdi_spec = cdi.data;
		co.cdi_spec_len = cdi.len;
	}
	/* The /dev/char links with the systemd cgroup driver, from the nvidia-ctk just installed.
	 */
	_cleanup_(devchar_plan_release) struct devchar_plan dc = {0};
	bool dev_char =
	        devchar_wanted(o->root, u->ops, co.config_path, o->cgroup_driver, o->dev_char);
	if (dev_char) {
		if (devchar_plan(o->root, o->exec_root_tools, !o->dry_run,
		                 o->dev_char == DEVCHAR_ON, &dc, err) < 0) {
			gp_error_prefix(err, "creating the '%s' links", DEVCHAR_DIR);
			return step_end(u, s, UP_FAILED, "%s", err->msg);
		}
		devchar_plan_to_opts(&dc, &co);
	}
	_cleanup_(configure_result_release) struct configure_result res = {0};
	if (runtime_configure(u->ops, &co, o->dry_run ? RUNTIME_CONFIGURE_DRY_RUN : 0,
	                      o->lock_timeout_ms, &res, err) < 0) {
		gp_error_prefix(err, "configuring %s", u->ops->name);
		return step_end(u, s, UP_FAILED, "%s", err->msg);
	}
	if (cdi.skipped)
		configure_result_warn(&res, "CDI spec '%s' not generated: %s", CDISPEC_PATH,
		                      cdi.skipped);
	else if (o->cdi && !cdi.current && o->dry_run)
		configure_result_warn(&res, "would run '%s' to generate the CDI spec", cdi.command);
	for (char **w = dc.wrong; w && *w; w++)
		configure_result_warn(&res,
		                      "%s: left as it is; remove it and run again to have the link "
		                      "made",
		                      *w);
	if (dc.skipped)
		configure_result_warn(&res, "'%s' links not created: %s", DEVCHAR_DIR, dc.skipped);
	else if (dev_char && o->dry_run)
		configure_result_warn(&res,
		                      "would run '%s' and add the links it makes that '%s' lacks",
		                      dc.command, DEVCHAR_DIR);
	u->config_changed = changeset_changes(&res.changes);
	json_t *warnings = json_array();
	for (size_t i = 0; res.warnings && res.warnings[i]; i++)
		json_array_append_new(warnings, json_string(res.warnings[i]));
	s->detail = json_pack("{s:o, s:o}", "files", changes_json(o->root, &res.changes),
	                      "warnings", warnings);
	/* The diff, also of a real run: Ansible's --diff shows it (gpuprep manifest ansible). */
	if (u->config_changed) {
		_cleanup_free_ char *diff = changeset_diff(&res.changes);
		json_object_set_new(s->detail, "diff", json_string(diff));
	}
	_cleanup_free_ char *list = changed_list(o->root, &res.changes);
	if (!u->config_changed) {
		_cleanup_free_ char *first =
		        res.changes.n_files ? gp_path(o->root, res.changes.files[0]->path) : NULL;
		return step_end(u, s, UP_ALREADY_DONE, "%s already has nvidia as %s runtime%s%s%s",
		                u->ops->name, o->set_default ? "its default" : "a",
		                first ? " ('" : "", first ? first : "", first ? "')" : "");
	}
	if (o->dry_run)
		return step_end(u, s, UP_WOULD, "would change %s", list);
	for (size_t i = 0; i < res.changes.n_files; i++)
		if (file_change_changes(res.changes.files[i]))
			u->rep->files_changed =
			        strv_push(u->rep->files_changed, res.changes.files[i]->path);
	u->rep->backup_dir = res.backup_dir ? xstrdup(res.backup_dir) : NULL;
	_cleanup_free_ char *backup = res.backup_dir ? gp_path(o->root, res.backup_dir) : NULL;
	json_object_set_new(s->detail, "backup_dir", backup ? json_string(backup) : json_null());
	return step_end(u, s, UP_DONE, "changed %s (backup '%s')", list, backup ? backup : "none");
}

/* --- restart and verify ---------------------------------------------------------------- */

/* Progress goes through to the caller's hooks; the relay only carries the run. */
static void
relay_step(void *data, const char *msg)
{
	const struct live_progress *p = ((struct up_run *)data)->o->progress;
	if (p && p->step)
		p->step(p->data, msg);
}

static void
relay_tick(void *data)
{
	const struct live_progress *p = ((struct up_run *)data)->o->progress;
	if (p && p->tick)
		p->tick(p->data);
}

static void
relay_line(const char *line, void *data)
{
	const struct live_progress *p = ((struct up_run *)data)->o->progress;
	if (p && p->line)
		p->line(line, p->data);
}

/* ops->verify, timed: runtime_restart() calls it after the restart (and the rollback). */
static int
timed_verify(const struct live_opts *opts, struct verify_result *ret, struct gp_error *err)
{
	struct up_run *u = opts->progress->data;
	uint64_t start = now_us();
	int r = u->ops->verify(opts, ret, err);
	u->verify_us += now_us() - start;
	return r;
}

static void
live_opts_fill(struct up_run *u, struct live_opts *lo)
{
	const struct up_opts *o = u->o;
	u->relay = (struct live_progress){
	        .step = relay_step,
	        .tick = relay_tick,
	        .line = relay_line,
	        .data = u,
	};
	*lo = (struct live_opts){
	        .root = o->root,
	        .runtime_name = LIVE_DEFAULT_RUNTIME_NAME,
	        .set_default = o->set_default,
	        .cdi = o->cdi,
	        .smoke_image = o->smoke_image,
	        .smoke_has_gpu = u->has_gpu,
	        .progress = &u->relay,
	};
	/* containerd serves CRI on its own socket: --cri-socket is the one to ask. */
	lo->socket = u->live_socket;
}

static int
verify_end(struct up_run *u, struct up_step *s, const struct verify_result *v, bool ok)
{
	json_decref(s->detail);
	s->detail = verify_result_to_json(v, u->ops->name);
	size_t n = 0, skipped = 0;
	for (size_t i = 0; i < v->n_checks; i++) {
		n += v->checks[i].status == LIVE_CHECK_PASS;
		skipped += v->checks[i].status == LIVE_CHECK_SKIP;
	}
	if (ok)
		return step_end(u, s, passed(u), "%s: %zu checks passed, %zu skipped",
		                v->daemon ? v->daemon : u->ops->name, n, skipped);
	const struct live_check *c = verify_first_failure(v);
	return step_end(u, s, UP_FAILED, "check %s failed: expected %s, seen %s%s%s",
	                c ? c->name : "?", c && c->expected ? c->expected : "-",
	                c && c->seen ? c->seen : "-", c && c->note ? ": " : "",
	                c && c->note ? c->note : "");
}

/* Dry run: how the daemon would be restarted, and whether it needs to be. */
static int
restart_plan(struct up_run *u, struct up_step *s, struct gp_error *err)
{
	const struct up_opts *o = u->o;
	enum svc_mode mode = SVC_MODE_NONE;
	struct gp_error e = GP_ERROR_INIT;
	bool need = u->config_changed;
	if (!need) {
		struct live_opts lo;
		live_opts_fill(u, &lo);
		lo.smoke_image = NULL;
		lo.progress = NULL;
		struct verify_result v = {0};
		need = runtime_verify(u->ops, &lo, &v, &e) < 0 || !verify_ok(&v);
		verify_result_release(&v);
		gp_error_release(&e);
	}
	if (!need)
		return step_end(u, s, UP_ALREADY_DONE, "%s already runs this config", u->ops->name);
	if (o->restart_mode == SVC_MODE_NONE)
		return step_end(u, s, UP_WOULD,
		                "would leave the restart to you (--restart-mode none)");
	if (o->restart_mode == SVC_MODE_SIGNAL) {
		mode = SVC_MODE_SIGNAL;
	} else if (svc_resolve_mode(o->root, u->ops->service ? u->ops->service : u->ops->name,
	                            o->restart_mode, &mode, &e) < 0) {
		s->detail = json_pack("{s:s, s:s?}", "error", e.msg, "hint", e.hint);
		/* The step's message is the error, with its hint: not "unknown error". */
		gp_error_set(err, "%s", e.msg);
		gp_error_hint(err, "%s",
		              e.hint ? e.hint
		                     : "choose another --restart-mode (auto picks one that works "
		                       "here), or none to restart it yourself");
		int r = step_end(u, s, UP_FAILED, "%s", e.msg);
		gp_error_release(&e);
		return r;
	}
	s->detail = json_pack("{s:s, s:s}", "mode", svc_mode_name(mode), "why",
	                      u->config_changed ? "configure changes the config"
	                                        : "the daemon does not run its config");
	return step_end(u, s, UP_WOULD, "would %s %s through %s (%s)",
	                u->ops->cri_socket ? "restart" : "reload or restart", u->ops->name,
	                svc_mode_name(mode),
	                u->config_changed ? "configure changes its config"
	                                  : "it does not run its config");
}

static int
step_restart(struct up_run *u, struct gp_error *err)
{
	const struct up_opts *o = u->o;
	struct up_step *s = step_begin(u, UP_STEP_RESTART);
	if (!u->ops->restart || !u->ops->verify)
		return step_end(u, s, UP_SKIPPED, "gpuprep cannot restart %s", u->ops->name);
	if (o->dry_run)
		return restart_plan(u, s, err);

	struct restart_opts ro = {.mode = o->restart_mode};
	live_opts_fill(u, &ro.live);
	u->timed = *u->ops;
	u->timed.verify = timed_verify;
	u->verify_us = 0;

	/*
	 * When configure changed nothing and the daemon already runs its config
	 * (asking it is verify's work, and its time counts there), nothing is
	 * restarted.
	 */
	_cleanup_(restart_report_release) struct restart_report rr = {0};
	int r = runtime_restart_if_needed(&u->timed, &ro, u->config_changed, &rr, err);
	if (r == 0 && rr.not_needed) {
		u->verified = true;
		u->verify = rr.verify;
		rr.verify = (struct verify_result){0};
		return step_end(u, s, UP_ALREADY_DONE, "%s already runs this config", u->ops->name);
	}
	s->detail = json_pack("{s:o, s:b}", "restart", restart_result_to_json(&rr.first),
	                      "rolled_back", rr.rolled_back);
	if (rr.rolled_back) {
		u->rep->rolled_back = true;
		json_object_set_new(s->detail, "rollback", restart_result_to_json(&rr.second));
	}
	if (r == 0 && rr.first.action == RESTART_ACTION_NONE) {
		u->rep->restart_manual = true;
		u->rep->manual = rr.first.manual ? xstrdup(rr.first.manual) : NULL;
		return step_end(u, s, UP_SKIPPED, "not restarted (--restart-mode none): run %s",
		                rr.first.manual ? rr.first.manual : "the restart by hand");
	}
	u->rep->restarted = true;
	_cleanup_free_ char *pids = restart_result_pids(&rr.first);
	const char *how = rr.first.action == RESTART_ACTION_RELOAD ? "reloaded" : "restarted";
	if (rr.verified) {
		/* The daemon came back; its verify is the next step's result (and failure). */
		u->verified = true;
		u->verify = rr.verify;
		rr.verify = (struct verify_result){0};
		if (r < 0)
			gp_error_move(&u->verify_err, err);
		return step_end(u, s, UP_DONE, "%s %s through %s%s", u->ops->name, how,
		                svc_mode_name(rr.first.mode), pids);
	}
	if (r == 0)
		return step_end(u, s, UP_DONE, "%s %s through %s%s", u->ops->name, how,
		                svc_mode_name(rr.first.mode), pids);
	return step_end(u, s, UP_FAILED, "%s", err->msg);
}

static int
step_verify(struct up_run *u, struct gp_error *err)
{
	const struct up_opts *o = u->o;
	struct up_step *s = step_begin(u, UP_STEP_VERIFY);
	if (o->dry_run) {
		s->detail = json_pack("{s:s, s:b, s:b, s:s?}", "runtime_name",
		                      LIVE_DEFAULT_RUNTIME_NAME, "default", o->set_default, "cdi",
		                      o->cdi, "smoke_image", o->smoke_image);
		return step_end(u, s, UP_WOULD,
		                "would ask the running %s for the nvidia runtime%s%s%s%s",
		                u->ops->name, o->set_default ? " as its default" : "",
		                o->cdi ? ", with CDI" : "", o->smoke_image ? ", and run " : "",
		                o->smoke_image ? o->smoke_image : "");
	}
	if (u->rep->restart_manual)
		return step_end(u, s, UP_SKIPPED, "%s was not restarted", u->ops->name);
	if (!u->ops->verify)
		return step_end(u, s, UP_SKIPPED, "gpuprep cannot verify %s", u->ops->name);
	if (!u->verified) {
		struct live_opts lo;
		live_opts_fill(u, &lo);
		verify_result_release(&u->verify);
		if (runtime_verify(u->ops, &lo, &u->verify, err) < 0)
			return step_end(u, s, UP_FAILED, "%s", err->msg);
	}
	bool ok = verify_ok(&u->verify) && !gp_error_is_set(&u->verify_err);
	if (gp_error_is_set(&u->verify_err))
		gp_error_move(err, &u->verify_err);
	int r = verify_end(u, s, &u->verify, ok);
	if (!ok && !gp_error_is_set(err)) {
		const struct live_check *c = verify_first_failure(&u->verify);
		gp_error_set(err, "check %s failed: expected %s, seen %s", c ? c->name : "?",
		             c && c->expected ? c->expected : "-", c && c->seen ? c->seen : "-");
		if (c && c->note)
			gp_error_hint(err, "%s", c->note);
	}
	return r;
}

/* --- the run --------------------------------------------------------------------------- */

static int
pick_runtime(const struct up_opts *o, const struct runtime_ops **ret, struct gp_error *err)
{
	if (o->runtime) {
		const struct runtime_ops *ops = runtime_find(o->runtime);
		if (!ops || !ops->configure) {
			_cleanup_free_ char *names = runtime_configurable_names();
			return gp_error_set_code(err, GP_EXIT_USAGE,
			                         "--runtime: gpuprep up configures %s, not '%s'",
			                         names, o->runtime);
		}
		*ret = ops;
		return 0;
	}
	_cleanup_free_ const struct runtime_ops **found = runtime_detect_installed(o->root);
	size_t n = 0;
	for (size_t i = 0; found[i]; i++)
		if (found[i]->configure)
			found[n++] = found[i];
	if (n == 1) {
		*ret = found[0];
		return 0;
	}
	if (n == 0) {
		_cleanup_free_ char *names = runtime_configurable_names();
		gp_error_set(err, "no container runtime found (%s)", names);
		return gp_error_hint(err, "install one of them first, or name it with "
		                          "--runtime");
	}
	gp_error_set_code(err, GP_EXIT_USAGE, "found %s and %s; choose one with --runtime",
	                  found[0]->name, found[1]->name);
	return gp_error_hint(err, "gpuprep up --runtime %s (the runtime keadm join will use)",
	                     found[1]->name);
}

/* What the run changed and how to undo it, for the error's hint. */
static void
failure_hint(const struct up_run *u, struct gp_error *err)
{
	const struct up_report *rep = u->rep;
	struct strbuf b = {0};
	if (rep->installed_version) {
		_cleanup_free_ char *s = xasprintf(
		        "installed the NVIDIA container toolkit %s (it stays installed); ",
		        rep->installed_version);
		strbuf_puts(&b, s);
	}
	if (rep->files_changed && rep->rolled_back) {
		strbuf_puts(&b, "the config change was rolled back");
	} else if (rep->files_changed) {
		_cleanup_free_ char *s = xasprintf("changed %s's config: 'gpuprep undo --runtime "
		                                   "%s' restores it, then restart %s",
		                                   u->ops->name, u->ops->name, u->ops->name);
		strbuf_puts(&b, s);
	} else if (!rep->installed_version) {
		strbuf_puts(&b, "nothing was changed");
	} else {
		b.len -= 2;
		b.s[b.len] = '\0';
	}
	_cleanup_free_ char *hint = err->hint ? xasprintf("%s\n%s", err->hint, b.s) : NULL;
	gp_error_hint(err, "%s", hint ? hint : b.s);
	free(b.s);
}

int
up_run(const struct up_opts *o, struct up_report *ret, struct gp_error *err)
{
	*ret = (struct up_report){0};
	for (size_t i = 0; i < UP_N_STEPS; i++)
		ret->steps[i].id = (enum up_step_id)i;
	struct preflight_opts check = {.root = o->root, .cri_socket = o->cri_socket};
	if (preflight_opts_validate(&check, err) < 0)
		return -1;
	struct up_run u = {.o = o, .rep = ret};
	/*
	 * A --runtime gpuprep cannot configure, or two runtimes and no --runtime,
	 * is a usage error before anything runs (and before any row is printed).
	 * Not finding one is said after the first step, so that a node without a
	 * GPU exits 3 whatever else it lacks.
	 */
	struct gp_error pick_err = GP_ERROR_INIT;
	if (pick_runtime(o, &u.ops, &pick_err) < 0 &&
	    (o->runtime || pick_err.code == GP_EXIT_USAGE)) {
		gp_error_move(err, &pick_err);
		return -1;
	}
	ret->runtime = u.ops;
	ret->not_default = !o->set_default;
	if (u.ops && o->cri_socket && u.ops->cri_socket && u.ops->socket_path &&
	    strcmp(u.ops->cri_socket, u.ops->socket_path) == 0 &&
	    preflight_endpoint_path(o->cri_socket, &u.live_socket, err) < 0)
		return -1;

	static int (*const steps[UP_N_STEPS])(struct up_run *, struct gp_error *) = {
	        step_preflight, step_install, step_configure,
	        step_restart,   step_verify,  step_preflight_full,
	};
	int r = 0;
	for (size_t i = 0; i < UP_N_STEPS; i++) {
		struct gp_error e = GP_ERROR_INIT;
		if (steps[i](&u, &e) < 0) {
			/* A step that failed without saying why: its row's message says it. */
			if (!gp_error_is_set(&e))
				gp_error_set(&e, "%s",
				             ret->steps[i].message ? ret->steps[i].message
				                                   : "failed");
			/* A dry run goes on to show the whole plan; the first error stands. */
			if (r == 0)
				gp_error_move(err, &e);
			gp_error_release(&e);
			r = -1;
			if (!o->dry_run || ret->no_gpu)
				break;
		}
		gp_error_release(&e);
		if (!u.ops) {
			if (r == 0)
				gp_error_move(err, &pick_err);
			gp_error_release(&pick_err);
			free(u.live_socket);
			return -1;
		}
	}
	gp_error_release(&pick_err);
	verify_result_release(&u.verify);
	gp_error_release(&u.verify_err);
	free(u.live_socket);
	if (r == 0)
		return 0;
	if (!ret->no_gpu) {
		gp_error_prefix(err, "%s%s", o->dry_run ? "up would stop at " : "up stopped at ",
		                up_step_name(ret->failed_step));
		/* Stopped by a signal, it keeps 128 + the signal (proc_interrupt_error()). */
		if (!proc_interrupted())
			err->code = GP_EXIT_FAILURE;
		if (!o->dry_run)
			failure_hint(&u, err);
	}
	return -1;
}
