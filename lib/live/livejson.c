// SPDX-License-Identifier: GPL-2.0-or-later
#include "livejson.h"

char *
livejson_describe(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		return xstrdup("an object");
	case JSON_ARRAY:
		return xstrdup("an array");
	case JSON_STRING:
		return xstrdup("a string");
	case JSON_NULL:
		return xstrdup("null");
	case JSON_TRUE:
	case JSON_FALSE:
		return xasprintf("a boolean (%s)", json_is_true(v) ? "true" : "false");
	default: {
		_cleanup_free_ char *s = json_dumps(v, JSON_ENCODE_ANY);
		return xasprintf("a number (%s)", s ? s : "?");
	}
	}
}

static const char *
want_name(json_type t)
{
	switch (t) {
	case JSON_OBJECT:
		return "an object";
	case JSON_ARRAY:
		return "an array";
	case JSON_STRING:
		return "a string";
	case JSON_TRUE:
	case JSON_FALSE:
		return "a boolean";
	case JSON_NULL:
		return "null";
	default:
		return "a number";
	}
}

int
livejson_check(const json_t *v, const char *field, json_type want, bool null_ok,
               struct gp_error *err)
{
	if (!v || (null_ok && json_is_null(v)))
		return 0;
	json_type t = json_typeof(v);
	if (t == want || (want == JSON_TRUE && json_is_boolean(v)) ||
	    (want == JSON_INTEGER && json_is_number(v)))
		return 0;
	_cleanup_free_ char *what = livejson_describe(v);
	return gp_error_set(err, "%s is %s, not %s", field, what, want_name(want));
}
