// SPDX-License-Identifier: GPL-2.0-or-later
#include "pciso.h"

#include <dlfcn.h>
#include <stdbool.h>
#include <stdio.h>

#include "soload.h"

static struct pciso lp;
static bool loaded;

const struct pciso *
pciso_load(struct gp_error *err)
{
	if (loaded)
		return &lp;
	static const char *const names[] = {"libpci.so.3", "libpci.so"};
	void *h = soload_open("libpci", names, GP_ARRAY_SIZE(names), RTLD_NOW | RTLD_LOCAL,
	                      "install libpci (the Debian package 'libpci3', or 'pciutils-libs' "
	                      "on rpm systems)",
	                      err);
	if (!h)
		return NULL;
	/* At least the version gpuprep was built with. dlsym takes each symbol's default
	 * version, the one a link to this library takes. */
	char min[32];
	snprintf(min, sizeof(min), "%d.%d", PCI_LIB_VERSION >> 16, (PCI_LIB_VERSION >> 8) & 0xff);
#define PCISO_SYM(name)                                                                            \
	if (!(*(void **)&lp.pci_##name = soload_sym(h, "libpci", "pci_" #name, min, err)))         \
		return NULL;
	PCISO_FUNCS(PCISO_SYM)
#undef PCISO_SYM
	loaded = true;
	return &lp;
}
