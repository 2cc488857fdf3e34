// SPDX-License-Identifier: GPL-2.0-or-later
#include "pkgarchive.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "archiveso.h"
#include "digest.h"
#include "safefile.h"
#include "tmpfiles.h"

void
pkgarchive_listing_release(struct pkgarchive_listing *l)
{
	if (!l)
		return;
	for (size_t i = 0; i < l->n; i++) {
		free(l->entries[i].path);
		free(l->entries[i].link);
		free(l->entries[i].sha256);
	}
	free(l->entries);
	*l = (struct pkgarchive_listing){0};
}

/* libarchive, loaded by the first public function that needs it. */
static const struct archiveso *la;

static int
load(struct gp_error *err)
{
	/* What it extracts is hashed as it is written. */
	if ((!la && !(la = archiveso_load(err))) || digest_load(err) < 0)
		return -1;
	return 0;
}

static void entry_from(struct archive *a, struct archive_entry *e, struct pkgarchive_entry *pe);

static struct archive *
reader_new(void)
{
	struct archive *a = la->archive_read_new();
	if (!a)
		abort();
	la->archive_read_support_filter_all(a);
	la->archive_read_support_format_all(a);
	return a;
}

static int
list_from(struct archive *a, const char *source, struct pkgarchive_listing *ret,
          struct gp_error *err)
{
	struct pkgarchive_listing l = {0};
	size_t cap = 0;
	struct archive_entry *e;
	int r;
	while ((r = la->archive_read_next_header(a, &e)) == ARCHIVE_OK || r == ARCHIVE_WARN) {
		const char *name = la->archive_entry_pathname(e);
		if (!name) {
			gp_error_set(err, "%s: entry %zu has no name", source, l.n + 1);
			goto fail;
		}
		if (l.n == cap) {
			cap = cap ? cap * 2 : 32;
			l.entries = xrealloc(l.entries, cap * sizeof(*l.entries));
		}
		entry_from(a, e, &l.entries[l.n++]);
		la->archive_read_data_skip(a);
	}
	if (r != ARCHIVE_EOF) {
		gp_error_set(err, "%s: not a readable archive: %s", source,
		             la->archive_error_string(a) ? la->archive_error_string(a)
		                                         : "read error");
		gp_error_hint(err, "--offline takes a .tar.gz archive or a directory of packages");
		goto fail;
	}
	*ret = l;
	return 0;
fail:
	pkgarchive_listing_release(&l);
	return -1;
}

/*
 * Opening path failed: a system error (the file is missing, unreadable), or a
 * file that is no archive libarchive knows, which is not errno's "invalid or
 * incomplete multibyte or wide character" (EILSEQ, libarchive's format error).
 */
static int
open_error(struct archive *a, const char *path, struct gp_error *err)
{
	int e = la->archive_errno(a);
	const char *why = la->archive_error_string(a);
	if (e > 0 && e != EILSEQ)
		return gp_error_set_errno(err, e, "reading '%s'", path);
	gp_error_set(err, "'%s' is not an archive gpuprep can read%s%s", path, why ? ": " : "",
	             why ? why : "");
	return gp_error_hint(err, "--offline takes a .tar.gz archive (NVIDIA's release tarball, "
	                          "or a bundle made by 'gpuprep bundle'), or a directory of "
	                          "packages");
}

int
pkgarchive_list(const char *path, struct pkgarchive_listing *ret, struct gp_error *err)
{
	if (load(err) < 0)
		return -1;
	struct archive *a = reader_new();
	_cleanup_free_ char *src = xasprintf("'%s'", path);
	int r;
	if (la->archive_read_open_filename(a, path, 1 << 16) != ARCHIVE_OK) {
		r = open_error(a, path, err);
		la->archive_read_free(a);
		return r;
	}
	r = list_from(a, src, ret, err);
	la->archive_read_free(a);
	return r;
}

