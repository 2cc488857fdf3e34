/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What restart, verify and configure --restart share in cmd/: the progress
 * they draw while a daemon restarts (a spinner on a tty), their common
 * options, and how their results print.
 */
#pragma once

#include "cmd.h"
#include "live.h"
#include "runtime.h"

/* Progress on stderr: steps as lines (unless -q), a spinner on a tty while waiting. */
struct cmd_progress {
	struct gp_ctx *ctx;
	char *label; /* the current step, beside the spinner */
	unsigned frame;
	bool drawn; /* a spinner line is on the screen */
	struct live_progress live;
};

void cmd_progress_init(struct cmd_progress *p, struct gp_ctx *ctx);
/* Clear the spinner line and free the label. */
void cmd_progress_release(struct cmd_progress *p);

/* The options of the live commands, parsed into live_opts/restart_opts. */
enum {
	LIVE_OPT_RUNTIME = 0x1000,
	LIVE_OPT_SOCKET,
	LIVE_OPT_CONFIG,
	LIVE_OPT_RUNTIME_NAME,
	LIVE_OPT_RUNTIME_PATH,
	LIVE_OPT_NO_SET_DEFAULT,
	LIVE_OPT_CDI,
	LIVE_OPT_TIMEOUT,
	LIVE_OPT_MODE,
	LIVE_OPT_FULL,
	LIVE_OPT_SMOKE,
	LIVE_OPT_SMOKE_CMD,
};

/* The long options verify and restart share, for their option tables. */
/* clang-format off */
#define CMD_LIVE_OPTIONS                                                                           \
	{"runtime", required_argument, NULL, LIVE_OPT_RUNTIME},                                    \
	{"socket", required_argument, NULL, LIVE_OPT_SOCKET},                                      \
	{"config", required_argument, NULL, LIVE_OPT_CONFIG},                                      \
	{"runtime-name", required_argument, NULL, LIVE_OPT_RUNTIME_NAME},                          \
	{"runtime-path", required_argument, NULL, LIVE_OPT_RUNTIME_PATH},                          \
	{"no-set-default", no_argument, NULL, LIVE_OPT_NO_SET_DEFAULT},                            \
	{"cdi", no_argument, NULL, LIVE_OPT_CDI},                                                  \
	{"timeout", required_argument, NULL, LIVE_OPT_TIMEOUT}
/* clang-format on */

/*
 * Apply one of CMD_LIVE_OPTIONS to o (--runtime to *runtime). Returns 1 when
 * c was one of them, 0 when it was not, -1 on a usage error.
 */
int cmd_live_option(struct gp_ctx *ctx, int c, const char *arg, struct live_opts *o,
                    const char **runtime, struct gp_error *err);

/* "--timeout SECONDS": a whole number of seconds, 1 to 3600. */
int cmd_parse_timeout(struct gp_ctx *ctx, const char *opt, const char *arg, unsigned *ret_ms,
                      struct gp_error *err);

/*
 * The runtime --runtime names (it must support verify, and restart when
 * restart is true); without --runtime, the one whose socket is in place under
 * root.
 */
int cmd_pick_live_runtime(struct gp_ctx *ctx, const char *name, bool restart,
                          const struct runtime_ops **ret, struct gp_error *err);

/* The checks as a table, then each failed or skipped check's note. */
void cmd_print_verify(struct gp_ctx *ctx, const struct verify_result *v);

/* What restart did, as text (steps, checks, the rollback). */
void cmd_print_restart(struct gp_ctx *ctx, const struct runtime_ops *ops,
                       const struct restart_report *r);
/*
 * Restart through runtime_restart_if_needed() (changed true: always restart)
 * with progress drawn; ret as that fills it.
 */
int cmd_restart_do(struct gp_ctx *ctx, const struct runtime_ops *ops, struct restart_opts *o,
                   bool changed, struct restart_report *ret, struct gp_error *err);
/*
 * Restart through runtime_restart() with progress drawn, and print the report
 * (text or --json). Returns 0, or -1 with err set (the report is printed too).
 */
int cmd_restart_run(struct gp_ctx *ctx, const struct runtime_ops *ops, struct restart_opts *o,
                    struct gp_error *err);

/* The same as a JSON object (the "restart" document, or a member of configure's). */
json_t *cmd_restart_json(struct gp_ctx *ctx, const struct runtime_ops *ops,
                         const struct restart_report *r, bool ok);
