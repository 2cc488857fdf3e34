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
#include "error.h"
#include "fetch.h"
#include "live.h"
#include "pkginstall.h"
#include "runtime.h"
#include "svc.h"

#define UP_SCHEMA_VERSION 1

enum up_step_id {
	UP_STEP_PREFLIGHT = 0, /* the checks that can pass before install */
	UP_STEP_INSTALL,
	UP_STEP_CONFIGURE,
	UP_STEP_RESTART,
	UP_STEP_VERIFY,
	UP_STEP_PREFLIGHT_FULL, /* every check, on the configured node */
	UP_N_STEPS,
};

/* "preflight", "install", "configure", "restart", "verify", "preflight-full". */
const char *up_step_name(enum up_step_id id);

enum up_status {
	UP_NOT_RUN = 0,  /* an earlier step failed (or the run stopped before it) */
	UP_DONE,         /* it changed something, or its checks passed after a change */
	UP_ALREADY_DONE, /* nothing to change: the node already was that way */
	UP_WOULD,        /* dry run: what it would do is in the step's detail */
	UP_SKIPPED,      /* not needed or not possible here; the message says why */
	UP_FAILED,
};

/* "not run", "done", "already done", "would do", "skipped", "failed". */
const char *up_status_name(enum up_status s);
/* The same as a JSON value: "not_run", "done", "already_done", ... */
const char *up_status_json(enum up_status s);

struct up_step {
	enum up_step_id id;
	enum up_status status;
	char *message;        /* one line: what it did or found */
	uint64_t duration_us; /* wall time of the step */
	json_t *detail; /* the step's own document (preflight report, plan, diff...), or NULL */
};

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
	bool set_default;                 /* not --no-set-default */
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

struct up_report {
	const struct runtime_ops *runtime; /* the runtime configured (NULL before it is known) */
	struct up_step steps[UP_N_STEPS];
	enum up_step_id failed_step; /* meaningful when failed */
	bool failed;
	bool no_gpu; /* the node has no NVIDIA GPU: nothing was changed (exit 3) */

	/* What this run changed, for the report and the undo advice. */
	char *installed_version; /* the toolkit version this run installed, or NULL */
	char **files_changed;    /* node paths configure wrote */
	char *backup_dir;        /* configure's backup session (node path), or NULL */
	bool rolled_back;        /* the restart's rollback restored the backup */
	bool restart_manual;     /* --restart-mode none left the restart to the user */
	char *manual;            /* what to run then */

	/* The keadm join flags that match the configured runtime. */
	char *cri_endpoint;  /* "unix:///run/containerd/containerd.sock" */
	char *cgroup_driver; /* "systemd" or "cgroupfs" */
};

void up_report_release(struct up_report *r);

/*
 * Run the steps. Returns 0 when the node is ready (or, with dry_run, when no
 * step would fail); -1 with err set when a step failed (code 1), when the node
 * has no NVIDIA GPU (code GP_EXIT_NO_GPU, nothing changed) or on a usage
 * error (code 2, before any step). ret is filled as far as the run got in
 * every case.
 */
int up_run(const struct up_opts *opts, struct up_report *ret, struct gp_error *err);

/* "--remote-runtime-endpoint=... --cgroupdriver=..."; a fresh string. */
char *up_keadm_flags(const struct up_report *r);

/*
 * The --json document: {schema_version, runtime, dry_run, ok, steps[{step,
 * status, message, duration_ms, detail}], changed{...}, undo, keadm{...}}.
 * root is --root, for the host paths in it; err is the run's error, or NULL.
 */
json_t *up_report_json(const struct up_report *r, const char *root, bool dry_run,
                       const struct gp_error *err);
