// SPDX-License-Identifier: GPL-2.0-or-later
#include "xmlso.h"

#include <dlfcn.h>
#include <stdbool.h>

#include "soload.h"

static struct xmlso lx;
static bool loaded;

const struct xmlso *
xmlso_load(struct gp_error *err)
{
	if (loaded)
		return &lx;
	static const char *const names[] = {"libxml2.so.2", "libxml2.so"};
	void *h = soload_open("libxml2", names, GP_ARRAY_SIZE(names), RTLD_NOW | RTLD_LOCAL,
	                      "install libxml2 (the Debian package 'libxml2', or 'libxml2' on rpm "
	                      "systems)",
	                      err);
	if (!h)
		return NULL;
#define XMLSO_SYM(name)                                                                            \
	if (!(*(void **)&lx.xml##name = soload_sym(h, "libxml2", "xml" #name, "2.9", err)))        \
		return NULL;
	XMLSO_FUNCS(XMLSO_SYM)
#undef XMLSO_SYM
	/*
	 * xmlFree and xmlParserVersion are variables, behind accessor functions when
	 * libxml2 keeps them per thread: ask xmlMemGet for the one, and take the
	 * accessor or the variable for the other.
	 */
	int (*mem_get)(xmlFreeFunc *, xmlMallocFunc *, xmlReallocFunc *, xmlStrdupFunc *) =
	        (int (*)(xmlFreeFunc *, xmlMallocFunc *, xmlReallocFunc *, xmlStrdupFunc *))dlsym(
	                h, "xmlMemGet");
	const char **(*version_of)(void) = (const char **(*)(void))dlsym(h, "__xmlParserVersion");
	const char **version =
	        version_of ? version_of() : (const char **)dlsym(h, "xmlParserVersion");
	xmlFreeFunc free_fn = NULL;
	if (!mem_get || mem_get(&free_fn, NULL, NULL, NULL) != 0 || !free_fn || !version) {
		gp_error_set(err, "cannot load libxml2: no symbol '%s'",
		             version ? "xmlMemGet" : "xmlParserVersion");
		gp_error_hint(err, "install libxml2 2.9 or later");
		return NULL;
	}
	lx.free = free_fn;
	lx.parser_version = *version;
	loaded = true;
	return &lx;
}
