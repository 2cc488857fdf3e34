// SPDX-License-Identifier: GPL-2.0-or-later
/* Docker Engine: /etc/docker/daemon.json, edited with lib/jsonedit (jansson). */
#include "runtime.h"

#include <ctype.h>
#include <string.h>

#include "jsonedit.h"
#include "live.h"
#include "noderoot.h"
#include "rows.h"

#define DOCKER_DEFAULT_RUNTIME_PATH "nvidia-container-runtime"

/*
 * The top-level daemon.json keys dockerd knows, from 20.10 (Debian's
 * docker.io) on. dockerd refuses to start on any other key ("the following
 * directives don't match any configuration option"). The 20.10 set was
 * checked against the real dockerd 20.10.24; the later ones come from moby's
 * daemon/config for the release named.
 */
static const char *const docker_known_keys[] = {
        "allow-nondistributable-artifacts", "api-cors-header", "authorization-plugins", "bip",
        "bridge", "builder", "cgroup-parent", "cluster-advertise", "cluster-store",
        "cluster-store-opts", "containerd", "containerd-namespace", "containerd-plugins-namespace",
        "cpu-rt-period", "cpu-rt-runtime", "cri-containerd", "data-root", "debug",
        "default-address-pools", "default-cgroupns-mode", "default-gateway", "default-gateway-v6",
        "default-ipc-mode", "default-runtime", "default-shm-size", "default-ulimits",
        "deprecated-key-path", "dns", "dns-opts", "dns-search", "exec-opts", "exec-root",
        "experimental", "features", "fixed-cidr", "fixed-cidr-v6", "graph", "group",
        "host-gateway-ip", "hosts", "icc", "init", "init-path", "insecure-registries", "ip",
        "ip-forward", "ip-masq", "ip6tables", "iptables", "ipv6", "labels", "live-restore",
        "log-driver", "log-level", "log-opts", "max-concurrent-downloads", "max-concurrent-uploads",
        "max-download-attempts", "metrics-addr", "mtu", "network-control-plane-mtu",
        "network-diagnostic-port", "no-new-privileges", "node-generic-resources",
        "oom-score-adjust", "pidfile", "raw-logs", "registry-mirrors", "restart", "rootless",
        "runtimes", "seccomp-profile", "selinux-enabled", "shutdown-timeout", "storage-driver",
        "storage-opts", "swarm-default-advertise-addr", "tls", "tlscacert", "tlscert", "tlskey",
        "tlsverify", "userland-proxy", "userland-proxy-path", "userns-remap",
        /* Later releases. */
        "proxies",              /* 23.0 */
        "default-network-opts", /* 24.0 */
        "cdi-spec-dirs",        /* 25.0 */
        "log-format",           /* 25.0 */
        "ip-forward-no-drop",   /* 27.0 */
        "allow-direct-routing", /* 28.0 */
        "bridge-accept-fwmark", /* 28.0 */
        "firewall-backend",     /* 28.0 */
        "host-gateway-ips",     /* 28.0 */
};

static bool
docker_key_known(const char *key)
{
	for (size_t i = 0; i < GP_ARRAY_SIZE(docker_known_keys); i++)
		if (strcmp(docker_known_keys[i], key) == 0)
			return true;
	return false;
}

/* An exec-opts entry "native.cgroupdriver=X": dockerd trims and lowercases the key. */
static bool
exec_opt_is_cgroupdriver(const char *opt, const char **ret_value)
{
	const char *eq = strchr(opt, '=');
	if (!eq)
		return false;
	const char *k = opt;
	while (*k == ' ')
		k++;
	const char *ke = eq;
	while (ke > k && ke[-1] == ' ')
		ke--;
	static const char want[] = "native.cgroupdriver";
	if ((size_t)(ke - k) != sizeof(want) - 1 || strncasecmp(k, want, sizeof(want) - 1) != 0)
		return false;
	const char *v = eq + 1;
	while (*v == ' ')
		v++;
	*ret_value = v;
	return true;
}

static bool
value_is(const char *v, const char *want)
{
	size_t n = strlen(want);
	if (strncmp(v, want, n) != 0)
		return false;
	for (v += n; *v; v++)
		if (*v != ' ')
			return false;
	return true;
}

