// SPDX-License-Identifier: GPL-2.0-or-later
/* Output every command shares: data on stdout, notes, warnings and debug lines on stderr. */
#include <stdarg.h>

#include "cmd.h"

void
cmd_out(struct gp_ctx *ctx, const char *s)
{
	(void)ctx;
	fputs(s, stdout);
}

void
cmd_out_json(struct gp_ctx *ctx, const json_t *doc)
{
	json_decref(ctx->doc);
	ctx->doc = json_incref((json_t *)doc);
}

static void _printf_(4, 0) vnote(struct gp_ctx *ctx, const char *prefix, const char *color,
                                 const char *fmt, va_list ap)
{
	fflush(stdout);
	if (ctx->err_color && color)
		fprintf(stderr, "%s%s\033[0m", color, prefix);
	else
		fputs(prefix, stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void
cmd_note(struct gp_ctx *ctx, const char *fmt, ...)
{
	if (ctx->quiet)
		return;
	va_list ap;
	va_start(ap, fmt);
	vnote(ctx, "", NULL, fmt, ap);
	va_end(ap);
}

void
cmd_warn(struct gp_ctx *ctx, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vnote(ctx, "warning: ", "\033[1;33m", fmt, ap);
	va_end(ap);
}

void
cmd_debug(struct gp_ctx *ctx, const char *fmt, ...)
{
	if (!ctx->verbose)
		return;
	va_list ap;
	va_start(ap, fmt);
	vnote(ctx, "debug: ", NULL, fmt, ap);
	va_end(ap);
}