int
pkgarchive_list_memory(const void *data, size_t len, const char *source,
                       struct pkgarchive_listing *ret, struct gp_error *err)
{
	if (load(err) < 0)
		return -1;
	struct archive *a = reader_new();
	int r;
	if (la->archive_read_open_memory(a, data, len) != ARCHIVE_OK) {
		r = gp_error_set(err, "%s: not a readable archive: %s", source,
		                 la->archive_error_string(a) ? la->archive_error_string(a) : "?");
		la->archive_read_free(a);
		return r;
	}
	r = list_from(a, source, ret, err);
	la->archive_read_free(a);
	return r;
}

char *
pkgarchive_normalize(const char *path)
{
	char *r = xmalloc(strlen(path) + 1);
	size_t n = 0;
	const char *p = path;
	bool absolute = *p == '/';
	if (absolute)
		r[n++] = '/';
	while (*p) {
		while (*p == '/')
			p++;
		size_t cl = strcspn(p, "/");
		if (cl == 0)
			break;
		if (!(cl == 1 && p[0] == '.')) {
			if (n && r[n - 1] != '/')
				r[n++] = '/';
			memcpy(r + n, p, cl);
			n += cl;
		}
		p += cl;
	}
	r[n] = '\0';
	return r;
}

/* True when a normalized relative path has a ".." component. */
static bool
has_dotdot(const char *p)
{
	for (;;) {
		size_t cl = strcspn(p, "/");
		if (cl == 2 && p[0] == '.' && p[1] == '.')
			return true;
		if (!p[cl])
			return false;
		p += cl + 1;
	}
}

/* Does a symlink at path with this target resolve outside the archive root? */
static bool
link_escapes(const char *path, const char *target)
{
	if (target[0] == '/' || !target[0])
		return true;
	_cleanup_free_ char *dircopy = xstrdup(path);
	char *slash = strrchr(dircopy, '/');
	int depth = 0;
	if (slash) {
		*slash = '\0';
		depth = 1;
		for (char *c = dircopy; *c; c++)
			if (*c == '/')
				depth++;
	}
	const char *p = target;
	while (*p) {
		size_t cl = strcspn(p, "/");
		if (cl == 2 && p[0] == '.' && p[1] == '.')
			depth--;
		else if (cl > 0 && !(cl == 1 && p[0] == '.'))
			depth++;
		if (depth < 0)
			return true;
		p += cl;
		while (*p == '/')
			p++;
	}
	return false;
}

static int
check_entry(const struct pkgarchive_entry *e, const char *source, struct gp_error *err)
{
	_cleanup_free_ char *norm = pkgarchive_normalize(e->path);
	const char *hint = "the archive may be damaged or crafted; get it again from its source";
	if (norm[0] == '/') {
		gp_error_set(err, "%s: refusing the archive: '%s' is an absolute path", source,
		             e->path);
		return gp_error_hint(err, "%s", hint);
	}
	if (has_dotdot(norm)) {
		gp_error_set(err, "%s: refusing the archive: '%s' leaves the archive with '..'",
		             source, e->path);
		return gp_error_hint(err, "%s", hint);
	}
	if (e->type == PKGARCHIVE_SYMLINK && link_escapes(norm, e->link)) {
		gp_error_set(err,
		             "%s: refusing the archive: the link '%s' -> '%s' points outside it",
		             source, e->path, e->link);
		return gp_error_hint(err, "%s", hint);
	}
	if (e->type == PKGARCHIVE_HARDLINK) {
		_cleanup_free_ char *t = pkgarchive_normalize(e->link);
		if (t[0] == '/' || has_dotdot(t) || !t[0]) {
			gp_error_set(err,
			             "%s: refusing the archive: the hard link '%s' -> '%s' points "
			             "outside it",
			             source, e->path, e->link);
			return gp_error_hint(err, "%s", hint);
		}
	}
	if (e->type == PKGARCHIVE_OTHER) {
		gp_error_set(err, "%s: refusing the archive: '%s' is a device or special file",
		             source, e->path);
		return gp_error_hint(err, "%s", hint);
	}
	return 0;
}

