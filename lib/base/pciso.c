// SPDX-License-Identifier: GPL-2.0-or-later
#include "pciso.h"

#include <dlfcn.h>
#include <stdbool.h>

static struct pciso lp;
static bool loaded;

const struct pciso *
pciso_load(struct gp_error *err)
{
	if (loaded)
		return &lp;
	static const char *const names[] = {"libpci.so.3", "libpci.so"};
	void *h = NULL;
	for (size_t i = 0; i < GP_ARRAY_SIZE(names) && !h; i++)
		h = dlopen(names[i], RTLD_NOW | RTLD_LOCAL);
	if (!h) {
		gp_error_set(err, "cannot load libpci: %s", dlerror());
		gp_error_hint(err, "install libpci (the Debian package 'libpci3', or "
		                   "'pciutils-libs' on rpm systems)");
		return NULL;
	}
	/* dlsym takes each symbol's default version, the one a link to this library takes. */
#define PCISO_SYM(name)                                                                            \
	*(void **)&lp.pci_##name = dlsym(h, "pci_" #name);                                         \
	if (!lp.pci_##name) {                                                                      \
		gp_error_set(err, "cannot load libpci: no symbol 'pci_%s'", #name);                \
		gp_error_hint(err, "install libpci %d.%d or later, as gpuprep was built with",     \
		              PCI_LIB_VERSION >> 16, (PCI_LIB_VERSION >> 8) & 0xff);               \
		return NULL;                                                                       \
	}
	PCISO_FUNCS(PCISO_SYM)
#undef PCISO_SYM
	loaded = true;
	return &lp;
}
