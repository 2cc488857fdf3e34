// SPDX-License-Identifier: GPL-2.0-or-later
#include "unixhttp.h"

#include <ctype.h>
#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "curlso.h"
#include "nghttp2so.h"
#include "unixh2.h"

static const struct curlso *lc; /* loaded on the first HTTP/1.1 request */

struct unixhttp {
	CURL *curl;        /* HTTP/1.1: libcurl, and the connection it keeps */
	struct unixh2 *h2; /* HTTP/2: the connection, with libnghttp2 */
	char *socket;
	unsigned timeout_ms;
	enum unixhttp_fail fail;
	char errbuf[CURL_ERROR_SIZE];
};

/* What the callbacks fill while a request runs. */
struct transfer {
	struct unixhttp_response *resp;
	size_t cap;
	size_t nheaders;
	size_t header_bytes;          /* of every header line so far */
	unsigned long long announced; /* the last Content-Length, or 0 */
	bool too_big;
	bool headers_too_big;
	bool in_headers;   /* a status line came, its blank line not yet */
	bool headers_done; /* the blank line after the headers came */
};

#define MAX_HEADERS 256

const char *
unixhttp_socket_path(const char *endpoint)
{
	if (str_startswith(endpoint, "unix://"))
		return endpoint + strlen("unix://");
	return endpoint;
}

struct unixhttp *
unixhttp_new(const char *endpoint, unsigned timeout_ms)
{
	struct unixhttp *h = xcalloc(1, sizeof(*h));
	h->socket = xstrdup(unixhttp_socket_path(endpoint));
	h->timeout_ms = timeout_ms ? timeout_ms : 1;
	return h;
}

void
unixhttp_free(struct unixhttp *h)
{
	if (!h)
		return;
	if (h->curl)
		lc->easy_cleanup(h->curl);
	unixh2_free(h->h2);
	free(h->socket);
	free(h);
}

const char *
unixhttp_socket(const struct unixhttp *h)
{
	return h->socket;
}

enum unixhttp_fail
unixhttp_last_fail(const struct unixhttp *h)
{
	return h->fail;
}

void
unixhttp_response_release(struct unixhttp_response *r)
{
	if (!r)
		return;
	free(r->body);
	strv_free(r->headers);
	*r = (struct unixhttp_response){0};
}

const char *
unixhttp_response_header(const struct unixhttp_response *r, const char *name)
{
	size_t n = strlen(name);
	const char *found = NULL;
	for (size_t i = 0; r->headers && r->headers[i]; i++)
		if (strncmp(r->headers[i], name, n) == 0 && r->headers[i][n] == ':')
			found = r->headers[i] + n + 1 + strspn(r->headers[i] + n + 1, " \t");
	return found;
}

static size_t
on_body(char *data, size_t size, size_t nmemb, void *userdata)
{
	struct transfer *t = userdata;
	size_t n = size * nmemb;
	if (!unixhttp_body_append(t->resp, &t->cap, data, n)) {
		t->too_big = true;
		return 0; /* makes curl fail with CURLE_WRITE_ERROR */
	}
	return n;
}

/* Called for every header line, the status line and, with HTTP/2, every trailer. */
static size_t
on_header(char *data, size_t size, size_t nitems, void *userdata)
{
	struct transfer *t = userdata;
	size_t n = size * nitems;
	t->header_bytes += n;
	if (t->header_bytes > UNIXHTTP_MAX_HEADER_BYTES) {
		t->headers_too_big = true;
		return 0; /* makes curl fail with CURLE_WRITE_ERROR */
	}
	if (n >= 5 && memcmp(data, "HTTP/", 5) == 0) {
		t->in_headers = true; /* a status line: a 1xx answer's headers end, others begin */
		t->headers_done = false;
	}
	while (n > 0 && (data[n - 1] == '\n' || data[n - 1] == '\r'))
		n--;
	if (n == 0 && t->in_headers) {
		t->in_headers = false;
		t->headers_done = true;
	}
	if (n == 0 || memchr(data, '\0', n) || !memchr(data, ':', n))
		return size * nitems; /* the blank line, the status line */
	if (t->nheaders >= MAX_HEADERS)
		return size * nitems;
	_cleanup_free_ char *line = xstrndup(data, n);
	for (char *p = line; *p && *p != ':'; p++)
		*p = (char)tolower((unsigned char)*p);
	if (str_startswith(line, "content-length:"))
		t->announced = strtoull(line + strlen("content-length:"), NULL, 10);
	t->resp->headers = strv_push(t->resp->headers, line);
	t->nheaders++;
	return size * nitems;
}

