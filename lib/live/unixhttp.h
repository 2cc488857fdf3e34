/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * lib/live/ owns clients for live daemons: HTTP over a unix socket, Docker's API, the CRI,
 * protobuf. It may include from lib/base (README "Architecture"; the folder's meson.build sets the
 * include path that enforces it).
 */
/*
 * HTTP to a local daemon over its unix socket: the transport under the Docker
 * Engine API client (HTTP/1.1, with libcurl) and the CRI client (gRPC, HTTP/2
 * with prior knowledge, with libnghttp2 alone: lib/live/unixh2.c). A
 * missing socket loads neither library; for HTTP/2 it connects before it
 * loads libnghttp2, so a stale one does not either. Every request has a deadline; a missing
 * socket, a stale one, a peer that hangs, closes early or answers garbage
 * each end in a clear error within it.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "error.h"
#include "httpmsg.h"

struct unixhttp;

/*
 * A client for one socket. socket may be a path or a "unix://" URL (as
 * kubelet's --container-runtime-endpoint and keadm's --remote-runtime-endpoint
 * spell it). timeout_ms bounds every request, connection included.
 */
struct unixhttp *unixhttp_new(const char *endpoint, unsigned timeout_ms);
void unixhttp_free(struct unixhttp *h);
/* The socket path in use (without "unix://"). */
const char *unixhttp_socket(const struct unixhttp *h);

/*
 * Perform one request. Connections are kept and reused between requests on
 * the same client. Returns 0 with ret filled whatever the HTTP status, or -1
 * with err set ("'<socket>': ...") and unixhttp_last_fail() saying why.
 */
int unixhttp_perform(struct unixhttp *h, const struct unixhttp_request *req,
                     struct unixhttp_response *ret, struct gp_error *err);
enum unixhttp_fail unixhttp_last_fail(const struct unixhttp *h);

void unixhttp_response_release(struct unixhttp_response *r);
/* The value of the last header or trailer named name (lowercase), or NULL. */
const char *unixhttp_response_header(const struct unixhttp_response *r, const char *name);

/* Strip "unix://" from an endpoint; returns a pointer into endpoint. */
const char *unixhttp_socket_path(const char *endpoint);

/*
 * One try of a wait: returns 0 when the daemon answered, 1 to try again
 * (it is not up yet), or -1 to give up (it answered, but wrongly). err holds
 * the reason on 1 and -1. attempt_ms is the deadline for this try.
 */
typedef int (*unixhttp_attempt_fn)(void *data, unsigned attempt_ms, struct gp_error *err);

/* True for the failures of a daemon that is not up yet, or going down: worth a retry. */
bool unixhttp_fail_is_transient(enum unixhttp_fail f);

/*
 * Try until an attempt succeeds or gives up, or timeout_ms has passed, with
 * 100 ms between tries; progress (may be NULL) is called between tries, for
 * a spinner. On timeout the last reason is kept, prefixed with "no answer
 * within <timeout>". Returns 0 or -1 with err set.
 */
int unixhttp_wait(unsigned timeout_ms, unixhttp_attempt_fn attempt, void *attempt_data,
                  void (*progress)(void *data), void *progress_data, struct gp_error *err);