int
pkgarchive_check_safe(const struct pkgarchive_listing *l, const char *source, struct gp_error *err)
{
	for (size_t i = 0; i < l->n; i++)
		if (check_entry(&l->entries[i], source, err) < 0)
			return -1;
	return 0;
}

/* Fill a listing entry from libarchive's header. */
static void
entry_from(struct archive *a, struct archive_entry *e, struct pkgarchive_entry *pe)
{
	(void)a;
	const char *name = la->archive_entry_pathname(e);
	*pe = (struct pkgarchive_entry){.path = xstrdup(name ? name : "")};
	const char *hl = la->archive_entry_hardlink(e);
	mode_t t = la->archive_entry_filetype(e);
	if (hl) {
		pe->type = PKGARCHIVE_HARDLINK;
		pe->link = xstrdup(hl);
	} else if (t == AE_IFREG) {
		pe->type = PKGARCHIVE_FILE;
		pe->size = la->archive_entry_size_is_set(e) && la->archive_entry_size(e) > 0
		                   ? (uint64_t)la->archive_entry_size(e)
		                   : 0;
	} else if (t == AE_IFDIR) {
		pe->type = PKGARCHIVE_DIR;
	} else if (t == AE_IFLNK) {
		pe->type = PKGARCHIVE_SYMLINK;
		const char *sl = la->archive_entry_symlink(e);
		pe->link = xstrdup(sl ? sl : "");
	} else {
		pe->type = PKGARCHIVE_OTHER;
	}
}

char *
pkgarchive_size_str(uint64_t b)
{
	static const char *const units[] = {"KiB", "MiB", "GiB", "TiB"};
	if (b < 1024)
		return xasprintf("%llu bytes", (unsigned long long)b);
	double v = (double)b / 1024;
	size_t u = 0;
	while (v >= 1024 && u + 1 < GP_ARRAY_SIZE(units)) {
		v /= 1024;
		u++;
	}
	if (v == (double)(uint64_t)v)
		return xasprintf("%llu %s", (unsigned long long)v, units[u]);
	return xasprintf("%.1f %s", v, units[u]);
}

/* Refuse an entry whose size (or extent so far) is over a limit; total is what came before. */
static int
check_limits(const struct pkgarchive_limits *lim, const char *norm, const char *src, uint64_t size,
             uint64_t total, struct gp_error *err)
{
	if (!lim)
		return 0;
	if (lim->entry && size > lim->entry) {
		_cleanup_free_ char *s = pkgarchive_size_str(size);
		_cleanup_free_ char *m = pkgarchive_size_str(lim->entry);
		return gp_error_set(err,
		                    "%s: refusing the archive: '%s' is %s, more than the %s "
		                    "one file may be",
		                    src, norm, s, m);
	}
	if (lim->total && size > lim->total - (total < lim->total ? total : lim->total)) {
		_cleanup_free_ char *s = pkgarchive_size_str(size);
		_cleanup_free_ char *m = pkgarchive_size_str(lim->total);
		return gp_error_set(err,
		                    "%s: refusing the archive: with '%s' (%s) its files come to "
		                    "more than %s",
		                    src, norm, s, m);
	}
	return 0;
}

int
pkgarchive_extract(const char *path, const char *dest, pkgarchive_want_fn want, void *userdata,
                   const struct pkgarchive_limits *limits, struct pkgarchive_listing *ret_listing,
                   struct gp_error *err)
{
	return pkgarchive_extract_each(path, dest, want, NULL, userdata, limits, ret_listing, err);
}

/*
 * Files this large are hashed on a thread, smaller ones in the loop: their hash costs less than
 * handing them over.
 */
