// SPDX-License-Identifier: GPL-2.0-or-later
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

	char *f = xasprintf("%s/a/b/file", dir);
	is_int(tmpfiles_write_atomic(f, "hello\n", 6, 0640, &err), 0,
	       "write atomically, with parents");
	char *data = NULL;
	read_file(f, &data, NULL);
	is_str(data, "hello\n", "the content");
	free(data);
	ok(stat(f, &st) == 0 && (st.st_mode & 0777) == 0640, "the mode");
	is_int(tmpfiles_write_atomic(f, "bye\n", 4, 0644, &err), 0, "replace it");
	read_file(f, &data, NULL);
	is_str(data, "bye\n", "the new content");
	free(data);
	char *ls = xasprintf("ls -A '%s/a/b'", dir);
	FILE *p = popen(ls, "r");
	char line[200] = "";
	int n = 0;
	while (fgets(line, sizeof(line), p))
		n++;
	pclose(p);
	is_int(n, 1, "no temp file is left beside it");
	free(ls);

	char *ro = xasprintf("%s/ro", dir);
	mkdir(ro, 0500);
	char *g = xasprintf("%s/file", ro);
	if (geteuid() != 0) {
		is_int(tmpfiles_write_atomic(g, "x", 1, 0644, &err), -1, "an unwritable directory");
		ok(err.msg && strstr(err.msg, g), "  the file is named");
		gp_error_release(&err);
	} else {
		printf("ok %d - an unwritable directory # SKIP root may write anywhere\n", ++tap_n);
	}
	char *link = xasprintf("%s/link", dir);
	symlink("/etc", link);
	is_int(tmpfiles_rm_rf(dir), 0, "remove the tree");
	ok(!path_exists(dir), "it is gone");
	ok(path_exists("/etc/passwd") || path_exists("/etc"), "a symlink in it was not followed");
	is_int(tmpfiles_rm_rf(NULL), 0, "NULL is ignored");
	free(f);
	free(g);
	free(ro);
	free(link);
	free(dir);
	return tap_done();
}
