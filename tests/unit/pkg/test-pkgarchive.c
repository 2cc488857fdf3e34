// SPDX-License-Identifier: GPL-2.0-or-later
#include <archive.h>
#include <archive_entry.h>

#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "digest.h"
#include "pkgarchive.h"
#include "tap.h"

/* An entry of a .tar: name, and its len bytes of data. */
struct member {
	const char *name;
	const unsigned char *data;
	size_t len;
};

static void
write_members(const char *path, const struct member *m, size_t n)
{
	struct archive *w = archive_write_new();
	archive_write_set_format_pax_restricted(w);
	archive_write_open_filename(w, path);
	struct archive_entry *e = archive_entry_new();
	for (size_t i = 0; i < n; i++) {
		archive_entry_clear(e);
		archive_entry_set_pathname(e, m[i].name);
		archive_entry_set_filetype(e, AE_IFREG);
		archive_entry_set_perm(e, 0644);
		archive_entry_set_size(e, (la_int64_t)m[i].len);
		archive_write_header(w, e);
		archive_write_data(w, m[i].data, m[i].len);
	}
	archive_entry_free(e);
	archive_write_close(w);
	archive_write_free(w);
}

/* A .tar at path with one entry per name, each of size bytes ('x'). */
static void
write_tar(const char *path, const char *const *names, size_t size)
{
	size_t n = 0;
	while (names[n])
		n++;
	unsigned char *data = xmalloc(size ? size : 1);
	memset(data, 'x', size);
	struct member *m = xcalloc(n ? n : 1, sizeof(*m));
	for (size_t i = 0; i < n; i++)
		m[i] = (struct member){names[i], data, size};
	write_members(path, m, n);
	free(m);
	free(data);
}

static bool
exists(const char *dir, const char *name)
{
	_cleanup_free_ char *p = xasprintf("%s/%s", dir, name);
	return access(p, F_OK) == 0;
}

static bool
want_none(const char *norm, void *userdata)
{
	(void)norm;
	(void)userdata;
	return false;
}

static const struct pkgarchive_entry *
last_named(const struct pkgarchive_listing *l, const char *name)
{
	const struct pkgarchive_entry *found = NULL;
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->entries[i].path, name) == 0)
			found = &l->entries[i];
	return found;
}

/*
 * Each extracted file comes with the SHA-256 of what was written: small files hashed as their
 * blocks go by, larger ones (256 KiB and up) on a thread that reads the file back as it grows.
 * Both against digest_file_hex of the file on disk; a name given twice, with different bytes,
 * is the later one's; a sparse entry has none (it is hashed from the file when checked).
 */