static int
set_cgroup_driver(struct jsonedit_doc *doc, const char *driver, struct gp_error *err)
{
	static const char *const path[] = {"exec-opts", NULL};
	_cleanup_free_ char *want = xasprintf("native.cgroupdriver=%s", driver);
	_cleanup_json_ json_t *want_v = json_string(want);
	const json_t *opts = jsonedit_get(doc, path);
	if (!opts) {
		_cleanup_json_ json_t *arr = json_array();
		json_array_append(arr, want_v);
		return jsonedit_set(doc, path, arr, err);
	}
	if (!json_is_array(opts)) {
		jsonedit_type_error(doc, path, "an array", err);
		return gp_error_hint(err, "write it as \"exec-opts\": [\"%s\"]", want);
	}
	_cleanup_free_ size_t *idx = xcalloc(json_array_size(opts) + 1, sizeof(size_t));
	size_t n = 0;
	bool first_ok = false;
	for (size_t i = 0; i < json_array_size(opts); i++) {
		const char *s = json_string_value(json_array_get(opts, i));
		const char *v;
		if (s && exec_opt_is_cgroupdriver(s, &v)) {
			if (n == 0)
				first_ok = value_is(v, driver);
			idx[n++] = i;
		}
	}
	if (n == 0)
		return jsonedit_array_append(doc, path, want_v, err);
	/* Keep exactly one: the first, set right; drop the others from the end. */
	for (size_t k = n; k-- > 1;)
		if (jsonedit_array_delete(doc, path, idx[k], err) < 0)
			return -1;
	if (!first_ok)
		return jsonedit_array_set(doc, path, idx[0], want_v, err);
	return 0;
}

/*
 * Refuse the members configure edits when they have the wrong type, before any
 * edit, so the error points at the file as the user wrote it.
 */
static int
docker_check_types(const struct configure_opts *opts, const struct jsonedit_doc *doc,
                   struct gp_error *err)
{
	const char *rt = opts->runtime_name;
	const char *const rts_p[] = {"runtimes", NULL};
	const char *const entry_p[] = {"runtimes", rt, NULL};
	const char *const args_p[] = {"runtimes", rt, "runtimeArgs", NULL};
	const char *const eo_p[] = {"exec-opts", NULL};
	const char *const fp[] = {"features", NULL};
	const json_t *v;
	if ((v = jsonedit_get(doc, rts_p)) && !json_is_object(v)) {
		jsonedit_type_error(doc, rts_p, "an object", err);
		return gp_error_hint(err,
		                     "'runtimes' maps names to objects, as in \"runtimes\": "
		                     "{\"%s\": {\"path\": \"...\"}}; fix or remove it, then "
		                     "run again",
		                     rt);
	}
	if ((v = jsonedit_get(doc, entry_p)) && !json_is_object(v)) {
		jsonedit_type_error(doc, entry_p, "an object", err);
		return gp_error_hint(err,
		                     "write it as \"%s\": {\"path\": \"...\"}, or remove it, "
		                     "then run again",
		                     rt);
	}
	if ((v = jsonedit_get(doc, args_p)) && !json_is_array(v)) {
		jsonedit_type_error(doc, args_p, "an array", err);
		return gp_error_hint(err, "write it as \"runtimeArgs\": [], then run again");
	}
	if (opts->cgroup_driver != CGROUP_DRIVER_UNSET && (v = jsonedit_get(doc, eo_p)) &&
	    !json_is_array(v)) {
		jsonedit_type_error(doc, eo_p, "an array", err);
		return gp_error_hint(err, "write it as \"exec-opts\": [\"native.cgroupdriver=%s\"]",
		                     cgroup_driver_name(opts->cgroup_driver));
	}
	if (opts->cdi && (v = jsonedit_get(doc, fp)) && !json_is_object(v)) {
		jsonedit_type_error(doc, fp, "an object", err);
		return gp_error_hint(err, "write it as \"features\": {\"cdi\": true}");
	}
	return 0;
}

static int
docker_edit(const struct configure_opts *opts, const char *name, struct jsonedit_doc *doc,
            struct configure_result *ret, struct gp_error *err)
{
	const char *rt = opts->runtime_name;
	const char *rpath = opts->runtime_path ? opts->runtime_path : DOCKER_DEFAULT_RUNTIME_PATH;

	if (docker_check_types(opts, doc, err) < 0)
		return -1;
	if (opts->set_default) {
		static const char *const p[] = {"default-runtime", NULL};
		_cleanup_json_ json_t *v = json_string(rt);
		if (jsonedit_set(doc, p, v, err) < 0)
			return -1;
	}

