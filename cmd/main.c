// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * gpuprep: prepare a Linux node with an NVIDIA GPU for Kubernetes and KubeEdge.
 *
 * This file holds the global options, the command table and the one place
 * where errors are printed and mapped to exit codes.
 */
#include <errno.h>
#include <getopt.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmd.h"
#include "complete.h"
#include "config.h"
#include "osinfo.h"
#include "preflight.h"

static const struct gp_command commands[] = {
#define GP_ENTRY(n) {#n, cmd_##n, cmd_##n##_summary, cmd_##n##_usage},
        GP_COMMANDS(GP_ENTRY)
#undef GP_ENTRY
};

static const char main_usage_head[] =
        "usage: gpuprep [--root DIR] [--json] [-q] [-v] [--no-color] <command> [<args>]\n"
        "       gpuprep --version\n"
        "       gpuprep help <command>\n"
        "\n"
        "Prepare a Linux node with an NVIDIA GPU for Kubernetes and KubeEdge.\n"
        "\n"
        "Global options:\n"
        "  --root DIR     act on the system mounted at DIR (/sys, /proc, /dev, /etc, ... under "
        "it)\n"
        "  --json         print machine-readable JSON on stdout\n"
        "  -q, --quiet    print only data and errors\n"
        "  -v, --verbose  say more on stderr (repeatable)\n"
        "  --no-color     no color, also when NO_COLOR is set\n"
        "  --version      print the version, the build and its libraries, and exit\n"
        "  -h, --help     print this help and exit\n"
        "\n"
        "Commands:\n";

static const char main_usage_tail[] =
        "\n"
        "Run 'gpuprep help <command>' for a command's options. See gpuprep(1).\n"
        "Exit status: 0 success, 1 failure, 2 usage error, 3 no NVIDIA GPU found.\n";

static void
print_main_usage(FILE *f)
{
	fputs(main_usage_head, f);
	for (size_t i = 0; i < GP_ARRAY_SIZE(commands); i++)
		fprintf(f, "  %-12s %s\n", commands[i].name, commands[i].summary);
	fputs(main_usage_tail, f);
}

static const struct gp_command *
find_command(const char *name)
{
	for (size_t i = 0; i < GP_ARRAY_SIZE(commands); i++)
		if (strcmp(commands[i].name, name) == 0)
			return &commands[i];
	return NULL;
}

/*
 * The hidden `gpuprep __complete WORD...` that the bash completion calls with
 * the words after "gpuprep" (the last one being completed): prints "words",
 * "files" or "dirs" on the first line, then the candidate words, one a line.
 * The candidates come from the same usage texts that --help prints.
 */
static int
complete(int argc, char **argv)
{
	struct complete_command cmds[GP_ARRAY_SIZE(commands)];
	for (size_t i = 0; i < GP_ARRAY_SIZE(commands); i++)
		cmds[i] = (struct complete_command){commands[i].name, commands[i].usage};
	const struct complete_spec spec = {
	        .usage = main_usage_head,
	        .commands = cmds,
	        .n_commands = GP_ARRAY_SIZE(cmds),
	        .ids = preflight_check_ids(),
	};
	static const char *const kinds[] = {
	        [COMPLETE_WORDS] = "words",
	        [COMPLETE_FILES] = "files",
	        [COMPLETE_DIRS] = "dirs",
	};
	_cleanup_strv_ char **words = NULL;
	enum complete_kind kind = complete_line(&spec, argv, argc, &words);
	printf("%s\n", kinds[kind]);
	for (char **w = words; w && *w; w++)
		printf("%s\n", *w);
	return 0;
}

/*
 * With --json, stdout gets one object even when the command failed: the
 * command's document (or {schema_version}) led by what every document
 * carries -- schema_version, command, gpuprep_version and host (the node's
 * hostname, from the root's /etc/hostname) -- and, on an error, its
 * "error": {message, hint, exit_code}. The schemas are in share/gpuprep/schemas/.
 */
static void
print_json(struct gp_ctx *ctx, const struct gp_error *err, int code)
{
	_cleanup_free_ char *host = os_hostname(ctx->root);
	_cleanup_json_ json_t *doc = json_pack("{s:i, s:s?, s:s, s:s?}", "schema_version", 1,
	                                       "command", ctx->cmd ? ctx->cmd->name : NULL,
	                                       "gpuprep_version", GPUPREP_VERSION, "host", host);
	if (ctx->doc)
		json_object_update(doc, ctx->doc);
	if (err && gp_error_is_set(err))
		json_object_set_new(doc, "error",
		                    json_pack("{s:s, s:s?, s:i}", "message", err->msg, "hint",
		                              err->hint, "exit_code", code));
	_cleanup_free_ char *s = rows_format_json(doc);
	fputs(s, stdout);
	fflush(stdout);
}

static int
report(struct gp_ctx *ctx, struct gp_error *err)
{
	fflush(stdout);
	int code = err->code ? err->code : GP_EXIT_FAILURE;
	if (!err->msg)
		gp_error_set(err, "unknown error");
	if (ctx->err_color)
		fprintf(stderr, "\033[1;31mgpuprep: error:\033[0m %s\n", err->msg);
	else
		fprintf(stderr, "gpuprep: error: %s\n", err->msg);
	if (err->hint)
		fprintf(stderr, "hint: %s\n", err->hint);
	/* The error stays in sight: one line points to the usage instead of printing it. */
	if (code == GP_EXIT_USAGE)
		fprintf(stderr, "see 'gpuprep %s%s--help'\n", ctx->cmd ? ctx->cmd->name : "",
		        ctx->cmd ? " " : "");
	if (ctx->json)
		print_json(ctx, err, code);
	return code;
}

