// SPDX-License-Identifier: GPL-2.0-or-later
#include "archiveso.h"

#include <dlfcn.h>
#include <stdbool.h>

#include "soload.h"

static struct archiveso la;
static bool loaded;

const struct archiveso *
archiveso_load(struct gp_error *err)
{
	if (loaded)
		return &la;
	static const char *const names[] = {"libarchive.so.13", "libarchive.so"};
	/* Lazily bound: of what libarchive brings (libxml2, ICU, libstdc++ on Debian) an
	 * install calls little, and binding it all up front costs about half a millisecond;
	 * every function gpuprep calls is looked up below. */
	void *h = soload_open("libarchive", names, GP_ARRAY_SIZE(names), RTLD_LAZY | RTLD_LOCAL,
	                      "install libarchive (the Debian package 'libarchive13', or "
	                      "'libarchive' on rpm systems)",
	                      err);
	if (!h)
		return NULL;
#define ARCHIVESO_SYM(name)                                                                        \
	if (!(*(void **)&la.archive_##name =                                                       \
	              soload_sym(h, "libarchive", "archive_" #name, "3.4", err)))                  \
		return NULL;
	ARCHIVESO_FUNCS(ARCHIVESO_SYM)
#undef ARCHIVESO_SYM
	loaded = true;
	return &la;
}
