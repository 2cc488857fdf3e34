// SPDX-License-Identifier: GPL-2.0-or-later
#include "unixh2.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* The request in flight and what came back for it. */
struct stream {
	int32_t id;
	struct unixhttp_response *resp;
	size_t cap;
	size_t nheaders;
	size_t header_bytes;
	const uint8_t *body; /* the request's, sent by read_body */
	size_t body_len, body_off;
	bool got_status;
	bool end_stream; /* the peer ended its side: the answer is complete */
	bool closed;
	uint32_t close_code;
	bool too_big;
	bool headers_too_big;
};

struct unixh2 {
	const struct nghttp2so *ng;
	nghttp2_session *s;
	int fd;
	bool eof;        /* the peer closed the connection (or it broke) */
	bool broken;     /* a protocol error, or a request failed on it */
	bool goaway;     /* the peer sent GOAWAY */
	bool retry;      /* the last request failed before anything of its answer came */
	size_t received; /* bytes read on the connection */
	struct stream *cur;
	char detail[256]; /* nghttp2's last error message */
};

#define MAX_HEADERS 256

static int
on_header(nghttp2_session *s, const nghttp2_frame *frame, const uint8_t *name, size_t namelen,
          const uint8_t *value, size_t valuelen, uint8_t flags, void *data)
{
	(void)s;
	(void)flags;
	struct unixh2 *c = data;
	struct stream *st = c->cur;
	if (!st || frame->hd.stream_id != st->id)
		return 0;
	st->header_bytes += namelen + valuelen + 4; /* as "name: value\r\n" */
	if (st->header_bytes > UNIXHTTP_MAX_HEADER_BYTES) {
		st->headers_too_big = true;
		return NGHTTP2_ERR_CALLBACK_FAILURE;
	}
	if (namelen == 7 && memcmp(name, ":status", 7) == 0) {
		long code = 0;
		for (size_t i = 0; i < valuelen && i < 3; i++)
			code = code * 10 + (value[i] - '0'); /* nghttp2 checked: 3 digits */
		st->resp->status = code;
		st->got_status = true;
		return 0;
	}
	if (namelen > 0 && name[0] == ':')
		return 0;
	if (st->nheaders >= MAX_HEADERS)
		return 0;
	/* nghttp2 has checked the field: a lowercase name, no NUL, CR or LF anywhere. */
	_cleanup_free_ char *line = xasprintf("%.*s: %.*s", (int)namelen, (const char *)name,
	                                      (int)valuelen, (const char *)value);
	st->resp->headers = strv_push(st->resp->headers, line);
	st->nheaders++;
	return 0;
}

static int
on_data(nghttp2_session *s, uint8_t flags, int32_t stream_id, const uint8_t *data, size_t len,
        void *user)
{
	(void)s;
	(void)flags;
	struct unixh2 *c = user;
	struct stream *st = c->cur;
	if (!st || stream_id != st->id)
		return 0;
	if (!unixhttp_body_append(st->resp, &st->cap, data, len)) {
		st->too_big = true;
		return NGHTTP2_ERR_CALLBACK_FAILURE;
	}
	return 0;
}

static int
on_frame(nghttp2_session *s, const nghttp2_frame *frame, void *data)
{
	(void)s;
	struct unixh2 *c = data;
	if (frame->hd.type == NGHTTP2_GOAWAY)
		c->goaway = true;
	if (c->cur && frame->hd.stream_id == c->cur->id &&
	    (frame->hd.type == NGHTTP2_HEADERS || frame->hd.type == NGHTTP2_DATA) &&
	    (frame->hd.flags & NGHTTP2_FLAG_END_STREAM))
		c->cur->end_stream = true;
	return 0;
}

static int
on_close(nghttp2_session *s, int32_t stream_id, uint32_t code, void *data)
{
	(void)s;
	struct unixh2 *c = data;
	if (c->cur && stream_id == c->cur->id) {
		c->cur->closed = true;
		c->cur->close_code = code;
	}
	return 0;
}

