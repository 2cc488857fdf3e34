/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What `gpuprep up` reports (up.h runs it): its steps and their statuses, the
 * keadm flags that match the configured runtime, and the --json document.
 */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "error.h"

struct runtime_ops;

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

struct up_report {
	const struct runtime_ops *runtime; /* the runtime configured (NULL before it is known) */
	struct up_step steps[UP_N_STEPS];
	enum up_step_id failed_step; /* meaningful when failed */
	bool failed;
	bool no_gpu; /* the node has no NVIDIA GPU: nothing was changed (exit 3) */

	/* What this run changed, for the report and the undo advice. */
	char *installed_version; /* the toolkit version this run installed, or NULL */
	char *toolkit_version;   /* the toolkit version on the node (or to be), or NULL */
	bool restarted;          /* the runtime was restarted or reloaded */
	char **files_changed;    /* node paths configure wrote */
	char *backup_dir;        /* configure's backup session (node path), or NULL */
	bool rolled_back;        /* the restart's rollback restored the backup */
	bool restart_manual;     /* --restart-mode none left the restart to the user */
	char *manual;            /* what to run then */
	bool not_default;        /* nvidia is not the runtime's default: pods need a RuntimeClass */

	/* The keadm join flags that match the configured runtime. */
	char *cri_endpoint;  /* "unix:///run/containerd/containerd.sock" */
	char *cgroup_driver; /* "systemd" or "cgroupfs" */
};

void up_report_release(struct up_report *r);

/* "--remote-runtime-endpoint=... --cgroupdriver=..."; a fresh string. */
char *up_keadm_flags(const struct up_report *r);

/*
 * The --json document: {schema_version, runtime, dry_run, ok, steps[{step,
 * status, message, duration_ms, detail}], changed{...}, undo, keadm{...}}.
 * root is --root, for the host paths in it; err is the run's error, or NULL.
 */
json_t *up_report_json(const struct up_report *r, const char *root, bool dry_run,
                       const struct gp_error *err);