static char *
format_timeout(unsigned ms)
{
	if (ms % 1000 == 0)
		return xasprintf("%u s", ms / 1000);
	return xasprintf("%u ms", ms);
}

static int fail(struct unixhttp *h, enum unixhttp_fail why, struct gp_error *err, const char *fmt,
                ...) _printf_(4, 5);

static int
fail(struct unixhttp *h, enum unixhttp_fail why, struct gp_error *err, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	_cleanup_free_ char *m = xvasprintf(fmt, ap);
	va_end(ap);
	h->fail = why;
	return gp_error_set(err, "%s", m);
}

/* Fail early and clearly when the path cannot be a socket we can reach. */
static int
check_socket(struct unixhttp *h, struct gp_error *err)
{
	struct sockaddr_un sa;
	if (strlen(h->socket) >= sizeof(sa.sun_path))
		return fail(h, UNIXHTTP_OTHER, err, "socket path '%s' is longer than %zu bytes",
		            h->socket, sizeof(sa.sun_path) - 1);
	struct stat st;
	if (stat(h->socket, &st) < 0) {
		int e = errno;
		if (e == EACCES)
			return fail(h, UNIXHTTP_DENIED, err, "cannot reach socket '%s': %s",
			            h->socket, strerror(e));
		return fail(h, UNIXHTTP_NO_SOCKET, err, "socket '%s' does not exist%s%s", h->socket,
		            e == ENOENT ? "" : ": ", e == ENOENT ? "" : strerror(e));
	}
	if (!S_ISSOCK(st.st_mode))
		return fail(h, UNIXHTTP_NO_SOCKET, err, "'%s' is not a socket", h->socket);
	return 0;
}

/*
 * Connect to the socket before any library is loaded: a missing, stale or
 * refusing socket costs a connect(2) and no more. Returns the connected,
 * non-blocking fd, or -1 with err set.
 */
static int
connect_socket(struct unixhttp *h, uint64_t deadline, struct gp_error *err)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	memcpy(sa.sun_path, h->socket, strlen(h->socket)); /* check_socket checked the length */
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return fail(h, UNIXHTTP_OTHER, err, "cannot connect to socket '%s': %s", h->socket,
		            strerror(errno));
	int r = connect(fd, (struct sockaddr *)&sa, sizeof(sa));
	int e = r < 0 ? errno : 0;
	if (e == EINPROGRESS) { /* not for unix sockets on Linux, but allowed */
		struct pollfd p = {.fd = fd, .events = POLLOUT};
		uint64_t now = mono_ms();
		socklen_t len = sizeof(e);
		if (now >= deadline || poll(&p, 1, (int)(deadline - now)) <= 0)
			e = ETIMEDOUT;
		else if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &len) < 0)
			e = errno;
	}
	if (e == 0)
		return fd;
	close(fd);
	_cleanup_free_ char *limit = format_timeout(h->timeout_ms);
	switch (e) {
	case ECONNREFUSED:
		return fail(h, UNIXHTTP_REFUSED, err,
		            "nobody listens on socket '%s' (connection refused)", h->socket);
	case EACCES:
	case EPERM:
		return fail(h, UNIXHTTP_DENIED, err, "cannot connect to socket '%s': %s", h->socket,
		            strerror(e));
	case ENOENT:
		return fail(h, UNIXHTTP_NO_SOCKET, err, "socket '%s' does not exist", h->socket);
	case EAGAIN:
		return fail(h, UNIXHTTP_TIMEOUT, err,
		            "socket '%s' accepts no more connections (its backlog is full)",
		            h->socket);
	case ETIMEDOUT:
		return fail(h, UNIXHTTP_TIMEOUT, err, "cannot connect to socket '%s' within %s",
		            h->socket, limit);
	default:
		return fail(h, UNIXHTTP_REFUSED, err, "cannot connect to socket '%s': %s",
		            h->socket, strerror(e));
	}
}

