/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What cmd/configure.c prints, in cmd/configout.c. */
#pragma once

#include "cmd.h"
#include "runtime.h"

/* The --json document (without "restart"); diff only with dry_run, backup NULL when none. */
json_t *cmd_configure_json(struct gp_ctx *ctx, const struct runtime_ops *ops,
                           const struct configure_opts *opts, const struct configure_result *res,
                           bool dry_run, const char *diff, const char *backup);
/* The text: already configured, the diff of a dry run, or what changed and the backup. */
void cmd_configure_print(struct gp_ctx *ctx, const struct runtime_ops *ops,
                         const struct configure_result *res, bool dry_run, const char *diff,
                         const char *backup);
