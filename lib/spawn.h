/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Running other programs (dpkg, apt-get, gpgv, ...): fork and exec, never a
 * shell. Output either comes back whole, or line by line through a callback,
 * so that cmd/ can relay it; lib/ never prints.
 */
#pragma once

#include <stdbool.h>

#include "error.h"

/* One line of a child's output (without the newline). */
typedef void (*spawn_line_fn)(const char *line, void *userdata);

struct spawn_result {
	int status;     /* the exit code, or 128 + signal */
	char *out;      /* captured stdout (spawn_capture), NUL-terminated */
	char *err_text; /* captured stderr (spawn_capture) */
};

void spawn_result_release(struct spawn_result *r);

/*
 * Run argv (argv[0] looked up in PATH) with env (extra "KEY=VALUE" entries,
 * or NULL) added to the environment; stdin is /dev/null. Capture stdout and
 * stderr. Returns 0 when the program ran, whatever its exit status; -1 with
 * err set when it could not be started (a missing program is named, with a
 * hint naming missing_hint when given).
 */
int spawn_capture(char *const argv[], char *const env[], const char *missing_hint,
                  struct spawn_result *ret, struct gp_error *err);

/*
 * The same, but stdout and stderr together go to on_line, one line at a time
 * (a carriage return ends a line too; empty lines are dropped). The last
 * tail_max lines are also kept in ret_tail (NULL-terminated, may be NULL).
 */
int spawn_relay(char *const argv[], char *const env[], const char *missing_hint,
                spawn_line_fn on_line, void *userdata, size_t tail_max, int *ret_status,
                char ***ret_tail, struct gp_error *err);

/* The command line as a shell would show it, for plans and messages. */
char *spawn_argv_format(char *const argv[]);