static void
test_digests(const char *lanes)
{
	char tmpl[] = "/tmp/test-pkgarchive-XXXXXX";
	char *tmp = mkdtemp(tmpl);
	if (!tmp) {
		ok(false, "mkdtemp");
		return;
	}
	size_t big = 3 * 1048576 + 5;
	unsigned char *a = xmalloc(big), *b = xmalloc(big);
	for (size_t i = 0; i < big; i++) {
		a[i] = (unsigned char)(i * 2654435761u >> 13);
		b[i] = (unsigned char)(i * 40503u >> 5);
	}
	const struct member m[] = {
	        {"small", a, 1000},        {"empty", a, 0},           {"edge", a, 256 * 1024 - 1},
	        {"thread", a, 256 * 1024}, {"big", a, big},           {"twice", a, 2 * 1048576},
	        {"mid", b, 5000},          {"twice", b, 2 * 1048576}, {"last", b, big},
	};
	_cleanup_free_ char *tar = xasprintf("%s/d.tar", tmp);
	_cleanup_free_ char *out = xasprintf("%s/out", tmp);
	write_members(tar, m, GP_ARRAY_SIZE(m));
	mkdir(out, 0700);
	struct pkgarchive_listing l = {0};
	struct gp_error err = GP_ERROR_INIT;
	int r = pkgarchive_extract(tar, out, NULL, NULL, NULL, &l, &err);
	_cleanup_free_ char *what =
	        xasprintf("extract files of 0 to 3 MB (hashing lanes: %s)", lanes);
	is_int(r, 0, what);
	const char *names[] = {"small", "empty", "edge", "thread", "big", "twice", "mid", "last"};
	for (size_t i = 0; r == 0 && i < GP_ARRAY_SIZE(names); i++) {
		_cleanup_free_ char *p = xasprintf("%s/%s", out, names[i]);
		char want[DIGEST_HEX_MAX] = "";
		struct gp_error e2 = GP_ERROR_INIT;
		digest_file_hex(DIGEST_SHA256, p, want, NULL, &e2);
		gp_error_release(&e2);
		const struct pkgarchive_entry *pe = last_named(&l, names[i]);
		_cleanup_free_ char *label = xasprintf(
		        "the digest of '%s' is that of the file (lanes: %s)", names[i], lanes);
		is_str(pe ? pe->sha256 : NULL, want, label);
	}
	/* The later "twice" is b's bytes: its digest is not a's. */
	char of_b[DIGEST_HEX_MAX];
	digest_buffer_hex(DIGEST_SHA256, b, 2 * 1048576, of_b);
	const struct pkgarchive_entry *tw = last_named(&l, "twice");
	_cleanup_free_ char *twice = xasprintf(
	        "a name given twice: the digest is of the later bytes (lanes: %s)", lanes);
	is_str(tw ? tw->sha256 : NULL, of_b, twice);
	pkgarchive_listing_release(&l);
	gp_error_release(&err);

	/* A sparse entry (GNU tar --sparse, a hole in the middle): extracted, without a digest. */
	_cleanup_free_ char *src = xasprintf("%s/src", tmp);
	_cleanup_free_ char *cmd =
	        xasprintf("mkdir -p '%s' && cd '%s' && head -c 400000 /dev/urandom > sp && "
	                  "truncate -s 2M sp && head -c 300000 /dev/urandom >> sp && "
	                  "tar --sparse -cf ../sp.tar sp",
	                  src, src);
	if (system(cmd) != 0) {
		ok(false, "making a sparse tarball with GNU tar");
	} else {
		_cleanup_free_ char *sp = xasprintf("%s/sp.tar", tmp);
		_cleanup_free_ char *out2 = xasprintf("%s/out2", tmp);
		mkdir(out2, 0700);
		r = pkgarchive_extract(sp, out2, NULL, NULL, NULL, &l, &err);
		_cleanup_free_ char *spl = xasprintf("extract a sparse entry (lanes: %s)", lanes);
		is_int(r, 0, spl);
		const struct pkgarchive_entry *pe = r == 0 ? last_named(&l, "sp") : NULL;
		ok(pe && !pe->sha256 && pe->size == 2 * 1048576 + 300000,
		   "a sparse entry: its full size, and no digest of its blocks");
		_cleanup_free_ char *cmp = xasprintf("cmp -s '%s/sp' '%s/sp'", src, out2);
		ok(system(cmp) == 0, "a sparse entry: the file is whole");
		pkgarchive_listing_release(&l);
		gp_error_release(&err);
	}
	free(a);
	free(b);
	_cleanup_free_ char *rm = xasprintf("rm -rf '%s'", tmp);
	if (system(rm) != 0)
		ok(false, "rm -rf %s", tmp);
}

/* Extraction within limits (issue 11, item 10). */
static void
test_limits(void)
{
	char tmpl[] = "/tmp/test-pkgarchive-XXXXXX";
	char *tmp = mkdtemp(tmpl);
	if (!tmp) {
		ok(false, "mkdtemp");
		return;
	}
	_cleanup_free_ char *tar = xasprintf("%s/a.tar", tmp);
	_cleanup_free_ char *dest = xasprintf("%s/out", tmp);
	mkdir(dest, 0700);
	write_tar(tar, (const char *const[]){"d/a.deb", "d/b.deb", "d/c.deb", NULL}, 2048);
	_cleanup_free_ char *src = xasprintf("'%s'", tar);
	struct gp_error err = GP_ERROR_INIT;
	struct pkgarchive_listing l = {0};

	struct pkgarchive_limits one = {.entry = 1024};
	is_int(pkgarchive_extract(tar, dest, NULL, NULL, &one, &l, &err), -1,
	       "an entry over the limit refuses the archive");
	_cleanup_free_ char *want = xasprintf(
	        "%s: refusing the archive: 'd/a.deb' is 2 KiB, more than the 1 KiB one file may be",
	        src);
	is_str(err.msg, want, "  the message names the entry and both sizes");
	ok(!exists(dest, "d/a.deb"), "  and nothing of it was written");
	gp_error_release(&err);

	struct pkgarchive_limits all = {.entry = 4096, .total = 5000};
	is_int(pkgarchive_extract(tar, dest, NULL, NULL, &all, &l, &err), -1,
	       "entries over the total refuse the archive");
	_cleanup_free_ char *want2 =
	        xasprintf("%s: refusing the archive: with 'd/c.deb' (2 KiB) its files come to "
	                  "more than 4.9 KiB",
	                  src);
	is_str(err.msg, want2, "  the message names the entry that crosses it");
	ok(exists(dest, "d/b.deb") && !exists(dest, "d/c.deb"), "  the one over it is not written");
	gp_error_release(&err);

	_cleanup_free_ char *dest2 = xasprintf("%s/out2", tmp);
	mkdir(dest2, 0700);
	is_int(pkgarchive_extract(tar, NULL, NULL, NULL, &all, &l, &err), -1,
	       "listing only: the same limits");
	gp_error_release(&err);
	is_int(pkgarchive_extract(tar, NULL, NULL, NULL, &one, &l, &err), -1,
	       "listing only: an entry over the limit");
	gp_error_release(&err);
	struct pkgarchive_limits roomy = {.entry = 4096, .total = 8192};
	is_int(pkgarchive_extract(tar, NULL, NULL, NULL, &roomy, &l, &err), 0,
	       "listing only, within the limits");
	is_int(l.n, 3, "  lists every entry");
	pkgarchive_listing_release(&l);

	/* Only wanted entries count: an unwanted big one is skipped, never written. */
	static const struct pkgarchive_limits small = {.entry = 1024, .total = 1024};
	is_int(pkgarchive_extract(tar, dest2, want_none, NULL, &small, NULL, &err), 0,
	       "unwanted entries are not bound");
	ok(!exists(dest2, "d/a.deb"), "  nor written");

	_cleanup_free_ char *cmd = xasprintf("rm -rf '%s'", tmp);
	ok(system(cmd) == 0, "cleanup");
}

