// SPDX-License-Identifier: GPL-2.0-or-later
#include "aptindex.h"

#include <stdio.h>
#include <string.h>

#include "aptrepo.h"
#include "debver.h"
#include "rpmver.h"
#include "tap.h"

static const char packages[] =
        "Package: libnvidia-container1\n"
        "Architecture: amd64\n"
        "Version: 1.17.8-1\n"
        "Depends: libc6 (>= 2.7), libcap2,\n"
        " libseccomp2\n"
        "Filename: ./libnvidia-container1_1.17.8-1_amd64.deb\n"
        "Size: 804\n"
        "SHA256: 2af4404b60a9d52e90bee5554ffb23d7af130fde3da736e42249ebc36c8f0629\n"
        "Description: NVIDIA container runtime library\n"
        " The library.\n"
        " .\n"
        " More.\n"
        "\n"
        "\n"
        "Package: nvidia-container-toolkit\n"
        "Architecture: arm64\n"
        "Version: 1.17.7-1\n";

static const char release[] =
        "Origin: test\n"
        "Date: Mon, 23 Nov 2026 11:18:54 +0000\n"
        "MD5Sum:\n"
        " 3de1e917728e80ccdb3a537f0deca218              526 Packages\n"
        "SHA256:\n"
        " a8e16bcbe39196c8ae62ffbb4955a1496e46ffcc9b3fce6e7c259494a3c6adfb              526 "
        "Packages\n"
        "SHA512:\n"
        " 0259226d610bceea5f82b0236c5c18ee2965de4974a0b94fbcee3b3e192366d8d802b746b4a6e93cd453b60fc"
        "df"
        "a055e4e514bc8fdbb3506460b2a2571c9f652              526 Packages\n"
        " 5ba64b4dbedea5f6d7aa590b4f96348e23daad826ce54bf31b9c8746c1b5d55f03abee07d8e08a3661e9991c1"
        "94"
        "56ae983e3dae13629a8294b6a4ab4e758b1e5               38 Packages.gz\n";

static void
bad_packages(const char *text, const char *want, const char *name)
{
	struct apt_package *p = NULL;
	size_t n = 0;
	struct gp_error err = GP_ERROR_INIT;
	int r = aptindex_packages(text, strlen(text), "'P'", &p, &n, &err);
	is_int(r, -1, name);
	is_str(err.msg, want, name);
	gp_error_release(&err);
}

