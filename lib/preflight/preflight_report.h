/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What a preflight check yields and how a run reports it: the statuses, one
 * result per check, the report and its --json document; and keadm's defaults,
 * which the options, the checks' messages and the report all speak of. The
 * checks (preflight_check.h) and the runner (preflight.h) both build on it.
 */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

enum preflight_status {
	PREFLIGHT_PASS = 0,
	PREFLIGHT_WARN,
	PREFLIGHT_FAIL,
	PREFLIGHT_SKIP,
	PREFLIGHT_N_STATUS,
};

/* "pass", "warn", "fail", "skip": the JSON spelling. */
const char *preflight_status_name(enum preflight_status s);

/* keadm's defaults for --remote-runtime-endpoint and --cgroupdriver. */
#define PREFLIGHT_DEFAULT_CRI_SOCKET    "unix:///run/containerd/containerd.sock"
#define PREFLIGHT_DEFAULT_CGROUP_DRIVER "cgroupfs"

struct preflight_result {
	const char *id;               /* the check's stable id (static) */
	enum preflight_status status; /* after --ignore-preflight-errors */
	bool ignored;                 /* a failure that --ignore-preflight-errors made a warning */
	char *message;
	char *hint; /* what to do about it, or NULL */
};

struct preflight_report {
	struct preflight_result *results; /* in check order */
	size_t n;
	size_t count[PREFLIGHT_N_STATUS]; /* results by status, after ignoring */
	size_t n_ignored;
	bool node_unreadable; /* the node scan failed: gpu-present says why, once */
};

void preflight_report_release(struct preflight_report *report);

/* True when the report has no error (warnings allowed). */
bool preflight_report_ok(const struct preflight_report *report);

/*
 * The --json document: {schema_version, checks[{id, status, message, hint,
 * ignored}], summary{pass, warn, fail, skip, ignored, ok}}.
 */
json_t *preflight_report_json(const struct preflight_report *report);
