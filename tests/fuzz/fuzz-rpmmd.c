// SPDX-License-Identifier: GPL-2.0-or-later
/* yum repository metadata: repomd.xml and primary.xml as libxml2 and rpmrepo read them. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "rpmrepo.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* The parsers read files (libxml2 undoes gzip and xz there): write the input to one. */
	char path[] = "/tmp/gpuprep-fuzz-rpmmd-XXXXXX";
	int fd = mkstemp(path);
	if (fd < 0)
		return 0;
	if (write(fd, data, size) != (ssize_t)size) {
		close(fd);
		unlink(path);
		return 0;
	}
	close(fd);
	struct gp_error err = GP_ERROR_INIT;
	struct rpm_md_file *md = NULL;
	size_t n = 0, primary = 0;
	if (rpmmd_parse_repomd(path, "'fuzz'", &md, &n, &primary, &err) == 0)
		rpm_md_files_free(md, n);
	gp_error_release(&err);
	struct rpm_package *pkgs = NULL;
	if (rpmmd_parse_primary(path, "'fuzz'", &pkgs, &n, &err) == 0)
		rpm_packages_free(pkgs, n);
	gp_error_release(&err);
	unlink(path);
	return 0;
}
