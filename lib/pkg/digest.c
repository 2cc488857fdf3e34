// SPDX-License-Identifier: GPL-2.0-or-later
#include "digest.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "nettleso.h"
#include "proc.h"

/*
 * The hashing itself is nettle's (libarchive already depends on it on every
 * distribution we build for): its SHA-256 runs the CPU's SHA extensions where
 * they exist, several times the speed of portable C. It is loaded on first use
 * (lib/base/nettleso).
 */
static const struct nettleso *ln;

int
digest_load(struct gp_error *err)
{
	if (!ln && !(ln = nettleso_load(err)))
		return -1;
	return 0;
}

/* For the functions that cannot fail: their callers called digest_load first. */
static const struct nettleso *
nettle(void)
{
	if (!ln) {
		_cleanup_error_ struct gp_error err = GP_ERROR_INIT;
		if (digest_load(&err) < 0)
			abort();
	}
	return ln;
}
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
		nettle()->sha512_init(&d->ctx.sha512);
	else
		nettle()->sha256_init(&d->ctx.sha256);
}

void
digest_update(struct digest *d, const void *data, size_t len)
{
	if (d->algo == DIGEST_SHA512)
		ln->sha512_update(&d->ctx.sha512, len, data);
	else
		ln->sha256_update(&d->ctx.sha256, len, data);
}

