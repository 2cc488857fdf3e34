// SPDX-License-Identifier: GPL-2.0-or-later
#include "livejson.h"
#include "tap.h"

static void
check_fails(const char *json, json_type want, bool null_ok, const char *msg)
{
	json_t *v = json_loads(json, JSON_DECODE_ANY, NULL);
	struct gp_error err = GP_ERROR_INIT;
	ok(livejson_check(v, "f", want, null_ok, &err) == -1, "%s refused", json);
	is_str(err.msg, msg, msg);
	gp_error_release(&err);
	json_decref(v);
}

static void
check_ok(const char *json, json_type want, bool null_ok)
{
	json_t *v = json ? json_loads(json, JSON_DECODE_ANY, NULL) : NULL;
	struct gp_error err = GP_ERROR_INIT;
	ok(livejson_check(v, "f", want, null_ok, &err) == 0, "%s accepted", json ? json : "absent");
	gp_error_release(&err);
	json_decref(v);
}

int
main(void)
{
	check_ok(NULL, JSON_STRING, false);
	check_ok("\"x\"", JSON_STRING, false);
	check_ok("{}", JSON_OBJECT, false);
	check_ok("false", JSON_TRUE, false);
	check_ok("true", JSON_TRUE, false);
	check_ok("null", JSON_OBJECT, true);
	check_ok("2.5", JSON_INTEGER, false);
	check_fails("null", JSON_OBJECT, false, "f is null, not an object");
	check_fails("5", JSON_STRING, false, "f is a number (5), not a string");
	check_fails("1.5", JSON_STRING, false, "f is a number (1.5), not a string");
	check_fails("true", JSON_STRING, false, "f is a boolean (true), not a string");
	check_fails("[1]", JSON_OBJECT, false, "f is an array, not an object");
	check_fails("{}", JSON_ARRAY, false, "f is an object, not an array");
	check_fails("\"x\"", JSON_TRUE, false, "f is a string, not a boolean");
	check_fails("\"x\"", JSON_INTEGER, false, "f is a string, not a number");
	return tap_done();
}
