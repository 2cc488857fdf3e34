// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * A preflight report as text, as kubeadm prints its checks: preflight's, and verify
 * --after-join's. See preflightout.h.
 */
#include "preflightout.h"

static void
print_result(struct gp_ctx *ctx, const struct preflight_result *r)
{
	static const char *const color[PREFLIGHT_N_STATUS] = {
	        [PREFLIGHT_PASS] = "\033[32m",
	        [PREFLIGHT_WARN] = "\033[1;33m",
	        [PREFLIGHT_FAIL] = "\033[1;31m",
	        [PREFLIGHT_SKIP] = "\033[2m",
	};
	static const char *const label[PREFLIGHT_N_STATUS] = {
	        [PREFLIGHT_PASS] = "PASS",
	        [PREFLIGHT_WARN] = "WARNING",
	        [PREFLIGHT_FAIL] = "ERROR",
	        [PREFLIGHT_SKIP] = "SKIP",
	};
	if (ctx->quiet && (r->status == PREFLIGHT_PASS || r->status == PREFLIGHT_SKIP))
		return;
	/* As kubeadm prints them, for log scrapers written for it: "[ERROR Swap]: ...". */
	_cleanup_free_ char *tag = r->status == PREFLIGHT_PASS
	                                   ? xasprintf("[%s]", label[r->status])
	                                   : xasprintf("[%s %s]:", label[r->status], r->id);
	_cleanup_free_ char *line = NULL;
	if (ctx->color)
		line = xasprintf("%s%s\033[0m %s\n", color[r->status], tag, r->message);
	else
		line = xasprintf("%s %s\n", tag, r->message);
	cmd_out(ctx, line);
	if (r->hint && (r->status == PREFLIGHT_WARN || r->status == PREFLIGHT_FAIL)) {
		_cleanup_free_ char *hint = xasprintf("    hint: %s\n", r->hint);
		cmd_out(ctx, hint);
	}
}

static const char *
plural(size_t n, const char *one, const char *many)
{
	return n == 1 ? one : many;
}

static void
print_summary(struct gp_ctx *ctx, const struct preflight_report *rep, const char *label)
{
	size_t warn = rep->count[PREFLIGHT_WARN], fail = rep->count[PREFLIGHT_FAIL];
	_cleanup_free_ char *ignored =
	        rep->n_ignored ? xasprintf(" (%zu ignored %s)", rep->n_ignored,
	                                   plural(rep->n_ignored, "error", "errors"))
	                       : xstrdup("");
	_cleanup_free_ char *line = xasprintf(
	        "%s: %zu passed, %zu %s%s, %zu %s, %zu skipped\n", label,
	        rep->count[PREFLIGHT_PASS], warn, plural(warn, "warning", "warnings"), ignored,
	        fail, plural(fail, "error", "errors"), rep->count[PREFLIGHT_SKIP]);
	cmd_out(ctx, line);
}

void
cmd_print_checks(struct gp_ctx *ctx, const struct preflight_report *rep, const char *label)
{
	for (size_t i = 0; i < rep->n; i++)
		print_result(ctx, &rep->results[i]);
	print_summary(ctx, rep, label);
}
