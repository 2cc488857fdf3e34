// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * What every check shares: setting its result, lists for messages, paths
 * under the root, and the node scan and the runtime's config, each read once
 * per run and released by the runner. See preflight_check.h.
 */
#include "preflight_check.h"

#include <stdarg.h>
#include <string.h>
#include <sys/stat.h>

#include "noderoot.h"

void
preflight_set(struct preflight_result *r, enum preflight_status status, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	free(r->message);
	r->message = xvasprintf(fmt, ap);
	va_end(ap);
	r->status = status;
}

static void list_vadd(char **list, const char *sep, const char *fmt, va_list ap) _printf_(3, 0);

static void
list_vadd(char **list, const char *sep, const char *fmt, va_list ap)
{
	_cleanup_free_ char *item = xvasprintf(fmt, ap);
	char *n = xasprintf("%s%s%s", *list ? *list : "", *list ? sep : "", item);
	free(*list);
	*list = n;
}

void
preflight_list_add(char **list, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	list_vadd(list, ", ", fmt, ap);
	va_end(ap);
}

void
preflight_problem_add(char **list, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	list_vadd(list, "; ", fmt, ap);
	va_end(ap);
}

void
preflight_hint(struct preflight_result *r, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	free(r->hint);
	r->hint = xvasprintf(fmt, ap);
	va_end(ap);
}

char *
preflight_path(const struct preflight_ctx *ctx, const char *path)
{
	/* Resolved inside the root: an image's /var/run -> /run (or -> /outside) stays in it. */
	return noderoot_socket_path(ctx->root, path);
}

bool
preflight_no_kernel_fs(const struct preflight_ctx *ctx, const char *mount)
{
	if (!gp_root_is_set(ctx->root))
		return false;
	return !noderoot_is_dir(ctx->root, mount);
}

const struct node_info *
preflight_node(struct preflight_ctx *ctx, const char **ret_error)
{
	if (!ctx->node_done) {
		ctx->node_done = true;
		struct node_detect_options o = {.root = ctx->root, .skip_nvml = !ctx->want_nvml};
		ctx->node_ok = node_detect(&o, &ctx->node, &ctx->node_err) == 0;
	}
	if (!ctx->node_ok) {
		*ret_error = ctx->node_err.msg ? ctx->node_err.msg : "the node scan failed";
		return NULL;
	}
	return &ctx->node;
}

const struct node_info *
preflight_node_or_skip(struct preflight_ctx *ctx, struct preflight_result *r)
{
	const char *error = NULL;
	const struct node_info *n = preflight_node(ctx, &error);
	if (!n)
		preflight_set(r, PREFLIGHT_SKIP, "the node could not be scanned (see gpu-present)");
	return n;
}

void
preflight_node_release(struct preflight_ctx *ctx)
{
	if (ctx->node_ok)
		node_info_release(&ctx->node);
	gp_error_release(&ctx->node_err);
}

const struct runtime_config_view *
preflight_runtime_view_quiet(struct preflight_ctx *ctx)
{
	if (!ctx->runtime->inspect)
		return NULL;
	if (!ctx->view_done) {
		ctx->view_done = true;
		ctx->view_ok =
		        ctx->runtime->inspect(ctx->root, NULL, &ctx->view, &ctx->view_err) == 0;
	}
	return ctx->view_ok ? &ctx->view : NULL;
}

const struct runtime_config_view *
preflight_runtime_view(struct preflight_ctx *ctx, struct preflight_result *r)
{
	if (!ctx->runtime->inspect) {
		preflight_set(r, PREFLIGHT_SKIP,
		              "not implemented yet: gpuprep cannot read %s's config yet",
		              ctx->runtime->name);
		return NULL;
	}
	if (!preflight_runtime_view_quiet(ctx)) {
		preflight_set(r, PREFLIGHT_FAIL, "cannot read %s's config: %s", ctx->runtime->name,
		              ctx->view_err.msg ? ctx->view_err.msg : "unknown error");
		if (ctx->view_err.hint)
			preflight_hint(r, "%s", ctx->view_err.hint);
		else
			preflight_hint(r, "fix the file, then run gpuprep configure --runtime %s",
			               ctx->runtime->name);
		return NULL;
	}
	return &ctx->view;
}

void
preflight_runtime_release(struct preflight_ctx *ctx)
{
	if (ctx->view_ok)
		runtime_config_view_release(&ctx->view);
	gp_error_release(&ctx->view_err);
}
