// SPDX-License-Identifier: GPL-2.0-or-later
#include <stdlib.h>
#include <sys/stat.h>

#include "tap.h"
#include "tmpfiles.h"

int
main(void)
{
	struct gp_error err = GP_ERROR_INIT;
	char *dir = NULL;
	is_int(tmpfiles_mkdtemp("test", &dir, &err), 0, "make a private temp dir");
	struct stat st;
	ok(dir && stat(dir, &st) == 0 && (st.st_mode & 0777) == 0700, "it is 0700");
	const char *tmpdir = getenv("TMPDIR");
	if (!tmpdir || !*tmpdir)
		ok(dir && (str_startswith(dir, "/dev/shm/gpuprep-test-") ||
		           str_startswith(dir, "/tmp/gpuprep-test-")),
		   "without TMPDIR it is in /dev/shm (or /tmp)");

	char *f = xasprintf("%s/file", dir);
	is_int(tmpfiles_write(f, "hello\n", 6, 0640, &err), 0, "write a private file");
	char *data = NULL;
	read_file(f, &data, NULL);
	is_str(data, "hello\n", "the content");
	free(data);
	ok(stat(f, &st) == 0 && (st.st_mode & 0777) == 0640, "the mode");
	is_int(tmpfiles_write(f, "bye\n", 4, 0644, &err), 0, "replace it");
	read_file(f, &data, NULL);
	is_str(data, "bye\n", "the new content, truncated");
	free(data);

	char *missing = xasprintf("%s/no/such/dir/file", dir);
	is_int(tmpfiles_write(missing, "x", 1, 0644, &err), -1, "a missing directory");
	ok(err.msg && strstr(err.msg, missing), "  the file is named");
	gp_error_release(&err);

	char *sub = xasprintf("%s/a/b", dir);
	mkdir_p(sub, 0755);
	char *link = xasprintf("%s/link", dir);
	ok(symlink("/etc", link) == 0, "a symlink out of the tree");
	is_int(tmpfiles_rm_rf(dir), 0, "remove the tree");
	ok(!path_exists(dir), "it is gone");
	ok(path_exists("/etc"), "the symlink was not followed");
	is_int(tmpfiles_rm_rf(NULL), 0, "NULL is ignored");

	setenv("TMPDIR", "/nonexistent/gpuprep", 1);
	char *bad = NULL;
	is_int(tmpfiles_mkdtemp("test", &bad, &err), -1, "an unusable TMPDIR");
	is_str(err.hint, "set TMPDIR to a writable directory with free space", "  the hint");
	gp_error_release(&err);
	free(f);
	free(missing);
	free(sub);
	free(link);
	free(dir);
	return tap_done();
}
