/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libpci, for the GPU scan (lib/node/pci), loaded on first use: with the zlib
 * and libudev it brings, mapping it cost every command about 0.2 ms at start,
 * though only detect, preflight and up read the PCI bus. pciso_linked.c is the
 * static build's table.
 */
#pragma once

#include <pci/pci.h>

#include "error.h"

/* Every libpci function gpuprep calls, without its pci_ prefix. */
#define PCISO_FUNCS(X)                                                                             \
	X(alloc)                                                                                   \
	X(cleanup)                                                                                 \
	X(fill_info)                                                                               \
	X(get_string_property)                                                                     \
	X(init)                                                                                    \
	X(lookup_name)                                                                             \
	X(scan_bus)                                                                                \
	X(set_name_list_path)                                                                      \
	X(set_param)

struct pciso {
#define PCISO_FIELD(name) __typeof__(&pci_##name) pci_##name;
	PCISO_FUNCS(PCISO_FIELD)
#undef PCISO_FIELD
};

/*
 * The loaded library, or NULL with err set (and a hint) when no usable libpci
 * can be loaded. Loads once; later calls return the same table.
 */
const struct pciso *pciso_load(struct gp_error *err);
