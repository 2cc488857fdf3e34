// SPDX-License-Identifier: GPL-2.0-or-later
/* rpmrepo: repomd.xml and primary.xml as createrepo_c writes them, and what is refused. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rpmrepo.h"
#include "tap.h"

static char *
fixture(const char *name)
{
	const char *src = getenv("TESTS_SRC");
	return xasprintf("%s/fuzz/corpus/rpmmd/%s", src ? src : "tests", name);
}

static void
write_tmp(const char *path, const char *text)
{
	tap_write_file(path, text, 0644);
}

int
main(void)
{
	struct gp_error err = GP_ERROR_INIT;
	struct rpm_md_file *md = NULL;
	size_t n = 0, primary = 0;
	_cleanup_free_ char *repomd = fixture("repomd.xml");
	is_int(rpmmd_parse_repomd(repomd, "'repomd.xml'", &md, &n, &primary, &err), 0,
	       "createrepo_c's repomd.xml parses");
	ok(n >= 3, "it lists primary, filelists and other (%zu entries)", n);
	is_str(md[primary].type, "primary", "the primary entry is found");
	ok(str_startswith(md[primary].href, "repodata/") && md[primary].checksum &&
	           strlen(md[primary].checksum) == 64 && md[primary].size > 0,
	   "with its location, sha256 and size");
	rpm_md_files_free(md, n);

	struct rpm_package *pkgs = NULL;
	_cleanup_free_ char *prim = fixture("primary.xml");
	is_int(rpmmd_parse_primary(prim, "'primary.xml'", &pkgs, &n, &err), 0,
	       "createrepo_c's primary.xml parses");
	is_int((int)n, 1, "one package");
	is_str(pkgs[0].name, "nvidia-container-toolkit", "its name");
	is_str(pkgs[0].evr, "1.17.8-1", "its version-release (epoch 0 left out)");
	is_str(pkgs[0].arch, "x86_64", "its arch");
	is_str(pkgs[0].checksum_type, "sha256", "its checksum type");
	ok(pkgs[0].size > 0 && str_startswith(pkgs[0].href, "nvidia-container-toolkit-"),
	   "its size and location");
	rpm_packages_free(pkgs, n);

	_cleanup_free_ char *bad = fixture("bad-href.xml");
	is_int(rpmmd_parse_repomd(bad, "'bad.xml'", &md, &n, &primary, &err), -1,
	       "a location with '..' is refused");
	ok(err.msg && strstr(err.msg, "'bad.xml':1: the location '../x' leaves the repository"),
	   "with file and line: %s", err.msg);
	gp_error_release(&err);

	char tmpl[] = "/tmp/gpuprep-rpmrepo-XXXXXX";
	ok(mkdtemp(tmpl) != NULL, "mkdtemp");
	_cleanup_free_ char *p = xasprintf("%s/x.xml", tmpl);
	write_tmp(p, "<repomd>\n  <data type=\"primary\">\n    <location href=\"a\"/>\n  </data\n");
	is_int(rpmmd_parse_repomd(p, "'x.xml'", &md, &n, &primary, &err), -1, "broken XML");
	ok(err.msg && str_startswith(err.msg, "'x.xml':5:1: Premature end of data") && err.hint,
	   "file, line and column, and a hint: %s", err.msg);
	gp_error_release(&err);
	write_tmp(p, "<repomd><data type=\"primary\"><location href=\"a\"/><checksum "
	             "type=\"sha1\">ab</checksum></data></repomd>\n");
	is_int(rpmmd_parse_repomd(p, "'x.xml'", &md, &n, &primary, &err), -1, "sha1 for primary");
	ok(err.msg && strstr(err.msg, "only sha256 is accepted"), "says only sha256: %s", err.msg);
	gp_error_release(&err);
	write_tmp(p, "<metadata><package><name>x</name></package></metadata>\n");
	is_int(rpmmd_parse_primary(p, "'x.xml'", &pkgs, &n, &err), -1, "a package without fields");
	ok(err.msg && strstr(err.msg, "'x.xml':1: <package> has no"), "names what is missing: %s",
	   err.msg);
	gp_error_release(&err);
	write_tmp(p,
	          "<!DOCTYPE m [<!ENTITY e SYSTEM \"file:///etc/passwd\">]><metadata><package>"
	          "<name>&e;</name><arch>x</arch><version ver=\"1\" rel=\"1\"/><checksum "
	          "type=\"sha256\">ab</checksum><location href=\"a.rpm\"/></package></metadata>\n");
	is_int(rpmmd_parse_primary(p, "'x.xml'", &pkgs, &n, &err), 0, "an external entity");
	ok(n == 1 && !strstr(pkgs[0].name, "root:"), "is not expanded (name '%s')", pkgs[0].name);
	rpm_packages_free(pkgs, n);
	gp_error_release(&err);
	unlink(p);
	rmdir(tmpl);
	return tap_done();
}