static int
on_error(nghttp2_session *s, int lib_error_code, const char *msg, size_t len, void *data)
{
	(void)s;
	(void)lib_error_code;
	struct unixh2 *c = data;
	/* "Remote peer returned unexpected data while we expected SETTINGS frame. ..." */
	snprintf(c->detail, sizeof(c->detail), "%.*s", (int)len, msg);
	return 0;
}

static ssize_t
read_body(nghttp2_session *s, int32_t stream_id, uint8_t *buf, size_t length, uint32_t *flags,
          nghttp2_data_source *source, void *data)
{
	(void)s;
	(void)stream_id;
	(void)data;
	struct stream *st = source->ptr;
	size_t n = st->body_len - st->body_off;
	if (n > length)
		n = length;
	memcpy(buf, st->body + st->body_off, n);
	st->body_off += n;
	if (st->body_off == st->body_len)
		*flags |= NGHTTP2_DATA_FLAG_EOF;
	return (ssize_t)n;
}

struct unixh2 *
unixh2_new(const struct nghttp2so *ng, int fd)
{
	nghttp2_session_callbacks *cbs;
	if (ng->session_callbacks_new(&cbs) != 0)
		abort(); /* only ever out of memory */
	ng->session_callbacks_set_on_header_callback(cbs, on_header);
	ng->session_callbacks_set_on_data_chunk_recv_callback(cbs, on_data);
	ng->session_callbacks_set_on_frame_recv_callback(cbs, on_frame);
	ng->session_callbacks_set_on_stream_close_callback(cbs, on_close);
	ng->session_callbacks_set_error_callback2(cbs, on_error);
	struct unixh2 *c = xcalloc(1, sizeof(*c));
	c->ng = ng;
	c->fd = fd;
	int r = ng->session_client_new(&c->s, cbs, c);
	ng->session_callbacks_del(cbs);
	if (r != 0)
		abort();
	/*
	 * No server push; windows as large as the largest answer accepted, so the
	 * answer flows without waiting for WINDOW_UPDATEs.
	 */
	const nghttp2_settings_entry iv[] = {
	        {NGHTTP2_SETTINGS_ENABLE_PUSH, 0},
	        {NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, UNIXHTTP_MAX_BODY},
	};
	if (ng->submit_settings(c->s, NGHTTP2_FLAG_NONE, iv, GP_ARRAY_SIZE(iv)) != 0 ||
	    ng->session_set_local_window_size(c->s, NGHTTP2_FLAG_NONE, 0, UNIXHTTP_MAX_BODY) != 0)
		abort();
	return c;
}

void
unixh2_free(struct unixh2 *c)
{
	if (!c)
		return;
	c->ng->session_del(c->s);
	close(c->fd);
	free(c);
}

/* Wait for the socket until deadline; 0 when ready, -2 when the deadline passed. */
static int
wait_fd(struct unixh2 *c, short events, uint64_t deadline)
{
	for (;;) {
		uint64_t now = mono_ms();
		if (now >= deadline)
			return -2;
		struct pollfd p = {.fd = c->fd, .events = events};
		uint64_t left = deadline - now;
		int r = poll(&p, 1, left > 60000 ? 60000 : (int)left);
		if (r > 0)
			return 0;
		if (r < 0 && errno != EINTR)
			return -1;
	}
}

/*
 * Send what the session has to send, gathered into one write (the preface,
 * SETTINGS, HEADERS and DATA of a first request go in one send(2), and the
 * peer wakes once). 0 when all went (or the peer is gone: then what it sent
 * is still to be read), -1 on a session error, -2 past the deadline.
 */
static int
flush(struct unixh2 *c, uint64_t deadline)
{
	_cleanup_free_ char *buf = NULL;
	struct strbuf out = {0};
	for (;;) {
		const uint8_t *d;
		ssize_t n = c->ng->session_mem_send(c->s, &d);
		if (n < 0) {
			free(out.s);
			snprintf(c->detail, sizeof(c->detail), "%s", c->ng->strerror((int)n));
			c->broken = true;
			return -1;
		}
		if (n == 0)
			break;
		strbuf_add(&out, (const char *)d, (size_t)n);
	}
	buf = out.s;
	const char *d = out.s;
	size_t n = out.len;
	while (n > 0) {
		ssize_t w = send(c->fd, d, n, MSG_NOSIGNAL);
		if (w > 0) {
			d += w;
			n -= (size_t)w;
		} else if (w < 0 && (errno == EAGAIN || errno == EINTR)) {
			int r = wait_fd(c, POLLOUT, deadline);
			if (r < 0)
				return r;
		} else {
			c->eof = true; /* EPIPE, ECONNRESET: the peer is gone */
			return 0;
		}
	}
	return 0;
}

