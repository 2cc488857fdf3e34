/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * lib/live's own: the request, the answer and the failure classes of one HTTP
 * exchange on a unix socket, shared by unixhttp.h (the client every caller
 * uses) and unixh2.h (its HTTP/2 transport), so neither includes the other.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include "util.h"

/* Why a request failed, for callers that give daemon-specific hints. */
enum unixhttp_fail {
	UNIXHTTP_OK = 0,
	UNIXHTTP_NO_SOCKET, /* the path does not exist, or is not a socket */
	UNIXHTTP_DENIED,    /* permission denied on the socket */
	UNIXHTTP_REFUSED,   /* nobody listens on it */
	UNIXHTTP_TIMEOUT,   /* no (complete) answer within the deadline */
	UNIXHTTP_CLOSED,    /* the peer closed the connection before the answer was complete */
	UNIXHTTP_PROTOCOL,  /* the peer does not speak the expected protocol */
	UNIXHTTP_RESET,     /* HTTP/2: the peer reset the stream before any answer */
	UNIXHTTP_OTHER,
};

struct unixhttp_request {
	const char *method;         /* "GET" or "POST" */
	const char *path;           /* "/_ping" */
	const char *const *headers; /* NULL-terminated "name: value" lines, or NULL */
	const void *body;           /* for POST */
	size_t body_len;
	bool http2; /* HTTP/2 with prior knowledge (gRPC) instead of HTTP/1.1 */
};

struct unixhttp_response {
	long status; /* HTTP status code */
	char *body;  /* NUL-terminated for convenience; body_len excludes the NUL */
	size_t body_len;
	char **headers; /* "name: value" with the name lowercased; trailers included, in order */
};

/* The largest answer accepted, so a runaway peer cannot exhaust memory. */
#define UNIXHTTP_MAX_BODY (16u << 20)
/* The most header bytes accepted; dockerd and containerd send well under 1 KiB. */
#define UNIXHTTP_MAX_HEADER_BYTES (64u << 10)

/*
 * Append LEN bytes of an answer's body to R (kept NUL-terminated, *CAP the buffer's size,
 * doubled as it grows); false, and nothing appended, past UNIXHTTP_MAX_BODY. Both transports
 * call it from their body callbacks.
 */
static inline bool
unixhttp_body_append(struct unixhttp_response *r, size_t *cap, const void *data, size_t len)
{
	if (len > UNIXHTTP_MAX_BODY - r->body_len)
		return false;
	if (r->body_len + len + 1 > *cap) {
		size_t c = *cap ? *cap : 4096;
		while (c < r->body_len + len + 1)
			c *= 2;
		r->body = xrealloc(r->body, c);
		*cap = c;
	}
	memcpy(r->body + r->body_len, data, len);
	r->body_len += len;
	r->body[r->body_len] = '\0';
	return true;
}