/* HTTP/2 (gRPC): libnghttp2 alone (lib/live/unixh2.c), loaded once the socket connected. */
static int
perform_h2(struct unixhttp *h, const struct unixhttp_request *req, uint64_t deadline,
           struct unixhttp_response *ret, struct gp_error *err)
{
	_cleanup_free_ char *limit = format_timeout(h->timeout_ms);
	for (int attempt = 0;; attempt++) {
		bool reused = h->h2 && unixh2_alive(h->h2);
		if (h->h2 && !reused) {
			unixh2_free(h->h2);
			h->h2 = NULL;
		}
		if (!h->h2) {
			int fd = connect_socket(h, deadline, err);
			if (fd < 0)
				return -1;
			const struct nghttp2so *ng = nghttp2so_load(err);
			if (!ng) {
				close(fd);
				h->fail = UNIXHTTP_OTHER;
				return -1;
			}
			h->h2 = unixh2_new(ng, fd);
		}
		struct gp_error e = GP_ERROR_INIT;
		if (unixh2_perform(h->h2, h->socket, limit, req, deadline, ret, &h->fail, &e) == 0)
			return 0;
		/* A kept connection the peer let go while idle: once more on a new one. */
		bool again = reused && attempt == 0 && unixh2_retryable(h->h2);
		unixh2_free(h->h2);
		h->h2 = NULL;
		if (!again) {
			if (err)
				gp_error_move(err, &e);
			gp_error_release(&e);
			return -1;
		}
		gp_error_release(&e);
		h->fail = UNIXHTTP_OK;
	}
}

