// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ELF headers from an untrusted file (bundle --with-gpuprep), and nvidia-smi's CSV output.
 * The properties: nothing reads outside the input, an ELF image is accepted (1) or refused
 * with a message (-1), and a refused nvidia-smi output names its line.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "elfinfo.h"
#include "nvml.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* A copy of exactly size bytes: ASan sees any read past the end. */
	uint8_t *copy = malloc(size ? size : 1);
	if (!copy)
		abort();
	memcpy(copy, data, size);
	struct gp_error err = GP_ERROR_INIT;
	struct elf_info e;
	int r = elf_parse(copy, size, "fuzz", &e, &err);
	if (r < 0 && !err.msg)
		abort(); /* every refusal says why */
	if (r == 1)
		elf_info_release(&e);
	gp_error_release(&err);

	char *text = malloc(size + 1);
	if (!text)
		abort();
	memcpy(text, data, size);
	text[size] = '\0';
	char *version = NULL, *perr = NULL;
	unsigned count = 0;
	if (node_parse_nvidia_smi(text, &version, &count, &perr) < 0) {
		if (!perr)
			abort();
	} else if (!version || !*version) {
		abort();
	}
	free(version);
	free(perr);
	free(text);
	free(copy);
	return 0;
}
