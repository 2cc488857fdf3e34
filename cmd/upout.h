/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What cmd/up.c draws (cmd/upout.c) and prints (cmd/upreport.c). */
#pragma once

#include "cmd.h"
#include "up.h"

/* What the hooks draw with. */
struct up_out {
	struct gp_ctx *ctx;
	enum up_step_id current;
	char *label;
	unsigned frame;
	bool drawn; /* a progress line is on stderr */
	bool dry_run;
};

/* Point o's hooks (and lp, its live progress) at out. */
void cmd_up_out_init(struct up_out *out, struct gp_ctx *ctx, struct up_opts *o,
                     struct live_progress *lp);
/* Clear the progress line, and free what out holds. */
void cmd_up_out_release(struct up_out *out);
/* A step's row, and what it did or would do beneath it (nothing with --json). */
void cmd_up_print_step(struct gp_ctx *ctx, const struct up_step *s, bool dry_run);
/* The report's end: ready and the keadm join flags, or the steps not run (r < 0). */
void cmd_up_print_end(struct gp_ctx *ctx, const struct up_report *rep, bool dry_run, int r);