/* Read once and feed the session. 0, -1 on a session error, -2 past the deadline. */
static int
fill(struct unixh2 *c, uint64_t deadline, bool wait)
{
	uint8_t buf[16384];
	if (wait) {
		int r = wait_fd(c, POLLIN, deadline);
		if (r < 0)
			return r;
	}
	ssize_t n = recv(c->fd, buf, sizeof(buf), 0);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return 0;
	if (n <= 0) {
		c->eof = true;
		return 0;
	}
	c->received += (size_t)n;
	ssize_t r = c->ng->session_mem_recv(c->s, buf, (size_t)n);
	if (r < 0) {
		if (!c->detail[0])
			snprintf(c->detail, sizeof(c->detail), "%s", c->ng->strerror((int)r));
		c->broken = true;
		return -1;
	}
	return 0;
}

bool
unixh2_alive(struct unixh2 *c)
{
	struct pollfd p = {.fd = c->fd, .events = POLLIN};
	while (!c->eof && !c->broken && poll(&p, 1, 0) > 0 && p.revents)
		if (fill(c, UINT64_MAX, false) < 0 || (p.revents & (POLLHUP | POLLERR)))
			break;
	return !c->eof && !c->broken && !c->goaway && c->ng->session_want_read(c->s);
}

bool
unixh2_retryable(const struct unixh2 *c)
{
	return c->retry;
}

static int fail(enum unixhttp_fail why, enum unixhttp_fail *ret_fail, struct gp_error *err,
                const char *fmt, ...) _printf_(4, 5);

static int
fail(enum unixhttp_fail why, enum unixhttp_fail *ret_fail, struct gp_error *err, const char *fmt,
     ...)
{
	va_list ap;
	va_start(ap, fmt);
	_cleanup_free_ char *m = xvasprintf(fmt, ap);
	va_end(ap);
	*ret_fail = why;
	return gp_error_set(err, "%s", m);
}

int
unixh2_perform(struct unixh2 *c, const char *sock, const char *limit,
               const struct unixhttp_request *req, uint64_t deadline_ms,
               struct unixhttp_response *ret, enum unixhttp_fail *ret_fail, struct gp_error *err)
{
	*ret = (struct unixhttp_response){0};
	*ret_fail = UNIXHTTP_OK;
	c->retry = false;
	c->detail[0] = '\0';
	struct stream st = {
	        .resp = ret,
	        .body = req->body,
	        .body_len = req->body_len,
	};

	/* The pseudo-headers, then the caller's "name: value" lines. */
	size_t nh = 0;
	while (req->headers && req->headers[nh])
		nh++;
	_cleanup_free_ nghttp2_nv *nva = xcalloc(4 + nh, sizeof(*nva));
	_cleanup_(strv_freep) char **names = xcalloc(nh + 1, sizeof(char *));
	size_t n = 0, k = 0, start = c->received;
#define NV(k, klen, v, vlen)                                                                       \
	nva[n++] =                                                                                 \
	        (nghttp2_nv){(uint8_t *)(k), (uint8_t *)(v), (klen), (vlen), NGHTTP2_NV_FLAG_NONE}
	NV(":method", 7, req->method, strlen(req->method));
	NV(":scheme", 7, "http", 4);
	NV(":authority", 10, "localhost", 9);
	NV(":path", 5, req->path, strlen(req->path));
	for (size_t i = 0; i < nh; i++) {
		const char *h = req->headers[i], *colon = strchr(h, ':');
		if (!colon || colon == h)
			continue;
		char *name = names[k++] = xstrndup(h, (size_t)(colon - h));
		const char *v = colon + 1 + strspn(colon + 1, " \t");
		NV(name, strlen(name), v, strlen(v));
	}
#undef NV
	nghttp2_data_provider prd = {.source.ptr = &st, .read_callback = read_body};
	bool body = req->body && strcmp(req->method, "GET") != 0;
	int32_t id = c->ng->submit_request(c->s, NULL, nva, n, body ? &prd : NULL, NULL);
	if (id < 0) {
		c->broken = true;
		return fail(UNIXHTTP_OTHER, ret_fail, err, "%s %s on socket '%s' failed: %s",
		            req->method, req->path, sock, c->ng->strerror(id));
	}
	st.id = id;
	c->cur = &st;

