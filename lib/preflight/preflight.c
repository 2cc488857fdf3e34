// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The preflight framework: the check table, the options and running the
 * checks. What the checks share is preflight_check.c, the checks themselves
 * live in preflight_<area>.c, and the report is preflight_report.c.
 */
#include "preflight.h"

#include <ctype.h>
#include <string.h>

#include "preflight_check.h"
#include "rows.h"

/* Every check: its id and function, in the order they run and print. */
#define PREFLIGHT_CHECKS(X)                                                                        \
	X("root", root)                                                                            \
	X("gpu-present", gpu_present)                                                              \
	X("nouveau", nouveau)                                                                      \
	X("driver-loaded", driver_loaded)                                                          \
	X("device-nodes", device_nodes)                                                            \
	X("nvml", nvml)                                                                            \
	X("driver-version-match", driver_version_match)                                            \
	X("toolkit", toolkit)                                                                      \
	X("runtime-config", runtime_config)                                                        \
	X("runtime-live", runtime_live)                                                            \
	X("runtime-version", runtime_version)                                                      \
	X("cri-socket", cri_socket)                                                                \
	X("cri-plugin", cri_plugin)                                                                \
	X("cgroup-driver", cgroup_driver)                                                          \
	X("cgroups", cgroups)                                                                      \
	X("dev-char-links", dev_char_links)                                                        \
	X("cdi", cdi)                                                                              \
	X("jetson-mode", jetson_mode)                                                              \
	X("swap", swap)                                                                            \
	X("ip-forward", ip_forward)                                                                \
	X("edgecore-clean", edgecore_clean)

static const struct preflight_check {
	const char *id;
	preflight_check_fn fn;
} checks[] = {
#define CHECK_ENTRY(id, name) {id, preflight_check_##name},
        PREFLIGHT_CHECKS(CHECK_ENTRY)
#undef CHECK_ENTRY
};

static const char *const check_ids[] = {
#define CHECK_ID(id, name) id,
        PREFLIGHT_CHECKS(CHECK_ID)
#undef CHECK_ID
                NULL,
};

const char *const *
preflight_check_ids(void)
{
	return check_ids;
}

bool
preflight_check_exists(const char *id)
{
	for (size_t i = 0; i < GP_ARRAY_SIZE(checks); i++)
		if (strcmp(checks[i].id, id) == 0)
			return true;
	return false;
}

int
preflight_parse_ids(const char *option, const char *list, bool allow_all, char ***ret_ids,
                    bool *ret_all, struct gp_error *err)
{
	_cleanup_strv_ char **ids = NULL;
	_cleanup_free_ char *copy = xstrdup(list);
	bool all = false;
	char *save = NULL;

	for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		str_strip(tok);
		for (char *p = tok; *p; p++)
			*p = (char)tolower((unsigned char)*p);
		if (!*tok)
			continue;
		if (allow_all && strcmp(tok, "all") == 0) {
			all = true;
			continue;
		}
		if (!preflight_check_exists(tok)) {
			gp_error_set_code(err, GP_EXIT_USAGE, "%s: unknown check id '%s'", option,
			                  tok);
			_cleanup_free_ char *known = NULL;
			for (size_t i = 0; check_ids[i]; i++) {
				char *k = xasprintf("%s%s%s", known ? known : "", known ? ", " : "",
				                    check_ids[i]);
				free(known);
				known = k;
			}
			return gp_error_hint(err, "the check ids are: %s%s", known,
			                     allow_all ? " (or all)" : "");
		}
		if (!strv_contains(ids, tok))
			ids = strv_push(ids, tok);
	}
	if (all && ids)
		return gp_error_set_code(err, GP_EXIT_USAGE,
		                         "%s: 'all' cannot be combined with check ids", option);
	if (!all && !ids)
		return gp_error_set_code(err, GP_EXIT_USAGE, "%s: no check id given", option);
	*ret_ids = TAKE_PTR(ids);
	if (ret_all)
		*ret_all = all;
	return 0;
}

int
preflight_add_ids(const char *option, const char *list, char ***ids, bool *all,
                  struct gp_error *err)
{
	_cleanup_strv_ char **more = NULL;
	bool more_all = false;
	if (preflight_parse_ids(option, list, all != NULL, &more, &more_all, err) < 0)
		return -1;
	for (size_t i = 0; more && more[i]; i++)
		if (!strv_contains(*ids, more[i]))
			*ids = strv_push(*ids, more[i]);
	if (all)
		*all = *all || more_all;
	if (all && *all && *ids)
		return gp_error_set_code(err, GP_EXIT_USAGE,
		                         "%s: 'all' cannot be combined with check ids", option);
	return 0;
}

int
preflight_endpoint_path(const char *endpoint, char **ret_path, struct gp_error *err)
{
	const char *path = endpoint;
	if (str_startswith(endpoint, "unix://"))
		path = endpoint + strlen("unix://");
	else if (strstr(endpoint, "://"))
		return gp_error_set_code(
		        err, GP_EXIT_USAGE,
		        "--cri-socket: unsupported endpoint '%s': only unix sockets "
		        "are supported",
		        endpoint);
	if (path[0] != '/')
		return gp_error_set_code(err, GP_EXIT_USAGE,
		                         "--cri-socket: '%s' is not an absolute socket path",
		                         endpoint);
	*ret_path = xstrdup(path);
	return 0;
}