	const char *const entry_p[] = {"runtimes", rt, NULL};
	const json_t *entry = jsonedit_get(doc, entry_p);
	if (!entry) {
		_cleanup_json_ json_t *v = json_pack("{s:s, s:[]}", "path", rpath, "runtimeArgs");
		if (jsonedit_set(doc, entry_p, v, err) < 0)
			return -1;
	} else {
		/* Keep the entry's other keys and its runtimeArgs; set the path. */
		const char *const path_p[] = {"runtimes", rt, "path", NULL};
		const char *const args_p[] = {"runtimes", rt, "runtimeArgs", NULL};
		_cleanup_json_ json_t *pv = json_string(rpath);
		if (jsonedit_set(doc, path_p, pv, err) < 0)
			return -1;
		if (!jsonedit_get(doc, args_p)) {
			_cleanup_json_ json_t *empty = json_array();
			if (jsonedit_set(doc, args_p, empty, err) < 0)
				return -1;
		}
		const char *const old_args_p[] = {"runtimes", rt, "args", NULL};
		if (jsonedit_get(doc, old_args_p))
			configure_result_warn(
			        ret,
			        "%s: dockerd ignores 'runtimes.%s.args'; its field is "
			        "'runtimeArgs'",
			        name, rt);
	}

	if (opts->cgroup_driver != CGROUP_DRIVER_UNSET &&
	    set_cgroup_driver(doc, cgroup_driver_name(opts->cgroup_driver), err) < 0)
		return -1;

	if (opts->cdi) {
		static const char *const cp[] = {"features", "cdi", NULL};
		if (jsonedit_set(doc, cp, json_true(), err) < 0)
			return -1;
	}

	const char *key;
	json_t *v;
	json_object_foreach ((json_t *)jsonedit_root(doc), key, v) {
		if (!docker_key_known(key))
			configure_result_warn(ret,
			                      "%s: dockerd does not know the key '%s' and refuses "
			                      "to start with it",
			                      name, key);
	}
	return 0;
}

static int
docker_configure(const struct configure_opts *opts, struct configure_result *ret,
                 struct gp_error *err)
{
	if (opts->drop_in)
		return gp_error_set_code(err, GP_EXIT_USAGE,
		                         "--drop-in applies to containerd only");
	if (opts->config_version)
		return gp_error_set_code(err, GP_EXIT_USAGE,
		                         "--config-version applies to containerd only");
	if (opts->runtime_path && !*opts->runtime_path)
		return gp_error_set_code(err, GP_EXIT_USAGE, "--runtime-path must not be empty");

	struct file_change *fc;
	if (changeset_read(&ret->changes, opts->root,
	                   opts->config_path ? opts->config_path : runtime_docker.config_path, &fc,
	                   err) < 0)
		return -1;
	_cleanup_free_ char *name = gp_path(opts->root, fc->path);
	_cleanup_(jsonedit_freep) struct jsonedit_doc *doc = NULL;
	if (jsonedit_parse(name, fc->old_data, fc->old_len, &doc, err) < 0)
		return -1;
	if (docker_edit(opts, name, doc, ret, err) < 0)
		return -1;
	size_t len;
	const char *text = jsonedit_text(doc, &len);
	file_change_set_new(fc, text, len);
	return 0;
}

/* dockerd's own runtime: always there, whatever daemon.json says. */
#define DOCKER_STOCK_RUNTIME "runc"

static int
docker_inspect_doc(const char *name, const struct jsonedit_doc *doc, struct runtime_config_view *v,
                   struct gp_error *err)
{
	static const char *const dr_p[] = {"default-runtime", NULL};
	const json_t *dr = jsonedit_get(doc, dr_p);
	if (dr && !json_is_string(dr)) {
		jsonedit_type_error(doc, dr_p, "a string", err);
		return gp_error_hint(err, "dockerd refuses to start with it; write it as "
		                          "\"default-runtime\": \"runc\", or remove it");
	}
	if (dr)
		v->default_runtime = xstrdup(json_string_value(dr));
	const char *rt = v->default_runtime ? v->default_runtime : DOCKER_STOCK_RUNTIME;
	if (strcmp(rt, DOCKER_STOCK_RUNTIME) == 0) {
		v->default_defined = true;
	} else {
		const char *const entry_p[] = {"runtimes", rt, NULL};
		const char *const path_p[] = {"runtimes", rt, "path", NULL};
		const json_t *entry = jsonedit_get(doc, entry_p);
		const json_t *path = jsonedit_get(doc, path_p);
		v->default_defined = json_is_object(entry);
		if (json_is_string(path))
			v->default_path = xstrdup(json_string_value(path));
	}

