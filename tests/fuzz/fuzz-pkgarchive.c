// SPDX-License-Identifier: GPL-2.0-or-later
/* Archive listing: what libarchive reads, the safety checks, and package names. */
#include <stdint.h>

#include "pkgarchive.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct gp_error err = GP_ERROR_INIT;
	struct pkgarchive_listing l = {0};
	if (pkgarchive_list_memory(data, size, "'fuzz'", &l, &err) == 0) {
		pkgarchive_check_safe(&l, "'fuzz'", &err);
		gp_error_release(&err);
		for (size_t i = 0; i < l.n; i++) {
			char *norm = pkgarchive_normalize(l.entries[i].path);
			struct pkg_file f;
			if (pkg_file_parse(norm, &f) == 1)
				pkg_file_release(&f);
			free(norm);
		}
		pkgarchive_listing_release(&l);
	}
	gp_error_release(&err);
	return 0;
}
