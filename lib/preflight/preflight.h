/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * lib/preflight/ owns the preflight framework and its checks.
 * It may include from everything below it: lib/base, files, node, live, pkg, runtimes, lib/detect
 * (README "Architecture"; the folder's meson.build sets the include path that enforces it).
 */
/*
 * preflight: the checks an edge GPU node must pass before `keadm join`.
 *
 * Each check has a stable id and reads only what lies under the root. It
 * returns a status (pass, warn, fail or skip), a message and, where the
 * operator can act, a hint. Nothing here prints: cmd/preflight.c renders the
 * report as kubeadm-style lines or as JSON.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "error.h"
#include "preflight_report.h"

struct preflight_opts {
	const char *root;          /* --root, or NULL */
	const char *runtime;       /* --runtime NAME, or NULL to infer it */
	const char *cri_socket;    /* --cri-socket as keadm takes it, or NULL for keadm's default */
	const char *cgroup_driver; /* --cgroup-driver, or NULL for keadm's default (cgroupfs) */
	char **ignore;             /* --ignore-preflight-errors ids (validated), or NULL */
	bool ignore_all;           /* --ignore-preflight-errors all */
	char **only;               /* --checks ids (validated), or NULL for every check */
	const char *device_plugin; /* --device-plugin FILE: the manifest to deploy (a host path) */
	const char *mig_strategy;  /* --mig-strategy none|single|mixed, or NULL */
};

/* The ids of every check, in the order they run; NULL-terminated. */
const char *const *preflight_check_ids(void);
bool preflight_check_exists(const char *id);

/*
 * Parse a comma-separated list of check ids ("swap,cgroups"). With allow_all,
 * "all" alone sets *ret_all. An unknown id, an empty list or "all" combined
 * with ids is a usage error (exit code 2) naming the option. Ids are
 * case-insensitive, as in kubeadm, and returned in lowercase.
 */
int preflight_parse_ids(const char *option, const char *list, bool allow_all, char ***ret_ids,
                        bool *ret_all, struct gp_error *err);

/*
 * The same for an option that may be repeated, as in kubeadm: add the ids of
 * list to *ids (without repeats) and, when all is not NULL ("all" allowed),
 * "all" to *all; "all" together with ids, across repeats too, is a usage error.
 */
int preflight_add_ids(const char *option, const char *list, char ***ids, bool *all,
                      struct gp_error *err);

/*
 * The socket path of a CRI endpoint as keadm's --remote-runtime-endpoint
 * takes it: "unix:///run/x.sock" or a plain absolute path. Anything else is a
 * usage error.
 */
int preflight_endpoint_path(const char *endpoint, char **ret_path, struct gp_error *err);

/* Check the option values (runtime, cgroup driver, endpoint); usage errors have code 2. */
int preflight_opts_validate(const struct preflight_opts *opts, struct gp_error *err);

/*
 * Run the selected checks. Fails only on invalid options; every problem the
 * checks find is in the report.
 */
int preflight_run(const struct preflight_opts *opts, struct preflight_report *ret,
                  struct gp_error *err);
