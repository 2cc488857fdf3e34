// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The static build's lib/xmlso: libxml2 is linked into the binary, so the
 * table holds its functions themselves. meson picks this file or xmlso.c.
 */
#include "xmlso.h"

static void
free_xml(void *p)
{
	xmlFree(p);
}

static struct xmlso lx = {
#define XMLSO_INIT(name) .xml##name = xml##name,
        XMLSO_FUNCS(XMLSO_INIT)
#undef XMLSO_INIT
                .free = free_xml,
};

const struct xmlso *
xmlso_load(struct gp_error *err)
{
	(void)err;
	lx.parser_version = xmlParserVersion;
	return &lx;
}
