// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <stdlib.h>

#include "tap.h"
#include "util.h"

int
main(void)
{
	_cleanup_free_ char *a = gp_path(NULL, "/etc/os-release");
	is_str(a, "/etc/os-release", "no root leaves the path alone");
	_cleanup_free_ char *b = gp_path("/mnt/img/", "/etc/os-release");
	is_str(b, "/mnt/img/etc/os-release", "root is joined without doubled slashes");
	_cleanup_free_ char *c = gp_path("/", "/sys");
	is_str(c, "/sys", "root / is the real root");
	ok(!gp_root_is_set("/") && gp_root_is_set("/x") && !gp_root_is_set(NULL), "root_is_set");

	char s[] = "  \tvalue \n";
	is_str(str_strip(s), "value", "strip");
	ok(str_startswith("nvidia-uvm", "nvidia") && !str_startswith("nv", "nvidia"), "startswith");
	ok(str_endswith("config.toml", ".toml") && !str_endswith("a", ".toml"), "endswith");

	_cleanup_strv_ char **v = NULL;
	v = strv_push(v, "a");
	v = strv_push(v, "b");
	is_int(strv_length(v), 2, "strv_push appends");
	ok(strv_contains(v, "b") && !strv_contains(v, "c"), "strv_contains");

	char tmpl[] = "/tmp/gpuprep-test-util-XXXXXX";
	ok(mkdtemp(tmpl) != NULL, "mkdtemp");
	_cleanup_free_ char *deep = xasprintf("%s/a/b/c", tmpl);
	is_int(mkdir_p(deep, 0755), 0, "mkdir_p creates parents");
	ok(path_is_dir(deep), "the directory exists");
	_cleanup_free_ char *f = xasprintf("%s/a/file", tmpl);
	FILE *fp = fopen(f, "w");
	fputs("line one\nline two\n", fp);
	fclose(fp);
	_cleanup_free_ char *line = NULL;
	is_int(read_line_file(f, &line), 0, "read_line_file");
	is_str(line, "line one", "first line without newline");
	_cleanup_free_ char *data = NULL;
	size_t len = 0;
	is_int(read_file(f, &data, &len), 0, "read_file");
	is_int(len, 18, "read_file length");
	char *none = NULL;
	is_int(read_file("/nonexistent/x", &none, NULL), -ENOENT, "read_file on a missing file");
	is_int(read_file(tmpl, &none, NULL), -EISDIR, "read_file on a directory");
	_cleanup_free_ char *cmd = xasprintf("rm -rf '%s'", tmpl);
	ok(system(cmd) == 0, "cleanup");

	struct strbuf sb = {0};
	ok(sb.s == NULL, "an empty strbuf holds NULL");
	strbuf_puts(&sb, "");
	is_str(sb.s, "", "adding \"\" makes it \"\"");
	for (int i = 0; i < 1000; i++)
		strbuf_add(&sb, "abc", 2);
	is_int(sb.len, 2000, "strbuf grows");
	ok(strlen(sb.s) == 2000 && memcmp(sb.s + 1996, "abab", 5) == 0,
	   "strbuf stays NUL-terminated");
	free(sb.s);

	is_int(str_distance("detect", "detect"), 0, "distance to itself is 0");
	is_int(str_distance("detcet", "detect"), 1, "a swap of neighbours is 1");
	is_int(str_distance("detct", "detect"), 1, "a missing letter is 1");
	is_int(str_distance("", "abc"), 3, "from empty: the length");
	is_int(str_distance("kitten", "sitting"), 3, "kitten/sitting");
	static const char *const cmds[] = {"bundle",  "configure", "detect",
	                                   "install", "up",        "verify"};
	is_str(str_closest("detcet", cmds, 6), "detect", "closest: a typo");
	is_str(str_closest("confgure", cmds, 6), "configure", "closest: a dropped letter");
	is_str(str_closest("conf", cmds, 6), "configure", "closest: a prefix");
	ok(str_closest("frobnicate", cmds, 6) == NULL, "closest: nothing close");
	ok(str_closest("xy", cmds, 6) == NULL, "closest: short and far");
	is_str(str_closest("uo", cmds, 6), "up", "closest: short, one off");

	_cleanup_free_ char *f1 = str_fit("nvidia-container-toolkit-base_1.17.8-1_amd64.deb", 60);
	is_str(f1, "nvidia-container-toolkit-base_1.17.8-1_amd64.deb", "fit: short enough stays");
	_cleanup_free_ char *f2 = str_fit("nvidia-container-toolkit-base_1.17.8-1_amd64.deb", 30);
	is_str(f2, "nvidia-contai....8-1_amd64.deb", "fit: start ... end");
	is_int(strlen(f2), 30, "fit: exactly the width");
	return tap_done();
}
