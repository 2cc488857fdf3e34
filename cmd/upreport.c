// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * gpuprep up's report as text: one row per step with what it did (or would
 * do) beneath it, then ready and the keadm join flags, or the steps not run.
 */
#include <string.h>

#include "upout.h"

static char *
duration_text(uint64_t us)
{
	if (us < 10000000u)
		return xasprintf("%llu ms", (unsigned long long)((us + 500u) / 1000u));
	return xasprintf("%.1f s", (double)us / 1e6);
}

/* Indent every line of text by four spaces. */
static void
out_indented(struct gp_ctx *ctx, const char *text)
{
	struct strbuf b = {0};
	for (const char *p = text; *p;) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) + 1 : strlen(p);
		strbuf_puts(&b, "    ");
		strbuf_add(&b, p, n);
		p += n;
	}
	if (b.s && b.s[b.len - 1] != '\n')
		strbuf_puts(&b, "\n");
	if (b.s)
		cmd_out(ctx, b.s);
	free(b.s);
}

/* A preflight report's warnings and errors, as preflight prints them. */
static void
print_checks(struct gp_ctx *ctx, const json_t *doc)
{
	size_t i;
	json_t *c;
	json_array_foreach (json_object_get(doc, "checks"), i, c) {
		const char *status = json_string_value(json_object_get(c, "status"));
		if (strcmp(status, "warn") != 0 && strcmp(status, "fail") != 0)
			continue;
		const char *hint = json_string_value(json_object_get(c, "hint"));
		_cleanup_free_ char *line = xasprintf(
		        "[%s %s]: %s\n%s%s%s", strcmp(status, "fail") == 0 ? "ERROR" : "WARNING",
		        json_string_value(json_object_get(c, "id")),
		        json_string_value(json_object_get(c, "message")), hint ? "    hint: " : "",
		        hint ? hint : "", hint ? "\n" : "");
		out_indented(ctx, line);
	}
}

/* The install plan: versions, then the files and commands. */
static void
print_plan(struct gp_ctx *ctx, const json_t *plan)
{
	static const struct rows_column cols[] = {
	        {"PACKAGE", "name"},
	        {"INSTALLED", "installed"},
	        {"TARGET", "target"},
	};
	_cleanup_free_ char *table = rows_format_table(cols, GP_ARRAY_SIZE(cols),
	                                               json_object_get(plan, "packages"), false);
	out_indented(ctx, table);
	struct strbuf b = {0};
	size_t i;
	json_t *v;
	json_array_foreach (json_object_get(plan, "files"), i, v) {
		strbuf_puts(&b, "write: ");
		strbuf_puts(&b, json_string_value(json_object_get(v, "full_path")));
		strbuf_puts(&b, "\n");
	}
	json_array_foreach (json_object_get(plan, "commands"), i, v) {
		strbuf_puts(&b, "run:   ");
		strbuf_puts(&b, json_string_value(v));
		strbuf_puts(&b, "\n");
	}
	if (b.s)
		out_indented(ctx, b.s);
	free(b.s);
}

/* The checks a step ran or would run, failed ones with their notes. */
static void
print_detail(struct gp_ctx *ctx, const struct up_step *s, bool dry_run)
{
	const json_t *d = s->detail;
	if (!d)
		return;
	switch (s->id) {
	case UP_STEP_PREFLIGHT:
	case UP_STEP_PREFLIGHT_FULL:
		if (json_object_get(d, "checks") &&
		    json_is_object(json_array_get(json_object_get(d, "checks"), 0))) {
			print_checks(ctx, d);
		} else if (dry_run) {
			struct strbuf b = {0};
			size_t i;
			json_t *v;
			json_array_foreach (json_object_get(d, "checks"), i, v) {
				strbuf_puts(&b, i ? ", " : "checks: ");
				strbuf_puts(&b, json_string_value(v));
			}
			if (b.s)
				out_indented(ctx, b.s);
			free(b.s);
		}
		break;
	case UP_STEP_INSTALL:
		if (s->status == UP_WOULD)
			print_plan(ctx, d);
		break;
	case UP_STEP_CONFIGURE: {
		const char *diff = json_string_value(json_object_get(d, "diff"));
		if (diff && *diff)
			out_indented(ctx, diff);
		size_t i;
		json_t *w;
		json_array_foreach (json_object_get(d, "warnings"), i, w) {
			_cleanup_free_ char *l = xasprintf("warning: %s\n", json_string_value(w));
			out_indented(ctx, l);
		}
		break;
	}
	case UP_STEP_VERIFY: {
		size_t i;
		json_t *c;
		json_array_foreach (json_object_get(d, "checks"), i, c) {
			const char *st = json_string_value(json_object_get(c, "status"));
			const char *note = json_string_value(json_object_get(c, "note"));
			if (!st || strcmp(st, "pass") == 0 || !note)
				continue;
			_cleanup_free_ char *l =
			        xasprintf("%s %s: %s\n",
			                  json_string_value(json_object_get(c, "check")), st, note);
			out_indented(ctx, l);
		}
		break;
	}
	default:
		break;
	}
}

void
cmd_up_print_step(struct gp_ctx *ctx, const struct up_step *s, bool dry_run)
{
	if (ctx->json || (ctx->quiet && s->status != UP_FAILED))
		return;
	_cleanup_free_ char *dur = duration_text(s->duration_us);
	_cleanup_free_ char *line =
	        xasprintf("%-15s %-13s %7s  %s\n", up_step_name(s->id), up_status_name(s->status),
	                  dur, s->message ? s->message : "");
	cmd_out(ctx, line);
	print_detail(ctx, s, dry_run);
	fflush(stdout);
}

/* The report's end: ready and the keadm flags, or what was not run. */
void
cmd_up_print_end(struct gp_ctx *ctx, const struct up_report *rep, bool dry_run, int r)
{
	for (size_t i = 0; i < UP_N_STEPS && r < 0 && !ctx->quiet; i++) {
		if (rep->steps[i].status != UP_NOT_RUN)
			continue;
		_cleanup_free_ char *l = xasprintf("%-15s %s\n", up_step_name((enum up_step_id)i),
		                                   up_status_name(UP_NOT_RUN));
		cmd_out(ctx, l);
	}
	if (r < 0 || !rep->cri_endpoint)
		return;
	_cleanup_free_ char *flags = up_keadm_flags(rep);
	if (ctx->quiet) {
		_cleanup_free_ char *l = xasprintf("%s\n", flags);
		cmd_out(ctx, l);
		return;
	}
	_cleanup_free_ char *head =
	        dry_run ? xasprintf("dry run: nothing was changed\n")
	        : rep->restart_manual
	                ? xasprintf("configured, but %s was not restarted: run %s, then 'gpuprep "
	                            "verify'\n",
	                            rep->runtime->name, rep->manual ? rep->manual : "the restart")
	                : xasprintf("ready: %s runs the nvidia runtime\n", rep->runtime->name);
	_cleanup_free_ char *tail = xasprintf("keadm join flags for this node:\n  %s\n", flags);
	cmd_out(ctx, "\n");
	cmd_out(ctx, head);
	cmd_out(ctx, tail);
	if (rep->not_default)
		cmd_out(ctx,
		        "nvidia is not the default runtime: pods select it with a RuntimeClass\n"
		        "  gpuprep manifest runtimeclass | kubectl apply -f -\n"
		        "  gpuprep manifest device-plugin --runtime-class nvidia | kubectl apply "
		        "-f -\n");
}
