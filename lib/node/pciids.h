/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * NVIDIA's device names, compiled in at build time from the 10de block of Debian's pci.ids
 * (lib/node/embed-pciids.py), so detect names GPUs on a node without pciutils or pci.ids (a
 * minimal image, the static gpuprep on an air-gapped node). pci.c decides between these and
 * the node's own pci.ids.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

struct pciids_entry {
	uint16_t device;
	const char *name;
};

extern const char pciids_nvidia_version[];        /* "2023.04.10": the file's "# Version:" */
extern const struct pciids_entry pciids_nvidia[]; /* sorted by device */
extern const size_t pciids_nvidia_count;
