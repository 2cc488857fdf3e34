// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The checks of the container runtime keadm will use: runtime-config,
 * runtime-live, runtime-version, cri-socket, cri-plugin, cgroup-driver.
 */
#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include "live.h"
#include "preflight_check.h"

/* How long runtime-live waits for the daemon: preflight must stay fast. */
#define LIVE_TIMEOUT_MS 3000u

/* The name of NVIDIA's runtime binaries: nvidia-container-runtime and its .cdi/.legacy modes. */
#define NVIDIA_RUNTIME_BINARY "nvidia-container-runtime"

/* The OCI runtime a container runtime uses when its config names none. */
#define STOCK_RUNTIME "runc"

static bool
is_nvidia_runtime(const char *path)
{
	if (!path)
		return false;
	const char *base = strrchr(path, '/');
	return str_startswith(base ? base + 1 : path, NVIDIA_RUNTIME_BINARY);
}

/* Is the runtime binary there under root? A bare name is looked up in the usual bin dirs. */
static bool
runtime_binary_exists(const struct preflight_ctx *ctx, const char *path)
{
	return runtime_program_check(ctx->root, path, NULL) == 0;
}

static void
check_runtime_config(struct preflight_ctx *ctx, const struct runtime_config_view *v,
                     struct preflight_result *r)
{
	const char *name = ctx->runtime->name;
	_cleanup_free_ char *file = gp_path(ctx->root, v->path);
	if (!v->exists) {
		preflight_set(r, PREFLIGHT_FAIL, "no '%s': %s has no NVIDIA runtime", file, name);
		preflight_hint(r, "gpuprep configure --runtime %s", name);
		return;
	}
	const char *def = v->default_runtime ? v->default_runtime : STOCK_RUNTIME;
	if (!v->default_defined) {
		preflight_set(r, PREFLIGHT_FAIL,
		              "'%s' makes '%s' the default runtime, but defines no such runtime",
		              file, def);
		preflight_hint(r, "gpuprep configure --runtime %s", name);
		return;
	}
	if (!is_nvidia_runtime(v->default_path)) {
		preflight_set(r, PREFLIGHT_FAIL,
		              "the default runtime in '%s' is '%s' (%s), not NVIDIA's", file, def,
		              v->default_path ? v->default_path : STOCK_RUNTIME);
		preflight_hint(r, "gpuprep configure --runtime %s", name);
		return;
	}
	if (!runtime_binary_exists(ctx, v->default_path)) {
		preflight_set(r, PREFLIGHT_FAIL,
		              "the default runtime '%s' in '%s' runs '%s', which is not installed",
		              def, file, v->default_path);
		preflight_hint(r,
		               "gpuprep install, or gpuprep configure --runtime %s --runtime-path "
		               "PATH",
		               name);
		return;
	}
	preflight_set(r, PREFLIGHT_PASS, "'%s' makes '%s' (%s) the default runtime", file, def,
	              v->default_path);
}

void
preflight_check_runtime_config(struct preflight_ctx *ctx, struct preflight_result *r)
{
	const struct runtime_config_view *v = preflight_runtime_view(ctx, r);
	if (!v)
		return;
	check_runtime_config(ctx, v, r);
	/* k3s, rke2: what their flags will render at the next start, and from where. */
	if (v->default_source && r->message) {
		char *m = xasprintf("%s; %s", r->message, v->default_source);
		free(r->message);
		r->message = m;
	}
}

void
preflight_check_runtime_live(struct preflight_ctx *ctx, struct preflight_result *r)
{
	const char *name = ctx->runtime->name;
	const char *sock = ctx->runtime->cri_socket ? ctx->cri_socket : ctx->runtime->socket_path;
	_cleanup_free_ char *path = preflight_path(ctx, sock);
	struct stat st;
	if (stat(path, &st) < 0 || !S_ISSOCK(st.st_mode)) {
		preflight_set(r, PREFLIGHT_SKIP,
		              "no %s socket '%s': the daemon is not running here", name, path);
		return;
	}
	if (!ctx->runtime->ask_live) {
		preflight_set(r, PREFLIGHT_SKIP, "not implemented yet: gpuprep cannot ask %s",
		              name);
		return;
	}
	const struct runtime_config_view *v = preflight_runtime_view(ctx, r);
	if (!v)
		return;
	_cleanup_error_ struct gp_error err = GP_ERROR_INIT;
	_cleanup_(runtime_live_release) struct runtime_live live = {0};
	if (ctx->runtime->ask_live(path, LIVE_TIMEOUT_MS, &live, &err) < 0) {
		preflight_set(r, PREFLIGHT_FAIL, "cannot ask the running %s: %s", name,
		              err.msg ? err.msg : "unknown error");
		preflight_hint(r, "%s", err.hint ? err.hint : "start it, or restart it");
		return;
	}
	const char *live_def =
	        live.view.default_runtime ? live.view.default_runtime : STOCK_RUNTIME;
	_cleanup_free_ char *file = gp_path(ctx->root, v->path);
	_cleanup_free_ char *diff = runtime_live_diff(v, &live, NULL);
	if (diff) {
		preflight_set(r, PREFLIGHT_FAIL,
		              "restart needed: the running %s has not loaded '%s': %s", name, file,
		              diff);
		preflight_hint(
		        r,
		        "gpuprep restart --runtime %s: the daemon still runs on the config it "
		        "started with",
		        name);
		return;
	}
	if (live.cri && !live.ready) {
		preflight_set(r, PREFLIGHT_FAIL, "the running %s is not ready: %s", name,
		              live.not_ready);
		preflight_hint(r, "look at %s's log for why", name);
		return;
	}
	if (!is_nvidia_runtime(live.view.default_path)) {
		/* e.g. containerd 1.x on a deprecated default_runtime table, named "default" */
		preflight_set(r, PREFLIGHT_FAIL, "the running %s uses '%s' (%s), not NVIDIA's",
		              name, live_def,
		              live.view.default_path ? live.view.default_path : STOCK_RUNTIME);
		preflight_hint(r, "gpuprep configure --runtime %s --restart", name);
		return;
	}
	preflight_set(r, PREFLIGHT_PASS, "the running %s uses '%s' (%s), as '%s' says", name,
	              live_def, live.view.default_path ? live.view.default_path : STOCK_RUNTIME,
	              file);
}

