/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * OpenPGP through GnuPG's own tools, run in a private GNUPGHOME: a key's
 * fingerprints (gpg --show-keys) and a clearsigned file's verification the way
 * apt does it (gpgv --status-fd, requiring VALIDSIG from a trusted primary key).
 * The binary keyring apt's signed-by takes is made here (an armored key is
 * decoded in-process), so loading a key runs no program.
 */
#pragma once

#include <stddef.h>

#include "error.h"

/* NVIDIA's repository key, the one apt's signed-by keyring must hold. */
#define GPG_NVIDIA_FINGERPRINT "C95B321B61E88C1809C4F759DDCAE044F796ECB0"

struct gpg_key {
	char *workdir;       /* private directory holding the keyring and GNUPGHOME */
	char *keyring;       /* the binary keyring file (in workdir) */
	char *source;        /* the key's name in messages: "'https://.../gpgkey'" */
	char **fingerprints; /* primary fingerprints (gpg_key_list), uppercase hex, or NULL */
	char *required;      /* when set, a valid signature must come from this primary key */
};

/*
 * Load a public key (ASCII-armored or binary) into a fresh binary keyring
 * under workdir. source names it in errors ("'https://.../gpgkey'", "'key.asc'").
 * Without gpg_key_require() or gpg_key_list(), any key in it is trusted.
 */
int gpg_key_load(const void *data, size_t len, const char *source, const char *workdir,
                 struct gpg_key *ret, struct gp_error *err);
void gpg_key_release(struct gpg_key *k);

/* List the primary fingerprints with gpg --show-keys into k->fingerprints. */
int gpg_key_list(struct gpg_key *k, struct gp_error *err);

/*
 * Fail unless the keyring holds exactly the given primary key (spaces and case
 * ignored), and from now on accept only signatures by it.
 */
int gpg_key_require(struct gpg_key *k, const char *fingerprint, struct gp_error *err);

/*
 * Accept only signatures by this primary key, without listing the keyring: a
 * valid signature by any other key is "wrong key fingerprint".
 */
void gpg_key_pin(struct gpg_key *k, const char *fingerprint);

/* True when fingerprint (spaces and case ignored) is one of the key's. */
bool gpg_key_has(const struct gpg_key *k, const char *fingerprint);

/*
 * Verify a clearsigned file (InRelease) with the key's keyring and return the
 * signed text exactly as gpgv extracted it, plus the fingerprint that made a
 * valid signature (ret_fpr may be NULL). Anything but a good signature by one of
 * the key's primary fingerprints is an error naming source.
 */
int gpg_verify_clearsigned(const struct gpg_key *k, const char *path, const char *source,
                           char **ret_text, size_t *ret_len, char **ret_fpr, struct gp_error *err);

/*
 * gpg_verify_clearsigned() in two halves: gpgv runs while the caller goes on (an install
 * extracts the rest of a bundle meanwhile). _finish() waits for it, releases the job, and
 * judges the result against k, which must hold the keyring the job was started with. A job
 * not finished is released with gpg_job_release(), which stops gpgv (SIGTERM), waits for it
 * and drops what it said.
 */
struct gpg_job;
struct gpg_job *gpg_verify_clearsigned_start(const struct gpg_key *k, const char *path,
                                             struct gp_error *err);
int gpg_verify_clearsigned_finish(struct gpg_job *j, const struct gpg_key *k, const char *source,
                                  char **ret_text, size_t *ret_len, char **ret_fpr,
                                  struct gp_error *err);
void gpg_job_release(struct gpg_job *j);

/*
 * Verify a detached signature (sig_path, armored or binary: repomd.xml.asc) of the
 * file at path, with the same rules as gpg_verify_clearsigned.
 */
int gpg_verify_detached(const struct gpg_key *k, const char *path, const char *sig_path,
                        const char *source, char **ret_fpr, struct gp_error *err);
/* Parse gpgv --status-fd output; exposed for tests. Returns 0 and the primary fingerprint of
 * a VALIDSIG line whose key is trusted, or -1 with err set. */
int gpg_status_check(const char *status, const struct gpg_key *k, const char *source,
                     char **ret_fpr, struct gp_error *err);

/* Decode ASCII armor (one or more blocks, CRC-24 checked when present) into binary. */
int gpg_dearmor(const char *text, size_t len, unsigned char **ret, size_t *ret_len);

/* The key ASCII-armored (as rpm's gpgkey= wants it); a fresh string. */
int gpg_key_armor(const struct gpg_key *k, char **ret_text, struct gp_error *err);