static int
map_curl_error(struct unixhttp *h, CURLcode rc, const struct unixhttp_request *req,
               const struct transfer *t, struct gp_error *err)
{
	long os_errno = 0, status = 0;
	lc->easy_getinfo(h->curl, CURLINFO_OS_ERRNO, &os_errno);
	lc->easy_getinfo(h->curl, CURLINFO_RESPONSE_CODE, &status);
	const char *detail = h->errbuf[0] ? h->errbuf : lc->easy_strerror(rc);
	_cleanup_free_ char *limit = format_timeout(h->timeout_ms);

	switch (rc) {
	case CURLE_COULDNT_CONNECT:
		if (os_errno == ECONNREFUSED)
			return fail(h, UNIXHTTP_REFUSED, err,
			            "nobody listens on socket '%s' (connection refused)",
			            h->socket);
		if (os_errno == EACCES || os_errno == EPERM)
			return fail(h, UNIXHTTP_DENIED, err, "cannot connect to socket '%s': %s",
			            h->socket, strerror((int)os_errno));
		if (os_errno == ENOENT)
			return fail(h, UNIXHTTP_NO_SOCKET, err, "socket '%s' does not exist",
			            h->socket);
		if (os_errno == EAGAIN)
			return fail(h, UNIXHTTP_TIMEOUT, err,
			            "socket '%s' accepts no more connections (its backlog is full)",
			            h->socket);
		/*
		 * A peer that accepts and closes at once can beat libcurl's check that
		 * the connection is up, which then fails without an errno.
		 */
		if (os_errno == 0 || os_errno == ECONNRESET || os_errno == EPIPE)
			return fail(h, UNIXHTTP_CLOSED, err,
			            "socket '%s' closed the connection as soon as it was opened",
			            h->socket);
		return fail(h, UNIXHTTP_REFUSED, err, "cannot connect to socket '%s': %s",
		            h->socket, detail);
	case CURLE_OPERATION_TIMEDOUT:
		return fail(h, UNIXHTTP_TIMEOUT, err,
		            "no complete answer from socket '%s' within %s (%s %s)", h->socket,
		            limit, req->method, req->path);
	case CURLE_GOT_NOTHING:
	case CURLE_PARTIAL_FILE:
	case CURLE_RECV_ERROR:
	case CURLE_SEND_ERROR:
		if (status > 0)
			return fail(h, UNIXHTTP_CLOSED, err,
			            "the connection to socket '%s' broke before the answer was "
			            "complete (%s %s: %s)",
			            h->socket, req->method, req->path, detail);
		return fail(h, UNIXHTTP_CLOSED, err,
		            "socket '%s' closed the connection without answering (%s %s: %s)",
		            h->socket, req->method, req->path, detail);
	case CURLE_WRITE_ERROR:
		if (t->headers_too_big)
			return fail(h, UNIXHTTP_PROTOCOL, err,
			            "socket '%s' sent more than %u KiB of headers (%s %s)",
			            h->socket, UNIXHTTP_MAX_HEADER_BYTES >> 10, req->method,
			            req->path);
		if (t->too_big)
			return fail(h, UNIXHTTP_PROTOCOL, err,
			            "the answer from socket '%s' is larger than %u MiB (%s %s)",
			            h->socket, UNIXHTTP_MAX_BODY >> 20, req->method, req->path);
		break;
	case CURLE_FILESIZE_EXCEEDED:
		if (t->announced > UNIXHTTP_MAX_BODY)
			return fail(h, UNIXHTTP_PROTOCOL, err,
			            "socket '%s' announced an answer of %llu bytes "
			            "(Content-Length), more than the %u MiB accepted (%s %s)",
			            h->socket, t->announced, UNIXHTTP_MAX_BODY >> 20, req->method,
			            req->path);
		return fail(h, UNIXHTTP_PROTOCOL, err,
		            "the answer from socket '%s' is larger than %u MiB (%s %s)", h->socket,
		            UNIXHTTP_MAX_BODY >> 20, req->method, req->path);
	case CURLE_OUT_OF_MEMORY:
		/*
		 * Our callbacks abort on a failed allocation, so this is libcurl's own
		 * limit: one header line longer than it holds (CURL_MAX_HTTP_HEADER).
		 */
		return fail(h, UNIXHTTP_PROTOCOL, err,
		            "socket '%s' sent a header line longer than libcurl accepts (%u KiB) "
		            "(%s %s)",
		            h->socket, CURL_MAX_HTTP_HEADER >> 10, req->method, req->path);
	case CURLE_WEIRD_SERVER_REPLY:
	case CURLE_UNSUPPORTED_PROTOCOL:
	case CURLE_BAD_CONTENT_ENCODING:
	case CURLE_HTTP2:
		return fail(h, UNIXHTTP_PROTOCOL, err,
		            "socket '%s' does not answer in HTTP/1.1 (%s %s: %s)", h->socket,
		            req->method, req->path, detail);
	default:
		break;
	}
	return fail(h, UNIXHTTP_OTHER, err, "%s %s on socket '%s' failed: %s", req->method,
	            req->path, h->socket, detail);
}

int
unixhttp_perform(struct unixhttp *h, const struct unixhttp_request *req,
                 struct unixhttp_response *ret, struct gp_error *err)
{
	*ret = (struct unixhttp_response){0};
	h->fail = UNIXHTTP_OK;
	h->errbuf[0] = '\0';
	uint64_t deadline = mono_ms() + h->timeout_ms;

	if (check_socket(h, err) < 0)
		return -1;
	if (req->http2)
		return perform_h2(h, req, deadline, ret, err);

	/*
	 * HTTP/1.1 (Docker's API): libcurl, which connects itself (libcurl 7.88
	 * cannot take a socket connected before, CURL_SOCKOPT_ALREADY_CONNECTED,
	 * on a unix socket path). check_socket above spares the load when there is
	 * no socket at all.
	 */
	if (!lc && !(lc = curlso_load(err))) {
		h->fail = UNIXHTTP_OTHER;
		return -1;
	}
	if (!h->curl) {
		h->curl = lc->easy_init();
		if (!h->curl)
			return fail(h, UNIXHTTP_OTHER, err, "cannot initialize libcurl");
	} else {
		lc->easy_reset(h->curl); /* keeps the connection cache */
	}
	CURL *c = h->curl;
	struct transfer t = {.resp = ret};
	struct curl_slist *hdrs = NULL;
	for (size_t i = 0; req->headers && req->headers[i]; i++)
		hdrs = lc->slist_append(hdrs, req->headers[i]);
	/* No "Expect: 100-continue" round trip on POST. */
	hdrs = lc->slist_append(hdrs, "Expect:");