/*
 * What the runtime's version allows (runtime_ops.version): asked of the running daemon when
 * its socket is there, else read from the package database or the binary under the root.
 */
void
preflight_check_runtime_version(struct preflight_ctx *ctx, struct preflight_result *r)
{
	const char *name = ctx->runtime->name;
	if (!ctx->runtime->version) {
		preflight_set(r, PREFLIGHT_SKIP,
		              "gpuprep knows no %s release that takes NVIDIA's runtime differently",
		              name);
		return;
	}
	_cleanup_free_ char *path =
	        ctx->runtime->socket_path ? preflight_path(ctx, ctx->runtime->socket_path) : NULL;
	struct stat st;
	bool live = path && stat(path, &st) == 0 && S_ISSOCK(st.st_mode);
	_cleanup_(runtime_version_release) struct runtime_version v = {0};
	ctx->runtime->version(ctx->root, live ? path : NULL, LIVE_TIMEOUT_MS, &v);
	if (!v.daemon) {
		preflight_set(r, PREFLIGHT_SKIP,
		              "cannot tell the %s version: no daemon answers on '%s', and no "
		              "package or binary under the root says",
		              name, path ? path : "?");
		return;
	}
	preflight_set(r, v.limited ? PREFLIGHT_WARN : PREFLIGHT_PASS, "%s (%s): %s", v.daemon,
	              v.source, v.said);
	if (v.hint)
		preflight_hint(r, "%s", v.hint);
}

void
preflight_check_cri_plugin(struct preflight_ctx *ctx, struct preflight_result *r)
{
	if (!ctx->runtime->cri_socket) {
		preflight_set(r, PREFLIGHT_SKIP,
		              "%s has no CRI plugin: cri-dockerd serves CRI for it",
		              ctx->runtime->name);
		return;
	}
	const struct runtime_config_view *v = preflight_runtime_view(ctx, r);
	if (!v)
		return;
	_cleanup_free_ char *file = gp_path(ctx->root, v->path);
	if (v->cri_disabled_by) {
		preflight_set(r, PREFLIGHT_FAIL,
		              "'%s' disables the CRI plugin: disabled_plugins holds \"%s\"", file,
		              v->cri_disabled_by);
		preflight_hint(r,
		               "remove \"%s\" from disabled_plugins and restart %s: without it, "
		               "edgecore fails with \"unknown service runtime.v1.RuntimeService\"",
		               v->cri_disabled_by, ctx->runtime->name);
		return;
	}
	preflight_set(r, PREFLIGHT_PASS, "the CRI plugin is enabled%s%s%s",
	              v->exists ? " in '" : " (no '", file, v->exists ? "'" : "': the defaults)");
}

void
preflight_check_cgroup_driver(struct preflight_ctx *ctx, struct preflight_result *r)
{
	const struct runtime_config_view *v = preflight_runtime_view(ctx, r);
	if (!v)
		return;
	const char *runtime = cgroup_driver_name(v->cgroup_driver);
	if (!runtime) {
		preflight_set(r, PREFLIGHT_SKIP, "cannot tell which cgroup driver %s uses",
		              ctx->runtime->name);
		return;
	}
	if (strcmp(runtime, ctx->cgroup_driver) == 0) {
		preflight_set(r, PREFLIGHT_PASS, "keadm and %s both use the %s cgroup driver",
		              ctx->runtime->name, runtime);
		return;
	}
	preflight_set(r, PREFLIGHT_FAIL,
	              "keadm join will use --cgroupdriver=%s, but %s uses %s (%s)",
	              ctx->cgroup_driver, ctx->runtime->name, runtime,
	              v->cgroup_driver_source ? v->cgroup_driver_source : "its default");
	preflight_hint(r,
	               "keadm join --cgroupdriver=%s (and gpuprep preflight --cgroup-driver %s), "
	               "or change the runtime: gpuprep configure --runtime %s --cgroup-driver %s",
	               runtime, runtime, ctx->runtime->name, ctx->cgroup_driver);
}