#define HASH_ON_THREAD_MIN (256 * 1024)
#define HASH_LANES_MAX     3

/*
 * The hashing threads (each a digest_tail, a lane) the extraction may start: one per CPU this
 * process may run on beyond the one that extracts, at most HASH_LANES_MAX, at least one. With
 * several, a package's hash starts as soon as it starts being written, not after the one
 * before it: the largest package, hashed beside the rest, is the extraction's long pole.
 * GPUPREP_TEST_HASH_LANES (1 to HASH_LANES_MAX) sets the number, for the tests, which run on
 * two CPUs.
 */
static size_t
hash_lanes(void)
{
	const char *test = getenv("GPUPREP_TEST_HASH_LANES");
	if (test && test[0] >= '1' && test[0] <= '0' + HASH_LANES_MAX && !test[1])
		return (size_t)(test[0] - '0');
	cpu_set_t set;
	int cpus = sched_getaffinity(0, sizeof(set), &set) == 0 ? CPU_COUNT(&set) : 1;
	return cpus <= 2 ? 1 : cpus - 1 < HASH_LANES_MAX ? (size_t)cpus - 1 : HASH_LANES_MAX;
}

/* The lane with the fewest bytes given it so far (started when first needed). */
static struct digest_tail *
pick_lane(struct digest_tail **lanes, uint64_t *given, size_t n, uint64_t size)
{
	size_t best = 0;
	for (size_t i = 1; i < n; i++)
		if (given[i] < given[best])
			best = i;
	if (!lanes[best])
		lanes[best] = digest_tail_new(DIGEST_SHA256);
	given[best] += size;
	return lanes[best];
}

