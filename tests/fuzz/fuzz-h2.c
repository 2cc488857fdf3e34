// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The CRI client's HTTP/2 transport (lib/live/unixh2.c, on libnghttp2): a gRPC call whose
 * peer answers with the input's bytes, then closes. Whatever comes back, the call ends with
 * an answer or a classified error, never a crash, a hang or a leak; an answer it accepts is
 * a complete one (a status, a NUL-terminated body).
 */
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "unixh2.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct gp_error err = GP_ERROR_INIT;
	const struct nghttp2so *ng = nghttp2so_load(&err);
	if (!ng)
		abort(); /* the fuzzer needs libnghttp2 */
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv) < 0)
		abort();
	/* The peer's answer, as much as the socket holds, then its end closes. */
	size_t off = 0;
	while (off < size) {
		ssize_t w = write(sv[1], data + off, size - off);
		if (w <= 0)
			break;
		off += (size_t)w;
	}
	close(sv[1]);

	struct unixh2 *c = unixh2_new(ng, sv[0]);
	static const uint8_t frame[] = {0, 0, 0, 0, 2, 0x08, 0x01};
	const char *headers[] = {"content-type: application/grpc", "te: trailers", NULL};
	struct unixhttp_request req = {
	        .method = "POST",
	        .path = "/runtime.v1.RuntimeService/Status",
	        .headers = headers,
	        .body = frame,
	        .body_len = sizeof(frame),
	        .http2 = true,
	};
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	uint64_t deadline = (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000 + 2000;
	/* Two calls, as a client makes: the second on the same connection when it is alive. */
	for (int i = 0; i < 2; i++) {
		struct unixhttp_response resp = {0};
		enum unixhttp_fail why;
		if (unixh2_perform(c, "fuzz.sock", "2 s", &req, deadline, &resp, &why, &err) == 0) {
			if (resp.status < 100 || !resp.body || resp.body[resp.body_len] != '\0')
				abort();
			free(resp.body);
			strv_free(resp.headers);
		} else if (why == UNIXHTTP_OK || !err.msg) {
			abort(); /* a failure always says why */
		}
		gp_error_release(&err);
		if (!unixh2_alive(c))
			break;
	}
	unixh2_free(c);
	return 0;
}
