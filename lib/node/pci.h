/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * lib/node/ owns facts about the node: PCI devices, the OS and architecture, the service manager.
 * It may include from lib/base (README "Architecture"; the folder's
 * meson.build sets the include path that enforces it).
 */
/*
 * NVIDIA GPUs on PCI, found through libpci: either the kernel's view in
 * <root>/sys/bus/pci, or an `lspci -x` dump read through libpci's dump method.
 *
 * A GPU is a function of vendor 0x10de with class 0x0300 (VGA) or 0x0302 (3D
 * controller). Everything else NVIDIA makes (HDMI audio, USB/UCSI, NVSwitch,
 * bridges) is listed apart, so a caller can explain why nothing counted.
 *
 * libpci's error callback must never return, and its default one exits. This
 * module validates its inputs first (the sysfs directory, the dump's grammar)
 * and installs its own callback that longjmps back, so nothing here ends the
 * process: every failure comes back as a struct gp_error.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"

#define PCI_VENDOR_NVIDIA 0x10de
#define PCI_CLASS_VGA     0x0300
#define PCI_CLASS_3D      0x0302

/* One PCI function. */
struct pci_function {
	char address[16]; /* "0000:3b:00.0" */
	unsigned domain, bus, dev, func;
	uint16_t vendor_id;
	uint16_t device_id;
	uint16_t class_id;     /* base class and subclass: 0x0302 */
	char *name;            /* from pci.ids (or udev's hwdb); "unknown" when missing */
	bool name_from_driver; /* pci.ids had no name; lib/detect/node took the driver's */
	char *driver;          /* bound kernel driver ("nvidia", "vfio-pci"), or NULL */
	bool virtual_function; /* an SR-IOV VF (has a physfn link); always false in a dump */
};

struct pci_scan_options {
	const char *root;     /* read <root>/sys/bus/pci; NULL or "/" for the real one */
	const char *dump;     /* read this `lspci -x` dump instead of sysfs (a host path) */
	const char *ids_file; /* pci.ids to name GPUs from, alone (no hwdb, no built-in
	                         names); NULL: the node's pci.ids and the built-in names */
};

struct pci_scan {
	struct pci_function *gpus; /* sorted by address */
	size_t n_gpus;
	struct pci_function *nvidia_other; /* NVIDIA functions that are not GPUs, sorted */
	size_t n_nvidia_other;
	size_t n_functions; /* every PCI function seen, of any vendor */
	bool from_dump;
	char **warnings; /* libpci's warnings, for -v; NULL when none */
	/* For -v: the pci.ids names came from (a host path, or NULL when none was read), and
	 * its "# Version:" ("" when unknown); whether the built-in names were consulted. */
	char *ids_file;
	char ids_version[16];
	bool ids_builtin;
};

/*
 * Scan for GPUs. An empty machine (no PCI functions at all) is not an error.
 * Fails (exit code 1) when the sysfs tree or the dump cannot be read, or the
 * dump is malformed (the message names the file, line and column).
 * On success *ret owns its data; release it with pci_scan_release().
 */
int pci_scan_gpus(const struct pci_scan_options *opts, struct pci_scan *ret, struct gp_error *err);
void pci_scan_release(struct pci_scan *scan);

/*
 * The built-in NVIDIA names (pciids.h, from the build's pci.ids): the name of 10de:device, or
 * NULL; and that file's version ("2023.04.10").
 */
const char *pci_builtin_name(uint16_t vendor, uint16_t device);
const char *pci_builtin_version(void);
/* Whether the function has a name: pci.ids had none (its name is "unknown") or it has. */
bool pci_function_named(const struct pci_function *f);

/*
 * Which name a device gets, when --pci-ids is not given: the node's own pci.ids (version
 * node_version, "" or NULL when it has no "# Version:" line) against the built-in block.
 * When both name the device, the newer file wins (the node's on a tie): a newer pci.ids
 * renames devices, an older one must not hide a newer name. When only one names it, that
 * one: a name beats "unknown" whichever file is older.
 */
const char *pci_pick_name(const char *node_name, const char *node_version,
                          const char *builtin_name);

/* True for vendor 0x10de with class 0x0300 or 0x0302. */
bool pci_is_gpu(uint16_t vendor_id, uint16_t class_id);

/* A short name for a PCI class ("3D controller", "audio device"), or NULL. */
const char *pci_class_label(uint16_t class_id);

/*
 * Check that text (len bytes) is a well-formed `lspci -x` dump, as libpci's
 * dump method reads it, and stricter:
 *
 *   dump    = { line "\n" }            every line ends with a newline, at most 253 bytes
 *   line    = device | config | detail | ""
 *   device  = [ domain ":" ] bus ":" slot "." func " " text
 *             domain 4 or 5 hex digits, bus 2, slot 2 (<= 1f), func one digit 0-7
 *   config  = offset ":" { " " byte } [ " " ]
 *             offset 2 to 8 hex digits, byte 2 hex digits, offset + bytes <= 4096
 *   detail  = ( "\t" | " " ) text       lspci -v lines, only inside a device
 *
 * Config lines belong to the device line above them (an empty line ends a
 * device), each device gives at least the first 64 bytes of its config space,
 * and no address appears twice. A trailing "\r" is allowed. NUL bytes are not.
 * On error, err holds "LINE:COL: what was expected"; the caller names the file.
 */
int pci_dump_validate(const char *text, size_t len, struct gp_error *err);
