// SPDX-License-Identifier: GPL-2.0-or-later
#include "soload.h"

#include <dlfcn.h>

void *
soload_open(const char *lib, const char *const *names, size_t n, int flags, const char *hint,
            struct gp_error *err)
{
	void *h = NULL;
	for (size_t i = 0; i < n && !h; i++)
		h = dlopen(names[i], flags);
	if (!h) {
		gp_error_set(err, "cannot load %s: %s", lib, dlerror());
		gp_error_hint(err, "%s", hint);
	}
	return h;
}

void *
soload_sym(void *h, const char *lib, const char *name, const char *min_version,
           struct gp_error *err)
{
	void *p = dlsym(h, name);
	if (!p) {
		gp_error_set(err, "cannot load %s: no symbol '%s'", lib, name);
		gp_error_hint(err, "install %s %s or later", lib, min_version);
	}
	return p;
}
