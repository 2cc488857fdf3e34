/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A fleet's report: the --json documents of `gpuprep up`, `preflight` and
 * `verify` from many nodes (as Ansible gathers them), merged into one row
 * per host and totals. Reads only JSON; it never looks at a node.
 *
 * A host's status, from its reports in the order they are added:
 *   failed   a report carries an error, or says ok: false (up, verify) or a
 *            failed check (preflight); it stays failed
 *   ready    up ran every step and the running runtime was verified, or a
 *            verify report passed
 *   pending  up succeeded but left a step to the operator (the restart with
 *            --restart-mode none, so nothing was verified)
 *   planned  a dry run of up (--dry-run): nothing was changed
 *   passed   a preflight report passed: the node may be prepared
 * A later report of the same host replaces the runtime, toolkit, steps and
 * keadm flags that it carries; the host's "changed" is true when any of its
 * up reports installed, wrote or restarted something.
 */
#pragma once

#include <jansson.h>
#include <stdbool.h>

#include "error.h"

struct fleet {
	json_t *hosts;   /* array of rows, in the order hosts first appear */
	json_t *refused; /* array of {file, message, hint} */
};

void fleet_init(struct fleet *f);
void fleet_release(struct fleet *f);

/*
 * Read the report in file (path as given) and merge it. A file that cannot
 * be read, is not JSON ("'F': 3:14: not JSON: ..."), or is JSON but not a
 * report of up, preflight or verify is refused: it is listed in f->refused,
 * err says why (with a hint), -1 is returned, and no host changes.
 */
int fleet_add_file(struct fleet *f, const char *file, struct gp_error *err);
/* The same for a parsed document; name is what messages call it. */
int fleet_add_json(struct fleet *f, const char *name, const json_t *doc, struct gp_error *err);

struct fleet_totals {
	size_t hosts, ready, failed, changed, pending, planned, passed, refused;
};
void fleet_totals(const struct fleet *f, struct fleet_totals *ret);

/*
 * The --json document: {schema_version, hosts: [{host, files, reports,
 * status, changed, runtime, toolkit_version, steps: {STEP: STATUS},
 * keadm_flags, error, hint}], refused: [{file, message, hint}], totals:
 * {hosts, ready, failed, changed, pending, planned, passed, refused}}.
 */
json_t *fleet_to_json(const struct fleet *f);
