// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The static build's lib/archiveso: libarchive is linked into the binary, so
 * the table holds its functions themselves. meson picks this file or
 * archiveso.c.
 */
#include "archiveso.h"

static const struct archiveso la = {
#define ARCHIVESO_INIT(name) .archive_##name = archive_##name,
        ARCHIVESO_FUNCS(ARCHIVESO_INIT)
#undef ARCHIVESO_INIT
};

const struct archiveso *
archiveso_load(struct gp_error *err)
{
	(void)err;
	return &la;
}
