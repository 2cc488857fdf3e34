// SPDX-License-Identifier: GPL-2.0-or-later
/* up's report: the names of its steps and statuses, the keadm flags, and the --json document. */
#include "up_report.h"

#include "preflight.h"
#include "runtime.h"
#include "util.h"

static const char *const step_names[UP_N_STEPS] = {
        [UP_STEP_PREFLIGHT] = "preflight", [UP_STEP_INSTALL] = "install",
        [UP_STEP_CONFIGURE] = "configure", [UP_STEP_RESTART] = "restart",
        [UP_STEP_VERIFY] = "verify",       [UP_STEP_PREFLIGHT_FULL] = "preflight-full",
};

const char *
up_step_name(enum up_step_id id)
{
	return (size_t)id < UP_N_STEPS ? step_names[id] : "?";
}

static const struct {
	const char *text, *json;
} status_names[] = {
        [UP_NOT_RUN] = {"not run", "not_run"},
        [UP_DONE] = {"done", "done"},
        [UP_ALREADY_DONE] = {"already done", "already_done"},
        [UP_WOULD] = {"would do", "would_do"},
        [UP_SKIPPED] = {"skipped", "skipped"},
        [UP_FAILED] = {"failed", "failed"},
};

const char *
up_status_name(enum up_status s)
{
	return (size_t)s < GP_ARRAY_SIZE(status_names) ? status_names[s].text : "?";
}

const char *
up_status_json(enum up_status s)
{
	return (size_t)s < GP_ARRAY_SIZE(status_names) ? status_names[s].json : "?";
}

void
up_report_release(struct up_report *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < UP_N_STEPS; i++) {
		free(r->steps[i].message);
		json_decref(r->steps[i].detail);
	}
	free(r->installed_version);
	free(r->toolkit_version);
	strv_free(r->files_changed);
	free(r->backup_dir);
	free(r->manual);
	free(r->cri_endpoint);
	free(r->cgroup_driver);
	*r = (struct up_report){0};
}

char *
up_keadm_flags(const struct up_report *r)
{
	return xasprintf("--remote-runtime-endpoint=%s --cgroupdriver=%s",
	                 r->cri_endpoint ? r->cri_endpoint : PREFLIGHT_DEFAULT_CRI_SOCKET,
	                 r->cgroup_driver ? r->cgroup_driver : PREFLIGHT_DEFAULT_CGROUP_DRIVER);
}

json_t *
up_report_json(const struct up_report *r, const char *root, bool dry_run,
               const struct gp_error *err)
{
	json_t *steps = json_array();
	for (size_t i = 0; i < UP_N_STEPS; i++) {
		const struct up_step *s = &r->steps[i];
		json_array_append_new(
		        steps, json_pack("{s:s, s:s, s:s?, s:f, s:O?}", "step", up_step_name(s->id),
		                         "status", up_status_json(s->status), "message", s->message,
		                         "duration_ms", (double)s->duration_us / 1000.0, "detail",
		                         s->detail));
	}
	json_t *files = json_array();
	for (size_t i = 0; r->files_changed && r->files_changed[i]; i++) {
		_cleanup_free_ char *host = gp_path(root, r->files_changed[i]);
		json_array_append_new(files, json_string(host));
	}
	_cleanup_free_ char *backup = r->backup_dir ? gp_path(root, r->backup_dir) : NULL;
	json_t *changed = json_pack("{s:s?, s:o, s:b, s:s?, s:b}", "installed",
	                            r->installed_version, "files", files, "restarted", r->restarted,
	                            "backup_dir", backup, "rolled_back", r->rolled_back);
	_cleanup_free_ char *undo =
	        r->files_changed && !r->rolled_back && r->runtime
	                ? xasprintf("gpuprep undo --runtime %s", r->runtime->name)
	                : NULL;
	bool ok = !r->failed && !(err && gp_error_is_set(err));
	json_t *keadm = json_null();
	if (r->cri_endpoint) {
		_cleanup_free_ char *flags = up_keadm_flags(r);
		keadm = json_pack("{s:s, s:s, s:s}", "remote_runtime_endpoint", r->cri_endpoint,
		                  "cgroupdriver", r->cgroup_driver, "flags", flags);
	}
	json_t *error = json_null();
	if (err && gp_error_is_set(err))
		error = json_pack("{s:s, s:s?, s:i}", "message", err->msg, "hint", err->hint,
		                  "exit_code", err->code);
	return json_pack("{s:i, s:s?, s:s?, s:b, s:b, s:b, s:s?, s:o, s:o, s:s?, s:o, s:o}",
	                 "schema_version", UP_SCHEMA_VERSION, "runtime",
	                 r->runtime ? r->runtime->name : NULL, "toolkit_version",
	                 r->toolkit_version, "dry_run", dry_run, "ok", ok, "no_gpu", r->no_gpu,
	                 "failed_step", r->failed ? up_step_name(r->failed_step) : NULL, "steps",
	                 steps, "changed", changed, "undo", undo, "keadm", keadm, "error", error);
}
