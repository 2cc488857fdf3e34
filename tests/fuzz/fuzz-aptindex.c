// SPDX-License-Identifier: GPL-2.0-or-later
/* The apt index parsers: Packages and Release text from a repository, and dpkg status lookups. */
#include <stdint.h>

#include "aptindex.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct gp_error err = GP_ERROR_INIT;
	struct apt_package *p = NULL;
	size_t n = 0;
	if (aptindex_packages((const char *)data, size, "'fuzz'", &p, &n, &err) == 0)
		apt_packages_free(p, n);
	gp_error_release(&err);

	struct apt_release r = {0};
	if (aptindex_release((const char *)data, size, "'fuzz'", &r, &err) == 0) {
		apt_release_find(&r, "Packages");
		apt_release_release(&r);
	}
	gp_error_release(&err);

	static const char *const names[] = {"nvidia-container-toolkit", "libnvidia-container1",
	                                    NULL};
	struct apt_stanza *st = NULL;
	if (aptindex_parse_matching((const char *)data, size, "'fuzz'", "Package", names, &st, &n,
	                            &err) == 0) {
		for (size_t i = 0; i < n; i++)
			apt_stanza_get(&st[i], "Version");
		apt_stanzas_free(st, n);
	}
	gp_error_release(&err);
	return 0;
}
