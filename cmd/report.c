// SPDX-License-Identifier: GPL-2.0-or-later
/* gpuprep report: many nodes' --json reports (up, preflight, verify) as one table. */
#include <limits.h>
#include <string.h>

#include "cmd.h"
#include "fleet.h"

const char cmd_report_summary[] = "merge many nodes' JSON reports into one table";

const char cmd_report_usage[] =
        "usage: gpuprep report [--require-ready] FILE...\n"
        "\n"
        "Read the JSON reports that 'gpuprep --json up', 'preflight' and 'verify' printed\n"
        "on many nodes (as the Ansible playbook of 'gpuprep manifest ansible' gathers them)\n"
        "and print one row per host: its status (ready, pending, planned, passed or\n"
        "failed), whether the run changed it, the runtime, the toolkit version, each step's\n"
        "status and the keadm join flags; then the totals. A file that is not JSON, or not\n"
        "such a report, is refused by name (with line:column for bad JSON); the others are\n"
        "still reported. With --json, one object: hosts, refused and totals.\n"
        "\n"
        "Options:\n"
        "  --require-ready  also exit 1 unless every host is ready (a CI gate)\n"
        "  -h, --help       print this help\n"
        "\n"
        "Exit status: 0 every file was read and no host failed, 1 a host failed or a file\n"
        "was refused (or, with --require-ready, a host is not ready), 2 usage error. See\n"
        "gpuprep-report(1).\n";

static const struct rows_column cols[] = {
        {"HOST", "host"},
        {"STATUS", "status"},
        {"CHANGED", "changed"},
        {"RUNTIME", "runtime"},
        {"TOOLKIT", "toolkit_version"},
        {"STEPS", "steps_text"},
        {"KEADM FLAGS", "keadm_flags"},
};

/* The table's rows: each host's row with its steps as "step:status" words. */
static json_t *
table_rows(const json_t *hosts)
{
	json_t *rows = json_array();
	size_t i;
	json_t *h;
	json_array_foreach (hosts, i, h) {
		json_t *row = json_deep_copy(h);
		json_t *words = json_array();
		const char *step;
		json_t *st;
		json_object_foreach (json_object_get(h, "steps"), step, st) {
			_cleanup_free_ char *w = xasprintf("%s:%s", step, json_string_value(st));
			json_array_append_new(words, json_string(w));
		}
		json_object_set_new(row, "steps_text", words);
		json_array_append_new(rows, row);
	}
	return rows;
}

static void
print_table(struct gp_ctx *ctx, const struct fleet *f)
{
	_cleanup_json_ json_t *rows = table_rows(f->hosts);
	if (json_array_size(rows) > 0) {
		_cleanup_free_ char *table =
		        rows_format_table(cols, GP_ARRAY_SIZE(cols), rows, ctx->color);
		cmd_out(ctx, table);
	}
	size_t i;
	json_t *h;
	json_array_foreach (f->hosts, i, h) {
		const char *msg = json_string_value(json_object_get(h, "error"));
		if (!msg)
			continue;
		_cleanup_free_ char *s = xasprintf(
		        "%s: error: %s\n", json_string_value(json_object_get(h, "host")), msg);
		cmd_out(ctx, s);
		/* The hint's lines, indented under the error. */
		const char *hint = json_string_value(json_object_get(h, "hint"));
		for (const char *p = hint; p && *p;) {
			size_t n = strcspn(p, "\n");
			_cleanup_free_ char *l =
			        xasprintf("  %s%.*s\n", p == hint ? "hint: " : "      ", (int)n, p);
			cmd_out(ctx, l);
			p += n + (p[n] == '\n');
		}
	}
	struct fleet_totals t;
	fleet_totals(f, &t);
	_cleanup_free_ char *s = xasprintf(
	        "%zu host%s: %zu ready, %zu failed, %zu changed, %zu pending, %zu planned, %zu "
	        "passed; %zu file%s refused\n",
	        t.hosts, t.hosts == 1 ? "" : "s", t.ready, t.failed, t.changed, t.pending,
	        t.planned, t.passed, t.refused, t.refused == 1 ? "" : "s");
	cmd_out(ctx, s);
}

int
cmd_report(struct gp_ctx *ctx, int argc, char **argv, struct gp_error *err)
{
	enum { OPT_REQUIRE_READY = 256 };
	static const struct option options[] = {
	        {"require-ready", no_argument, NULL, OPT_REQUIRE_READY},
	        CMD_COMMON_OPTIONS,
	        {0},
	};
	bool require_ready = false;
	int c;
	while ((c = cmd_getopt(ctx, argc, argv, "", options, INT_MAX, err)) > 0)
		if (c == OPT_REQUIRE_READY)
			require_ready = true;
	if (c < 0)
		return cmd_opt_exit(c);
	if (optind >= argc)
		return cmd_usage_error(ctx, err, "no report given");

	_cleanup_(fleet_release) struct fleet f;
	fleet_init(&f);
	for (int i = optind; i < argc; i++) {
		_cleanup_error_ struct gp_error e = GP_ERROR_INIT;
		if (fleet_add_file(&f, argv[i], &e) < 0)
			cmd_warn(ctx, "refused %s", e.msg);
	}
	if (ctx->json) {
		_cleanup_json_ json_t *doc = fleet_to_json(&f);
		cmd_out_json(ctx, doc);
	} else {
		print_table(ctx, &f);
	}
	struct fleet_totals t;
	fleet_totals(&f, &t);
	if (t.failed || t.refused || (require_ready && t.ready < t.hosts))
		return GP_EXIT_FAILURE;
	return GP_EXIT_OK;
}
