// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * containerd (and the other CRI runtimes), live: a full restart through the
 * service manager (never SIGHUP: containerd 1.6 exits on it), and verify
 * through the CRI: RuntimeService/Status(verbose) gives the CRI plugin's
 * config as the daemon loaded it.
 */
#include <string.h>

#include "cri.h"
#include "live.h"
#include "runtime.h"

#define CONTAINERD_SERVICE      "containerd"
#define CONTAINERD_COMM         "containerd"
#define CONTAINERD_DEFAULT_PATH "/usr/bin/nvidia-container-runtime"
#define CONTAINERD_RUNC_V2      "io.containerd.runc.v2"
#define CONTAINERD_K8S_NS       "k8s.io"

static const struct live_daemon containerd_daemon = {
        .service = CONTAINERD_SERVICE,
        .comm = CONTAINERD_COMM,
        .wait_ready = cri_wait_ready,
};

int
containerd_live_restart(const struct runtime_ops *ops, const struct restart_opts *opts,
                        struct restart_result *ret, struct gp_error *err)
{
	*ret = (struct restart_result){0};
	const struct live_opts *o = &opts->live;
	_cleanup_free_ char *sock = live_socket_path(o, ops->socket_path);
	ret->why = xstrdup("containerd reads its config only when it starts");
	if (opts->mode == SVC_MODE_SIGNAL) {
		gp_error_set_code(err, GP_EXIT_USAGE,
		                  "containerd cannot be reloaded with a signal: containerd 1.6 "
		                  "exits on SIGHUP");
		return gp_error_hint(err, "use --mode auto, systemd or service");
	}
	if (opts->mode == SVC_MODE_NONE) {
		ret->mode = SVC_MODE_NONE;
		ret->manual = xstrdup("systemctl restart containerd (or: service containerd "
		                      "restart)");
		return 0;
	}
	enum svc_mode mode;
	if (svc_resolve_mode(o->root, CONTAINERD_SERVICE, opts->mode, &mode, err) < 0)
		return -1;
	ret->notes = strv_push(ret->notes, "running containers keep running: each one's shim "
	                                   "outlives containerd and reconnects to the new one");
	return live_full_restart(o, &containerd_daemon, sock, mode, ret, err);
}

int
cri_ask_live(const char *socket, unsigned timeout_ms, struct runtime_live *ret,
             struct gp_error *err)
{
	*ret = (struct runtime_live){.view = {.cdi = -1}, .cri = true};
	struct cri_client *c = cri_client_new(socket, timeout_ms);
	struct cri_version ver = {0};
	_cleanup_(cri_status_freep) struct cri_status *s = NULL;
	int r = cri_client_status(c, true, &s, err);
	if (r == 0)
		r = cri_client_version(c, &ver, err);
	cri_client_free(c);
	if (r < 0) {
		cri_version_release(&ver);
		return -1;
	}
	ret->daemon = xasprintf("%s %s", ver.runtime_name ? ver.runtime_name : "(unnamed runtime)",
	                        ver.runtime_version ? ver.runtime_version : "(unknown version)");
	cri_version_release(&ver);

	const struct cri_condition *ready = cri_status_condition(s, CRI_RUNTIME_READY);
	ret->ready = ready && ready->status;
	if (!ret->ready)
		ret->not_ready = !ready ? xstrdup("not reported")
		                        : xasprintf("false%s%s%s%s", *ready->reason ? ": " : "",
		                                    ready->reason, *ready->message ? ": " : "",
		                                    ready->message);

	struct runtime_config_view *v = &ret->view;
	v->path = xstrdup(socket);
	v->exists = true;
	const char *def = cri_status_default_runtime(s);
	v->default_runtime = def ? xstrdup(def) : NULL;
	_cleanup_strv_ char **names = cri_status_runtime_names(s);
	for (size_t i = 0; names && names[i]; i++) {
		const char *bin = cri_status_runtime_binary(s, names[i]);
		struct runtime_config_entry *e =
		        runtime_config_view_add(v, names[i], bin && *bin ? bin : NULL);
		e->systemd_cgroup = cri_status_runtime_systemd_cgroup(s, names[i]);
	}
	const struct runtime_config_entry *e = runtime_config_view_find(v, def);
	v->default_defined = e != NULL;
	v->default_path = e && e->path ? xstrdup(e->path) : NULL;
	v->cdi = cri_status_enable_cdi(s);
	return 0;
}

/* Ask the CRI on the socket; adds the daemon and runtime_ready checks. */
static int
cri_ask(const struct live_opts *o, const char *def_socket, struct runtime_live *live,
        struct verify_result *ret, struct gp_error *err)
{
	ret->socket = live_socket_path(o, def_socket);
	if (cri_ask_live(ret->socket, 0, live, err) < 0)
		return -1;
	ret->daemon = xstrdup(live->daemon);
	_cleanup_free_ char *answers = xasprintf("answers on '%s'", ret->socket);
	verify_add(ret, "daemon", LIVE_CHECK_PASS, answers, ret->daemon, NULL);
	if (live->ready)
		verify_add(ret, "runtime_ready", LIVE_CHECK_PASS, "true", "true", NULL);
	else
		verify_add(ret, "runtime_ready", LIVE_CHECK_FAIL, "true", live->not_ready,
		           "the runtime says it cannot run containers; its log says why");
	return 0;
}

