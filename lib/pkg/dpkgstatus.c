// SPDX-License-Identifier: GPL-2.0-or-later
#include "dpkgstatus.h"

#include <string.h>

#include "util.h"

void
dpkg_unpack_watch_init(struct dpkg_unpack_watch *w, char *const *names)
{
	size_t n = strv_length(names);
	*w = (struct dpkg_unpack_watch){
	        .names = names, .unpacked = xcalloc(n + 1, sizeof(bool)), .left = n};
}

void
dpkg_unpack_watch_release(struct dpkg_unpack_watch *w)
{
	free(w->unpacked);
	free(w->current);
	*w = (struct dpkg_unpack_watch){0};
}

/* The package name of "P" or "P:ARCH", the first n bytes of s. */
static char *
package(const char *s, size_t n)
{
	size_t colon = strcspn(s, ":");
	return xstrndup(s, colon < n ? colon : n);
}

bool
dpkg_unpack_watch_line(struct dpkg_unpack_watch *w, const char *line)
{
	const char *rest;
	if (str_startswith(line, "processing: ")) {
		rest = line + strlen("processing: ");
		free(TAKE_PTR(w->current));
		w->extracting = false;
		const char *p = str_startswith(rest, "install: ")   ? rest + strlen("install: ")
		                : str_startswith(rest, "upgrade: ") ? rest + strlen("upgrade: ")
		                                                    : NULL;
		if (p)
			w->current = package(p, strlen(p));
		return false;
	}
	if (!w->left || !w->current || !str_startswith(line, "status: "))
		return false;
	rest = line + strlen("status: ");
	bool half = str_endswith(rest, ": half-installed");
	if (!half && !str_endswith(rest, ": unpacked"))
		return false;
	_cleanup_free_ char *p =
	        package(rest, strlen(rest) - strlen(half ? ": half-installed" : ": unpacked"));
	if (strcmp(p, w->current) != 0)
		return false;
	if (half) {
		w->extracting = true;
		return false;
	}
	if (!w->extracting)
		return false;
	free(TAKE_PTR(w->current));
	w->extracting = false;
	for (size_t i = 0; w->names[i]; i++)
		if (!w->unpacked[i] && strcmp(w->names[i], p) == 0) {
			w->unpacked[i] = true;
			w->left--;
		}
	return !w->left;
}
