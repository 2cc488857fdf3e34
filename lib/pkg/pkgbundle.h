/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * gpuprep's own offline bundle: a .tar.gz with manifest.json, repo/ (the
 * untouched upstream InRelease and Packages plus the four .deb files, so it is
 * also a file: apt repository) and keys/ (the public key).
 */
#pragma once

#include <jansson.h>

#include "aptrepo.h"
#include "fetch.h"
#include "gpgverify.h"

#define PKG_BUNDLE_FORMAT_VERSION 1
#define PKG_BUNDLE_KEY_FILE       "keys/nvidia-container-toolkit-keyring.gpg"
/* The static gpuprep a bundle may carry (--with-gpuprep), at the top, mode 0755. */
#define PKG_BUNDLE_GPUPREP "gpuprep"

struct pkg_bundle_opts {
	const char *arch;     /* Debian spelling: "amd64", "arm64" */
	const char *version;  /* "1.17.8" or NULL for the newest */
	const char *repo_url; /* NULL for NVIDIA's */
	const char *keyring;  /* the operator's own key, or NULL for the pinned one */
	const char *output;   /* NULL: nvidia-container-toolkit_<V>_deb_<arch>.bundle.tar.gz */
	bool to_stdout;       /* instead, stream it to standard output (output unused) */
	const char *l4t;     /* an L4T suite ("r35.4"): L4T's dists/ repository, not the flat one */
	const char *gpuprep; /* a static gpuprep for arch to carry as PKG_BUNDLE_GPUPREP, or
	                        NULL; checked (elf_check_static) before anything is fetched */
	struct fetch_opts fetch;
};

/*
 * Make a bundle. With o->gpuprep, the file is checked first (a static ELF executable for
 * o->arch; else an error, and nothing is fetched or written) and goes into the archive as
 * "gpuprep", listed in manifest.json's files like the others. Downloads go to "<output>.download/"
 * beside the output, which a later run resumes from, and which is removed once the bundle is
 * written. Returns the manifest and the output path. With o->to_stdout the archive goes to
 * standard output as it is made (nothing else may be written there), downloads go to the run's
 * private temp directory (nothing to resume from), and *ret_output is NULL.
 */
int pkg_bundle_create(const struct pkg_bundle_opts *o, json_t **ret_manifest, char **ret_output,
                      struct gp_error *err);

struct pkg_bundle {
	json_t *manifest;
	char *toolkit_version; /* "1.17.8" */
	char *family;          /* "deb" */
	char *arch;            /* "amd64" */
	char *fingerprint;     /* the key that signed the bundle's InRelease */
	char *source_url;
	char *versions[APT_REPO_TOOLKIT_COUNT]; /* "1.17.8-1" */
	char *files[APT_REPO_TOOLKIT_COUNT];    /* the extracted .deb files */
};

/*
 * InRelease's signature checked while the rest of a bundle is extracted: told of each
 * member as it is written out into dir, this starts gpgv as soon as InRelease and the key
 * the check would use (keyring, or the bundle's own, pinned) are both out, and
 * pkg_bundle_check() takes gpgv's verdict from it instead of starting gpgv then. Nothing is
 * decided here: a key that does not load, or gpgv that does not start, leaves it all to the
 * check, and a second copy of either member drops what was started. Bundles since this
 * version carry the key and InRelease before the packages; older ones (the key last) get no
 * head start.
 */
struct pkg_bundle_ahead {
	char *archive;
	char *dir;
	const char *keyring;
	char *inrelease; /* the member gpgv is given */
	bool key_out;    /* PKG_BUNDLE_KEY_FILE is written out */
	bool started;    /* tried once; not again */
	/* its key (pkg_bundle_load_key) and the gpgv started with it (verify_job) */
	struct apt_repo repo;
};
void pkg_bundle_ahead_init(struct pkg_bundle_ahead *a, const char *archive, const char *dir,
                           const char *keyring);
void pkg_bundle_ahead_member(struct pkg_bundle_ahead *a, const char *norm);
/* Waits for a gpgv still running. */
void pkg_bundle_ahead_release(struct pkg_bundle_ahead *a);

/* True when an archive listing holds a bundle (a top-level manifest.json). */
struct pkgarchive_listing;
bool pkg_bundle_detect(const struct pkgarchive_listing *l);

/*
 * Check a bundle extracted into dir (l is its listing): every file against the
 * manifest (and no file it does not list), InRelease's signature (by the pinned
 * key, or by keyring when given), Packages against InRelease, and each package
 * against Packages. For an rpm bundle (ret->family "rpm") only the manifest and the files
 * are checked here: the caller must then run pkg_bundle_check_rpm() for the signed chain.
 */
int pkg_bundle_check(const char *archive, const char *dir, const struct pkgarchive_listing *l,
                     const char *keyring, struct pkg_bundle_ahead *ahead, struct pkg_bundle *ret,
                     struct gp_error *err);
void pkg_bundle_release(struct pkg_bundle *b);

/*
 * rpm bundles (pkgbundle_rpm.c): o->arch in rpm spelling ("x86_64", "aarch64"); repo/ holds
 * the repository's repodata/ untouched (repomd.xml, its .asc, what it lists) and the
 * packages, so the bundle is also a yum repository.
 */
int pkg_bundle_create_rpm(const struct pkg_bundle_opts *o, json_t **ret_manifest, char **ret_output,
                          struct gp_error *err);
/* The signed chain of an extracted rpm bundle whose manifest b holds; fills b's packages. */
int pkg_bundle_check_rpm(const char *src, const char *dir, const char *keyring,
                         struct pkg_bundle *b, struct gp_error *err);