int
main(void)
{
	struct apt_package *p = NULL;
	size_t n = 0;
	struct gp_error err = GP_ERROR_INIT;
	is_int(aptindex_packages(packages, strlen(packages), "'P'", &p, &n, &err), 0,
	       "Packages parses");
	is_int(n, 2, "two stanzas (blank lines collapse)");
	is_str(p[0].name, "libnvidia-container1", "Package");
	is_str(p[0].version, "1.17.8-1", "Version");
	is_str(p[0].arch, "amd64", "Architecture");
	is_str(p[0].filename, "./libnvidia-container1_1.17.8-1_amd64.deb", "Filename");
	is_int(p[0].size, 804, "Size");
	is_str(p[0].sha256, "2af4404b60a9d52e90bee5554ffb23d7af130fde3da736e42249ebc36c8f0629",
	       "SHA256");
	is_str(p[0].depends, "libc6 (>= 2.7), libcap2,\nlibseccomp2", "a continued field");
	is_int(p[0].line, 1, "the first stanza's line");
	is_int(p[1].line, 15, "the second stanza's line");
	ok(p[1].filename == NULL && p[1].sha256 == NULL && p[1].size == 0, "absent fields");
	apt_packages_free(p, n);

	bad_packages("Package: a\nVersion: 1\n", "'P': 1:1: the entry has no 'Architecture' field",
	             "a missing field");
	bad_packages("Package: a\nVersion: 1\nArchitecture: all\nSize: 12x\n",
	             "'P': 4:1: 'Size' is not a number: '12x'", "a bad size");
	bad_packages("Package: a\nVersion: 1\nArchitecture: all\nSHA256: abc\n",
	             "'P': 4:1: 'SHA256' is not 64 hex digits", "a bad SHA256");
	bad_packages("Package: a\nPackage: b\n", "'P': 2:1: duplicate field 'Package'",
	             "a duplicate field");
	bad_packages(" leading\n", "'P': 1:1: continuation line outside a field",
	             "a continuation first");
	bad_packages("Package a\n", "'P': 1:1: expected 'Field: value'", "no colon");
	bad_packages("Package: a\nbad name: x\n", "'P': 2:4: expected 'Field: value'",
	             "a space in a field name, with its column");
	{
		const char nul[] = "Package: a\n\0x\n";
		struct gp_error e2 = GP_ERROR_INIT;
		is_int(aptindex_packages(nul, sizeof(nul) - 1, "'P'", &p, &n, &e2), -1,
		       "a NUL byte inside the length");
		is_str(e2.msg, "'P': 2:1: unexpected NUL byte", "the NUL is located");
		gp_error_release(&e2);
	}

	struct apt_release rel = {0};
	is_int(aptindex_release(release, strlen(release), "'R'", &rel, &err), 0, "Release parses");
	is_str(rel.date, "Mon, 23 Nov 2026 11:18:54 +0000", "Date");
	const struct apt_release_file *f = apt_release_find(&rel, "Packages");
	ok(f != NULL, "Packages is listed");
	if (f) {
		is_int(f->size, 526, "its size");
		is_str(f->sha512,
		       "0259226d610bceea5f82b0236c5c18ee2965de4974a0b94fbcee3b3e192366d8d802b746b4a"
		       "6e93c"
		       "d453b60fcdfa055e4e514bc8fdbb3506460b2a2571c9f652",
		       "its SHA512");
		is_str(f->sha256,
		       "a8e16bcbe39196c8ae62ffbb4955a1496e46ffcc9b3fce6e7c259494a3c6adfb",
		       "its SHA256");
	}
	f = apt_release_find(&rel, "Packages.gz");
	ok(f && f->size == 38 && !f->sha256, "a file only in SHA512");
	ok(apt_release_find(&rel, "Release") == NULL, "an unlisted file");
	apt_release_release(&rel);

	const char badrel[] = "SHA512:\n abc 12 Packages\n";
	is_int(aptindex_release(badrel, strlen(badrel), "'R'", &rel, &err), -1,
	       "a short SHA512 is refused");
	is_str(err.msg, "'R': 2:2: expected '<SHA512> <size> <file>'", "the hash line is named");
	gp_error_release(&err);
	const char two[] = "A: b\n\nC: d\n";
	is_int(aptindex_release(two, strlen(two), "'R'", &rel, &err), -1, "two Release stanzas");
	gp_error_release(&err);

	/* Version helpers shared by repositories and archives. */
	char *t = apt_repo_version_target("1.17.8");
	is_str(t, "1.17.8-1", "--version 1.17.8 means 1.17.8-1");
	free(t);
	t = apt_repo_version_target("1.17.8-2");
	is_str(t, "1.17.8-2", "a version with a revision stays");
	free(t);
	const char *names[] = {"a", "b", NULL};
	const char *cn[] = {"a", "b", "a", "a", "b", "b", "c"};
	const char *cv[] = {"1.0-1", "1.0-1", "1.1-1", "1.10-1", "1.10-1", "1.2-1", "9-1"};
	char **common = apt_repo_common_versions(names, cn, cv, GP_ARRAY_SIZE(cn), debver_compare);
	char *joined = apt_repo_join(common, ", ");
	is_str(joined, "1.10-1, 1.0-1", "versions that all have, newest first");
	free(joined);
	strv_free(common);
	/* Each family's own order: '^' and letters against numbers differ. */
	const char *fn[] = {"a", "b", "a", "b", "a", "b"};
	const char *fv[] = {"1.0^1-1", "1.0^1-1", "1.0.1-1", "1.0.1-1", "1.a-1", "1.a-1"};
	common = apt_repo_common_versions(names, fn, fv, GP_ARRAY_SIZE(fn), debver_compare);
	joined = apt_repo_join(common, ", ");
	is_str(joined, "1.a-1, 1.0^1-1, 1.0.1-1", "newest first in dpkg's order");
	free(joined);
	strv_free(common);
	common = apt_repo_common_versions(names, fn, fv, GP_ARRAY_SIZE(fn), rpmver_compare);
	joined = apt_repo_join(common, ", ");
	is_str(joined, "1.0.1-1, 1.0^1-1, 1.a-1", "newest first in rpm's order");
	free(joined);
	strv_free(common);

	/* Only the stanzas asked for, with the line numbers of the whole text. */
	static const char status[] = "Package: a\n"
	                             "Status: install ok installed\n"
	                             "Version: 1\n"
	                             " \t\n"
	                             "Package: b\n"
	                             "Description: x\n"
	                             " Package: c\n"
	                             "bad line without a colon\n"
	                             "\n"
	                             "# a comment\n"
	                             "Version: 3\n"
	                             "package:  c \n";
	const char *want_ac[] = {"a", "c", NULL};
	struct apt_stanza *st = NULL;
	size_t n_st = 0;
	is_int(aptindex_parse_matching(status, strlen(status), "'S'", "Package", want_ac, &st,
	                               &n_st, &err),
	       0, "matching: the broken stanza of b is skipped unparsed");
	is_int(n_st, 2, "matching: a and c");
	is_str(apt_stanza_get(&st[0], "Version"), "1", "matching: a's version");
	is_int(st[1].line, 11, "matching: c's first field is line 11, after the comment");
	is_str(apt_stanza_get(&st[1], "Version"), "3", "matching: c's version");
	apt_stanzas_free(st, n_st);
	const char *want_b[] = {"b", NULL};
	is_int(aptindex_parse_matching(status, strlen(status), "'S'", "Package", want_b, &st, &n_st,
	                               &err),
	       -1, "matching: a broken stanza asked for fails");
	is_str(err.msg, "'S': 8:1: expected 'Field: value'", "matching: the error names line 8");
	gp_error_release(&err);
	const char *want_none[] = {"z", NULL};
	is_int(aptindex_parse_matching(status, strlen(status), "'S'", "Package", want_none, &st,
	                               &n_st, &err),
	       0, "matching: nothing asked for is there");
	is_int(n_st, 0, "matching: no stanzas");
	is_int(aptindex_parse_matching("", 0, "'S'", "Package", want_ac, &st, &n_st, &err), 0,
	       "matching: empty text");
	is_int(n_st, 0, "matching: empty text has no stanzas");

	/*
	 * From a file descriptor, read in 64 KiB pieces: the same stanzas and line numbers as
	 * from the whole text, across piece boundaries, with one stanza longer than a piece.
	 */
	struct strbuf big = {0};
	for (int i = 0; i < 6000; i++) {
		strbuf_printf(&big, "Package: p%d\nVersion: %d\nDescription: package %d\n", i, i,
		              i);
		if (i == 3000)
			for (int k = 0; k < 4000; k++)
				strbuf_puts(&big, " a long description line of a long stanza\n");
		strbuf_puts(&big, i % 7 ? "\n" : "\n\n");
	}
	strbuf_puts(&big, "Package: broken\nno colon here\n");
	const char *want_some[] = {"p0", "p1234", "p1235", "p3000", "p5999", "broken", NULL};
	const char *want_ok[] = {"p0", "p1234", "p1235", "p3000", "p5999", NULL};
	FILE *tf = tmpfile();
	fwrite(big.s, 1, big.len, tf);
	fflush(tf);
	struct apt_stanza *st_text = NULL, *st_fd = NULL;
	size_t n_text = 0, n_fd = 0;
	rewind(tf);
	is_int(aptindex_parse_matching(big.s, big.len, "'B'", "Package", want_ok, &st_text, &n_text,
	                               &err),
	       0, "matching: a large text");
	is_int(aptindex_parse_matching_fd(fileno(tf), "'B'", "Package", want_ok, &st_fd, &n_fd,
	                                  &err),
	       0, "matching from a fd: a large file");
	is_int(n_fd, 5, "matching from a fd: the five stanzas asked for");
	bool same = n_fd == n_text;
	for (size_t i = 0; same && i < n_fd; i++)
		same = st_fd[i].line == st_text[i].line &&
		       st_fd[i].n_fields == st_text[i].n_fields &&
		       strcmp(apt_stanza_get(&st_fd[i], "Version"),
		              apt_stanza_get(&st_text[i], "Version")) == 0;
	ok(same, "matching from a fd: the same stanzas, fields and lines as from the text");
	is_str(n_fd > 3 ? apt_stanza_get(&st_fd[3], "Package") : NULL, "p3000",
	       "matching from a fd: the stanza longer than a piece");
	apt_stanzas_free(st_text, n_text);
	apt_stanzas_free(st_fd, n_fd);
	rewind(tf);
	is_int(aptindex_parse_matching_fd(fileno(tf), "'B'", "Package", want_some, &st_fd, &n_fd,
	                                  &err),
	       -1, "matching from a fd: a broken stanza at the end fails");
	struct gp_error err_text = GP_ERROR_INIT;
	aptindex_parse_matching(big.s, big.len, "'B'", "Package", want_some, &st_text, &n_text,
	                        &err_text);
	is_str(err.msg, err_text.msg, "matching from a fd: the error names the same line");
	gp_error_release(&err);
	gp_error_release(&err_text);
	fclose(tf);
	free(big.s);
	return tap_done();
}