int
pkgarchive_extract_each(const char *path, const char *dest, pkgarchive_want_fn want,
                        pkgarchive_done_fn done, void *userdata,
                        const struct pkgarchive_limits *limits,
                        struct pkgarchive_listing *ret_listing, struct gp_error *err)
{
	uint64_t total = 0, listed = 0;
	if (load(err) < 0)
		return -1;
	_cleanup_free_ char *src = xasprintf("'%s'", path);
	struct digest_tail *lanes[HASH_LANES_MAX] = {0};
	uint64_t lane_bytes[HASH_LANES_MAX] = {0};
	size_t n_lanes = hash_lanes();
	struct pkgarchive_listing l = {0};
	size_t cap = 0;
	struct archive *a = reader_new();
	struct archive *w = la->archive_write_disk_new();
	if (!w)
		abort();
	/* Every entry is checked before anything is written; the target path is ours. */
	la->archive_write_disk_set_options(w, ARCHIVE_EXTRACT_SECURE_NODOTDOT |
	                                              ARCHIVE_EXTRACT_SECURE_SYMLINKS);
	int r = -1;
	_cleanup_free_ char *real_dest = dest ? realpath(dest, NULL) : NULL;
	if (dest && !real_dest) {
		gp_error_set_errno(err, errno, "extracting into '%s'", dest);
		goto out;
	}
	if (la->archive_read_open_filename(a, path, 1 << 16) != ARCHIVE_OK) {
		open_error(a, path, err);
		goto out;
	}
	struct archive_entry *e;
	int rr;
	while ((rr = la->archive_read_next_header(a, &e)) == ARCHIVE_OK || rr == ARCHIVE_WARN) {
		if (l.n == cap) {
			cap = cap ? cap * 2 : 32;
			l.entries = xrealloc(l.entries, cap * sizeof(*l.entries));
		}
		struct pkgarchive_entry *pe = &l.entries[l.n++];
		entry_from(a, e, pe);
		if (check_entry(pe, src, err) < 0)
			goto out;
		_cleanup_free_ char *norm = pkgarchive_normalize(pe->path);
		if (pe->type == PKGARCHIVE_FILE && limits && limits->listed) {
			const struct pkgarchive_limits bound = {.total = limits->listed};
			if (check_limits(&bound, norm, src, pe->size, listed, err) < 0)
				goto out;
			listed += pe->size;
		}
		if (pe->type != PKGARCHIVE_FILE || !*norm || (want && !want(norm, userdata))) {
			la->archive_read_data_skip(a);
			continue;
		}
		if (check_limits(limits, norm, src, pe->size, total, err) < 0)
			goto out;
		if (!dest) {
			total += pe->size;
			la->archive_read_data_skip(a);
			continue;
		}
		_cleanup_free_ char *target = xasprintf("%s/%s", real_dest, norm);
		la->archive_entry_set_pathname(e, target);
		la->archive_entry_set_perm(e, 0644);
		if (la->archive_write_header(w, e) != ARCHIVE_OK) {
			gp_error_set(err, "extracting '%s' from '%s': %s", norm, path,
			             la->archive_error_string(w));
			goto out;
		}
		/*
		 * The SHA-256 of what is written, so nobody reads the file again to check it: a
		 * small file's here, of the blocks as they go by; a larger one's on a thread that
		 * reads the file back as it grows, while the next blocks are read and written. A
		 * block out of order (a sparse entry) leaves none.
		 */
		uint64_t hashed = 0;
		bool hashing = true, on_thread = pe->size >= HASH_ON_THREAD_MIN;
		struct digest d;
		struct digest_tail *hasher = NULL;
		if (on_thread) {
			int rfd = open(target, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
			hashing = on_thread = rfd >= 0;
			if (on_thread) {
				hasher = pick_lane(lanes, lane_bytes, n_lanes, pe->size);
				/* Filled by the thread before digest_tail_sync returns. */
				pe->sha256 = xcalloc(1, DIGEST_HEX_MAX);
				digest_tail_begin(hasher, rfd, pe->sha256);
			}
		} else {
			digest_init(&d, DIGEST_SHA256);
		}
		const void *buf;
		size_t size;
		int64_t off;
		int dr;
		while ((dr = la->archive_read_data_block(a, &buf, &size, &off)) == ARCHIVE_OK) {
			if (off < 0 || (uint64_t)off != hashed)
				hashing = false;
			/* The extent so far: a header without a size, or a sparse entry. */
			uint64_t extent = (off < 0 ? 0 : (uint64_t)off) + size;
			if (check_limits(limits, norm, src, extent, total, err) < 0)
				goto out;
			if (extent > pe->size)
				pe->size = extent;
			if (la->archive_write_data_block(w, buf, size, off) != ARCHIVE_OK) {
				gp_error_set(err, "extracting '%s' from '%s': %s", norm, path,
				             la->archive_error_string(w));
				goto out;
			}
			if (!hashing)
				continue;
			hashed += size;
			if (on_thread)
				digest_tail_grow(hasher, hashed);
			else
				digest_update(&d, buf, size);
		}
		if (dr != ARCHIVE_EOF) {
			gp_error_set(err, "extracting '%s' from '%s': %s", norm, path,
			             la->archive_error_string(a));
			gp_error_hint(err, "the archive is truncated or damaged; get it again");
			goto out;
		}
		if (la->archive_write_finish_entry(w) != ARCHIVE_OK) {
			gp_error_set(err, "extracting '%s' from '%s': %s", norm, path,
			             la->archive_error_string(w));
			goto out;
		}
		/* Sparse on the thread: its digest of the blocks before, dropped. */
		bool whole = hashing && hashed == pe->size;
		if (on_thread) {
			digest_tail_end(hasher, hashed, whole);
		} else if (whole) {
			pe->sha256 = xcalloc(1, DIGEST_HEX_MAX);
			digest_final_hex(&d, pe->sha256);
		}
		total += pe->size;
		if (done)
			done(norm, userdata);
	}
	if (rr != ARCHIVE_EOF) {
		gp_error_set(err, "%s: not a readable archive: %s", src,
		             la->archive_error_string(a) ? la->archive_error_string(a)
		                                         : "read error");
		gp_error_hint(err, "--offline takes a .tar.gz archive or a directory of packages");
		goto out;
	}
	for (size_t i = 0; i < n_lanes; i++)
		if (lanes[i])
			digest_tail_sync(lanes[i]);
	/* A digest the thread dropped, or could not make (the file unreadable): none. */
	for (size_t i = 0; i < l.n; i++)
		if (l.entries[i].sha256 && !l.entries[i].sha256[0])
			free(TAKE_PTR(l.entries[i].sha256));
	r = 0;
out:
	for (size_t i = 0; i < n_lanes; i++)
		digest_tail_free(lanes[i]);
	la->archive_read_free(a);
	la->archive_write_free(w);
	if (r == 0 && ret_listing)
		*ret_listing = l;
	else
		pkgarchive_listing_release(&l);
	return r;
}

void
pkg_file_release(struct pkg_file *p)
{
	if (!p)
		return;
	free(p->name);
	free(p->version);
	free(p->arch);
	free(p->path);
	*p = (struct pkg_file){0};
}

int
pkg_file_parse(const char *path, struct pkg_file *ret)
{
	const char *base = strrchr(path, '/');
	base = base ? base + 1 : path;
	size_t n = strlen(base);
	struct pkg_file p = {0};
	if (n > 4 && str_endswith(base, ".deb")) {
		/* name_version_arch.deb */
		_cleanup_free_ char *s = xstrndup(base, n - 4);
		char *u1 = strchr(s, '_');
		char *u2 = strrchr(s, '_');
		if (!u1 || u1 == u2 || u1 == s || !u2[1] || u2 == u1 + 1)
			return 0;
		*u1 = '\0';
		*u2 = '\0';
		if (strchr(u1 + 1, '_'))
			return 0;
		p.name = xstrdup(s);
		p.version = xstrdup(u1 + 1);
		p.arch = xstrdup(u2 + 1);
		p.family = OS_FAMILY_DEB;
	} else if (n > 4 && str_endswith(base, ".rpm")) {
		/* name-version-release.arch.rpm */
		_cleanup_free_ char *s = xstrndup(base, n - 4);
		char *dot = strrchr(s, '.');
		if (!dot || !dot[1])
			return 0;
		*dot = '\0';
		char *h2 = strrchr(s, '-');
		if (!h2 || h2 == s)
			return 0;
		*h2 = '\0';
		char *h1 = strrchr(s, '-');
		if (!h1 || h1 == s || !h2[1] || !h1[1])
			return 0;
		*h1 = '\0';
		*h2 = '-';
		p.name = xstrdup(s);
		p.version = xstrdup(h1 + 1);
		p.arch = xstrdup(dot + 1);
		p.family = OS_FAMILY_RPM;
	} else {
		return 0;
	}
	p.path = xstrdup(path);
	*ret = p;
	return 1;
}

static int
copy_file_data(struct archive *w, const char *disk_path, const char *name, struct gp_error *err)
{
	_cleanup_close_ int fd = open(disk_path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return gp_error_set_errno(err, errno, "reading '%s'", disk_path);
	_cleanup_free_ char *buf = xmalloc(1 << 20);
	for (;;) {
		ssize_t n = read(fd, buf, 1 << 20);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return gp_error_set_errno(err, errno, "reading '%s'", disk_path);
		if (n == 0)
			return 0;
		if (la->archive_write_data(w, buf, (size_t)n) != n)
			return gp_error_set(err, "writing '%s' into the archive: %s", name,
			                    la->archive_error_string(w));
	}
}

/* The archive's bytes to fd; label ("'/x/b.tar.gz'", "standard output") names it in errors. */
static int
write_tar_gz(int fd, const char *label, const struct pkgarchive_source *src, size_t n,
             int64_t mtime, struct gp_error *err)
{
	struct archive *w = la->archive_write_new();
	struct archive_entry *e = la->archive_entry_new();
	if (!w || !e)
		abort();
	int r = -1;
	la->archive_write_add_filter_gzip(w);
	/* No timestamp in the gzip header: the same input gives the same bytes. */
	la->archive_write_set_filter_option(w, "gzip", "timestamp", NULL);
	/* Packages are compressed already: storing them costs almost nothing in size. */
	la->archive_write_set_filter_option(w, "gzip", "compression-level", "0");
	la->archive_write_set_format_pax_restricted(w);
	/* Large writes, and no padding of the last block beyond what gzip needs. */
	la->archive_write_set_bytes_per_block(w, 1 << 20);
	la->archive_write_set_bytes_in_last_block(w, 1);
	if (la->archive_write_open_fd(w, fd) != ARCHIVE_OK) {
		gp_error_set(err, "writing %s: %s", label, la->archive_error_string(w));
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		uint64_t size = src[i].len;
		if (src[i].disk_path) {
			struct stat st;
			if (stat(src[i].disk_path, &st) < 0) {
				gp_error_set_errno(err, errno, "reading '%s'", src[i].disk_path);
				goto out;
			}
			size = (uint64_t)st.st_size;
		}
		la->archive_entry_clear(e);
		la->archive_entry_set_pathname(e, src[i].name);
		la->archive_entry_set_filetype(e, AE_IFREG);
		la->archive_entry_set_perm(e, src[i].mode ? src[i].mode : 0644);
		la->archive_entry_set_size(e, (la_int64_t)size);
		la->archive_entry_set_mtime(e, (time_t)mtime, 0);
		la->archive_entry_set_uname(e, "root");
		la->archive_entry_set_gname(e, "root");
		if (la->archive_write_header(w, e) != ARCHIVE_OK) {
			gp_error_set(err, "writing %s: %s", label, la->archive_error_string(w));
			goto out;
		}
		if (src[i].disk_path) {
			if (copy_file_data(w, src[i].disk_path, src[i].name, err) < 0)
				goto out;
		} else if (src[i].len && la->archive_write_data(w, src[i].data, src[i].len) !=
		                                 (la_ssize_t)src[i].len) {
			gp_error_set(err, "writing %s: %s", label, la->archive_error_string(w));
			goto out;
		}
	}
	if (la->archive_write_close(w) != ARCHIVE_OK) {
		gp_error_set(err, "writing %s: %s", label, la->archive_error_string(w));
		goto out;
	}
	r = 0;
out:
	la->archive_entry_free(e);
	la->archive_write_free(w);
	return r;
}

int
pkgarchive_write_tar_gz_fd(int fd, const char *label, const struct pkgarchive_source *src, size_t n,
                           int64_t mtime, struct gp_error *err)
{
	if (load(err) < 0)
		return -1;
	return write_tar_gz(fd, label, src, n, mtime, err);
}

int
pkgarchive_write_tar_gz(const char *path, const struct pkgarchive_source *src, size_t n,
                        int64_t mtime, struct gp_error *err)
{
	if (load(err) < 0)
		return -1;
	_cleanup_free_ char *tmp = xasprintf("%s.gpuprep-XXXXXX", path);
	int fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return gp_error_set_errno(err, errno, "writing '%s'", path);
	tmpfiles_note_file(AT_FDCWD, tmp);
	_cleanup_free_ char *label = xasprintf("'%s'", path);
	int r = write_tar_gz(fd, label, src, n, mtime, err);
	safefile_test_point("archive-write");
	if (r == 0 && (fsync(fd) < 0 || fchmod(fd, 0644) < 0 || rename(tmp, path) < 0)) {
		gp_error_set_errno(err, errno, "writing '%s'", path);
		r = -1;
	}
	close(fd);
	if (r < 0)
		unlink(tmp);
	tmpfiles_forget_file(AT_FDCWD, tmp);
	return r;
}
