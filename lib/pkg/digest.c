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
 * The files a digest_tail follows, oldest first: the thread hashes the first one, reading it
 * back through its own descriptor up to what the caller says is written. Nothing is copied on
 * the caller's side, and the two meet only when the thread has caught up: it then sleeps until
 * DIGEST_TAIL_BATCH more bytes are there or the file is whole, so a file of a few MB costs a
 * few wake-ups, not one per block.
 */
#define DIGEST_TAIL_BATCH (512 * 1024)
#define DIGEST_TAIL_READ  (64 * 1024)

struct digest_tail_job {
	int fd;
	char *hex;        /* where the hex goes; left as it is when dropped or unreadable */
	uint64_t written; /* bytes the caller has written so far */
	bool whole, keep;
	bool claimed; /* taken by digest_tail_sync, to hash beside the thread */
};

struct digest_tail {
	pthread_t thread;
	bool threaded;
	enum digest_algo algo;
	pthread_mutex_t mu;
	pthread_cond_t more, done; /* the thread waits on more, the caller on done */
	struct digest_tail_job *jobs;
	size_t head, n, cap; /* the job the thread is on; jobs given */
	size_t finished;     /* jobs whose digest is written or dropped */
	uint64_t wake_at;    /* while the thread waits: the head's written that wakes it */
	bool thread_waits, caller_waits, quit;
	/* the thread's own (or the caller's, without a thread): the head's digest so far */
	struct digest d;
	uint64_t hashed;
	bool failed;
	unsigned char *buf;
	unsigned char *caller_buf; /* digest_tail_sync's, for the files it takes */
};

/*
 * Hash bytes [from, to) of fd into d, through *buf (allocated on first use); false on a read
 * error or a file shorter than that.
 */
static bool
tail_read(struct digest *d, unsigned char **buf, int fd, uint64_t from, uint64_t to)
{
	if (!*buf)
		*buf = xmalloc(DIGEST_TAIL_READ);
	while (from < to) {
		size_t want = to - from < DIGEST_TAIL_READ ? (size_t)(to - from) : DIGEST_TAIL_READ;
		ssize_t r = pread(fd, *buf, want, (off_t)from);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return false;
		digest_update(d, *buf, (size_t)r);
		from += (uint64_t)r;
	}
	return true;
}

/* The head job is whole and hashed (or failed): write its hex, close it, go to the next. */
static void
tail_finish_head(struct digest_tail *t)
{
	struct digest_tail_job *j = &t->jobs[t->head];
	if (j->keep && !t->failed)
		digest_final_hex(&t->d, j->hex);
	close(j->fd);
	j->fd = -1;
	t->head++;
	t->finished++;
	t->hashed = 0;
	t->failed = false;
	digest_init(&t->d, t->algo);
}

static void *
tail_thread(void *userdata)
{
	struct digest_tail *t = userdata;
	pthread_mutex_lock(&t->mu);
	for (;;) {
		/* A job the caller took is the caller's to finish. */
		while (t->head < t->n && t->jobs[t->head].claimed)
			t->head++;
		struct digest_tail_job *j = t->head < t->n ? &t->jobs[t->head] : NULL;
		if (t->quit)
			break;
		if (!j || (!j->whole && j->written - t->hashed < DIGEST_TAIL_BATCH)) {
			t->wake_at = t->hashed + DIGEST_TAIL_BATCH;
			t->thread_waits = true;
			pthread_cond_wait(&t->more, &t->mu);
			t->thread_waits = false;
			continue;
		}
		int fd = j->fd;
		uint64_t to = j->written;
		bool whole = j->whole;
		pthread_mutex_unlock(&t->mu);
		if (!t->failed && !tail_read(&t->d, &t->buf, fd, t->hashed, to))
			t->failed = true;
		pthread_mutex_lock(&t->mu);
		t->hashed = to;
		if (whole && t->hashed == t->jobs[t->head].written) {
			tail_finish_head(t);
			if (t->caller_waits)
				pthread_cond_signal(&t->done);
		}
	}
	pthread_mutex_unlock(&t->mu);
	return NULL;
}

