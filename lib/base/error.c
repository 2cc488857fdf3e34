// SPDX-License-Identifier: GPL-2.0-or-later
#include "error.h"

#include <string.h>

static int set_va(struct gp_error *err, int code, const char *suffix, const char *fmt, va_list ap)
        _printf_(4, 0);

static int
set_va(struct gp_error *err, int code, const char *suffix, const char *fmt, va_list ap)
{
	if (!err)
		return -1;
	char *m = xvasprintf(fmt, ap);
	free(err->msg);
	if (suffix) {
		err->msg = xasprintf("%s: %s", m, suffix);
		free(m);
	} else {
		err->msg = m;
	}
	free(err->hint);
	err->hint = NULL;
	err->code = code;
	return -1;
}

int
gp_error_set(struct gp_error *err, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	set_va(err, GP_EXIT_FAILURE, NULL, fmt, ap);
	va_end(ap);
	return -1;
}

int
gp_error_set_errno(struct gp_error *err, int errnum, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	set_va(err, GP_EXIT_FAILURE, strerror(errnum < 0 ? -errnum : errnum), fmt, ap);
	va_end(ap);
	return -1;
}

int
gp_error_set_code(struct gp_error *err, int code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	set_va(err, code, NULL, fmt, ap);
	va_end(ap);
	return -1;
}

int
gp_error_hint(struct gp_error *err, const char *fmt, ...)
{
	if (!err)
		return -1;
	va_list ap;
	va_start(ap, fmt);
	free(err->hint);
	err->hint = xvasprintf(fmt, ap);
	va_end(ap);
	return -1;
}

int
gp_error_prefix(struct gp_error *err, const char *fmt, ...)
{
	if (!err)
		return -1;
	va_list ap;
	va_start(ap, fmt);
	_cleanup_free_ char *ctx = xvasprintf(fmt, ap);
	va_end(ap);
	char *m = xasprintf("%s: %s", ctx, err->msg ? err->msg : "unknown error");
	free(err->msg);
	err->msg = m;
	if (!err->code)
		err->code = GP_EXIT_FAILURE;
	return -1;
}

bool
gp_error_is_set(const struct gp_error *err)
{
	return err && err->msg;
}

void
gp_error_move(struct gp_error *dst, struct gp_error *src)
{
	gp_error_release(dst);
	*dst = *src;
	*src = (struct gp_error)GP_ERROR_INIT;
}

void
gp_error_release(struct gp_error *err)
{
	if (!err)
		return;
	free(err->msg);
	free(err->hint);
	*err = (struct gp_error)GP_ERROR_INIT;
}
