// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * What detect reads from a node's nvidia-smi (the driver version and count, and each GPU's
 * MIG mode) and what preflight reads from a device plugin manifest (its MIG strategy). The
 * properties: nothing crashes; an accepted MIG answer has one well-formed PCI address and two
 * known modes per GPU, and a name that is none or a trimmed one-line text other than "[N/A]";
 * every rejection names its line.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "nvml.h"
#include "preflight_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';

	char *version = NULL, *error = NULL;
	unsigned count = 0;
	if (node_parse_nvidia_smi(text, &version, &count, &error) < 0) {
		if (!error || (strncmp(error, "line ", 5) != 0 &&
		               strcmp(error, "no GPU lines") != 0 && !strstr(error, "GPU lines")))
			abort();
	} else if (!version || !*version) {
		abort();
	}
	free(version);
	free(error);
	error = NULL;

	struct node_nvml_gpu *gpus = NULL;
	size_t n = 0;
	if (node_parse_nvidia_smi_mig(text, &gpus, &n, &error) < 0) {
		if (!error || strncmp(error, "line ", 5) != 0)
			abort(); /* every rejection names its line */
	} else {
		for (size_t i = 0; i < n; i++) {
			const char *a = gpus[i].pci_address;
			if (strlen(a) != 12 || a[4] != ':' || a[7] != ':' || a[10] != '.' ||
			    !gpus[i].mig || !gpus[i].mig_pending)
				abort();
			const char *nm = gpus[i].name;
			if (nm && (!*nm || nm[0] == ' ' || nm[strlen(nm) - 1] == ' ' ||
			           strpbrk(nm, "\r\n") || strcmp(nm, "[N/A]") == 0))
				abort();
			free(gpus[i].pci_address);
			free(gpus[i].name);
		}
	}
	free(gpus);
	free(error);

	/* The one query: all of it or nothing, and as many GPU lines as the count says. */
	version = NULL;
	error = NULL;
	gpus = NULL;
	n = 0;
	if (node_parse_nvidia_smi_all(text, &version, &count, &gpus, &n, &error) < 0) {
		if (!error || version || gpus)
			abort();
	} else {
		if (!version || !*version || n != count)
			abort();
		for (size_t i = 0; i < n; i++) {
			free(gpus[i].pci_address);
			free(gpus[i].name);
		}
	}
	free(gpus);
	free(version);
	free(error);

	unsigned line = 0;
	char *strategy = preflight_mig_strategy_in(text, &line);
	if (strategy && (!*strategy || line == 0))
		abort();
	free(strategy);
	free(text);
	return 0;
}
