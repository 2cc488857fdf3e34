// SPDX-License-Identifier: GPL-2.0-or-later
/* Docker Engine: /etc/docker/daemon.json, edited with lib/jsonedit (jansson). */
#include "runtime.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "docker_version.h"
#include "jsonedit.h"
#include "live.h"
#include "noderoot.h"
#include "proc.h"
#include "rows.h"

#define DOCKER_DEFAULT_RUNTIME_PATH "nvidia-container-runtime"

/*
 * The top-level daemon.json keys dockerd 28.1 knows, with the release each appeared in
 * (major * 100 + minor; 2010: 20.10, Debian 12's docker.io, or earlier). dockerd refuses to
 * start on any other key ("the following directives don't match any configuration
 * option"). The list was checked key by key with `dockerd-28.1.1 --validate` (a key with a
 * null or a string value; "proxies", an object, with one); the release of each later key is the
 * first moby tag whose daemon/config declares it. Keys that dockerd 28 no longer knows
 * (cluster-store, graph, ...) are gone.
 */
struct docker_key {
	const char *key;
	int since;
};
static const struct docker_key docker_known_keys[] = {
        {"allow-nondistributable-artifacts", 2010},
        {"api-cors-header", 2010},
        {"authorization-plugins", 2010},
        {"bip", 2010},
        {"bip6", 2800},
        {"bridge", 2010},
        {"builder", 2010},
        {"cdi-spec-dirs", 2500},
        {"cgroup-parent", 2010},
        {"containerd", 2010},
        {"containerd-namespace", 2010},
        {"containerd-plugins-namespace", 2010},
        {"cpu-rt-period", 2010},
        {"cpu-rt-runtime", 2010},
        {"cri-containerd", 2010},
        {"data-root", 2010},
        {"debug", 2010},
        {"default-address-pools", 2010},
        {"default-cgroupns-mode", 2010},
        {"default-gateway", 2010},
        {"default-gateway-v6", 2010},
        {"default-ipc-mode", 2010},
        {"default-network-opts", 2400},
        {"default-runtime", 2010},
        {"default-shm-size", 2010},
        {"default-ulimits", 2010},
        {"deprecated-key-path", 2010},
        {"dns", 2010},
        {"dns-opts", 2010},
        {"dns-search", 2010},
        {"exec-opts", 2010},
        {"exec-root", 2010},
        {"experimental", 2010},
        {"features", 2010},
        {"fixed-cidr", 2010},
        {"fixed-cidr-v6", 2010},
        {"group", 2010},
        {"host-gateway-ip", 2010},
        {"host-gateway-ips", 2800},
        {"hosts", 2010},
        {"http-proxy", 2300},
        {"https-proxy", 2300},
        {"icc", 2010},
        {"init", 2010},
        {"init-path", 2010},
        {"insecure-registries", 2010},
        {"ip", 2010},
        {"ip-forward", 2010},
        {"ip-forward-no-drop", 2800},
        {"ip-masq", 2010},
        {"ip6tables", 2010},
        {"iptables", 2010},
        {"ipv6", 2010},
        {"labels", 2010},
        {"live-restore", 2010},
        {"log-driver", 2010},
        {"log-format", 2500},
        {"log-level", 2010},
        {"log-opts", 2010},
        {"max-concurrent-downloads", 2010},
        {"max-concurrent-uploads", 2010},
        {"max-download-attempts", 2010},
        {"metrics-addr", 2010},
        {"mtu", 2010},
        {"network-control-plane-mtu", 2010},
        {"network-diagnostic-port", 2010},
        {"no-new-privileges", 2010},
        {"no-proxy", 2300},
        {"node-generic-resources", 2010},
        {"pidfile", 2010},
        {"proxies", 2300},
        {"raw-logs", 2010},
        {"registry-mirrors", 2010},
        {"restart", 2010},
        {"rootless", 2010},
        {"runtimes", 2010},
        {"seccomp-profile", 2010},
        {"selinux-enabled", 2010},
        {"shutdown-timeout", 2010},
        {"storage-driver", 2010},
        {"storage-opts", 2010},
        {"swarm-default-advertise-addr", 2010},
        {"tls", 2010},
        {"tlscacert", 2010},
        {"tlscert", 2010},
        {"tlskey", 2010},
        {"tlsverify", 2010},
        {"userland-proxy", 2010},
        {"userland-proxy-path", 2010},
        {"userns-remap", 2010},
};

