// SPDX-License-Identifier: GPL-2.0-or-later
/* Many nodes' JSON reports merged into one row per host (fleet.h says how). */
#include "fleet.h"

#include <errno.h>
#include <string.h>

#include "rows.h"
#include "util.h"

#define FLEET_SCHEMA_VERSION 1

static const char fleet_hint[] =
        "give the files 'gpuprep --json up', 'gpuprep --json preflight' or 'gpuprep --json "
        "verify' printed";

void
fleet_init(struct fleet *f)
{
	f->hosts = json_array();
	f->refused = json_array();
}

void
fleet_release(struct fleet *f)
{
	if (!f)
		return;
	json_decref(f->hosts);
	json_decref(f->refused);
	f->hosts = f->refused = NULL;
}

static int
refuse(struct fleet *f, const char *name, struct gp_error *err)
{
	json_array_append_new(f->refused, json_pack("{s:s, s:s, s:s?}", "file", name, "message",
	                                            err->msg, "hint", err->hint));
	return -1;
}

static const char *
str_of(const json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

/* The row of host, made on its first report. */
static json_t *
host_row(struct fleet *f, const char *host)
{
	size_t i;
	json_t *row;
	json_array_foreach (f->hosts, i, row)
		if (strcmp(str_of(row, "host"), host) == 0)
			return row;
	row = json_pack("{s:s, s:[], s:[], s:s, s:b, s:n, s:n, s:{}, s:n, s:n, s:n}", "host", host,
	                "files", "reports", "status", "pending", "changed", false, "runtime",
	                "toolkit_version", "steps", "keadm_flags", "error", "hint");
	json_array_append_new(f->hosts, row);
	return row;
}

/* Which report doc is: "up", "preflight" or "verify"; NULL with err set when none. */
static const char *
report_kind(const char *name, const json_t *doc, struct gp_error *err)
{
	if (!json_is_object(doc)) {
		gp_error_set(err, "'%s': not a gpuprep report: the JSON is not an object", name);
		return NULL;
	}
	json_t *cmd = json_object_get(doc, "command");
	if (json_is_string(cmd)) {
		const char *c = json_string_value(cmd);
		if (strcmp(c, "up") == 0 || strcmp(c, "preflight") == 0 || strcmp(c, "verify") == 0)
			return c;
		gp_error_set(err, "'%s': a report of 'gpuprep %s', not of up, preflight or verify",
		             name, c);
		return NULL;
	}
	/* Reports of gpuprep before "command" was in every document. */
	if (json_is_integer(json_object_get(doc, "schema_version")) && !cmd) {
		if (json_is_array(json_object_get(doc, "steps")) && json_object_get(doc, "keadm"))
			return "up";
		if (json_is_array(json_object_get(doc, "checks")) &&
		    json_is_object(json_object_get(doc, "summary")))
			return "preflight";
	}
	gp_error_set(err, "'%s': not a gpuprep report (no \"command\" of up, preflight or verify)",
	             name);
	return NULL;
}

static bool
up_changed(const json_t *doc)
{
	if (json_is_true(json_object_get(doc, "dry_run")))
		return false;
	json_t *ch = json_object_get(doc, "changed");
	return json_is_string(json_object_get(ch, "installed")) ||
	       json_array_size(json_object_get(ch, "files")) > 0 ||
	       json_is_true(json_object_get(ch, "restarted"));
}

/* up's status: see fleet.h. */
static const char *
up_status(const json_t *doc, json_t *steps)
{
	if (!json_is_true(json_object_get(doc, "ok")))
		return "failed";
	if (json_is_true(json_object_get(doc, "dry_run")))
		return "planned";
	const char *verify = str_of(steps, "verify");
	if (verify && (strcmp(verify, "done") == 0 || strcmp(verify, "already_done") == 0))
		return "ready";
	return "pending";
}

static void
set_str(json_t *row, const char *key, const char *value)
{
	if (value)
		json_object_set_new(row, key, json_string(value));
}

int
fleet_add_json(struct fleet *f, const char *name, const json_t *doc, struct gp_error *err)
{
	const char *kind = report_kind(name, doc, err);
	if (!kind) {
		gp_error_hint(err, "%s", fleet_hint);
		return refuse(f, name, err);
	}
	json_t *e = json_object_get(doc, "error");
	if (e && !json_is_null(e) && !json_is_string(json_object_get(e, "message"))) {
		gp_error_set(err, "'%s': its \"error\" has no message", name);
		gp_error_hint(err, "%s", fleet_hint);
		return refuse(f, name, err);
	}
	const char *host = str_of(doc, "host");
	_cleanup_free_ char *base = NULL;
	if (!host || !*host) {
		/* No hostname in the report: the file's name stands for the host. */
		const char *slash = strrchr(name, '/');
		base = xstrdup(slash ? slash + 1 : name);
		if (str_endswith(base, ".json"))
			base[strlen(base) - 5] = '\0';
		host = base;
	}

	json_t *row = host_row(f, host);
	json_array_append_new(json_object_get(row, "files"), json_string(name));
	json_array_append_new(json_object_get(row, "reports"), json_string(kind));
	json_t *steps = json_object_get(row, "steps");
	const char *status;
	if (strcmp(kind, "up") == 0) {
		set_str(row, "runtime", str_of(doc, "runtime"));
		set_str(row, "toolkit_version", str_of(doc, "toolkit_version"));
		size_t i;
		json_t *s;
		json_array_foreach (json_object_get(doc, "steps"), i, s) {
			const char *step = str_of(s, "step"), *st = str_of(s, "status");
			if (step && st)
				json_object_set_new(steps, step, json_string(st));
		}
		set_str(row, "keadm_flags", str_of(json_object_get(doc, "keadm"), "flags"));
		if (up_changed(doc))
			json_object_set_new(row, "changed", json_true());
		status = up_status(doc, steps);
	} else if (strcmp(kind, "preflight") == 0) {
		bool ok = json_is_true(json_object_get(json_object_get(doc, "summary"), "ok"));
		status = ok ? "passed" : "failed";
		json_object_set_new(steps, "preflight-report", json_string(status));
	} else {
		set_str(row, "runtime", str_of(doc, "runtime"));
		bool ok = json_is_true(json_object_get(doc, "ok"));
		status = ok ? "ready" : "failed";
		json_object_set_new(steps, "verify-report", json_string(ok ? "passed" : "failed"));
	}
	if (e && !json_is_null(e)) {
		status = "failed";
		set_str(row, "error", str_of(e, "message"));
		json_object_set(row, "hint", json_object_get(e, "hint"));
	}
	/* Failed stays failed: a later report of the host does not hide it. */
	if (strcmp(str_of(row, "status"), "failed") != 0)
		json_object_set_new(row, "status", json_string(status));
	return 0;
}

int
fleet_add_file(struct fleet *f, const char *file, struct gp_error *err)
{
	_cleanup_free_ char *text = NULL;
	size_t len = 0;
	int r = read_file(file, &text, &len);
	if (r < 0) {
		gp_error_set_errno(err, r, "'%s': cannot read it", file);
		return refuse(f, file, err);
	}
	json_error_t je;
	_cleanup_json_ json_t *doc = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
	if (!doc) {
		gp_error_set(err, "'%s': %d:%d: not JSON: %s", file, je.line, je.column, je.text);
		gp_error_hint(err, "%s", fleet_hint);
		return refuse(f, file, err);
	}
	return fleet_add_json(f, file, doc, err);
}

void
fleet_totals(const struct fleet *f, struct fleet_totals *ret)
{
	*ret = (struct fleet_totals){0};
	ret->hosts = json_array_size(f->hosts);
	ret->refused = json_array_size(f->refused);
	size_t i;
	json_t *row;
	json_array_foreach (f->hosts, i, row) {
		const char *s = str_of(row, "status");
		ret->ready += strcmp(s, "ready") == 0;
		ret->failed += strcmp(s, "failed") == 0;
		ret->pending += strcmp(s, "pending") == 0;
		ret->planned += strcmp(s, "planned") == 0;
		ret->passed += strcmp(s, "passed") == 0;
		ret->changed += json_is_true(json_object_get(row, "changed"));
	}
}

json_t *
fleet_to_json(const struct fleet *f)
{
	struct fleet_totals t;
	fleet_totals(f, &t);
	return json_pack("{s:i, s:O, s:O, s:{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}}",
	                 "schema_version", FLEET_SCHEMA_VERSION, "hosts", f->hosts, "refused",
	                 f->refused, "totals", "hosts", (json_int_t)t.hosts, "ready",
	                 (json_int_t)t.ready, "failed", (json_int_t)t.failed, "changed",
	                 (json_int_t)t.changed, "pending", (json_int_t)t.pending, "planned",
	                 (json_int_t)t.planned, "passed", (json_int_t)t.passed, "refused",
	                 (json_int_t)t.refused);
}
