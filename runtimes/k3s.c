// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * k3s and RKE2: each runs its own containerd, whose config.toml it renders from
 * a template at every start, so that file is never edited. k3s (and RKE2,
 * built on it) adds an "nvidia" runtime by itself when it finds
 * nvidia-container-runtime (pkg/agent/containerd's nvidia runtime detection);
 * what is left is making it the default: `default-runtime: nvidia` in
 * /etc/rancher/k3s/config.yaml (RKE2: /etc/rancher/rke2/config.yaml), the
 * file k3s reads its flags from. That YAML is edited keeping every other byte
 * (lib/files/yamledit).
 *
 * restart goes through the unit that runs (k3s or k3s-agent; rke2-server or
 * rke2-agent); verify asks the embedded containerd over the CRI on
 * /run/k3s/containerd/containerd.sock and compares with the config.toml the
 * server rendered.
 */
#include "runtime.h"

#include <string.h>

#include "cri.h"
#include "live.h"
#include "proc.h"
#include "yamledit.h"

#define K3S_DEFAULT_RUNTIME_KEY "default-runtime"
#define K3S_NVIDIA_PROGRAM      "nvidia-container-runtime"
#define K3S_SOCKET              "/run/k3s/containerd/containerd.sock"

/* What differs between k3s and RKE2. */
struct k3s_flavour {
	const struct runtime_ops *ops;
	const char *title;       /* "k3s" */
	const char *config_yaml; /* node path */
	const char *units[2];    /* the server's and the agent's */
};

static const struct k3s_flavour k3s_flavour = {
        &runtime_k3s, "k3s", "/etc/rancher/k3s/config.yaml", {"k3s", "k3s-agent"}};
static const struct k3s_flavour rke2_flavour = {
        &runtime_rke2, "RKE2", "/etc/rancher/rke2/config.yaml", {"rke2-server", "rke2-agent"}};

static int
k3s_refuse(const struct k3s_flavour *fl, const char *what, const char *hint, struct gp_error *err)
{
	gp_error_set_code(err, GP_EXIT_USAGE, "%s does not apply to %s", what, fl->ops->name);
	return gp_error_hint(err, "%s", hint);
}

static int
k3s_configure_flavour(const struct k3s_flavour *fl, const struct configure_opts *opts,
                      struct configure_result *ret, struct gp_error *err)
{
	if (opts->runtime_path)
		return k3s_refuse(fl, "--runtime-path",
		                  "k3s finds nvidia-container-runtime itself (in its PATH and "
		                  "/usr/local/nvidia/toolkit) and names the runtime after it",
		                  err);
	if (opts->cgroup_driver)
		return k3s_refuse(fl, "--cgroup-driver",
		                  "k3s sets its containerd's SystemdCgroup from the kubelet's "
		                  "cgroup driver; pass --kubelet-arg=cgroup-driver=... to k3s",
		                  err);
	if (opts->cdi || opts->drop_in || opts->config_version)
		return k3s_refuse(fl,
		                  opts->cdi       ? "--cdi"
		                  : opts->drop_in ? "--drop-in"
		                                  : "--config-version",
		                  "k3s writes its containerd config from a template: these are "
		                  "containerd options",
		                  err);
	const char *path = opts->config_path ? opts->config_path : fl->config_yaml;
	struct file_change *fc;
	if (changeset_read(&ret->changes, opts->root, path, &fc, err) < 0)
		return -1;
	_cleanup_free_ char *name = gp_path(opts->root, fc->path);
	_cleanup_free_ char *nvidia = runtime_find_program(opts->root, K3S_NVIDIA_PROGRAM);
	if (!nvidia)
		configure_result_warn(
		        ret,
		        "%s is not installed: %s adds its nvidia runtime only when it "
		        "finds it (install nvidia-container-toolkit first)",
		        K3S_NVIDIA_PROGRAM, fl->title);
	if (strcmp(opts->runtime_name, "nvidia") != 0)
		configure_result_warn(ret,
		                      "%s names the runtimes it finds nvidia, nvidia-experimental "
		                      "and nvidia-cdi; '%s' must come from a config.toml.tmpl",
		                      fl->title, opts->runtime_name);
	if (!opts->set_default) {
		configure_result_warn(
		        ret,
		        "with --no-set-default there is nothing to write: %s adds the "
		        "nvidia runtime by itself",
		        fl->title);
		return 0;
	}
	_cleanup_free_ char *text = NULL;
	size_t len = 0;
	int r = yaml_set_top_scalar(fc->old_data, fc->old_len, K3S_DEFAULT_RUNTIME_KEY,
	                            opts->runtime_name, &text, &len, err);
	if (r < 0)
		return gp_error_prefix(err, "%s", name);
	if (r > 0)
		file_change_take_new(fc, TAKE_PTR(text), len);
	return 0;
}

/* The unit that runs this flavour, and how to restart it. */
static int
pick_unit(const struct k3s_flavour *fl, const struct restart_opts *opts, const char **ret_unit,
          enum svc_mode *ret_mode, struct gp_error *err)
{
	const struct live_opts *o = &opts->live;
	for (size_t i = 0; i < GP_ARRAY_SIZE(fl->units); i++) {
		enum svc_mode mode;
		_cleanup_error_ struct gp_error e = GP_ERROR_INIT;
		if (svc_resolve_mode(o->root, fl->units[i], opts->mode, &mode, &e) < 0)
			continue;
		if (mode == SVC_MODE_SYSTEMD) {
			char *argv[] = {"systemctl", "is-active", "--quiet", (char *)fl->units[i],
			                NULL};
			struct proc_opts po = {.timeout_ms = 10000};
			struct proc_result pr = {0};
			bool active = proc_run(argv, &po, &pr, &e) == 0 && pr.status == 0;
			proc_result_release(&pr);
			if (!active)
				continue;
		}
		*ret_unit = fl->units[i];
		*ret_mode = mode;
		return 0;
	}
	gp_error_set(err, "neither %s nor %s runs here (no active systemd unit, no init script)",
	             fl->units[0], fl->units[1]);
	return gp_error_hint(err,
	                     "restart %s by hand (systemctl restart %s or %s), then run "
	                     "'gpuprep verify --runtime %s'",
	                     fl->title, fl->units[0], fl->units[1], fl->ops->name);
}

static int
k3s_restart_flavour(const struct k3s_flavour *fl, const struct restart_opts *opts,
                    struct restart_result *ret, struct gp_error *err)
{
	*ret = (struct restart_result){0};
	const struct live_opts *o = &opts->live;
	ret->why = xasprintf("%s renders its containerd config and reads config.yaml only when it "
	                     "starts",
	                     fl->title);
	if (opts->mode == SVC_MODE_SIGNAL) {
		gp_error_set_code(err, GP_EXIT_USAGE, "%s cannot be reloaded with a signal",
		                  fl->title);
		return gp_error_hint(err, "use --mode auto, systemd or service");
	}
	if (opts->mode == SVC_MODE_NONE) {
		ret->mode = SVC_MODE_NONE;
		ret->manual = xasprintf("systemctl restart %s (or %s on an agent)", fl->units[0],
		                        fl->units[1]);
		return 0;
	}
	const char *unit = NULL;
	enum svc_mode mode = SVC_MODE_AUTO;
	if (pick_unit(fl, opts, &unit, &mode, err) < 0)
		return -1;
	_cleanup_free_ char *sock = live_socket_path(o, fl->ops->socket_path);
	struct live_daemon d = {
	        .service = unit, .comm = "containerd", .wait_ready = cri_wait_ready};
	ret->notes = strv_push(ret->notes, "running pods keep running: their shims outlive the "
	                                   "embedded containerd");
	return live_full_restart(o, &d, sock, mode, ret, err);
}

static int
k3s_configure(const struct configure_opts *opts, struct configure_result *ret, struct gp_error *err)
{
	return k3s_configure_flavour(&k3s_flavour, opts, ret, err);
}

static int
rke2_configure(const struct configure_opts *opts, struct configure_result *ret,
               struct gp_error *err)
{
	return k3s_configure_flavour(&rke2_flavour, opts, ret, err);
}

static int
k3s_restart(const struct restart_opts *opts, struct restart_result *ret, struct gp_error *err)
{
	return k3s_restart_flavour(&k3s_flavour, opts, ret, err);
}

static int
rke2_restart(const struct restart_opts *opts, struct restart_result *ret, struct gp_error *err)
{
	return k3s_restart_flavour(&rke2_flavour, opts, ret, err);
}

/* The config.toml k3s renders is containerd's: containerd's inspect reads it. */
static int
k3s_inspect(const char *root, const char *config_path, struct runtime_config_view *ret,
            struct gp_error *err)
{
	return runtime_containerd.inspect(root, config_path ? config_path : runtime_k3s.config_path,
	                                  ret, err);
}

static int
rke2_inspect(const char *root, const char *config_path, struct runtime_config_view *ret,
             struct gp_error *err)
{
	return runtime_containerd.inspect(
	        root, config_path ? config_path : runtime_rke2.config_path, ret, err);
}

static int
k3s_verify(const struct live_opts *opts, struct verify_result *ret, struct gp_error *err)
{
	return containerd_live_verify(&runtime_k3s, &runtime_containerd, opts, ret, err);
}

static int
rke2_verify(const struct live_opts *opts, struct verify_result *ret, struct gp_error *err)
{
	return containerd_live_verify(&runtime_rke2, &runtime_containerd, opts, ret, err);
}

const struct runtime_ops runtime_k3s = {
        .name = "k3s",
        .binary = "k3s",
        .config_path = "/var/lib/rancher/k3s/agent/etc/containerd/config.toml",
        .socket_path = K3S_SOCKET,
        .cri_socket = K3S_SOCKET,
        .configure = k3s_configure,
        .inspect = k3s_inspect,
        .ask_live = cri_ask_live,
        .restart = k3s_restart,
        .verify = k3s_verify,
};

const struct runtime_ops runtime_rke2 = {
        .name = "rke2",
        .binary = "rke2",
        .config_path = "/var/lib/rancher/rke2/agent/etc/containerd/config.toml",
        .socket_path = K3S_SOCKET,
        .cri_socket = K3S_SOCKET,
        .service = "rke2-server",
        .configure = rke2_configure,
        .inspect = rke2_inspect,
        .ask_live = cri_ask_live,
        .restart = rke2_restart,
        .verify = rke2_verify,
};
