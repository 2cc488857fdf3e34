// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * gpuprep: prepare a Linux node with an NVIDIA GPU for Kubernetes and KubeEdge.
 *
 * This file holds the global options, the command table and the one place
 * where errors are printed and mapped to exit codes.
 */
#include <errno.h>
#include <getopt.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmd.h"
#include "complete.h"
#include "config.h"
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
        "  --version      print the version and exit\n"
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

static int
report(struct gp_ctx *ctx, struct gp_error *err)
{
	fflush(stdout);
	int code = err->code ? err->code : GP_EXIT_FAILURE;
	if (ctx->err_color)
		fprintf(stderr, "\033[1;31mgpuprep: error:\033[0m %s\n",
		        err->msg ? err->msg : "unknown error");
	else
		fprintf(stderr, "gpuprep: error: %s\n", err->msg ? err->msg : "unknown error");
	if (err->hint)
		fprintf(stderr, "hint: %s\n", err->hint);
	if (code == GP_EXIT_USAGE) {
		fputc('\n', stderr);
		if (ctx->cmd)
			fputs(ctx->cmd->usage, stderr);
		else
			print_main_usage(stderr);
	}
	return code;
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

	/* Before any option: the words to complete may hold anything. */
	if (argc >= 2 && strcmp(argv[1], "__complete") == 0)
		return complete(argc - 2, argv + 2);

	opterr = 0;
	while ((c = getopt_long(argc, argv, "+qvh", opts, NULL)) != -1) {
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
			printf("gpuprep %s\n", GPUPREP_VERSION);
			return 0;
		case 'h':
			print_main_usage(stdout);
			return 0;
		default:
			cmd_bad_option(&ctx, argv, &err);
			return report(&ctx, &err);
		}
	}
	ctx.color = want_color(STDOUT_FILENO, no_color);
	ctx.err_color = want_color(STDERR_FILENO, no_color);
	ctx.tty = !no_color && isatty(STDERR_FILENO);

	if (optind >= argc) {
		gp_error_set_code(&err, GP_EXIT_USAGE, "no command given");
		return report(&ctx, &err);
	}
	const char *name = argv[optind];
	if (strcmp(name, "help") == 0) {
		if (optind + 1 >= argc) {
			print_main_usage(stdout);
			return 0;
		}
		const struct gp_command *h = find_command(argv[optind + 1]);
		if (!h) {
			gp_error_set_code(&err, GP_EXIT_USAGE, "unknown command '%s'",
			                  argv[optind + 1]);
			return report(&ctx, &err);
		}
		fputs(h->usage, stdout);
		return 0;
	}
	ctx.cmd = find_command(name);
	if (!ctx.cmd) {
		gp_error_set_code(&err, GP_EXIT_USAGE, "unknown command '%s'", name);
		return report(&ctx, &err);
	}

	if (gp_root_is_set(ctx.root)) {
		struct stat st;
		if (stat(ctx.root, &st) < 0) {
			gp_error_set_errno(&err, errno, "cannot use --root '%s'", ctx.root);
			gp_error_hint(&err, "--root takes the directory where the node's system is "
			                    "mounted");
			return report(&ctx, &err);
		}
		if (!S_ISDIR(st.st_mode)) {
			gp_error_set(&err, "cannot use --root '%s': not a directory", ctx.root);
			gp_error_hint(&err, "--root takes the directory where the node's system is "
			                    "mounted");
			return report(&ctx, &err);
		}
	}

	/* The subcommand parses argv from its own name on, with getopt reset. */
	int first = optind;
	optind = 0;
	opterr = 0;
	int r = ctx.cmd->fn(&ctx, argc - first, argv + first, &err);
	fflush(stdout);
	if (r < 0)
		return report(&ctx, &err);
	return r;
}
