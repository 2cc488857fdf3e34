// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>

#include "error.h"
#include "tap.h"

static int
parse_thing(struct gp_error *err)
{
	gp_error_set(err, "%d:%d: expected '='", 12, 5);
	return gp_error_hint(err, "check the line");
}

int
main(void)
{
	_cleanup_error_ struct gp_error err = GP_ERROR_INIT;

	ok(!gp_error_is_set(&err), "a fresh error is not set");
	is_int(parse_thing(&err), -1, "setters return -1");
	is_int(err.code, GP_EXIT_FAILURE, "default code is 1");
	gp_error_prefix(&err, "parsing '%s'", "/etc/containerd/config.toml");
	gp_error_prefix(&err, "configuring containerd");
	is_str(err.msg,
	       "configuring containerd: parsing '/etc/containerd/config.toml': 12:5: expected '='",
	       "context is added in front on the way up");
	is_str(err.hint, "check the line", "the hint survives added context");

	gp_error_set_errno(&err, -ENOENT, "reading '%s'", "/x");
	is_str(err.msg, "reading '/x': No such file or directory", "errno text is appended");
	ok(err.hint == NULL, "a new message drops the old hint");

	gp_error_set_code(&err, GP_EXIT_USAGE, "unknown option '--x'");
	is_int(err.code, GP_EXIT_USAGE, "explicit code is kept");

	struct gp_error other = GP_ERROR_INIT;
	gp_error_move(&other, &err);
	ok(!gp_error_is_set(&err) && gp_error_is_set(&other), "move empties the source");
	gp_error_release(&other);
	gp_error_release(NULL);
	ok(1, "release accepts NULL");
	return tap_done();
}
