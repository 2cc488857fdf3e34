/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * apt's index files: deb822 stanzas, a flat repository's Packages list and
 * the (already verified) Release text with its SHA512/SHA256 file lists.
 * Parse errors name the source and the line.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "error.h"

struct apt_field {
	char *name;  /* as written: "Package" */
	char *value; /* continuation lines joined with '\n', leading space removed */
	unsigned line;
};

struct apt_stanza {
	struct apt_field *fields;
	size_t n_fields;
	unsigned line; /* the stanza's first line */
};

/* Split text into stanzas. source names the text in errors ("'URL/Packages'"). */
int aptindex_parse(const char *text, size_t len, const char *source, struct apt_stanza **ret,
                   size_t *ret_n, struct gp_error *err);
/*
 * The same for only the stanzas whose field (a one-line field such as
 * "Package") has one of values (NULL-terminated); the others are skipped
 * without being parsed, which keeps a lookup in dpkg's status file, with its
 * thousands of stanzas, fast. Errors name the line in the whole text.
 */
int aptindex_parse_matching(const char *text, size_t len, const char *source, const char *field,
                            const char *const *values, struct apt_stanza **ret, size_t *ret_n,
                            struct gp_error *err);
/*
 * The same, read from fd in pieces of 64 KiB cut at stanza boundaries, so dpkg's status
 * file (a few MB on a full node) is never held whole: peak memory stays flat. source names
 * the file in errors, with the line in the whole file.
 */
int aptindex_parse_matching_fd(int fd, const char *source, const char *field,
                               const char *const *values, struct apt_stanza **ret, size_t *ret_n,
                               struct gp_error *err);
void apt_stanzas_free(struct apt_stanza *s, size_t n);
/* A field's value (names compare case-insensitively), or NULL. */
const char *apt_stanza_get(const struct apt_stanza *s, const char *name);

struct apt_package {
	char *name;
	char *version;
	char *arch;
	char *filename; /* NULL when absent */
	char *sha256;   /* NULL when absent */
	char *depends;  /* NULL when absent */
	uint64_t size;  /* 0 when absent */
	unsigned line;
};

/* Parse a Packages file; every stanza needs Package, Version and Architecture. */
int aptindex_packages(const char *text, size_t len, const char *source, struct apt_package **ret,
                      size_t *ret_n, struct gp_error *err);
void apt_packages_free(struct apt_package *p, size_t n);

struct apt_release_file {
	char *name; /* "Packages", "main/binary-amd64/Packages.gz" */
	uint64_t size;
	char *sha256; /* NULL when not listed */
	char *sha512; /* NULL when not listed */
};

struct apt_release {
	char *date; /* NULL when absent */
	struct apt_release_file *files;
	size_t n_files;
};

/* Parse Release text (the signed content of InRelease, after verification). */
int aptindex_release(const char *text, size_t len, const char *source, struct apt_release *ret,
                     struct gp_error *err);
void apt_release_release(struct apt_release *r);
const struct apt_release_file *apt_release_find(const struct apt_release *r, const char *name);
