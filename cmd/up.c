// SPDX-License-Identifier: GPL-2.0-or-later
/* gpuprep up: from a fresh node to GPU-ready in one idempotent run, and the keadm join flags. */
#include <getopt.h>
#include <string.h>

#include "cmd.h"
#include "preflight.h"
#include "progress.h"
#include "safefile.h"
#include "up.h"

const char cmd_up_summary[] = "take the node from fresh to GPU-ready: preflight, install, "
                              "configure, restart, verify";

const char cmd_up_usage[] =
        "usage: gpuprep up [--runtime docker|containerd] [--version V] [--offline PATH]\n"
        "                  [--repo-url URL] [--keyring FILE] [--cgroup-driver systemd|cgroupfs]\n"
        "                  [--cri-socket ENDPOINT] [--cdi] [--no-set-default]\n"
        "                  [--restart-mode auto|systemd|service|signal|none] [--smoke IMAGE]\n"
        "                  [--ignore-preflight-errors ID,...|all] [--dry-run]\n"
        "\n"
        "Run every step that makes the node ready for keadm join, in order: preflight (the\n"
        "checks that can pass before install), install the NVIDIA container toolkit,\n"
        "configure the runtime, restart it, verify the running daemon, and preflight again\n"
        "with every check. A step with nothing to do says \"already done\"; on a ready node\n"
        "nothing is installed, written or restarted. Stops at the first failed step, says\n"
        "what was changed and how to undo it; a failure after configure rolls back. Ends\n"
        "with the keadm join flags that match the node.\n"
        "\n"
        "Options:\n"
        "  --runtime R            docker or containerd (default: the one installed)\n"
        "  --version V            install toolkit V (default: keep an installed one, else the\n"
        "                         newest)\n"
        "  --offline PATH         install from a bundle, release tarball or directory; opens\n"
        "                         no network connection\n"
        "  --repo-url URL         a mirror of NVIDIA's repository\n"
        "  --keyring FILE         trust this key instead of NVIDIA's pinned one\n"
        "  --cgroup-driver D      systemd or cgroupfs: set it in the runtime, and pass it to\n"
        "                         keadm (default: what the runtime uses)\n"
        "  --cri-socket ENDPOINT  the endpoint keadm join will get (default: the runtime's)\n"
        "  --cdi                  also enable CDI\n"
        "  --no-set-default       add the nvidia runtime, but keep the default runtime\n"
        "  --restart-mode M       auto (default), systemd, service, signal or none\n"
        "  --smoke IMAGE          verify by running IMAGE with the nvidia runtime\n"
        "  --ignore-preflight-errors ID,...|all\n"
        "                         report these checks' errors as warnings\n"
        "  --dry-run              print the whole plan (versions, config diff, restart\n"
        "                         method, checks); change nothing\n"
        "  -h, --help             print this help\n"
        "\n"
        "Exit status: 0 ready, 1 a step failed, 2 usage error, 3 no NVIDIA GPU (nothing\n"
        "was changed). See gpuprep-up(1).\n";

/* What the hooks draw with. */
struct up_out {
	struct gp_ctx *ctx;
	enum up_step_id current;
	char *label;
	unsigned frame;
	bool drawn; /* a progress line is on stderr */
	bool dry_run;
};

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
hook_step_begin(enum up_step_id id, void *data)
{
	struct up_out *out = data;
	out->current = id;
	free(out->label);
	out->label = NULL;
	out_draw(out);
}

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
		        "[%s %s] %s\n%s%s%s", strcmp(status, "fail") == 0 ? "ERROR" : "WARNING",
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

static void
hook_step_end(const struct up_step *s, void *data)
{
	struct up_out *out = data;
	struct gp_ctx *ctx = out->ctx;
	out_clear(out);
	if (ctx->json || (ctx->quiet && s->status != UP_FAILED))
		return;
	_cleanup_free_ char *dur = duration_text(s->duration_us);
	_cleanup_free_ char *line =
	        xasprintf("%-15s %-13s %7s  %s\n", up_step_name(s->id), up_status_name(s->status),
	                  dur, s->message ? s->message : "");
	cmd_out(ctx, line);
	print_detail(ctx, s, out->dry_run);
	fflush(stdout);
}

