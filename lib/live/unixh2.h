/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * lib/live's own: HTTP/2 with prior knowledge (h2c) on a connected unix
 * socket, with libnghttp2 alone, for unixhttp.c's HTTP/2 requests (the CRI's
 * gRPC). One connection carries the requests of one client, one stream each;
 * the answer, trailers included, is read in full before a request returns.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "error.h"
#include "httpmsg.h"
#include "nghttp2so.h"

struct unixh2;

/* A connection on fd (connected, non-blocking), which it takes and closes. */
struct unixh2 *unixh2_new(const struct nghttp2so *ng, int fd);
void unixh2_free(struct unixh2 *c);

/*
 * True while the connection can carry another request: the peer has not
 * closed it, sent GOAWAY or broken the protocol. Reads what is pending
 * without waiting.
 */
bool unixh2_alive(struct unixh2 *c);

/*
 * True when the last request failed before any of its answer came, because
 * the connection ended (closed, GOAWAY): on a reused connection, one the peer
 * let go idle, it is worth once more on a new one.
 */
bool unixh2_retryable(const struct unixh2 *c);

/*
 * One request, answered by deadline_ms (CLOCK_MONOTONIC, in ms); sock and
 * limit ("5 s") are for the messages. Returns 0 with ret filled whatever the
 * HTTP status, or -1 with *ret_fail and err set; the connection is then of no
 * further use.
 */
int unixh2_perform(struct unixh2 *c, const char *sock, const char *limit,
                   const struct unixhttp_request *req, uint64_t deadline_ms,
                   struct unixhttp_response *ret, enum unixhttp_fail *ret_fail,
                   struct gp_error *err);
