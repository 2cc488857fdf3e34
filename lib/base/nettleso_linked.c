// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The static build's lib/nettleso: nettle is linked into the binary, so the table holds
 * its functions themselves. meson picks this file or nettleso.c.
 */
#include "nettleso.h"

static const struct nettleso ln = {
#define NETTLESO_INIT(name) .name = nettle_##name,
        NETTLESO_FUNCS(NETTLESO_INIT)
#undef NETTLESO_INIT
};

const struct nettleso *
nettleso_load(struct gp_error *err)
{
	(void)err;
	return &ln;
}
