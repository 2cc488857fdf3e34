/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * lib/base/ owns errors, strings, rows, processes, temp files, diffs, templates, completion, the
 * deb822 reader, the libcurl/libarchive loaders. It may include from the C library and jansson
 * only: it is the bottom layer (README "Architecture"; the folder's meson.build sets the include
 * path that enforces it).
 */
/*
 * The one error type. It carries the message, a hint and the exit code.
 *
 * Set it where the meaning is known, add context on the way up with
 * gp_error_prefix(), and let cmd/main.c print it. Every setter returns -1 so
 * that callers can write `return gp_error_set(err, ...);`.
 *
 * Messages follow git's rules: lowercase, no final full stop, quote paths.
 */
#pragma once

#include <stdbool.h>

#include "util.h"

enum gp_exit {
	GP_EXIT_OK = 0,
	GP_EXIT_FAILURE = 1, /* the operation failed, or preflight found errors */
	GP_EXIT_USAGE = 2,   /* usage error */
	GP_EXIT_NO_GPU = 3,  /* no NVIDIA GPU found */
};

struct gp_error {
	int code;   /* exit code, GP_EXIT_*; 0 while unset */
	char *msg;  /* "parsing '/etc/containerd/config.toml': 12:5: expected '='" */
	char *hint; /* what to do about it, or NULL */
};

#define GP_ERROR_INIT                                                                              \
	{                                                                                          \
		0, NULL, NULL                                                                      \
	}

/* Set the message (replacing any) with exit code 1. */
int gp_error_set(struct gp_error *err, const char *fmt, ...) _printf_(2, 3);
/* The same, with ": strerror(errnum)" appended; errnum may be negative. */
int gp_error_set_errno(struct gp_error *err, int errnum, const char *fmt, ...) _printf_(3, 4);
/* Set the message with a given exit code. */
int gp_error_set_code(struct gp_error *err, int code, const char *fmt, ...) _printf_(3, 4);
/* Set or replace the hint. */
int gp_error_hint(struct gp_error *err, const char *fmt, ...) _printf_(2, 3);
/* Add context in front: "<context>: <old message>". */
int gp_error_prefix(struct gp_error *err, const char *fmt, ...) _printf_(2, 3);
bool gp_error_is_set(const struct gp_error *err);
/* Move src into dst (dst is released first); src is left empty. */
void gp_error_move(struct gp_error *dst, struct gp_error *src);
void gp_error_release(struct gp_error *err);
static inline void
gp_error_releasep(struct gp_error *err)
{
	gp_error_release(err);
}
#define _cleanup_error_ _cleanup_(gp_error_releasep)
