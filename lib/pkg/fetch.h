/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Downloads with libcurl: to memory (small indexes and keys) or to a file,
 * resuming an interrupted transfer with a Range request and retrying
 * transient failures with exponential backoff. Proxies come from the usual
 * environment variables. Progress goes to a callback; lib/ never draws.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "error.h"

struct fetch_progress {
	const char *label; /* what is being fetched, as the caller named it */
	const char *url;
	uint64_t now;          /* bytes on disk so far, resumed bytes included */
	uint64_t total;        /* expected size, 0 when unknown */
	uint64_t resumed_from; /* bytes that were already there when this attempt began */
	unsigned attempt;      /* 1 for the first try */
	bool done;             /* the last call for this file */
};

typedef void (*fetch_progress_fn)(const struct fetch_progress *p, void *userdata);

/* A try that failed and will be made again after a wait. */
struct fetch_retry {
	const char *label; /* what is being fetched (the URL when the caller named nothing) */
	const char *url;
	unsigned next;    /* the try about to be made: 2 for the first retry */
	unsigned tries;   /* how many there will be at most */
	unsigned wait_ms; /* the wait before it */
	const char *why;  /* what failed, as the final error would say it */
};
typedef void (*fetch_retry_fn)(const struct fetch_retry *r, void *userdata);

struct fetch_opts {
	fetch_progress_fn progress; /* may be NULL */
	void *userdata;
	unsigned retries;     /* attempts after the first; the default (0 here) means 4 */
	unsigned backoff_ms;  /* the first wait; doubles each time; 0 means 500 */
	bool no_retry;        /* exactly one attempt */
	fetch_retry_fn retry; /* told before each wait; may be NULL (userdata as progress) */
};

struct fetch;

/* One libcurl handle, reused so that connections stay open between files. */
struct fetch *fetch_new(const struct fetch_opts *opts);
struct fetch *fetch_free(struct fetch *f);
static inline void
fetch_freep(struct fetch **f)
{
	fetch_free(*f);
}
#define _cleanup_fetch_ _cleanup_(fetch_freep)

/* Fetch url into memory, refusing more than max bytes. */
int fetch_to_memory(struct fetch *f, const char *url, uint64_t max, char **ret_data,
                    size_t *ret_len, struct gp_error *err);

/*
 * Fetch url into path. The data goes to "<path>.part" first, which a later
 * attempt (or a later run) resumes with a Range request; on success it is
 * renamed to path. expected_size (0 when unknown) is what the progress shows
 * and an upper bound: a longer body is an error. label is the name progress
 * shows. The file's SHA-256 is computed as it arrives (resumed bytes included)
 * and written as hex to ret_sha256 (DIGEST_HEX_MAX bytes), which may be NULL.
 */
int fetch_to_file(struct fetch *f, const char *url, const char *path, uint64_t expected_size,
                  const char *label, char *ret_sha256, struct gp_error *err);