	static const char *const rts_p[] = {"runtimes", NULL};
	const json_t *rts = jsonedit_get(doc, rts_p);
	if (rts && !json_is_object(rts)) {
		jsonedit_type_error(doc, rts_p, "an object", err);
		return gp_error_hint(err, "dockerd refuses to start with it; 'runtimes' maps names "
		                          "to objects: \"runtimes\": {\"nvidia\": {\"path\": "
		                          "\"...\"}}");
	}
	const char *key;
	const json_t *entry;
	json_object_foreach ((json_t *)rts, key, entry) {
		const json_t *path = json_object_get(entry, "path");
		runtime_config_view_add(v, key, json_string_value(path));
	}

	static const char *const eo_p[] = {"exec-opts", NULL};
	const json_t *opts = jsonedit_get(doc, eo_p);
	if (opts && !json_is_array(opts)) {
		jsonedit_type_error(doc, eo_p, "an array", err);
		return gp_error_hint(err, "dockerd refuses to start with it; write it as "
		                          "\"exec-opts\": [\"native.cgroupdriver=systemd\"]");
	}
	for (size_t i = 0; opts && i < json_array_size(opts); i++) {
		const char *s = json_string_value(json_array_get(opts, i));
		const char *val;
		if (!s || !exec_opt_is_cgroupdriver(s, &val))
			continue;
		/* dockerd takes the first one. */
		if (value_is(val, "systemd"))
			v->cgroup_driver = CGROUP_DRIVER_SYSTEMD;
		else if (value_is(val, "cgroupfs"))
			v->cgroup_driver = CGROUP_DRIVER_CGROUPFS;
		else
			return gp_error_set(err, "%s: unknown cgroup driver in exec-opts '%s'",
			                    name, s);
		v->cgroup_driver_source = xasprintf("exec-opts %s in '%s'", s, name);
		v->cgroup_driver_set = true;
		break;
	}

	static const char *const cdi_p[] = {"features", "cdi", NULL};
	const json_t *cdi = jsonedit_get(doc, cdi_p);
	if (json_is_boolean(cdi))
		v->cdi = json_is_true(cdi);
	return 0;
}

static int
docker_inspect(const char *root, const char *config_path, struct runtime_config_view *ret,
               struct gp_error *err)
{
	_cleanup_(changeset_release) struct changeset cs = CHANGESET_INIT;
	struct runtime_config_view v = {.cdi = -1};
	struct file_change *fc;
	if (changeset_read(&cs, root, config_path ? config_path : runtime_docker.config_path, &fc,
	                   err) < 0)
		return -1;
	v.path = xstrdup(fc->path);
	v.exists = fc->existed;
	_cleanup_free_ char *name = gp_path(root, fc->path);
	_cleanup_(jsonedit_freep) struct jsonedit_doc *doc = NULL;
	if (jsonedit_parse(name, fc->old_data, fc->old_len, &doc, err) < 0 ||
	    docker_inspect_doc(name, doc, &v, err) < 0) {
		runtime_config_view_release(&v);
		return -1;
	}
	if (v.cgroup_driver == CGROUP_DRIVER_UNSET) {
		/*
		 * dockerd's own default (20.10 on): systemd on a cgroup v2 host booted
		 * with systemd, cgroupfs otherwise.
		 */
		bool systemd = noderoot_exists(root, "/sys/fs/cgroup/cgroup.controllers") &&
		               noderoot_is_dir(root, "/run/systemd/system");
		v.cgroup_driver = systemd ? CGROUP_DRIVER_SYSTEMD : CGROUP_DRIVER_CGROUPFS;
		v.cgroup_driver_source = xstrdup(
		        systemd ? "dockerd's default on a cgroup v2 host booted with systemd"
		                : "dockerd's default without cgroup v2 and systemd");
	}
	*ret = v;
	return 0;
}

static int
docker_restart(const struct restart_opts *opts, struct restart_result *ret, struct gp_error *err)
{
	return docker_live_restart(&runtime_docker, opts, ret, err);
}

static int
docker_verify(const struct live_opts *opts, struct verify_result *ret, struct gp_error *err)
{
	return docker_live_verify(&runtime_docker, opts, ret, err);
}

const struct runtime_ops runtime_docker = {
        .name = "docker",
        .binary = "dockerd",
        .config_path = "/etc/docker/daemon.json",
        .socket_path = "/run/docker.sock",
        .cri_socket = NULL, /* docker needs cri-dockerd for CRI */
        .configure = docker_configure,
        .inspect = docker_inspect,
        .ask_live = docker_ask_live,
        .restart = docker_restart,
        .verify = docker_verify,
};