/* The report's end: ready and the keadm flags, or what was not run. */
static void
print_end(struct gp_ctx *ctx, const struct up_report *rep, bool dry_run, int r)
{
	for (size_t i = 0; i < UP_N_STEPS && r < 0 && !ctx->quiet; i++) {
		if (rep->steps[i].status != UP_NOT_RUN)
			continue;
		_cleanup_free_ char *l =
		        xasprintf("%-15s %-13s\n", up_step_name((enum up_step_id)i),
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
}

int
cmd_up(struct gp_ctx *ctx, int argc, char **argv, struct gp_error *err)
{
	enum {
		OPT_RUNTIME = 256,
		OPT_VERSION,
		OPT_OFFLINE,
		OPT_REPO_URL,
		OPT_KEYRING,
		OPT_CGROUP_DRIVER,
		OPT_CRI_SOCKET,
		OPT_CDI,
		OPT_NO_SET_DEFAULT,
		OPT_RESTART_MODE,
		OPT_SMOKE,
		OPT_IGNORE,
		OPT_DRY_RUN,
	};
	static const struct option options[] = {
	        {"runtime", required_argument, NULL, OPT_RUNTIME},
	        {"version", required_argument, NULL, OPT_VERSION},
	        {"offline", required_argument, NULL, OPT_OFFLINE},
	        {"repo-url", required_argument, NULL, OPT_REPO_URL},
	        {"keyring", required_argument, NULL, OPT_KEYRING},
	        {"cgroup-driver", required_argument, NULL, OPT_CGROUP_DRIVER},
	        {"cri-socket", required_argument, NULL, OPT_CRI_SOCKET},
	        {"cdi", no_argument, NULL, OPT_CDI},
	        {"no-set-default", no_argument, NULL, OPT_NO_SET_DEFAULT},
	        {"restart-mode", required_argument, NULL, OPT_RESTART_MODE},
	        {"smoke", required_argument, NULL, OPT_SMOKE},
	        {"ignore-preflight-errors", required_argument, NULL, OPT_IGNORE},
	        {"dry-run", no_argument, NULL, OPT_DRY_RUN},
	        {"help", no_argument, NULL, 'h'},
	        {0},
	};
	struct up_opts o = {
	        .root = ctx->root,
	        .set_default = true,
	        .lock_timeout_ms = safefile_lock_timeout_ms(),
	};
	_cleanup_strv_ char **ignore = NULL;
	int c;
	while ((c = getopt_long(argc, argv, ":h", options, NULL)) != -1) {
		switch (c) {
		case OPT_RUNTIME:
			o.runtime = optarg;
			break;
		case OPT_VERSION:
			o.version = optarg;
			break;
		case OPT_OFFLINE:
			o.offline = optarg;
			break;
		case OPT_REPO_URL:
			if (cmd_check_repo_url(ctx, optarg, err) < 0)
				return -1;
			o.repo_url = optarg;
			break;
		case OPT_KEYRING:
			o.keyring = optarg;
			break;
		case OPT_CGROUP_DRIVER:
			if (cmd_parse_cgroup_driver(ctx, optarg, &o.cgroup_driver, err) < 0)
				return -1;
			break;
		case OPT_CRI_SOCKET:
			o.cri_socket = optarg;
			break;
		case OPT_CDI:
			o.cdi = true;
			break;
		case OPT_NO_SET_DEFAULT:
			o.set_default = false;
			break;
		case OPT_RESTART_MODE:
			if (svc_mode_parse(optarg, &o.restart_mode, err) < 0)
				return -1;
			break;
		case OPT_SMOKE:
			if (!*optarg)
				return cmd_usage_error(ctx, err, "--smoke takes an image name");
			o.smoke_image = optarg;
			break;
		case OPT_IGNORE:
			if (preflight_add_ids("--ignore-preflight-errors", optarg, &ignore,
			                      &o.ignore_all, err) < 0)
				return -1;
			break;
		case OPT_DRY_RUN:
			o.dry_run = true;
			break;
		case 'h':
			return cmd_help(ctx);
		default:
			return cmd_bad_option(ctx, argv, err);
		}
	}
	if (optind < argc)
		return cmd_usage_error(ctx, err, "unexpected argument '%s'", argv[optind]);
	if (o.offline && o.repo_url)
		return cmd_usage_error(ctx, err, "--offline and --repo-url exclude each other");
	o.ignore = ignore;

	struct up_out out = {.ctx = ctx, .dry_run = o.dry_run};
	struct live_progress lp = {
	        .step = hook_live_step,
	        .tick = hook_live_tick,
	        .line = hook_live_line,
	        .data = &out,
	};
	o.progress = &lp;
	o.install_step = hook_install_step;
	o.install_output = hook_install_output;
	o.fetch_progress = hook_fetch;
	o.step_begin = hook_step_begin;
	o.step_end = hook_step_end;
	o.data = &out;

	_cleanup_(up_report_release) struct up_report rep = {0};
	int r = up_run(&o, &rep, err);
	out_clear(&out);
	free(out.label);
	/* Usage errors come before any step: nothing to report. */
	if (r < 0 && err->code == GP_EXIT_USAGE)
		return -1;
	if (ctx->json) {
		_cleanup_json_ json_t *doc = up_report_json(&rep, ctx->root, o.dry_run, err);
		cmd_out_json(ctx, doc);
	} else {
		print_end(ctx, &rep, o.dry_run, r);
	}
	return r;
}
