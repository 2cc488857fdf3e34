// SPDX-License-Identifier: GPL-2.0-or-later
/* The preflight report: statuses, results and the --json document. See preflight_report.h. */
#include "preflight_report.h"

#include "util.h"

const char *
preflight_status_name(enum preflight_status s)
{
	switch (s) {
	case PREFLIGHT_PASS:
		return "pass";
	case PREFLIGHT_WARN:
		return "warn";
	case PREFLIGHT_FAIL:
		return "fail";
	case PREFLIGHT_SKIP:
		return "skip";
	case PREFLIGHT_N_STATUS:
		break;
	}
	return "unknown";
}

static void
result_release(struct preflight_result *r)
{
	free(r->message);
	free(r->hint);
}

void
preflight_report_release(struct preflight_report *report)
{
	if (!report)
		return;
	for (size_t i = 0; i < report->n; i++)
		result_release(&report->results[i]);
	free(report->results);
	*report = (struct preflight_report){0};
}

bool
preflight_report_ok(const struct preflight_report *report)
{
	return report->count[PREFLIGHT_FAIL] == 0;
}

/* A JSON string; bytes that are not UTF-8 (a path, say) become '?'. */
static json_t *
text_json(const char *s)
{
	json_t *j = json_string(s);
	if (j)
		return j;
	_cleanup_free_ char *copy = xstrdup(s);
	for (char *p = copy; *p; p++)
		if ((unsigned char)*p >= 0x80)
			*p = '?';
	return json_string(copy);
}

json_t *
preflight_report_json(const struct preflight_report *report)
{
	json_t *doc = json_object();
	json_object_set_new(doc, "schema_version", json_integer(1));
	json_t *arr = json_array();
	for (size_t i = 0; i < report->n; i++) {
		const struct preflight_result *r = &report->results[i];
		json_t *o = json_object();
		json_object_set_new(o, "id", json_string(r->id));
		json_object_set_new(o, "status", json_string(preflight_status_name(r->status)));
		json_object_set_new(o, "message", text_json(r->message));
		json_object_set_new(o, "hint", r->hint ? text_json(r->hint) : json_null());
		json_object_set_new(o, "ignored", json_boolean(r->ignored));
		json_array_append_new(arr, o);
	}
	json_object_set_new(doc, "checks", arr);
	json_t *sum = json_object();
	for (int s = 0; s < PREFLIGHT_N_STATUS; s++)
		json_object_set_new(sum, preflight_status_name(s), json_integer(report->count[s]));
	json_object_set_new(sum, "ignored", json_integer(report->n_ignored));
	json_object_set_new(sum, "ok", json_boolean(preflight_report_ok(report)));
	json_object_set_new(doc, "summary", sum);
	return doc;
}
