// SPDX-License-Identifier: GPL-2.0-or-later
#include "preflight.h"
#include "rows.h"
#include "tap.h"
#include "up.h"

int
main(void)
{
	static const char *const names[UP_N_STEPS] = {
	        "preflight", "install", "configure", "restart", "verify", "preflight-full",
	};
	for (int i = 0; i < UP_N_STEPS; i++)
		is_str(up_step_name((enum up_step_id)i), names[i], names[i]);
	is_str(up_step_name(UP_N_STEPS), "?", "a step out of range");
	is_str(up_status_name(UP_ALREADY_DONE), "already done", "status text: already done");
	is_str(up_status_json(UP_ALREADY_DONE), "already_done", "status JSON: already_done");
	is_str(up_status_json(UP_NOT_RUN), "not_run", "status JSON: not_run");
	is_str(up_status_name(UP_WOULD), "would do", "status text: would do");

	/* The first preflight: real ids, none of those the later steps change. */
	size_t n = 0;
	bool all_known = true, runtime_free = true;
	for (; up_preinstall_checks[n]; n++) {
		all_known = all_known && preflight_check_exists(up_preinstall_checks[n]);
		runtime_free = runtime_free && !strstr(up_preinstall_checks[n], "runtime") &&
		               !strstr(up_preinstall_checks[n], "cri") &&
		               strcmp(up_preinstall_checks[n], "cdi") != 0 &&
		               strcmp(up_preinstall_checks[n], "cgroup-driver") != 0;
	}
	ok(all_known, "every pre-install check id exists");
	ok(runtime_free, "no runtime check before install and configure");
	is_int(n, 11, "eleven checks before install");

	struct up_report r = {0};
	_cleanup_free_ char *def = up_keadm_flags(&r);
	is_str(def,
	       "--remote-runtime-endpoint=unix:///run/containerd/containerd.sock "
	       "--cgroupdriver=cgroupfs",
	       "keadm flags default to keadm's own defaults");
	r.cri_endpoint = xstrdup("unix:///run/cri-dockerd.sock");
	r.cgroup_driver = xstrdup("systemd");
	_cleanup_free_ char *flags = up_keadm_flags(&r);
	is_str(flags,
	       "--remote-runtime-endpoint=unix:///run/cri-dockerd.sock --cgroupdriver=systemd",
	       "keadm flags from the report");

	r.runtime = &runtime_docker;
	r.files_changed = strv_push(NULL, "/etc/docker/daemon.json");
	r.failed = true;
	r.failed_step = UP_STEP_VERIFY;
	struct gp_error err = GP_ERROR_INIT;
	gp_error_set(&err, "verify failed");
	_cleanup_json_ json_t *doc = up_report_json(&r, "/mnt/node", false, &err);
	_cleanup_free_ char *undo = xstrdup(json_string_value(json_object_get(doc, "undo")));
	is_str(undo, "gpuprep undo --runtime docker", "JSON: how to undo a change");
	is_str(json_string_value(json_object_get(doc, "failed_step")), "verify",
	       "JSON: failed step");
	ok(json_is_false(json_object_get(doc, "ok")), "JSON: not ok");
	is_str(json_string_value(json_array_get(
	               json_object_get(json_object_get(doc, "changed"), "files"), 0)),
	       "/mnt/node/etc/docker/daemon.json", "JSON: changed files under --root");
	is_int(json_array_size(json_object_get(doc, "steps")), UP_N_STEPS, "JSON: every step");
	is_int(json_integer_value(json_object_get(json_object_get(doc, "error"), "exit_code")), 1,
	       "JSON: the error's exit status");

	r.rolled_back = true;
	_cleanup_json_ json_t *rb = up_report_json(&r, NULL, false, &err);
	ok(json_is_null(json_object_get(rb, "undo")), "JSON: nothing to undo after a rollback");
	gp_error_release(&err);
	up_report_release(&r);
	up_report_release(NULL);
	return tap_done();
}
