/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * SHA-256 and SHA-512 (FIPS 180-4), small and dependency-free: the package
 * checks need them and none of the allowed libraries exports them.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"

enum digest_algo {
	DIGEST_SHA256,
	DIGEST_SHA512,
};

struct digest {
	enum digest_algo algo;
	uint64_t len_lo, len_hi; /* message length in bytes (128 bits for SHA-512) */
	size_t fill;             /* bytes waiting in buf */
	union {
		uint32_t h32[8];
		uint64_t h64[8];
	} state;
	unsigned char buf[128];
};

#define DIGEST_SHA256_LEN 32
#define DIGEST_SHA512_LEN 64
#define DIGEST_MAX_LEN    64
#define DIGEST_HEX_MAX    (2 * DIGEST_MAX_LEN + 1)

void digest_init(struct digest *d, enum digest_algo algo);
void digest_update(struct digest *d, const void *data, size_t len);
/* Write the digest (32 or 64 bytes) to out; returns its length. */
size_t digest_final(struct digest *d, unsigned char *out);
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