static bool
is_socket(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISSOCK(st.st_mode);
}

/* "/run/x.sock" and "/var/run/x.sock" are the same socket. */
static bool
same_socket(const char *a, const char *b)
{
	if (str_startswith(a, "/var/run/"))
		a += strlen("/var");
	if (str_startswith(b, "/var/run/"))
		b += strlen("/var");
	return strcmp(a, b) == 0;
}

/* The CRI sockets present under the root, as a ", "-separated list; *ret_n counts them. */
static char *
present_cri_sockets(const struct preflight_ctx *ctx, size_t *ret_n)
{
	char *list = NULL;
	size_t n = 0;
	for (size_t i = 0; runtime_all[i]; i++) {
		const char *sock = runtime_all[i]->cri_socket;
		if (!sock)
			continue;
		bool dup = false;
		for (size_t j = 0; j < i; j++)
			dup = dup || (runtime_all[j]->cri_socket &&
			              same_socket(runtime_all[j]->cri_socket, sock));
		_cleanup_free_ char *path = preflight_path(ctx, sock);
		if (dup || !is_socket(path))
			continue;
		char *l = xasprintf("%s%sunix://%s", list ? list : "", list ? ", " : "", sock);
		free(list);
		list = l;
		n++;
	}
	*ret_n = n;
	return list;
}

void
preflight_check_cri_socket(struct preflight_ctx *ctx, struct preflight_result *r)
{
	/* Docker Engine speaks no CRI: since KubeEdge 1.14 it takes cri-dockerd. */
	bool needs_shim = !ctx->runtime->cri_socket;
	const char *shim = runtime_cri_dockerd.cri_socket;
	const char *sock = ctx->cri_socket;

	if (needs_shim && ctx->cri_socket_given && ctx->runtime->socket_path &&
	    same_socket(sock, ctx->runtime->socket_path)) {
		preflight_set(r, PREFLIGHT_FAIL,
		              "'%s' is Docker Engine's API, not a CRI endpoint: KubeEdge >= 1.14 "
		              "removed dockershim",
		              ctx->cri_endpoint);
		preflight_hint(
		        r, "install and start cri-dockerd, then pass "
		           "--remote-runtime-endpoint=unix:///var/run/cri-dockerd.sock to keadm "
		           "join");
		return;
	}
	if (needs_shim && !ctx->cri_socket_given)
		sock = shim;

	_cleanup_free_ char *path = preflight_path(ctx, sock);
	struct stat st;
	if (stat(path, &st) < 0) {
		int e = errno;
		if (needs_shim && same_socket(sock, shim)) {
			preflight_set(
			        r, PREFLIGHT_FAIL,
			        "no cri-dockerd socket '%s' (%s): docker needs cri-dockerd since "
			        "KubeEdge 1.14",
			        path, strerror(e));
			preflight_hint(
			        r, "install and start cri-dockerd, then pass "
			           "--remote-runtime-endpoint=unix:///var/run/cri-dockerd.sock to "
			           "keadm join");
		} else {
			preflight_set(r, PREFLIGHT_FAIL, "no CRI socket '%s' (%s)", path,
			              strerror(e));
			preflight_hint(
			        r,
			        "start %s, or pass the socket it listens on with --cri-socket "
			        "(keadm join --remote-runtime-endpoint)",
			        ctx->runtime->name);
		}
		return;
	}
	if (!S_ISSOCK(st.st_mode)) {
		preflight_set(r, PREFLIGHT_FAIL, "'%s' is not a socket", path);
		preflight_hint(r, "pass the socket the runtime listens on with --cri-socket (keadm "
		                  "join --remote-runtime-endpoint)");
		return;
	}
	if (!ctx->cri_socket_given) {
		size_t n = 0;
		_cleanup_free_ char *present = present_cri_sockets(ctx, &n);
		if (n > 1) {
			preflight_set(r, PREFLIGHT_WARN,
			              "several CRI sockets: %s; keadm join uses %s unless told",
			              present, PREFLIGHT_DEFAULT_CRI_SOCKET);
			preflight_hint(
			        r,
			        "pass --remote-runtime-endpoint=unix://%s to keadm join (and "
			        "--cri-socket to gpuprep preflight)",
			        sock);
			return;
		}
	}
	if (needs_shim && !ctx->cri_socket_given)
		preflight_set(r, PREFLIGHT_PASS,
		              "cri-dockerd socket '%s' is there: pass "
		              "--remote-runtime-endpoint=unix://%s to keadm join",
		              path, sock);
	else
		preflight_set(r, PREFLIGHT_PASS, "CRI socket '%s' is there", path);
}
