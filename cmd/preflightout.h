/* SPDX-License-Identifier: GPL-2.0-or-later */
/* How cmd/ prints a preflight report (preflight, verify --after-join). */
#pragma once

#include "cmd.h"
#include "preflight_report.h"

/*
 * One line per check as kubeadm prints them ("[ERROR swap]: ...", with the
 * hint below), then "LABEL: N passed, N warnings, N errors, N skipped".
 */
void cmd_print_checks(struct gp_ctx *ctx, const struct preflight_report *rep, const char *label);
