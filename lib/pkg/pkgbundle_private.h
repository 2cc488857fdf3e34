/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What the deb bundles (pkgbundle.c) and the rpm bundles (pkgbundle_rpm.c) share,
 * from pkgbundle.c. Private to lib/pkg/pkgbundle*.c.
 */
#pragma once

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "error.h"

/*
 * order[0..n): the indices of sizes[0..n) from the largest size down (ties in index order).
 * A bundle writes its packages in that order: their hashes are an install's long pole, and
 * each starts as its package is written (pkgarchive_extract).
 */
void pkg_bundle_largest_first(const uint64_t *sizes, size_t n, size_t *order);

/* "2026-12-02T21:57:00Z" for t, in UTC; a fresh string. */
char *pkg_bundle_iso_time(time_t t);
/* SOURCE_DATE_EPOCH makes bundles reproducible; otherwise the current time. */
time_t pkg_bundle_creation_time(void);
/* A manifest entry {path: name, size, sha256} for the file at path; NULL with err set. */
json_t *pkg_bundle_file_entry(const char *name, const char *path, struct gp_error *err);
/* o[key] when it is a string, else NULL. */
const char *pkg_bundle_jstr(json_t *o, const char *key);

struct apt_repo;
/*
 * Load into r (under its workdir) the key a bundle's signed index is checked with: the file
 * keyring names (apt_repo_load_key), or the bundle's own key under dir, pinned to NVIDIA's.
 * src names the bundle in errors ("bundle 'FILE'").
 */
int pkg_bundle_load_key(struct apt_repo *r, const char *src, const char *dir, const char *keyring,
                        struct gp_error *err);
