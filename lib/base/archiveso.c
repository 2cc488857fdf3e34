// SPDX-License-Identifier: GPL-2.0-or-later
#include "archiveso.h"

#include <dlfcn.h>
#include <stdbool.h>

static struct archiveso la;
static bool loaded;

const struct archiveso *
archiveso_load(struct gp_error *err)
{
	if (loaded)
		return &la;
	static const char *const names[] = {"libarchive.so.13", "libarchive.so"};
	void *h = NULL;
	/* Lazily bound: of what libarchive brings (libxml2, ICU, libstdc++ on Debian) an
	 * install calls little, and binding it all up front costs about half a millisecond;
	 * every function gpuprep calls is looked up below. */
	for (size_t i = 0; i < GP_ARRAY_SIZE(names) && !h; i++)
		h = dlopen(names[i], RTLD_LAZY | RTLD_LOCAL);
	if (!h) {
		gp_error_set(err, "cannot load libarchive: %s", dlerror());
		gp_error_hint(err, "install libarchive (the Debian package 'libarchive13', or "
		                   "'libarchive' on rpm systems)");
		return NULL;
	}
#define ARCHIVESO_SYM(name)                                                                        \
	*(void **)&la.archive_##name = dlsym(h, "archive_" #name);                                 \
	if (!la.archive_##name) {                                                                  \
		gp_error_set(err, "cannot load libarchive: no symbol 'archive_%s'", #name);        \
		gp_error_hint(err, "install libarchive 3.4 or later");                             \
		return NULL;                                                                       \
	}
	ARCHIVESO_FUNCS(ARCHIVESO_SYM)
#undef ARCHIVESO_SYM
	loaded = true;
	return &la;
}
