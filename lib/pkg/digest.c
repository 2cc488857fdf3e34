// SPDX-License-Identifier: GPL-2.0-or-later
#include "digest.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <strings.h>

/*
 * The hashing itself is nettle's (libarchive already depends on it on every
 * distribution we build for): its SHA-256 runs the CPU's SHA extensions where
 * they exist, several times the speed of portable C.
 */
size_t
digest_len(enum digest_algo algo)
{
	return algo == DIGEST_SHA512 ? DIGEST_SHA512_LEN : DIGEST_SHA256_LEN;
}

const char *
digest_name(enum digest_algo algo)
{
	return algo == DIGEST_SHA512 ? "sha512" : "sha256";
}

void
digest_init(struct digest *d, enum digest_algo algo)
{
	d->algo = algo;
	if (algo == DIGEST_SHA512)
		sha512_init(&d->ctx.sha512);
	else
		sha256_init(&d->ctx.sha256);
}

void
digest_update(struct digest *d, const void *data, size_t len)
{
	if (d->algo == DIGEST_SHA512)
		sha512_update(&d->ctx.sha512, len, data);
	else
		sha256_update(&d->ctx.sha256, len, data);
}

size_t
digest_final(struct digest *d, unsigned char *out)
{
	size_t n = digest_len(d->algo);
	if (d->algo == DIGEST_SHA512)
		sha512_digest(&d->ctx.sha512, n, out);
	else
		sha256_digest(&d->ctx.sha256, n, out);
	return n;
}

static void
to_hex(const unsigned char *raw, size_t n, char *hex)
{
	static const char digits[] = "0123456789abcdef";
	for (size_t i = 0; i < n; i++) {
		hex[2 * i] = digits[raw[i] >> 4];
		hex[2 * i + 1] = digits[raw[i] & 15];
	}
	hex[2 * n] = '\0';
}

void
digest_final_hex(struct digest *d, char *hex)
{
	unsigned char raw[DIGEST_MAX_LEN];
	to_hex(raw, digest_final(d, raw), hex);
}

void
digest_buffer_hex(enum digest_algo algo, const void *data, size_t len, char *hex)
{
	struct digest d;
	digest_init(&d, algo);
	digest_update(&d, data, len);
	digest_final_hex(&d, hex);
}

int
digest_file_hex(enum digest_algo algo, const char *path, char *hex, uint64_t *ret_size,
                struct gp_error *err)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return gp_error_set_errno(err, errno, "reading '%s'", path);
	struct digest d;
	_cleanup_free_ unsigned char *buf = xmalloc(1 << 16);
	uint64_t size = 0;
	digest_init(&d, algo);
	for (;;) {
		ssize_t r = read(fd, buf, 1 << 16);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return gp_error_set_errno(err, errno, "reading '%s'", path);
		}
		if (r == 0)
			break;
		digest_update(&d, buf, (size_t)r);
		size += (uint64_t)r;
	}
	digest_final_hex(&d, hex);
	if (ret_size)
		*ret_size = size;
	return 0;
}

bool
digest_hex_equal(const char *a, const char *b)
{
	return a && b && strlen(a) == strlen(b) && strcasecmp(a, b) == 0;
}
