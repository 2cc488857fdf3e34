/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Package archives read and written with libarchive: listing with safety
 * checks (no absolute paths, no "..", no links that leave the archive),
 * extraction of chosen entries into a private directory, recognising
 * package file names (.deb and .rpm), and writing a .tar.gz.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "osinfo.h"

enum pkgarchive_type {
	PKGARCHIVE_FILE,
	PKGARCHIVE_DIR,
	PKGARCHIVE_SYMLINK,
	PKGARCHIVE_HARDLINK,
	PKGARCHIVE_OTHER, /* devices, fifos, sockets */
};

struct pkgarchive_entry {
	char *path; /* as stored */
	char *link; /* symlink or hardlink target, or NULL */
	enum pkgarchive_type type;
	uint64_t size;
	/* pkgarchive_extract(): the SHA-256 (hex) of the bytes it wrote for this entry, or NULL
	 * (not written, or written with holes or out of order: hash the file instead) */
	char *sha256;
};

struct pkgarchive_listing {
	struct pkgarchive_entry *entries;
	size_t n;
};

/* List an archive file (any format and compression libarchive reads). */
int pkgarchive_list(const char *path, struct pkgarchive_listing *ret, struct gp_error *err);
/* The same for an archive in memory; source names it in errors. */
int pkgarchive_list_memory(const void *data, size_t len, const char *source,
                           struct pkgarchive_listing *ret, struct gp_error *err);
void pkgarchive_listing_release(struct pkgarchive_listing *l);

/*
 * Refuse an archive that has an absolute path, a ".." component, a link that
 * points outside it, or a device/fifo entry. source names it in errors.
 */
int pkgarchive_check_safe(const struct pkgarchive_listing *l, const char *source,
                          struct gp_error *err);

/* The path with leading "./" and duplicate slashes removed; a fresh string. */
char *pkgarchive_normalize(const char *path);

/* Which regular files to extract: norm is the normalized path in the archive. */
typedef bool (*pkgarchive_want_fn)(const char *norm, void *userdata);

/* Bounds on what pkgarchive_extract() writes and reads; 0: no bound. */
struct pkgarchive_limits {
	uint64_t entry;  /* bytes one extracted file may hold */
	uint64_t total;  /* bytes all extracted files together may hold */
	uint64_t listed; /* bytes all regular files together may say they hold (by their headers),
	                  * extracted or only read past */
};

/*
 * Extract the regular files of an archive that want accepts (all of them when
 * want is NULL) into dest (an existing private directory), in one pass,
 * checking every entry as pkgarchive_check_safe() does before anything of it is
 * written; the first unsafe entry refuses the whole archive (the caller removes
 * dest). A wanted entry over a limit (limits may be NULL) refuses it too: by
 * the size in its header before a byte is written, and by the bytes as they
 * come for a format whose header has none (a sparse entry counts its extent).
 * Ownership is not restored. Returns the listing of every entry (ret_listing
 * may be NULL), each extracted file with the SHA-256 of what was written. With
 * dest NULL nothing is written: the listing, with the wanted entries checked
 * against the limits by their headers' sizes.
 */
int pkgarchive_extract(const char *path, const char *dest, pkgarchive_want_fn want, void *userdata,
                       const struct pkgarchive_limits *limits,
                       struct pkgarchive_listing *ret_listing, struct gp_error *err);

/* Told, with pkgarchive_extract()'s userdata, of each file as soon as it is written out. */
typedef void (*pkgarchive_done_fn)(const char *norm, void *userdata);
/* pkgarchive_extract() that tells done (or no one, when NULL) of each file it wrote. */
int pkgarchive_extract_each(const char *path, const char *dest, pkgarchive_want_fn want,
                            pkgarchive_done_fn done, void *userdata,
                            const struct pkgarchive_limits *limits,
                            struct pkgarchive_listing *ret_listing, struct gp_error *err);

/* "2.0 GiB", "128 MiB", "12 KiB", "17 bytes": a size for a message. Fresh string. */
char *pkgarchive_size_str(uint64_t bytes);

/* A package file recognised by its name. */
struct pkg_file {
	char *name;    /* "libnvidia-container1" */
	char *version; /* "1.17.8-1" */
	char *arch;    /* "amd64", "all", "x86_64", "noarch" */
	enum os_family family;
	char *path; /* in the archive, or on disk */
};

/*
 * Recognise "name_version_arch.deb" or "name-version-release.arch.rpm" (the
 * basename of path). Returns 1 and fills ret, or 0 when it is not a package name.
 */
int pkg_file_parse(const char *path, struct pkg_file *ret);
void pkg_file_release(struct pkg_file *p);

/* An entry to write: from a file on disk, or from memory. */
struct pkgarchive_source {
	const char *name;      /* path inside the archive */
	const char *disk_path; /* or NULL */
	const void *data;      /* when disk_path is NULL */
	size_t len;
	unsigned mode; /* permissions; 0 means 0644 */
};

/*
 * Write a gzip'd tar (pax) to path atomically: a temp file beside it, renamed
 * when complete. Directories are implied by names. mtime is every entry's time.
 * pkgarchive_write_tar_gz_fd() writes the same bytes to an open descriptor as they
 * are made (a pipe: standard output), label naming it in errors.
 */
int pkgarchive_write_tar_gz(const char *path, const struct pkgarchive_source *src, size_t n,
                            int64_t mtime, struct gp_error *err);
int pkgarchive_write_tar_gz_fd(int fd, const char *label, const struct pkgarchive_source *src,
                               size_t n, int64_t mtime, struct gp_error *err);