static void
size_is(uint64_t b, const char *want)
{
	_cleanup_free_ char *s = pkgarchive_size_str(b);
	is_str(s, want, want);
}

static void
parse(const char *path, int want, const char *name, const char *version, const char *arch,
      const char *label)
{
	struct pkg_file f = {0};
	int r = pkg_file_parse(path, &f);
	is_int(r, want, label);
	if (r == 1) {
		is_str(f.name, name, "  name");
		is_str(f.version, version, "  version");
		is_str(f.arch, arch, "  arch");
	}
	pkg_file_release(&f);
}

static void
listing(struct pkgarchive_listing *l, const char *const *spec)
{
	/* spec: "f:path", "d:path", "l:path=target", "h:path=target", "o:path" */
	size_t n = 0;
	while (spec[n])
		n++;
	l->entries = xcalloc(n, sizeof(*l->entries));
	l->n = n;
	for (size_t i = 0; i < n; i++) {
		const char *s = spec[i] + 2;
		const char *eq = strchr(s, '=');
		struct pkgarchive_entry *e = &l->entries[i];
		e->path = eq ? xstrndup(s, (size_t)(eq - s)) : xstrdup(s);
		e->link = eq ? xstrdup(eq + 1) : NULL;
		switch (spec[i][0]) {
		case 'f':
			e->type = PKGARCHIVE_FILE;
			break;
		case 'd':
			e->type = PKGARCHIVE_DIR;
			break;
		case 'l':
			e->type = PKGARCHIVE_SYMLINK;
			break;
		case 'h':
			e->type = PKGARCHIVE_HARDLINK;
			break;
		default:
			e->type = PKGARCHIVE_OTHER;
		}
	}
}

static void
safe(const char *const *spec, const char *want, const char *label)
{
	struct pkgarchive_listing l = {0};
	struct gp_error err = GP_ERROR_INIT;
	listing(&l, spec);
	int r = pkgarchive_check_safe(&l, "'a.tar'", &err);
	is_int(r, want ? -1 : 0, label);
	if (want)
		is_str(err.msg, want, "  the message");
	gp_error_release(&err);
	pkgarchive_listing_release(&l);
}

