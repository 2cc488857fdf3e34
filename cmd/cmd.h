/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What every subcommand sees: the global options, and the few output helpers
 * that cmd/main.c provides. Subcommands parse their own options and print;
 * the work happens in lib/ and runtimes/.
 */
#pragma once

#include <getopt.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>

#include "error.h"
#include "rows.h"
#include "runtime.h"
#include "util.h"

struct gp_command;

struct gp_ctx {
	const char *root; /* --root, or NULL for the real root */
	bool json;        /* --json */
	bool quiet;       /* -q */
	int verbose;      /* -v, repeatable */
	bool color;       /* stdout is a tty, no --no-color, no NO_COLOR */
	bool err_color;   /* the same for stderr */
	bool tty;         /* stderr is a tty: progress may be drawn */
	const struct gp_command *cmd;
	json_t *doc; /* --json: what cmd_out_json() was given; main.c prints it */
};

typedef int (*gp_command_fn)(struct gp_ctx *ctx, int argc, char **argv, struct gp_error *err);

struct gp_command {
	const char *name;
	gp_command_fn fn;
	const char *summary; /* one line for `gpuprep --help` */
	const char *usage;   /* the full text for `gpuprep help NAME` and `NAME --help` */
};

/*
 * A subcommand returns the exit status (>= 0), or -1 with err set. Usage
 * errors use cmd_usage_error(), which sets code 2; main.c then prints the
 * command's usage on stderr.
 */
int cmd_usage_error(struct gp_ctx *ctx, struct gp_error *err, const char *fmt, ...) _printf_(3, 4);

/*
 * The usage error for the option getopt_long just refused (c: its '?' or
 * ':'), from opts, the table it had: "'--root' needs a value", "unknown
 * option '--jsn'" with "did you mean '--json'?", an ambiguous prefix.
 */
int cmd_bad_option(struct gp_ctx *ctx, char **argv, const struct option *opts, int c,
                   struct gp_error *err);
/* --root names a directory (or is unset). */
int cmd_check_root(struct gp_ctx *ctx, struct gp_error *err);

/* The global options a command also takes after its name (not --version, not --help). */
enum { CMD_GLOBAL_ROOT = 0x2000, CMD_GLOBAL_JSON, CMD_GLOBAL_NO_COLOR };
/* clang-format off */
#define CMD_GLOBAL_OPTIONS                                                                         \
	{"root", required_argument, NULL, CMD_GLOBAL_ROOT},                                        \
	{"json", no_argument, NULL, CMD_GLOBAL_JSON},                                              \
	{"quiet", no_argument, NULL, 'q'},                                                         \
	{"verbose", no_argument, NULL, 'v'},                                                       \
	{"no-color", no_argument, NULL, CMD_GLOBAL_NO_COLOR}
/* The options every command's table ends with, before {0}: -h and the global ones. */
#define CMD_COMMON_OPTIONS {"help", no_argument, NULL, 'h'}, CMD_GLOBAL_OPTIONS
/* clang-format on */

/* cmd_getopt()'s answer to -h/--help: the usage is printed, the command returns 0. */
#define CMD_OPT_HELP (-2)

/*
 * The option loop every command runs, with the tail they share:
 *
 *	int c;
 *	while ((c = cmd_getopt(ctx, argc, argv, "", options, 0, err)) > 0)
 *		switch (c) { ... one case for each of the command's own options ... }
 *	if (c < 0)
 *		return cmd_opt_exit(c);
 *
 * shortopts: the command's short options besides -h, -q and -v (getopt
 * syntax, no ':' first); longopts ends with CMD_COMMON_OPTIONS and {0}. The
 * global options after the command's name are applied to ctx here, and --root
 * is checked once the options are over. Returns one of the
 * command's options (> 0, optarg set), or 0 when the options are over and at
 * most max_operands arguments are left (from argv[optind] on), or
 * CMD_OPT_HELP after printing the usage, or -1 with err set on a bad option,
 * a missing value or an argument too many.
 */
int cmd_getopt(struct gp_ctx *ctx, int argc, char **argv, const char *shortopts,
               const struct option *longopts, int max_operands, struct gp_error *err);
/* What a command returns when cmd_getopt() returned c < 0. */
static inline int
cmd_opt_exit(int c)
{
	return c == CMD_OPT_HELP ? 0 : -1;
}

/* --repo-url, shared by install, bundle and up: NULL, or an http:// or https:// URL. */
int cmd_check_repo_url(struct gp_ctx *ctx, const char *url, struct gp_error *err);
/*
 * --offline's PATH: "-" is standard input (/dev/stdin), refused when that is a terminal
 * (the archive would be read from the keyboard); else the path as given.
 */
int cmd_offline_path(struct gp_ctx *ctx, const char *arg, const char **ret, struct gp_error *err);
/* --cgroup-driver, shared by configure and up: systemd or cgroupfs into *ret. */
int cmd_parse_cgroup_driver(struct gp_ctx *ctx, const char *arg, enum cgroup_driver *ret,
                            struct gp_error *err);
/*
 * The runtime to configure: the one --runtime names (NULL: the one installed
 * under the root; a usage error when there is none, or more than one).
 */
int cmd_pick_runtime(struct gp_ctx *ctx, const char *name, const struct runtime_ops **ret,
                     struct gp_error *err);
/*
 * cmd/signals.c: the handler of SIGINT, SIGTERM and SIGHUP for the command about to run (not
 * for one the caller ignores: nohup, a shell's background job); tty: stderr is a terminal.
 * After the command, once its error is out: if a signal was noted while a package tool was let
 * finish, end by it.
 */
void cmd_catch_stop_signals(bool tty);
void cmd_end_by_noted_signal(void);
/* Print the command's usage on stdout and return 0 (for -h/--help). */
int cmd_help(struct gp_ctx *ctx);
/* gpuprep --version (cmd/version.c): the build and its libraries, as text or --json; 0. */
int cmd_version(struct gp_ctx *ctx);

/* Data on stdout. */
void cmd_out(struct gp_ctx *ctx, const char *s);
/* The --json document: main.c prints it when the command ends, with "error" on a failure. */
void cmd_out_json(struct gp_ctx *ctx, const json_t *doc);
/* A diagnostic line on stderr ("gpuprep: ..."), unless -q. */
void cmd_note(struct gp_ctx *ctx, const char *fmt, ...) _printf_(2, 3);
/* A warning on stderr ("warning: ..."), printed even with -q. */
void cmd_warn(struct gp_ctx *ctx, const char *fmt, ...) _printf_(2, 3);
/* A line on stderr only with -v. */
void cmd_debug(struct gp_ctx *ctx, const char *fmt, ...) _printf_(2, 3);

/* The subcommands, one file each in cmd/. */
#define GP_COMMANDS(X)                                                                             \
	X(bundle)                                                                                  \
	X(configure)                                                                               \
	X(detect)                                                                                  \
	X(install)                                                                                 \
	X(manifest)                                                                                \
	X(preflight)                                                                               \
	X(report)                                                                                  \
	X(restart)                                                                                 \
	X(undo)                                                                                    \
	X(up)                                                                                      \
	X(verify)                                                                                  \
	/* one line per command, sorted */

#define GP_DECLARE(name)                                                                           \
	int cmd_##name(struct gp_ctx *ctx, int argc, char **argv, struct gp_error *err);           \
	extern const char cmd_##name##_summary[];                                                  \
	extern const char cmd_##name##_usage[];
GP_COMMANDS(GP_DECLARE)
#undef GP_DECLARE
