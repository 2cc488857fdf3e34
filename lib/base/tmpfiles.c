// SPDX-License-Identifier: GPL-2.0-or-later
#include "tmpfiles.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <string.h>
#include <sys/stat.h>

int
tmpfiles_mkdtemp(const char *what, char **ret_path, struct gp_error *err)
{
	/*
	 * $TMPDIR when set; otherwise memory (/dev/shm) when it is there: what goes
	 * here (extracted packages, apt's lists) is short-lived, and writing it to the
	 * disk that dpkg then fsyncs would slow dpkg down.
	 */
	const char *base = getenv("TMPDIR");
	if (!base || !*base)
		base = access("/dev/shm", W_OK | X_OK) == 0 && path_is_dir("/dev/shm") ? "/dev/shm"
		                                                                       : "/tmp";
	char *p = xasprintf("%s/gpuprep-%s-XXXXXX", base, what);
	if (!mkdtemp(p)) {
		int e = errno;
		gp_error_set_errno(err, e, "creating a temporary directory in '%s'", base);
		gp_error_hint(err, "set TMPDIR to a writable directory with free space");
		free(p);
		return -1;
	}
	*ret_path = p;
	return 0;
}

static int
rm_one(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if (type == FTW_DP)
		rmdir(path);
	else
		unlink(path);
	return 0;
}

int
tmpfiles_rm_rf(const char *path)
{
	if (!path)
		return 0;
	if (nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS) < 0)
		return -errno;
	return 0;
}

void
tmpfiles_rm_rf_freep(char **path)
{
	if (!*path)
		return;
	tmpfiles_rm_rf(*path);
	free(*path);
	*path = NULL;
}

int
tmpfiles_write(const char *path, const void *data, size_t len, unsigned mode, struct gp_error *err)
{
	_cleanup_close_ int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	if (fd < 0)
		return gp_error_set_errno(err, errno, "writing '%s'", path);
	const char *p = data;
	while (len > 0) {
		ssize_t n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return gp_error_set_errno(err, errno, "writing '%s'", path);
		p += n;
		len -= (size_t)n;
	}
	return 0;
}
