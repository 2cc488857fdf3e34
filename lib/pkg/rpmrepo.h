/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A yum repository as dnf checks it with repo_gpgcheck=1 (NVIDIA's, at
 * <base>/stable/rpm/<arch>/): repodata/repomd.xml verified against the trusted key
 * through its detached signature repodata/repomd.xml.asc, the primary metadata
 * checked against repomd's size and checksum, and each package against primary's.
 * The XML is read with libxml2 (network access and entity expansion off).
 */
#pragma once

#include <stdint.h>

#include "aptrepo.h"
#include "fetch.h"
#include "gpgverify.h"

struct rpm_package {
	char *name, *arch;
	char *evr;           /* "1.17.8-1" (an epoch other than 0 as "1:...") */
	char *href;          /* the file, relative to the repository: "x-1.17.8-1.x86_64.rpm" */
	char *checksum_type; /* "sha256" (the only one accepted) */
	char *checksum;      /* hex */
	uint64_t size;
};

/* One <data> entry of repomd.xml: "primary", "filelists", "other", ... */
struct rpm_md_file {
	char *type;
	char *href;     /* "repodata/...-primary.xml.gz" */
	char *checksum; /* hex; NULL when not sha256 */
	uint64_t size;  /* 0 when not given */
};

struct rpm_repo {
	char *repo_url;         /* <base>/stable/rpm/<arch>, or a local directory (bundles) */
	char *arch;             /* "x86_64", "aarch64" */
	char *workdir;          /* private directory the caller owns */
	char *fingerprint;      /* the primary key that signed repomd.xml */
	struct rpm_md_file *md; /* repomd.xml's entries; md[primary] is the primary metadata */
	size_t n_md, primary;
	struct rpm_package *pkgs;
	size_t n_pkgs;
};

void rpm_repo_init(struct rpm_repo *r, const char *repo_url, const char *arch, const char *workdir);
void rpm_repo_release(struct rpm_repo *r);

/*
 * Fetch repodata/repomd.xml and its .asc from r->repo_url into the workdir, verify the
 * signature with key, then fetch the primary metadata, check its size and checksum and
 * parse it.
 */
int rpm_repo_fetch(struct rpm_repo *r, const struct gpg_key *key, struct fetch *f,
                   struct gp_error *err);

/*
 * The same chain on files already here: dir holds repodata/repomd.xml, its .asc and the
 * primary metadata (a bundle). where names the place in messages.
 */
int rpm_repo_check_dir(struct rpm_repo *r, const struct gpg_key *key, const char *dir,
                       const char *where, struct gp_error *err);

/*
 * Pick the four toolkit packages for r->arch: at version target ("1.17.8-1"), or the
 * newest version all four have. A missing version lists the ones there are.
 */
int rpm_repo_select(const struct rpm_repo *r, const char *target,
                    const struct rpm_package *ret[APT_REPO_TOOLKIT_COUNT], struct gp_error *err);

/* Check a downloaded package file against primary's size and checksum. */
int rpm_repo_check_package(const struct rpm_package *p, const char *path, struct gp_error *err);

/*
 * Fetch the other metadata files repomd.xml lists (filelists, other, ...) into dir/ at their
 * hrefs, each checked against repomd's size and SHA-256, so dir is a whole yum repository.
 */
int rpm_repo_fetch_md(struct rpm_repo *r, struct fetch *f, const char *dir, struct gp_error *err);

/*
 * Parse repomd.xml (a file): its <data> entries, and which is the primary metadata (whose
 * checksum must be sha256). Exposed for tests and fuzzing.
 */
int rpmmd_parse_repomd(const char *path, const char *where, struct rpm_md_file **ret, size_t *ret_n,
                       size_t *ret_primary, struct gp_error *err);
void rpm_md_files_free(struct rpm_md_file *v, size_t n);
/* Parse primary.xml(.gz) (a file) into packages; exposed for tests and fuzzing. */
int rpmmd_parse_primary(const char *path, const char *where, struct rpm_package **ret,
                        size_t *ret_n, struct gp_error *err);
void rpm_packages_free(struct rpm_package *v, size_t n);
