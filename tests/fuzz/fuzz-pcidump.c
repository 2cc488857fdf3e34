// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The PCI dump validator, then libpci's dump reader on whatever the validator
 * accepts. The property: an accepted dump never makes libpci fail, and
 * nothing crashes either way.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pci.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct gp_error err = GP_ERROR_INIT;
	if (pci_dump_validate((const char *)data, size, &err) < 0) {
		if (!err.msg || !strchr(err.msg, ':'))
			abort(); /* every rejection says where */
		gp_error_release(&err);
		return 0;
	}

	char path[] = "/tmp/fuzz-pcidump.XXXXXX";
	int fd = mkstemp(path);
	if (fd < 0)
		return 0;
	FILE *f = fdopen(fd, "w");
	if (!f) {
		close(fd);
		unlink(path);
		return 0;
	}
	fwrite(data, 1, size, f);
	fclose(f);

	struct pci_scan_options o = {.dump = path, .ids_file = "/dev/null"};
	struct pci_scan s = {0};
	int r = pci_scan_gpus(&o, &s, &err);
	unlink(path);
	if (r < 0) {
		fprintf(stderr, "validated dump rejected: %s\n", err.msg);
		abort();
	}
	for (size_t i = 0; i < s.n_gpus; i++)
		if (!pci_is_gpu(s.gpus[i].vendor_id, s.gpus[i].class_id))
			abort();
	pci_scan_release(&s);
	return 0;
}