/* The release that first knew key (major * 100 + minor), or 0 when dockerd 28.1 does not. */
static int
docker_key_since(const char *key)
{
	for (size_t i = 0; i < GP_ARRAY_SIZE(docker_known_keys); i++)
		if (strcmp(docker_known_keys[i].key, key) == 0)
			return docker_known_keys[i].since;
	return 0;
}

/*
 * The length of a UTF-8 byte order mark at the start of daemon.json: dockerd 23 and later
 * skip one (editors on Windows write it), and configure keeps it.
 */
static size_t
docker_bom(const char *text, size_t len)
{
	return len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0;
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
	int node = -1;
	json_object_foreach ((json_t *)jsonedit_root(doc), key, v) {
		int since = docker_key_since(key);
		if (!since) {
			configure_result_warn(ret,
			                      "%s: dockerd does not know the key '%s' and refuses "
			                      "to start with it",
			                      name, key);
			continue;
		}
		if (since <= 2010)
			continue;
		if (node < 0)
			node = docker_node_version(opts->root, NULL, NULL);
		char vs[16], vn[16];
		if (node && node < since)
			configure_result_warn(
			        ret,
			        "%s: the key '%s' needs Docker >= %s, and this node's "
			        "dockerd is %s: it refuses to start with it",
			        name, key, docker_version_label(since, vs),
			        docker_version_label(node, vn));
	}
	/* What the node's dockerd does with what is written here. */
	if (node < 0)
		node = docker_node_version(opts->root, NULL, NULL);
	char vn[16];
	if (node && node < DOCKER_CDI_SINCE && opts->cdi)
		configure_result_warn(ret,
		                      "%s: \"features\": {\"cdi\": true} needs Docker >= 25.0, and "
		                      "this node's dockerd is %s: it ignores it (no CDI devices)",
		                      name, docker_version_label(node, vn));
	if (node && node < DOCKER_GPUS_SINCE)
		configure_result_warn(ret,
		                      "this node's dockerd is %s, older than 19.03: it has no "
		                      "docker run --gpus; the nvidia runtime configured here works "
		                      "with it (every container when it is the default, or with "
		                      "--runtime=nvidia; NVIDIA_VISIBLE_DEVICES picks the GPUs)",
		                      docker_version_label(node, vn));
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
	size_t bom = docker_bom(fc->old_data, fc->old_len);
	if (jsonedit_parse(name, fc->old_data + bom, fc->old_len - bom, &doc, err) < 0)
		return -1;
	if (docker_edit(opts, name, doc, ret, err) < 0)
		return -1;
	int node = bom ? docker_node_version(opts->root, NULL, NULL) : 0;
	char vn[16];
	if (node && node < 2300)
		configure_result_warn(
		        ret,
		        "%s: the file starts with a UTF-8 byte order mark, which needs "
		        "Docker >= 23.0, and this node's dockerd is %s: it refuses "
		        "to start with it (kept, as it was there before)",
		        name, docker_version_label(node, vn));
	size_t len;
	const char *text = jsonedit_text(doc, &len);
	_cleanup_free_ char *out = xmalloc(bom + len + 1);
	memcpy(out, fc->old_data, bom);
	memcpy(out + bom, text, len);
	file_change_set_new(fc, out, bom + len);
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
	size_t bom = docker_bom(fc->old_data, fc->old_len);
	if (jsonedit_parse(name, fc->old_data + bom, fc->old_len - bom, &doc, err) < 0 ||
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
        .version = docker_version,
};