	uint64_t now = mono_ms();
	long left = now < deadline ? (long)(deadline - now) : 1;
	_cleanup_free_ char *url = xasprintf("http://localhost%s", req->path);
	lc->easy_setopt(c, CURLOPT_URL, url);
	lc->easy_setopt(c, CURLOPT_UNIX_SOCKET_PATH, h->socket);
	lc->easy_setopt(c, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_1_1);
	lc->easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	lc->easy_setopt(c, CURLOPT_TIMEOUT_MS, left);
	lc->easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, left);
	lc->easy_setopt(c, CURLOPT_PROXY, "");
	lc->easy_setopt(c, CURLOPT_NOPROXY, "*");
	lc->easy_setopt(c, CURLOPT_ERRORBUFFER, h->errbuf);
	lc->easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
	lc->easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	lc->easy_setopt(c, CURLOPT_WRITEDATA, &t);
	lc->easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
	lc->easy_setopt(c, CURLOPT_HEADERDATA, &t);
	lc->easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)UNIXHTTP_MAX_BODY);
	if (strcmp(req->method, "POST") == 0) {
		lc->easy_setopt(c, CURLOPT_POST, 1L);
		lc->easy_setopt(c, CURLOPT_POSTFIELDS, req->body ? req->body : "");
		lc->easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)req->body_len);
	} else if (strcmp(req->method, "GET") != 0) {
		lc->easy_setopt(c, CURLOPT_CUSTOMREQUEST, req->method);
	}

	CURLcode rc = lc->easy_perform(c);
	lc->slist_free_all(hdrs);
	if (rc != CURLE_OK) {
		map_curl_error(h, rc, req, &t, err);
		unixhttp_response_release(ret);
		/* Never reuse a connection that just failed: start afresh next time. */
		lc->easy_cleanup(h->curl);
		h->curl = NULL;
		return -1;
	}
	/*
	 * libcurl 7.88 takes an HTTP/1.1 peer that closes in the middle of the
	 * headers for one that answered without a body.
	 */
	if (!t.headers_done) {
		fail(h, UNIXHTTP_CLOSED, err,
		     "socket '%s' closed the connection in the middle of the answer's headers "
		     "(%s %s)",
		     h->socket, req->method, req->path);
		unixhttp_response_release(ret);
		lc->easy_cleanup(h->curl);
		h->curl = NULL;
		return -1;
	}
	lc->easy_getinfo(c, CURLINFO_RESPONSE_CODE, &ret->status);
	if (!ret->body)
		ret->body = xstrdup("");
	return 0;
}

bool
unixhttp_fail_is_transient(enum unixhttp_fail f)
{
	return f == UNIXHTTP_NO_SOCKET || f == UNIXHTTP_REFUSED || f == UNIXHTTP_TIMEOUT ||
	       f == UNIXHTTP_CLOSED || f == UNIXHTTP_RESET;
}

int
unixhttp_wait(unsigned timeout_ms, unixhttp_attempt_fn attempt, void *attempt_data,
              void (*progress)(void *data), void *progress_data, struct gp_error *err)
{
	uint64_t deadline = mono_ms() + timeout_ms;
	for (;;) {
		uint64_t now = mono_ms();
		unsigned left = now < deadline ? (unsigned)(deadline - now) : 1;
		/* Short tries, so a daemon that appears mid-way is seen soon. */
		struct gp_error e = GP_ERROR_INIT;
		int r = attempt(attempt_data, left < 2000 ? left : 2000, &e);
		if (r == 0)
			return 0;
		if (r < 0 || mono_ms() + 100 >= deadline) {
			if (err)
				gp_error_move(err, &e);
			gp_error_release(&e);
			if (r < 0)
				return -1;
			_cleanup_free_ char *limit = format_timeout(timeout_ms);
			return gp_error_prefix(err, "no answer within %s", limit);
		}
		gp_error_release(&e);
		if (progress)
			progress(progress_data);
		struct timespec pause = {0, 100 * 1000 * 1000};
		nanosleep(&pause, NULL);
	}
}
