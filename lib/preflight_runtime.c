// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The checks of the container runtime keadm will use: cri-socket.
 */
#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include "preflight_check.h"

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