static void
smoke(const struct live_opts *o, const char *binary, struct verify_result *ret)
{
	_cleanup_free_ char *expected =
	        xasprintf("%s runs with %s", o->smoke_image, binary ? binary : "the runtime");
	if (!live_smoke_start(o, ret, expected))
		return;
	if (!binary) {
		verify_add(ret, "smoke", LIVE_CHECK_FAIL, expected, "not run",
		           "the daemon has no BinaryName for the runtime");
		return;
	}
	_cleanup_free_ char *cname = live_smoke_name();
	char *base[] = {"ctr",
	                "--address",
	                ret->socket,
	                "--namespace",
	                CONTAINERD_K8S_NS,
	                "run",
	                "--rm",
	                "--runtime",
	                CONTAINERD_RUNC_V2,
	                "--runc-binary",
	                (char *)binary,
	                "--env",
	                LIVE_SMOKE_ENV,
	                (char *)o->smoke_image,
	                cname,
	                NULL};
	_cleanup_strv_ char **argv = NULL;
	for (size_t i = 0; base[i]; i++)
		argv = strv_push(argv, base[i]);
	for (char *const *c = live_smoke_cmd(o); *c; c++)
		argv = strv_push(argv, *c);

	live_step(o, "running %s through '%s'", o->smoke_image, binary);
	struct proc_opts po = {.timeout_ms = (int)live_timeout_ms(o), .keep_output = true};
	struct proc_result pr = {0};
	struct gp_error e = GP_ERROR_INIT;
	if (proc_run(argv, &po, &pr, &e) < 0) {
		verify_add_note(ret, "smoke", LIVE_CHECK_FAIL, expected, "did not run", "%s%s%s",
		                e.msg, e.hint ? "; " : "", e.hint ? e.hint : "");
		gp_error_release(&e);
		return;
	}
	const char *out = pr.output ? pr.output : "";
	_cleanup_free_ char *missing =
	        pr.status && strstr(out, "not found") && strstr(out, o->smoke_image)
	                ? xasprintf("the image is not in containerd's %s namespace: pull it "
	                            "first (ctr -n %s images pull %s)",
	                            CONTAINERD_K8S_NS, CONTAINERD_K8S_NS, o->smoke_image)
	                : NULL;
	live_smoke_done(o, ret, expected, pr.status, pr.timed_out, out, missing);
	proc_result_release(&pr);
}

int
containerd_live_verify(const struct runtime_ops *ops, const struct runtime_ops *reader,
                       const struct live_opts *o, struct verify_result *ret, struct gp_error *err)
{
	const char *name = o->runtime_name ? o->runtime_name : LIVE_DEFAULT_RUNTIME_NAME;
	_cleanup_(runtime_live_release) struct runtime_live live = {0};
	if (cri_ask(o, ops->cri_socket, &live, ret, err) < 0)
		return -1;
	const char *config = live_config_path(o, ops->config_path);
	_cleanup_free_ char *host_config = gp_path(o->root, config);

	_cleanup_(runtime_config_view_release) struct runtime_config_view file = {0};
	_cleanup_error_ struct gp_error ferr = GP_ERROR_INIT;
	bool file_ok = reader->inspect(o->root, config, &file, &ferr) == 0;
	if (!o->file_only && o->cdi) {
		int cdi = live.view.cdi;
		verify_add(ret, "enable_cdi", cdi == 1 ? LIVE_CHECK_PASS : LIVE_CHECK_FAIL, "true",
		           cdi == 1   ? "true"
		           : cdi == 0 ? "false"
		                      : "absent",
		           cdi == 1 ? NULL
		           : cdi == 0
		                   ? "set enable_cdi = true (gpuprep configure --cdi) and restart"
		                   : "this containerd has no CDI support (1.7 and later have it)");
	}
	struct live_who who = {host_config, CONTAINERD_COMM, ops->name};
	live_check_views(ret, o, &who, "runtime_binary_name", CONTAINERD_DEFAULT_PATH,
	                 file_ok ? &file : NULL, ferr.msg, &live);
	const struct runtime_config_entry *e = runtime_config_view_find(&live.view, name);
	if (!o->file_only && o->smoke_image)
		smoke(o, e ? e->path : NULL, ret);
	return 0;
}

/*
 * cri-dockerd passes containers to dockerd, whose runtimes `verify --runtime
 * docker` checks; over the CRI only readiness can be seen.
 */
int
cri_dockerd_live_verify(const struct runtime_ops *ops, const struct live_opts *opts,
                        struct verify_result *ret, struct gp_error *err)
{
	_cleanup_(runtime_live_release) struct runtime_live live = {0};
	if (cri_ask(opts, ops->cri_socket, &live, ret, err) < 0)
		return -1;
	verify_add(ret, "runtimes", LIVE_CHECK_SKIP, "-", "-",
	           "cri-dockerd runs containers through dockerd: check its runtimes with "
	           "'gpuprep verify --runtime docker'");
	return 0;
}