	int r = 0;
	while (!st.closed) {
		if (!c->eof && (r = flush(c, deadline_ms)) < 0)
			break;
		if (st.closed || c->eof || c->broken ||
		    (!c->ng->session_want_read(c->s) && !c->ng->session_want_write(c->s)))
			break;
		if ((r = fill(c, deadline_ms, true)) < 0)
			break;
	}
	/* Take in what is already there: a peer that answered and then closed. */
	while (r == 0 && c->eof && !st.closed && !c->broken) {
		size_t before = c->received;
		c->eof = false;
		if (fill(c, deadline_ms, false) < 0 || c->received == before) {
			c->eof = true;
			break;
		}
	}
	c->cur = NULL;

	if (st.end_stream && st.got_status && !st.headers_too_big && !st.too_big) {
		if (!ret->body)
			ret->body = xstrdup("");
		return 0;
	}
	c->broken = true;
	free(ret->body);
	strv_free(ret->headers);
	*ret = (struct unixhttp_response){0};
	if (st.headers_too_big)
		return fail(UNIXHTTP_PROTOCOL, ret_fail, err,
		            "socket '%s' sent more than %u KiB of headers (%s %s)", sock,
		            UNIXHTTP_MAX_HEADER_BYTES >> 10, req->method, req->path);
	if (st.too_big)
		return fail(UNIXHTTP_PROTOCOL, ret_fail, err,
		            "the answer from socket '%s' is larger than %u MiB (%s %s)", sock,
		            UNIXHTTP_MAX_BODY >> 20, req->method, req->path);
	if (r == -2)
		return fail(UNIXHTTP_TIMEOUT, ret_fail, err,
		            "no complete answer from socket '%s' within %s (%s %s)", sock, limit,
		            req->method, req->path);
	const char *detail = c->detail;
	_cleanup_free_ char *code = NULL;
	/* A stream closed while the connection stays up was reset (RST_STREAM, maybe NO_ERROR). */
	if (!detail[0] && st.closed && (st.close_code != NGHTTP2_NO_ERROR || !c->eof))
		detail = code =
		        xasprintf("stream reset with %s", c->ng->http2_strerror(st.close_code));
	if (!detail[0])
		detail = c->goaway ? "the peer sent GOAWAY" : "the connection closed";
	if (!st.got_status) {
		/* Nothing of the answer came and the connection ended: worth one retry on a new
		 * one. */
		c->retry = c->eof || c->goaway;
		if (st.closed && !c->eof && !c->goaway)
			return fail(UNIXHTTP_RESET, ret_fail, err,
			            "socket '%s' reset the HTTP/2 stream without an answer (%s %s: "
			            "%s)",
			            sock, req->method, req->path, detail);
		if (c->received == start)
			return fail(UNIXHTTP_CLOSED, ret_fail, err,
			            "socket '%s' closed the connection without answering (%s %s)",
			            sock, req->method, req->path);
		return fail(UNIXHTTP_CLOSED, ret_fail, err,
		            "socket '%s' gave no HTTP/2 answer: it closed the connection or does "
		            "not speak HTTP/2 (%s %s: %s)",
		            sock, req->method, req->path, detail);
	}
	return fail(UNIXHTTP_CLOSED, ret_fail, err,
	            "the connection to socket '%s' broke before the answer was complete (%s %s: "
	            "%s)",
	            sock, req->method, req->path, detail);
}