/* "unknown command" with the closest command as its hint. */
static int
unknown_command(struct gp_ctx *ctx, const char *name, struct gp_error *err)
{
	const char *names[GP_ARRAY_SIZE(commands) + 1];
	for (size_t i = 0; i < GP_ARRAY_SIZE(commands); i++)
		names[i] = commands[i].name;
	names[GP_ARRAY_SIZE(commands)] = "help";
	gp_error_set_code(err, GP_EXIT_USAGE, "unknown command '%s'", name);
	const char *best = str_closest(name, names, GP_ARRAY_SIZE(names));
	if (best)
		gp_error_hint(err, "did you mean '%s'?", best);
	else
		gp_error_hint(err, "the commands are listed by 'gpuprep --help'");
	return report(ctx, err);
}

static bool
want_color(int fd, bool no_color)
{
	const char *nc = getenv("NO_COLOR");
	if (no_color || (nc && *nc))
		return false;
	const char *term = getenv("TERM");
	if (term && strcmp(term, "dumb") == 0)
		return false;
	return isatty(fd);
}

int
main(int argc, char **argv)
{
	enum { OPT_ROOT = 256, OPT_JSON, OPT_NO_COLOR, OPT_VERSION };
	static const struct option opts[] = {
	        {"root", required_argument, NULL, OPT_ROOT},
	        {"json", no_argument, NULL, OPT_JSON},
	        {"quiet", no_argument, NULL, 'q'},
	        {"verbose", no_argument, NULL, 'v'},
	        {"no-color", no_argument, NULL, OPT_NO_COLOR},
	        {"version", no_argument, NULL, OPT_VERSION},
	        {"help", no_argument, NULL, 'h'},
	        {0},
	};
	struct gp_ctx ctx = {0};
	_cleanup_error_ struct gp_error err = GP_ERROR_INIT;
	bool no_color = false;
	int c;

#ifdef __GLIBC__
	/*
	 * Fixed malloc thresholds (setting one turns off glibc's adjusting of both). gpuprep
	 * reads a config whole, frees it and reads it again (configure inspects it to decide
	 * on the /dev/char links, then parses it under its lock): glibc, having freed the
	 * first read's mmapped buffer, raised its thresholds, kept the freed memory and grew
	 * the heap for the second, so configure on a 10 MB config peaked at 4.6 bytes per
	 * byte of file (47 MB); with the thresholds fixed at their defaults, 3.7 (39 MB), for
	 * about 20% more page faults on such a file and none on a config of usual size
	 * (tests/bench/toml.sh). musl (the static build) returns freed memory without this.
	 */
	mallopt(M_TRIM_THRESHOLD, 128 * 1024);
#endif

	/* Before any option: the words to complete may hold anything. */
	if (argc >= 2 && strcmp(argv[1], "__complete") == 0)
		return complete(argc - 2, argv + 2);

	opterr = 0;
	while ((c = getopt_long(argc, argv, "+:qvh", opts, NULL)) != -1) {
		switch (c) {
		case OPT_ROOT:
			ctx.root = optarg;
			break;
		case OPT_JSON:
			ctx.json = true;
			break;
		case 'q':
			ctx.quiet = true;
			break;
		case 'v':
			ctx.verbose++;
			break;
		case OPT_NO_COLOR:
			no_color = true;
			break;
		case OPT_VERSION:
			return cmd_version(&ctx);
		case 'h':
			print_main_usage(stdout);
			return 0;
		default:
			cmd_bad_option(&ctx, argv, opts, c, &err);
			return report(&ctx, &err);
		}
	}
	ctx.color = want_color(STDOUT_FILENO, no_color);
	ctx.err_color = want_color(STDERR_FILENO, no_color);
	ctx.tty = !no_color && isatty(STDERR_FILENO);

	if (optind >= argc) {
		gp_error_set_code(&err, GP_EXIT_USAGE, "no command given");
		gp_error_hint(&err, "start with 'gpuprep detect' to see what the node has");
		return report(&ctx, &err);
	}
	const char *name = argv[optind];
	if (strcmp(name, "help") == 0) {
		if (optind + 1 >= argc) {
			print_main_usage(stdout);
			return 0;
		}
		const struct gp_command *h = find_command(argv[optind + 1]);
		if (!h)
			return unknown_command(&ctx, argv[optind + 1], &err);
		fputs(h->usage, stdout);
		return 0;
	}
	ctx.cmd = find_command(name);
	if (!ctx.cmd)
		return unknown_command(&ctx, name, &err);

	/* --root is checked once the command's options are read: they may set it. */
	/* The subcommand parses argv from its own name on, with getopt reset. */
	int first = optind;
	optind = 0;
	opterr = 0;
	cmd_catch_stop_signals(ctx.tty);
	int r = ctx.cmd->fn(&ctx, argc - first, argv + first, &err);
	fflush(stdout);
	if (r < 0)
		r = report(&ctx, &err);
	else if (ctx.json && ctx.doc)
		print_json(&ctx, NULL, r);
	json_decref(ctx.doc);
	cmd_end_by_noted_signal();
	return r;
}
