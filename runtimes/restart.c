// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The restart framework: restart and verify any runtime through its ops, and
 * roll back to the backup configure took when the daemon does not come back
 * or does not verify. The runtimes' own restart and verify, and the helpers
 * they share, are in live.c and runtimes/<name>_live.c.
 */
#include "live.h"

#include <string.h>

#include "runtime.h"
#include "safefile.h"
#include "undo.h"

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
	_cleanup_(undo_release) struct undo u = {0};
	if (undo_prepare(opts->live.root, ops->name, &u, err) < 0)
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
	_cleanup_(undo_release) struct undo u = {0};
	if (undo_run(opts->live.root, ops->name, false, safefile_lock_timeout_ms(), &u, err) < 0)
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
	_cleanup_free_ char *hint = err->hint ? xstrdup(err->hint) : NULL;
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

int
runtime_restart_if_needed(const struct runtime_ops *ops, const struct restart_opts *opts,
                          bool changed, struct restart_report *ret, struct gp_error *err)
{
	*ret = (struct restart_report){0};
	if (!changed && opts->mode != SVC_MODE_NONE) {
		_cleanup_error_ struct gp_error e = GP_ERROR_INIT;
		if (runtime_verify(ops, &opts->live, &ret->verify, &e) == 0 &&
		    verify_ok(&ret->verify)) {
			ret->verified = true;
			ret->not_needed = true;
			return 0;
		}
		verify_result_release(&ret->verify);
	}
	return runtime_restart(ops, opts, ret, err);
}
