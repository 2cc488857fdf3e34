// SPDX-License-Identifier: GPL-2.0-or-later
#include "yamlso.h"

#include <dlfcn.h>
#include <stdbool.h>

#include "soload.h"

static struct yamlso ly;
static bool loaded;

const struct yamlso *
yamlso_load(struct gp_error *err)
{
	if (loaded)
		return &ly;
	static const char *const names[] = {"libyaml-0.so.2", "libyaml.so"};
	void *h = soload_open("libyaml", names, GP_ARRAY_SIZE(names), RTLD_NOW | RTLD_LOCAL,
	                      "install libyaml (the Debian package 'libyaml-0-2', or 'libyaml' on "
	                      "rpm systems)",
	                      err);
	if (!h)
		return NULL;
#define YAMLSO_SYM(name)                                                                           \
	if (!(*(void **)&ly.name = soload_sym(h, "libyaml", "yaml_" #name, "0.1", err)))           \
		return NULL;
	YAMLSO_FUNCS(YAMLSO_SYM)
#undef YAMLSO_SYM
	loaded = true;
	return &ly;
}
