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
 * Digests of files as they are written, computed on a thread of its own that reads each file
 * back (through a descriptor of its own) as far as the caller says it is written, while the
 * caller goes on writing: the digest is of the bytes on disk, and nothing is copied to hand
 * them over. The caller begins a file with digest_tail_begin (fd: open for reading, taken;
 * hex: DIGEST_HEX_MAX bytes), says how far it has written with digest_tail_grow (the bytes
 * from 0 to n are in the file), and ends it with digest_tail_end (keep false drops the
 * digest); one file at a time. Once every file begun has ended, digest_tail_sync waits for
 * the thread, hashing the files it has not come to yet beside it; when it returns, each kept
 * digest is in its hex, and one whose file could not be read back as far as was said is left
 * as it was (so a hex the caller zeroed stays empty). Where no thread can be started, the
 * same calls hash in the caller's thread. digest_tail_free stops the thread (digests not
 * synced may be left unwritten) before the caller frees the hex buffers it named.
 */
struct digest_tail;
struct digest_tail *digest_tail_new(enum digest_algo algo);
void digest_tail_free(struct digest_tail *t);
void digest_tail_begin(struct digest_tail *t, int fd, char *hex);
void digest_tail_grow(struct digest_tail *t, uint64_t n);
void digest_tail_end(struct digest_tail *t, uint64_t n, bool keep);
void digest_tail_sync(struct digest_tail *t);
