// SPDX-License-Identifier: GPL-2.0-or-later
#include "nettleso.h"

#include <dlfcn.h>
#include <stdbool.h>

#include "soload.h"

static struct nettleso ln;
static bool loaded;

const struct nettleso *
nettleso_load(struct gp_error *err)
{
	if (loaded)
		return &ln;
	static const char *const names[] = {"libnettle.so.8", "libnettle.so"};
	void *h = soload_open("nettle", names, GP_ARRAY_SIZE(names), RTLD_NOW | RTLD_LOCAL,
	                      "install nettle (the Debian package 'libnettle8', or 'nettle' on rpm "
	                      "systems)",
	                      err);
	if (!h)
		return NULL;
#define NETTLESO_SYM(name)                                                                         \
	if (!(*(void **)&ln.name = soload_sym(h, "nettle", "nettle_" #name, "3.4", err)))          \
		return NULL;
	NETTLESO_FUNCS(NETTLESO_SYM)
#undef NETTLESO_SYM
	loaded = true;
	return &ln;
}