/* The runtimes preflight can check: those with a config file of their own. */
static const struct runtime_ops *
checkable_runtime(const char *name)
{
	const struct runtime_ops *ops = runtime_find(name);
	return ops && ops->config_path ? ops : NULL;
}

int
preflight_opts_validate(const struct preflight_opts *opts, struct gp_error *err)
{
	if (opts->runtime && !checkable_runtime(opts->runtime)) {
		_cleanup_free_ char *names = runtime_configurable_names();
		return gp_error_set_code(err, GP_EXIT_USAGE, "--runtime: unknown runtime '%s' (%s)",
		                         opts->runtime, names);
	}
	if (opts->cgroup_driver && strcmp(opts->cgroup_driver, "systemd") != 0 &&
	    strcmp(opts->cgroup_driver, "cgroupfs") != 0)
		return gp_error_set_code(
		        err, GP_EXIT_USAGE,
		        "--cgroup-driver: unknown driver '%s' (systemd or cgroupfs)",
		        opts->cgroup_driver);
	if (opts->cri_socket) {
		_cleanup_free_ char *path = NULL;
		if (preflight_endpoint_path(opts->cri_socket, &path, err) < 0)
			return -1;
	}
	return 0;
}

/*
 * The runtime keadm will talk to: --runtime, or the one behind the CRI
 * socket. cri-dockerd's socket means docker; keadm's default is containerd's.
 */
static const struct runtime_ops *
infer_runtime(const char *cri_socket)
{
	if (strcmp(cri_socket, runtime_cri_dockerd.cri_socket) == 0)
		return &runtime_docker;
	for (size_t i = 0; runtime_all[i]; i++)
		if (runtime_all[i]->cri_socket && runtime_all[i]->config_path &&
		    strcmp(runtime_all[i]->cri_socket, cri_socket) == 0)
			return runtime_all[i];
	return &runtime_containerd;
}

/* "/var/run/x.sock" and "/run/x.sock" name the same socket. */
static char *
normalize_socket_path(const char *path)
{
	if (str_startswith(path, "/var/run/"))
		return xstrdup(path + strlen("/var"));
	return xstrdup(path);
}

int
preflight_run(const struct preflight_opts *opts, struct preflight_report *ret, struct gp_error *err)
{
	if (preflight_opts_validate(opts, err) < 0)
		return -1;

	_cleanup_free_ char *given = NULL;
	/* --runtime without --cri-socket: keadm join will get that runtime's own socket. */
	const struct runtime_ops *named = opts->runtime ? checkable_runtime(opts->runtime) : NULL;
	_cleanup_free_ char *named_endpoint =
	        named && named->cri_socket ? xasprintf("unix://%s", named->cri_socket) : NULL;
	struct preflight_ctx ctx = {
	        .root = gp_root_is_set(opts->root) ? opts->root : NULL,
	        .cri_endpoint = opts->cri_socket ? opts->cri_socket
	                        : named_endpoint ? named_endpoint
	                                         : PREFLIGHT_DEFAULT_CRI_SOCKET,
	        .cri_socket_given = opts->cri_socket != NULL,
	        .cgroup_driver =
	                opts->cgroup_driver ? opts->cgroup_driver : PREFLIGHT_DEFAULT_CGROUP_DRIVER,
	};
	if (preflight_endpoint_path(ctx.cri_endpoint, &given, err) < 0)
		return -1;
	ctx.cri_socket = normalize_socket_path(given);
	ctx.runtime_given = opts->runtime != NULL;
	ctx.want_nvml = !opts->only || strv_contains(opts->only, "nvml") ||
	                strv_contains(opts->only, "driver-version-match");
	ctx.runtime =
	        opts->runtime ? checkable_runtime(opts->runtime) : infer_runtime(ctx.cri_socket);

	struct preflight_report rep = {0};
	rep.results = xcalloc(GP_ARRAY_SIZE(checks), sizeof(*rep.results));
	for (size_t i = 0; i < GP_ARRAY_SIZE(checks); i++) {
		if (opts->only && !strv_contains(opts->only, checks[i].id))
			continue;
		struct preflight_result *r = &rep.results[rep.n++];
		r->id = checks[i].id;
		r->status = PREFLIGHT_SKIP;
		checks[i].fn(&ctx, r);
		if (!r->message)
			r->message = xstrdup("no result");
		if (r->status == PREFLIGHT_FAIL &&
		    (opts->ignore_all || strv_contains(opts->ignore, r->id))) {
			r->status = PREFLIGHT_WARN;
			r->ignored = true;
			rep.n_ignored++;
		}
		rep.count[r->status]++;
	}
	rep.node_unreadable = ctx.node_done && !ctx.node_ok;
	free(ctx.cri_socket);
	preflight_node_release(&ctx);
	preflight_runtime_release(&ctx);
	*ret = rep;
	return 0;
}