size_t
digest_final(struct digest *d, unsigned char *out)
{
	size_t n = digest_len(d->algo);
	if (d->algo == DIGEST_SHA512)
		ln->sha512_digest(&d->ctx.sha512, n, out);
	else
		ln->sha256_digest(&d->ctx.sha256, n, out);
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
	if (digest_load(err) < 0)
		return -1;
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

/*
 * The queue between the caller and the hashing thread: a ring of slots the caller fills
 * with copies of what it is given and hands over whole (so the two meet a few times per
 * file, not once per update). A slot may end a digest: the thread then writes its hex where
 * the caller said, or drops it. Each side wakes the other only when that one waits.
 */
#define DIGEST_BG_SLOTS    4
#define DIGEST_BG_SLOT_CAP (256 * 1024)

struct digest_bg_slot {
	unsigned char *buf;
	size_t len;
	bool ends;       /* the digest ends after these bytes */
	char *final_hex; /* where its hex goes, or NULL to drop it */
};

struct digest_bg {
	pthread_t thread;
	bool threaded;
	enum digest_algo algo;
	pthread_mutex_t mu;
	pthread_cond_t changed;
	struct digest_bg_slot slot[DIGEST_BG_SLOTS];
	size_t head, count; /* the oldest slot not hashed yet, and how many are handed over */
	bool filling;       /* the caller is filling slot (head + count) */
	bool caller_waits, thread_waits, quit;
	struct digest d;
};

/* Wake the other side if it waits (the caller holds b->mu). */
static void
digest_bg_wake(struct digest_bg *b, bool other_waits)
{
	if (other_waits)
		pthread_cond_signal(&b->changed);
}

/* Hash a slot's bytes, and end the digest where the slot says so. */
static void
digest_bg_consume(struct digest_bg *b, struct digest_bg_slot *s)
{
	digest_update(&b->d, s->buf, s->len);
	if (!s->ends)
		return;
	if (s->final_hex)
		digest_final_hex(&b->d, s->final_hex);
	digest_init(&b->d, b->algo);
}

static void *
digest_bg_thread(void *userdata)
{
	struct digest_bg *b = userdata;
	pthread_mutex_lock(&b->mu);
	for (;;) {
		while (!b->count && !b->quit) {
			b->thread_waits = true;
			pthread_cond_wait(&b->changed, &b->mu);
			b->thread_waits = false;
		}
		if (b->quit)
			break;
		struct digest_bg_slot *s = &b->slot[b->head];
		pthread_mutex_unlock(&b->mu);
		digest_bg_consume(b, s);
		pthread_mutex_lock(&b->mu);
		b->head = (b->head + 1) % DIGEST_BG_SLOTS;
		b->count--;
		digest_bg_wake(b, b->caller_waits);
	}
	pthread_mutex_unlock(&b->mu);
	return NULL;
}

struct digest_bg *
digest_bg_new(enum digest_algo algo)
{
	struct digest_bg *b = xcalloc(1, sizeof(*b));
	b->algo = algo;
	digest_init(&b->d, algo);
	pthread_mutex_init(&b->mu, NULL);
	pthread_cond_init(&b->changed, NULL);
	/* The thread's signals stay the caller's to take. */
	b->threaded = proc_thread_create(&b->thread, digest_bg_thread, b) == 0;
	return b;
}

/* Wait, as the caller, until cond holds (the caller holds b->mu). */
#define DIGEST_BG_WAIT_UNTIL(b, cond)                                                              \
	while (!(cond)) {                                                                          \
		(b)->caller_waits = true;                                                          \
		pthread_cond_wait(&(b)->changed, &(b)->mu);                                        \
		(b)->caller_waits = false;                                                         \
	}

void
digest_bg_free(struct digest_bg *b)
{
	if (!b)
		return;
	if (b->threaded) {
		pthread_mutex_lock(&b->mu);
		b->quit = true;
		digest_bg_wake(b, b->thread_waits);
		pthread_mutex_unlock(&b->mu);
		pthread_join(b->thread, NULL);
	}
	for (size_t i = 0; i < DIGEST_BG_SLOTS; i++)
		free(b->slot[i].buf);
	pthread_cond_destroy(&b->changed);
	pthread_mutex_destroy(&b->mu);
	free(b);
}

/* The slot the caller fills, waiting for one when all are handed over. */
static struct digest_bg_slot *
digest_bg_fill(struct digest_bg *b)
{
	if (!b->filling) {
		pthread_mutex_lock(&b->mu);
		DIGEST_BG_WAIT_UNTIL(b, b->count < DIGEST_BG_SLOTS);
		pthread_mutex_unlock(&b->mu);
		b->filling = true;
		struct digest_bg_slot *s = &b->slot[(b->head + b->count) % DIGEST_BG_SLOTS];
		s->len = 0;
		s->ends = false;
		s->final_hex = NULL;
	}
	/* A slot not handed over is the caller's alone: head and count move only on hand-over
	 * and after it. */
	return &b->slot[(b->head + b->count) % DIGEST_BG_SLOTS];
}

/* Hand the slot being filled over to the thread. */
static void
digest_bg_commit(struct digest_bg *b)
{
	pthread_mutex_lock(&b->mu);
	b->count++;
	b->filling = false;
	digest_bg_wake(b, b->thread_waits);
	pthread_mutex_unlock(&b->mu);
}

void
digest_bg_update(struct digest_bg *b, const void *data, size_t len)
{
	if (!b->threaded) {
		digest_update(&b->d, data, len);
		return;
	}
	const unsigned char *p = data;
	while (len) {
		struct digest_bg_slot *s = digest_bg_fill(b);
		if (!s->buf)
			s->buf = xmalloc(DIGEST_BG_SLOT_CAP);
		size_t n = DIGEST_BG_SLOT_CAP - s->len < len ? DIGEST_BG_SLOT_CAP - s->len : len;
		memcpy(s->buf + s->len, p, n);
		s->len += n;
		p += n;
		len -= n;
		if (s->len == DIGEST_BG_SLOT_CAP)
			digest_bg_commit(b);
	}
}

void
digest_bg_final_hex(struct digest_bg *b, char *hex)
{
	if (!b->threaded) {
		if (hex)
			digest_final_hex(&b->d, hex);
		digest_init(&b->d, b->algo);
		return;
	}
	struct digest_bg_slot *s = digest_bg_fill(b);
	s->ends = true;
	s->final_hex = hex;
	digest_bg_commit(b);
}

void
digest_bg_sync(struct digest_bg *b)
{
	if (!b->threaded)
		return;
	if (b->filling)
		digest_bg_commit(b);
	pthread_mutex_lock(&b->mu);
	DIGEST_BG_WAIT_UNTIL(b, !b->count);
	pthread_mutex_unlock(&b->mu);
}
