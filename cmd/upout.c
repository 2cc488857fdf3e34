// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * How gpuprep up shows its run: a spinner on a tty while a step works, one row
 * per step with what it did (or would do) beneath, and the report's end.
 */
#include "progress.h"
#include "upout.h"

static const char spinner[] = "|/-\\";

static void
out_clear(struct up_out *out)
{
	if (!out->drawn)
		return;
	fputs("\r\033[K", stderr);
	fflush(stderr);
	out->drawn = false;
}

static void
out_draw(struct up_out *out)
{
	if (!out->ctx->tty || out->ctx->quiet || out->ctx->json)
		return;
	out->frame = (out->frame + 1) % (sizeof(spinner) - 1);
	fprintf(stderr, "\r\033[K%c %s: %s", spinner[out->frame], up_step_name(out->current),
	        out->label ? out->label : "...");
	fflush(stderr);
	out->drawn = true;
}

static void
out_label(struct up_out *out, const char *msg)
{
	free(out->label);
	out->label = xstrdup(msg);
	out_draw(out);
}

static void
hook_live_step(void *data, const char *msg)
{
	out_label(data, msg);
}

static void
hook_live_tick(void *data)
{
	out_draw(data);
}

static void
hook_line(struct up_out *out, const char *tool, const char *line)
{
	if (!out->ctx->verbose)
		return;
	out_clear(out);
	cmd_debug(out->ctx, "| %s%s%s", tool ? tool : "", tool ? ": " : "", line);
}

static void
hook_live_line(const char *line, void *data)
{
	hook_line(data, NULL, line);
}

static void
hook_install_step(const char *what, void *data)
{
	out_label(data, what);
}

static void
hook_install_output(const char *tool, const char *line, void *data)
{
	hook_line(data, tool, line);
}

static void
hook_fetch(const struct fetch_progress *p, void *data)
{
	struct up_out *out = data;
	if (!out->ctx->tty || out->ctx->json)
		return;
	out->drawn = !p->done;
	progress_draw(p, out->ctx);
}

static void
hook_retry(const struct fetch_retry *r, void *data)
{
	struct up_out *out = data;
	out_clear(out);
	progress_retry(r, out->ctx);
}

static void
hook_step_begin(enum up_step_id id, void *data)
{
	struct up_out *out = data;
	out->current = id;
	free(out->label);
	out->label = NULL;
	out_draw(out);
}

static void
hook_step_end(const struct up_step *s, void *data)
{
	struct up_out *out = data;
	out_clear(out);
	cmd_up_print_step(out->ctx, s, out->dry_run);
}

void
cmd_up_out_init(struct up_out *out, struct gp_ctx *ctx, struct up_opts *o, struct live_progress *lp)
{
	*out = (struct up_out){.ctx = ctx, .dry_run = o->dry_run};
	*lp = (struct live_progress){
	        .step = hook_live_step,
	        .tick = hook_live_tick,
	        .line = hook_live_line,
	        .data = out,
	};
	o->progress = lp;
	o->install_step = hook_install_step;
	/* Without -v the tool's output is not shown, so a failure's error carries its end. */
	o->install_output = ctx->verbose ? hook_install_output : NULL;
	o->fetch_progress = hook_fetch;
	o->fetch_retry = hook_retry;
	o->step_begin = hook_step_begin;
	o->step_end = hook_step_end;
	o->data = out;
}

void
cmd_up_out_release(struct up_out *out)
{
	out_clear(out);
	free(out->label);
	out->label = NULL;
}
