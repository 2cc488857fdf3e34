/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Following dpkg's --status-fd lines (dpkg(1)) to tell when it has unpacked a set of
 * packages from their archives. "processing: install: P" (or "upgrade") starts P's step;
 * within it, "status: P: half-installed" comes as dpkg starts on the files in P's archive
 * and "status: P: unpacked" once they are all out (P may carry ":ARCH"). A package counts
 * on that "unpacked" alone: an upgrade reports P unpacked before it (the old version
 * deconfigured, "half-configured" then "unpacked"), and a package dpkg deconfigures or
 * removes along the way is reported unpacked outside its own step.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

struct dpkg_unpack_watch {
	char *const *names; /* the packages waited for, NULL-terminated (borrowed) */
	bool *unpacked;     /* per name */
	size_t left;        /* how many are not */
	char *current;      /* the package of dpkg's install or upgrade step, or NULL */
	bool extracting;    /* current's files are being extracted (it is half-installed) */
};

void dpkg_unpack_watch_init(struct dpkg_unpack_watch *w, char *const *names);
void dpkg_unpack_watch_release(struct dpkg_unpack_watch *w);
/* Take one status line: true when it is the one that makes every name unpacked. */
bool dpkg_unpack_watch_line(struct dpkg_unpack_watch *w, const char *line);
