/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * SHA-256 and SHA-512 for the package checks, through nettle, with hex
 * helpers and file digests that name the file in their errors.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <nettle/sha2.h>

#include "error.h"

enum digest_algo {
	DIGEST_SHA256,
	DIGEST_SHA512,
};

struct digest {
	enum digest_algo algo;
	union {
		struct sha256_ctx sha256;
		struct sha512_ctx sha512;
	} ctx;
};

#define DIGEST_SHA256_LEN 32
#define DIGEST_SHA512_LEN 64
#define DIGEST_MAX_LEN    64
#define DIGEST_HEX_MAX    (2 * DIGEST_MAX_LEN + 1)

/*
 * Load nettle, which the functions below use: 0, or -1 with err set. Call it before the
 * first digest (digest_file_hex does it itself); a digest without it loads nettle then,
 * and aborts where it cannot.
 */
int digest_load(struct gp_error *err);
void digest_init(struct digest *d, enum digest_algo algo);
void digest_update(struct digest *d, const void *data, size_t len);
/* Write the digest (32 or 64 bytes) to out; returns its length. */
size_t digest_final(struct digest *d, unsigned char *out);
/* digest_final() as lowercase hex into hex (DIGEST_HEX_MAX bytes). */
void digest_final_hex(struct digest *d, char *hex);
/* Digest length in bytes for the algorithm. */
size_t digest_len(enum digest_algo algo);
/* "sha256" or "sha512". */
const char *digest_name(enum digest_algo algo);

/* Lowercase hex of a buffer's digest into hex (DIGEST_HEX_MAX bytes). */
void digest_buffer_hex(enum digest_algo algo, const void *data, size_t len, char *hex);
/*
 * Lowercase hex of a file's digest into hex, and its size (ret_size may be
 * NULL). Errors name the file.
 */
int digest_file_hex(enum digest_algo algo, const char *path, char *hex, uint64_t *ret_size,
                    struct gp_error *err);
/* True when two hex digests are equal, ignoring case. */
bool digest_hex_equal(const char *a, const char *b);

/*
 * Digests computed on a thread of their own while the caller goes on (an extraction hashes
 * what it writes without waiting for the hash). digest_bg_update copies the bytes into a
 * bounded queue and returns; digest_bg_final_hex ends the digest of what was given since
 * the last one ended, to be written into hex (DIGEST_HEX_MAX bytes; NULL drops it) by the
 * time digest_bg_sync returns, and starts the next. Where no thread can be started, the
 * same calls hash in the caller's thread. digest_bg_free stops the thread (what is queued
 * may be left unhashed) before the caller frees the hex buffers it named.
 */
struct digest_bg;
struct digest_bg *digest_bg_new(enum digest_algo algo);
void digest_bg_free(struct digest_bg *b);
void digest_bg_update(struct digest_bg *b, const void *data, size_t len);
void digest_bg_final_hex(struct digest_bg *b, char *hex);
void digest_bg_sync(struct digest_bg *b);
