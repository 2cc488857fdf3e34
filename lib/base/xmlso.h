/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libxml2, for the yum repository metadata (lib/pkg/rpmrepo), loaded on first
 * use: on Debian it brings ICU and libstdc++ with it, which every other command
 * would pay for at start. xmlso_linked.c is the static build's table.
 */
#pragma once

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>

#include "error.h"

/* Every libxml2 function gpuprep calls, without its xml prefix. */
#define XMLSO_FUNCS(X)                                                                             \
	X(DocGetRootElement)                                                                       \
	X(FreeDoc)                                                                                 \
	X(GetLastError)                                                                            \
	X(GetLineNo)                                                                               \
	X(GetProp)                                                                                 \
	X(NodeGetContent)                                                                          \
	X(ReadFile)                                                                                \
	X(ResetLastError)                                                                          \
	X(SetGenericErrorFunc)

struct xmlso {
#define XMLSO_FIELD(name) __typeof__(&xml##name) xml##name;
	XMLSO_FUNCS(XMLSO_FIELD)
#undef XMLSO_FIELD
	/* xmlFree: frees what xmlGetProp and xmlNodeGetContent return. */
	void (*free)(void *p);
	/* xmlParserVersion: "20914" for 2.9.14. */
	const char *parser_version;
};

/*
 * The loaded library, or NULL with err set (and a hint) when no usable libxml2
 * can be loaded. Loads once; later calls return the same table.
 */
const struct xmlso *xmlso_load(struct gp_error *err);
