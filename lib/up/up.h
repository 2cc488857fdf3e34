/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * lib/up/ owns `gpuprep up`, every step in order.
 * It may include from everything below it, lib/preflight included (README "Architecture"; the
 * folder's meson.build sets the include path that enforces it).
 */
/*
 * up: the whole list of steps that takes a fresh node to GPU-ready, as one
 * idempotent run:
 *
 *   preflight (the checks that can pass before install) -> install ->
 *   configure -> restart -> verify -> preflight (every check)
 *
 * Each step either changes something ("done"), finds nothing to change
 * ("already done"), or fails; the run stops at the first failure, and a
 * failure after configure rolls back as `gpuprep restart` does. With dry_run
 * nothing changes: every step says what it would do (the install plan, the
 * config diff, the restart method, the checks).
 *
 * Nothing here prints. Steps report through struct up_hooks as they end, and
 * the whole run comes back as a struct up_report (and as JSON).
 */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "changeset.h"
#include "devchar.h"
#include "error.h"
#include "fetch.h"
#include "live.h"
#include "pkginstall.h"
#include "runtime.h"
#include "svc.h"
#include "up_report.h"

/* The checks of the first step: those install, configure and restart cannot change. */
extern const char *const up_preinstall_checks[];

struct up_opts {
	const char *root;    /* --root, or NULL */
	const char *runtime; /* --runtime, or NULL: the one installed */
	/* install */
	const char *version;  /* --version */
	const char *offline;  /* --offline PATH */
	const char *repo_url; /* --repo-url */
	const char *keyring;  /* --keyring */
	/* configure */
	enum cgroup_driver cgroup_driver; /* --cgroup-driver */
	bool cdi;                         /* --cdi */
	bool exec_root_tools;             /* --exec-root-tools: may run the root's nvidia-ctk */
	enum devchar_mode dev_char; /* --dev-char-links, --no-dev-char-links, or auto (systemd) */
	bool set_default;           /* not --no-set-default */
	/* restart, verify */
	enum svc_mode restart_mode; /* --restart-mode */
	const char *smoke_image;    /* --smoke IMAGE */
	/* preflight, and the keadm flags */
	const char *cri_socket; /* --cri-socket, as keadm takes it */
	char **ignore;          /* --ignore-preflight-errors ids */
	bool ignore_all;
	bool dry_run;
	int lock_timeout_ms;

	/* How long steps report progress; every member may be NULL. */
	const struct live_progress *progress; /* restart and verify */
	pkg_step_fn install_step;             /* install: a command begins */
	pkg_output_fn install_output;         /* install: a line of apt's or dpkg's output */
	fetch_progress_fn fetch_progress;     /* install: downloads */
	fetch_retry_fn fetch_retry;           /* install: a download tried again */
	void (*step_begin)(enum up_step_id id, void *data);
	void (*step_end)(const struct up_step *step, void *data);
	void *data;
};

/*
 * Run the steps. Returns 0 when the node is ready (or, with dry_run, when no
 * step would fail); -1 with err set when a step failed (code 1), when the node
 * has no NVIDIA GPU (code GP_EXIT_NO_GPU, nothing changed) or on a usage
 * error (code 2, before any step). ret is filled as far as the run got in
 * every case.
 */
int up_run(const struct up_opts *opts, struct up_report *ret, struct gp_error *err);