struct digest_tail *
digest_tail_new(enum digest_algo algo)
{
	struct digest_tail *t = xcalloc(1, sizeof(*t));
	t->algo = algo;
	digest_init(&t->d, algo);
	pthread_mutex_init(&t->mu, NULL);
	pthread_cond_init(&t->more, NULL);
	pthread_cond_init(&t->done, NULL);
	/* The thread's signals stay the caller's to take. */
	t->threaded = proc_thread_create(&t->thread, tail_thread, t) == 0;
	return t;
}

void
digest_tail_free(struct digest_tail *t)
{
	if (!t)
		return;
	if (t->threaded) {
		pthread_mutex_lock(&t->mu);
		t->quit = true;
		pthread_cond_signal(&t->more);
		pthread_mutex_unlock(&t->mu);
		pthread_join(t->thread, NULL);
	}
	for (size_t i = t->head; i < t->n; i++)
		if (!t->jobs[i].claimed)
			close(t->jobs[i].fd);
	free(t->jobs);
	free(t->buf);
	free(t->caller_buf);
	pthread_cond_destroy(&t->done);
	pthread_cond_destroy(&t->more);
	pthread_mutex_destroy(&t->mu);
	free(t);
}

void
digest_tail_begin(struct digest_tail *t, int fd, char *hex)
{
	pthread_mutex_lock(&t->mu);
	if (t->n == t->cap) {
		t->cap = t->cap ? 2 * t->cap : 8;
		t->jobs = xrealloc(t->jobs, t->cap * sizeof(*t->jobs));
	}
	t->jobs[t->n++] = (struct digest_tail_job){.fd = fd, .hex = hex};
	pthread_mutex_unlock(&t->mu);
}

/* The caller's newest job; without a thread, hash up to what it says, here. */
static void
tail_update(struct digest_tail *t, uint64_t n, bool whole, bool keep)
{
	pthread_mutex_lock(&t->mu);
	struct digest_tail_job *j = &t->jobs[t->n - 1];
	if (n > j->written)
		j->written = n;
	if (whole) {
		j->whole = true;
		j->keep = keep;
	}
	if (!t->threaded) {
		if (!t->failed && !tail_read(&t->d, &t->buf, j->fd, t->hashed, j->written))
			t->failed = true;
		t->hashed = j->written;
		if (whole)
			tail_finish_head(t);
	} else if (t->thread_waits && t->head == t->n - 1 && (whole || j->written >= t->wake_at)) {
		pthread_cond_signal(&t->more);
	}
	pthread_mutex_unlock(&t->mu);
}

void
digest_tail_grow(struct digest_tail *t, uint64_t n)
{
	tail_update(t, n, false, false);
}

void
digest_tail_end(struct digest_tail *t, uint64_t n, bool keep)
{
	tail_update(t, n, true, keep);
}

/*
 * Wait for the thread, hashing beside it: the caller takes the newest whole file the thread has
 * not come to yet (the thread is on the oldest), until none is left to take.
 */
void
digest_tail_sync(struct digest_tail *t)
{
	pthread_mutex_lock(&t->mu);
	while (t->finished < t->n) {
		struct digest_tail_job *take = NULL;
		for (size_t i = t->n; i-- > t->head + 1 && !take;)
			if (t->jobs[i].whole && !t->jobs[i].claimed)
				take = &t->jobs[i];
		if (!take) {
			t->caller_waits = true;
			pthread_cond_wait(&t->done, &t->mu);
			t->caller_waits = false;
			continue;
		}
		take->claimed = true;
		struct digest_tail_job j = *take;
		pthread_mutex_unlock(&t->mu);
		struct digest d;
		digest_init(&d, t->algo);
		if (tail_read(&d, &t->caller_buf, j.fd, 0, j.written) && j.keep)
			digest_final_hex(&d, j.hex);
		close(j.fd);
		pthread_mutex_lock(&t->mu);
		t->finished++;
	}
	pthread_mutex_unlock(&t->mu);
}
