/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Drawing download progress and relaying a package manager's output, shared
 * by the commands that download or install: a bar on a tty, a line per file
 * otherwise; nothing with -q.
 */
#pragma once

#include "cmd.h"
#include "fetch.h"

/* A fetch_progress_fn; userdata is the struct gp_ctx. */
void progress_draw(const struct fetch_progress *p, void *userdata);
/* A fetch_retry_fn: "retrying (2/5) in 1.0 s: WHY" on stderr, with -v or on a tty. */
void progress_retry(const struct fetch_retry *r, void *userdata);
/* A pkg_output_fn: "  <tool>: <line>" on stderr; userdata is the struct gp_ctx. */
void progress_relay(const char *tool, const char *line, void *userdata);
/* A pkg_step_fn: "gpuprep: <what>" on stderr. */
void progress_step(const char *what, void *userdata);