int
main(void)
{
	size_is(17, "17 bytes");
	size_is(2048, "2 KiB");
	size_is(5000, "4.9 KiB");
	size_is(128ull << 20, "128 MiB");
	size_is(2ull << 30, "2 GiB");
	size_is(3ull << 39, "1.5 TiB");
	test_limits();
	/* One hashing thread, as on two CPUs; then three, as on four or more. */
	unsetenv("GPUPREP_TEST_HASH_LANES");
	test_digests("as this machine has");
	setenv("GPUPREP_TEST_HASH_LANES", "3", 1);
	test_digests("3");
	unsetenv("GPUPREP_TEST_HASH_LANES");

	parse("x/libnvidia-container1_1.17.8-1_amd64.deb", 1, "libnvidia-container1", "1.17.8-1",
	      "amd64", "a deb file name");
	parse("nvidia-container-toolkit-base-1.17.8-1.x86_64.rpm", 1,
	      "nvidia-container-toolkit-base", "1.17.8-1", "x86_64", "an rpm file name");
	parse("libnvidia-container1-1.18.0~rc.1-1.aarch64.rpm", 1, "libnvidia-container1",
	      "1.18.0~rc.1-1", "aarch64", "an rpm rc");
	parse("README.md", 0, NULL, NULL, NULL, "not a package");
	parse("a_b.deb", 0, NULL, NULL, NULL, "too few parts");
	parse("a_b_c_d.deb", 0, NULL, NULL, NULL, "too many parts");
	parse("_1_amd64.deb", 0, NULL, NULL, NULL, "no name");
	parse("norelease.x86_64.rpm", 0, NULL, NULL, NULL, "an rpm without version-release");
	parse(".deb", 0, NULL, NULL, NULL, "only the suffix");

	char *n = pkgarchive_normalize("./a//b/./c/");
	is_str(n, "a/b/c", "normalize ./a//b/./c/");
	free(n);
	n = pkgarchive_normalize("/abs/../x");
	is_str(n, "/abs/../x", "normalize keeps absolute and ..");
	free(n);
	n = pkgarchive_normalize("./");
	is_str(n, "", "normalize ./");
	free(n);

	safe((const char *const[]){"d:./", "d:rel/", "f:rel/a.deb", "l:rel/l=a.deb",
	                           "l:rel/up=../rel/a.deb", "h:rel/h=rel/a.deb", NULL},
	     NULL, "a clean archive");
	safe((const char *const[]){"f:../x", NULL},
	     "'a.tar': refusing the archive: '../x' leaves the archive with '..'", "..");
	safe((const char *const[]){"f:a/../../x", NULL},
	     "'a.tar': refusing the archive: 'a/../../x' leaves the archive with '..'", "a/../..");
	safe((const char *const[]){"f:/etc/passwd", NULL},
	     "'a.tar': refusing the archive: '/etc/passwd' is an absolute path", "absolute");
	safe((const char *const[]){"l:a=/etc", NULL},
	     "'a.tar': refusing the archive: the link 'a' -> '/etc' points outside it",
	     "an absolute symlink");
	safe((const char *const[]){"l:a/b=../../x", NULL},
	     "'a.tar': refusing the archive: the link 'a/b' -> '../../x' points outside it",
	     "a relative symlink out");
	safe((const char *const[]){"l:a/b=../c", NULL}, NULL, "a relative symlink that stays in");
	safe((const char *const[]){"l:a=", NULL},
	     "'a.tar': refusing the archive: the link 'a' -> '' points outside it",
	     "an empty link");
	safe((const char *const[]){"h:a=../x", NULL},
	     "'a.tar': refusing the archive: the hard link 'a' -> '../x' points outside it",
	     "a hard link out");
	safe((const char *const[]){"o:dev/null", NULL},
	     "'a.tar': refusing the archive: 'dev/null' is a device or special file", "a device");

	/* A real archive in memory, written with libarchive, listed back. */
	char buf[8192];
	size_t used = 0;
	struct archive *w = archive_write_new();
	archive_write_set_format_pax_restricted(w);
	archive_write_open_memory(w, buf, sizeof(buf), &used);
	struct archive_entry *e = archive_entry_new();
	archive_entry_set_pathname(e, "release-v1.17.8-stable/packages/ubuntu18.04/amd64/x.deb");
	archive_entry_set_filetype(e, AE_IFREG);
	archive_entry_set_perm(e, 0644);
	archive_entry_set_size(e, 3);
	archive_write_header(w, e);
	archive_write_data(w, "abc", 3);
	archive_entry_clear(e);
	archive_entry_set_pathname(e, "link");
	archive_entry_set_filetype(e, AE_IFLNK);
	archive_entry_set_symlink(e, "/etc");
	archive_write_header(w, e);
	archive_entry_free(e);
	archive_write_close(w);
	archive_write_free(w);
	struct pkgarchive_listing l = {0};
	struct gp_error err = GP_ERROR_INIT;
	is_int(pkgarchive_list_memory(buf, used, "'mem'", &l, &err), 0,
	       "list an archive in memory");
	is_int(l.n, 2, "two entries");
	if (l.n == 2) {
		is_int(l.entries[0].size, 3, "the file's size");
		ok(l.entries[1].type == PKGARCHIVE_SYMLINK, "the symlink's type");
		is_str(l.entries[1].link, "/etc", "the symlink's target");
	}
	is_int(pkgarchive_check_safe(&l, "'mem'", &err), -1, "the symlink out is refused");
	gp_error_release(&err);
	pkgarchive_listing_release(&l);
	is_int(pkgarchive_list_memory("garbage!", 8, "'mem'", &l, &err), -1, "garbage is refused");
	ok(err.msg && strstr(err.msg, "'mem': not a readable archive"), "garbage: the message");
	gp_error_release(&err);
	return tap_done();
}
