/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * NVIDIA's flat apt repository (<base>/stable/deb/<arch>/), as apt sees it:
 * the signing key (pinned, or the operator's own with --keyring), InRelease
 * verified by gpgv, Packages checked against InRelease's SHA512, and the four
 * toolkit packages picked at one version.
 */
#pragma once

#include "aptindex.h"
#include "fetch.h"
#include "gpgverify.h"

#define APT_REPO_DEFAULT_URL "https://nvidia.github.io/libnvidia-container"

/* The four packages, in install order. */
#define APT_REPO_TOOLKIT_COUNT 4
extern const char *const apt_repo_toolkit[APT_REPO_TOOLKIT_COUNT + 1];

/* L4T's own repository (JetPack's packages, the toolkit among them): a dists/ layout. */
#define APT_REPO_L4T_URL "https://repo.download.nvidia.com/jetson/common"

struct apt_repo {
	char *base_url;      /* without a trailing slash */
	char *dist_url;      /* <base>/stable/deb/<arch>, or <base>/dists/<suite> */
	char *suite;         /* NULL for the flat layout; "r35.4" */
	char *component;     /* "main" with a suite */
	char *packages_name; /* as InRelease lists it: "Packages", "main/binary-arm64/Packages" */
	char *pool_url;      /* what Filename is relative to: dist_url (flat), base_url (dists) */
	char *arch;
	char *workdir; /* private directory for the keyring and downloads */

	char *key_source; /* "'https://.../gpgkey'" or "'FILE'" */
	char *key_data;   /* the key as fetched or read */
	size_t key_len;
	struct gpg_key key;
	char *fingerprint; /* the primary key that signed InRelease */
	/* gpgv already running on InRelease (a bundle's, started while it was extracted):
	 * apt_repo_check_index() takes its verdict instead of starting one, and owns it. */
	struct gpg_job *verify_job;

	char *inrelease; /* untouched */
	size_t inrelease_len;
	char *packages; /* untouched */
	size_t packages_len;
	struct apt_package *pkgs;
	size_t n_pkgs;
};

/*
 * Start a repository description. base_url NULL means NVIDIA's; workdir is a
 * private directory the caller owns and removes.
 */
void apt_repo_init(struct apt_repo *r, const char *base_url, const char *arch, const char *workdir);
void apt_repo_release(struct apt_repo *r);

/*
 * Use a normal dists/ repository (as L4T's): InRelease at <base>/dists/<suite>/, Packages
 * at <component>/binary-<arch>/Packages beneath it, package files relative to <base>.
 */
void apt_repo_set_suite(struct apt_repo *r, const char *suite, const char *component);

/*
 * Load the trusted key: keyring_file when given (all its keys are trusted), or
 * <base>/gpgkey fetched with f, which must have the pinned fingerprint.
 */
int apt_repo_load_key(struct apt_repo *r, struct fetch *f, const char *keyring_file,
                      struct gp_error *err);

/* Fetch InRelease and Packages from dist_url, then apt_repo_check_index(). */
int apt_repo_fetch_index(struct apt_repo *r, struct fetch *f, struct gp_error *err);

/*
 * With r->inrelease and r->packages set: verify InRelease's signature, check
 * Packages' size and SHA512 against it, and parse Packages. where names the
 * place in messages ("'https://.../stable/deb/amd64'", "bundle 'x.tar.gz'").
 */
int apt_repo_check_index(struct apt_repo *r, const char *where, struct gp_error *err);

/*
 * Pick the four packages for r->arch: at version target ("1.17.8-1"), or the
 * newest version that all four have. A missing version lists the ones there are.
 */
int apt_repo_select(const struct apt_repo *r, const char *target,
                    const struct apt_package *ret[APT_REPO_TOOLKIT_COUNT], struct gp_error *err);

/* "1.17.8" -> "1.17.8-1"; a version with a revision stays as it is. Fresh string. */
char *apt_repo_version_target(const char *v);

/* A version order: debver_compare (deb) or rpmver_compare (rpm); <0, 0 or >0. */
typedef int (*apt_vercmp_fn)(const char *a, const char *b);

/*
 * The versions (sorted newest first by vercmp) at which every one of names appears in
 * the candidates (name/version pairs). Used for repositories and archives alike.
 */
char **apt_repo_common_versions(const char *const *names, const char *const *cand_names,
                                const char *const *cand_versions, size_t n, apt_vercmp_fn vercmp);
/* "1.17.8-1, 1.17.7-1" */
char *apt_repo_join(char *const *v, const char *sep);
/*
 * The toolkit version to install from n candidate (name, version) pairs: target, or the
 * newest all four have, in the family's order vercmp. *ret_common (every such version, newest
 * first) owns *ret_want. Errors name url, and arch with the archs seen when none fit it. apt
 * and rpm share it.
 */
int apt_repo_pick_version(const char *const *names, const char *const *vers, size_t n,
                          char *const *archs, const char *url, const char *arch, const char *target,
                          apt_vercmp_fn vercmp, char ***ret_common, const char **ret_want,
                          struct gp_error *err);
