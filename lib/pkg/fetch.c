// SPDX-License-Identifier: GPL-2.0-or-later
#include "fetch.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>

#include "cabundle.h"
#include "config.h"
#include "curlso.h"
#include "digest.h"

struct fetch {
	CURL *curl;
	struct fetch_opts opts;
	char errbuf[CURL_ERROR_SIZE];
	/* the CA certificates (cabundle.h), looked up on the first transfer */
	bool ca_done, ca_ok;
	struct cabundle ca;
	struct gp_error ca_err;
};

/* The state of one transfer, shared with libcurl's callbacks. */
struct xfer {
	struct fetch *f;
	/* to memory */
	struct strbuf mem;
	uint64_t max;
	bool too_big;
	/* to file */
	int fd;
	struct digest *digest; /* fed with every byte written, or NULL */
	bool write_failed;
	int write_errno;
	/* progress */
	struct fetch_progress p;
};

static const struct curlso *lc;

/* The handle is made on the first transfer. */
static int
handle(struct fetch *f, struct gp_error *err)
{
	if (f->curl)
		return 0;
	if (!lc && !(lc = curlso_load(err)))
		return gp_error_hint(err, "install libcurl (the Debian package 'libcurl4', or "
		                          "'libcurl' on rpm systems), or use --offline");
	f->curl = lc->easy_init();
	if (!f->curl)
		return gp_error_set(err, "cannot initialize libcurl");
	return 0;
}

struct fetch *
fetch_new(const struct fetch_opts *opts)
{
	struct fetch *f = xcalloc(1, sizeof(*f));
	if (opts)
		f->opts = *opts;
	if (!f->opts.retries)
		f->opts.retries = 4;
	if (!f->opts.backoff_ms)
		f->opts.backoff_ms = 500;
	if (f->opts.no_retry)
		f->opts.retries = 0;
	return f;
}

struct fetch *
fetch_free(struct fetch *f)
{
	if (!f)
		return NULL;
	if (f->curl)
		lc->easy_cleanup(f->curl);
	cabundle_release(&f->ca);
	gp_error_release(&f->ca_err);
	free(f);
	return NULL;
}

static size_t
on_data_memory(char *ptr, size_t size, size_t nmemb, void *ud)
{
	struct xfer *x = ud;
	size_t n = size * nmemb;
	if (x->max && x->mem.len + n > x->max) {
		x->too_big = true;
		return 0;
	}
	strbuf_add(&x->mem, ptr, n);
	return n;
}

static size_t
on_data_file(char *ptr, size_t size, size_t nmemb, void *ud)
{
	struct xfer *x = ud;
	size_t n = size * nmemb, done = 0;
	if (x->max && x->p.now + n > x->max) {
		x->too_big = true;
		return 0;
	}
	while (done < n) {
		ssize_t w = write(x->fd, ptr + done, n - done);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0) {
			x->write_failed = true;
			x->write_errno = errno;
			return 0;
		}
		done += (size_t)w;
	}
	if (x->digest)
		digest_update(x->digest, ptr, n);
	x->p.now += n;
	return n;
}

static int
on_progress(void *ud, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal, curl_off_t ulnow)
{
	(void)dltotal;
	(void)dlnow;
	(void)ultotal;
	(void)ulnow;
	struct xfer *x = ud;
	if (x->f->opts.progress)
		x->f->opts.progress(&x->p, x->f->opts.userdata);
	return 0;
}

/*
 * Find the CA certificates once (cabundle_find: SSL_CERT_FILE, SSL_CERT_DIR, the usual paths
 * of every distribution, libcurl's own default). Only an https URL needs them; an http one
 * goes on without (and a redirect to https then fails with a TLS error that says so).
 */
static int
tls_roots(struct fetch *f, const char *url, struct gp_error *err)
{
	if (!f->ca_done) {
		f->ca_done = true;
		const char *builtin = NULL;
#if LIBCURL_VERSION_NUM >= 0x075400
		lc->easy_getinfo(f->curl, CURLINFO_CAINFO, &builtin);
#endif
		f->ca_ok = cabundle_find(getenv("SSL_CERT_FILE"), getenv("SSL_CERT_DIR"),
		                         cabundle_paths, builtin, &f->ca, &f->ca_err) == 0;
	}
	if (f->ca_ok || strncasecmp(url, "https:", 6) != 0)
		return 0;
	gp_error_set(err, "downloading '%s': %s", url, f->ca_err.msg);
	if (f->ca_err.hint)
		gp_error_hint(err, "%s", f->ca_err.hint);
	return -1;
}

static void
setup(struct fetch *f, const char *url, struct xfer *x, bool to_file)
{
	CURL *c = f->curl;
	lc->easy_reset(c);
	f->errbuf[0] = '\0';
	if (f->ca_ok) {
		/* Set on every transfer: easy_reset() forgets them. */
		lc->easy_setopt(c, CURLOPT_CAINFO, f->ca.file);
		if (f->ca.dir)
			lc->easy_setopt(c, CURLOPT_CAPATH, f->ca.dir);
	}
	lc->easy_setopt(c, CURLOPT_URL, url);
	lc->easy_setopt(c, CURLOPT_ERRORBUFFER, f->errbuf);
	lc->easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
	lc->easy_setopt(c, CURLOPT_MAXREDIRS, 10L);
	lc->easy_setopt(c, CURLOPT_FAILONERROR, 1L);
	lc->easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	lc->easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 30L);
	lc->easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L);
	lc->easy_setopt(c, CURLOPT_LOW_SPEED_TIME, 60L);
	lc->easy_setopt(c, CURLOPT_USERAGENT, "gpuprep/" GPUPREP_VERSION);
#if LIBCURL_VERSION_NUM >= 0x075500
	lc->easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	lc->easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
#endif
	lc->easy_setopt(c, CURLOPT_BUFFERSIZE, 256L * 1024L);
	lc->easy_setopt(c, CURLOPT_WRITEFUNCTION, to_file ? on_data_file : on_data_memory);
	lc->easy_setopt(c, CURLOPT_WRITEDATA, x);
	if (to_file && f->opts.progress) {
		lc->easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
		lc->easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_progress);
		lc->easy_setopt(c, CURLOPT_XFERINFODATA, x);
	}
}

static bool
transient(CURLcode rc, long http)
{
	switch (rc) {
	case CURLE_COULDNT_CONNECT:
	case CURLE_OPERATION_TIMEDOUT:
	case CURLE_PARTIAL_FILE:
	case CURLE_RECV_ERROR:
	case CURLE_SEND_ERROR:
	case CURLE_GOT_NOTHING:
		return true;
	case CURLE_HTTP_RETURNED_ERROR:
		return http >= 500 || http == 429 || http == 408;
	default:
		return false;
	}
}

/*
 * libcurl's text without its own timing ("Failed to connect to h port 1 after
 * 0 ms: ..."), which reads as if gpuprep gave up at once: the tries are counted
 * instead.
 */
static char *
curl_detail(struct fetch *f, CURLcode rc)
{
	char *s = xstrdup(f->errbuf[0] ? f->errbuf : lc->easy_strerror(rc));
	char *after = strstr(s, " after ");
	if (after) {
		char *end = after + strlen(" after ");
		end += strspn(end, "0123456789");
		if (str_startswith(end, " ms"))
			memmove(after, end + 3, strlen(end + 3) + 1);
	}
	return s;
}

static int set_curl_error_once(struct fetch *f, CURLcode rc, long http, const char *url,
                               struct gp_error *err);

static int
set_curl_error(struct fetch *f, CURLcode rc, long http, const char *url, unsigned tries,
               struct gp_error *err)
{
	int r = set_curl_error_once(f, rc, http, url, err);
	if (tries > 1) {
		char *m = xasprintf("%s (tried %u times)", err->msg, tries);
		free(err->msg);
		err->msg = m;
	}
	return r;
}

static int
set_curl_error_once(struct fetch *f, CURLcode rc, long http, const char *url, struct gp_error *err)
{
	_cleanup_free_ char *detail = curl_detail(f, rc);
	switch (rc) {
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_RESOLVE_PROXY:
		gp_error_set(err, "downloading '%s': cannot resolve the host name: %s", url,
		             detail);
		return gp_error_hint(err, "check the node's DNS and network, or the proxy "
		                          "variables (https_proxy, no_proxy); on an air-gapped "
		                          "node use --offline");
	case CURLE_COULDNT_CONNECT:
	case CURLE_OPERATION_TIMEDOUT:
		gp_error_set(err, "downloading '%s': no connection: %s", url, detail);
		return gp_error_hint(err, "check the network and the proxy variables "
		                          "(https_proxy, no_proxy); on an air-gapped node use "
		                          "--offline");
	case CURLE_HTTP_RETURNED_ERROR:
		gp_error_set(err, "downloading '%s': HTTP %ld", url, http);
		if (http == 404)
			return gp_error_hint(err, "the server has no such file; check --repo-url "
			                          "(and the architecture)");
		if (http == 401 || http == 403 || http == 407)
			return gp_error_hint(err, "the server or proxy refused access; check the "
			                          "proxy settings and credentials");
		return gp_error_hint(err, "the server failed; try again later");
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CIPHER:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_ISSUER_ERROR:
	case CURLE_USE_SSL_FAILED:
		gp_error_set(err,
		             "downloading '%s': TLS error: %s (CA certificates: '%s', from %s)",
		             url, detail,
		             f->ca_ok ? (f->ca.file ? f->ca.file : f->ca.dir) : "libcurl's default",
		             f->ca_ok ? f->ca.from : "libcurl");
		return gp_error_hint(err,
		                     "check the system clock and the CA certificates "
		                     "(ca-certificates, or SSL_CERT_FILE); a proxy that intercepts "
		                     "TLS needs its CA installed");
	default:
		gp_error_set(err, "downloading '%s': %s", url, detail);
		return gp_error_hint(err, "check the network, or use --offline");
	}
}

/* Wait before try attempt + 1, saying so first through opts.retry. */
static void
backoff(struct fetch *f, unsigned attempt, const char *label, const char *url, CURLcode rc,
        long http)
{
	unsigned ms = f->opts.backoff_ms;
	for (unsigned i = 1; i < attempt && ms < 30000; i++)
		ms *= 2;
	if (f->opts.retry) {
		struct gp_error why = GP_ERROR_INIT;
		set_curl_error_once(f, rc, http, url, &why);
		const struct fetch_retry r = {
		        .label = label ? label : url,
		        .url = url,
		        .next = attempt + 1,
		        .tries = f->opts.retries + 1,
		        .wait_ms = ms,
		        .why = why.msg,
		};
		f->opts.retry(&r, f->opts.userdata);
		gp_error_release(&why);
	}
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

int
fetch_to_memory(struct fetch *f, const char *url, uint64_t max, char **ret_data, size_t *ret_len,
                struct gp_error *err)
{
	if (handle(f, err) < 0 || tls_roots(f, url, err) < 0)
		return -1;
	for (unsigned attempt = 1;; attempt++) {
		struct xfer x = {.f = f, .max = max, .fd = -1};
		setup(f, url, &x, false);
		CURLcode rc = lc->easy_perform(f->curl);
		long http = 0;
		lc->easy_getinfo(f->curl, CURLINFO_RESPONSE_CODE, &http);
		if (rc == CURLE_OK) {
			if (!x.mem.s)
				strbuf_puts(&x.mem, "");
			*ret_data = x.mem.s;
			*ret_len = x.mem.len;
			return 0;
		}
		free(x.mem.s);
		if (x.too_big)
			return gp_error_set(err, "downloading '%s': larger than %llu bytes", url,
			                    (unsigned long long)max);
		if (attempt > f->opts.retries || !transient(rc, http))
			return set_curl_error(f, rc, http, url, attempt, err);
		backoff(f, attempt, NULL, url, rc, http);
	}
}

/* Feed the first n bytes of fd to d. */
static int
digest_prefix(int fd, uint64_t n, struct digest *d)
{
	_cleanup_free_ char *buf = xmalloc(1 << 16);
	uint64_t off = 0;
	while (off < n) {
		size_t want = n - off < (1 << 16) ? (size_t)(n - off) : (1 << 16);
		ssize_t r = pread(fd, buf, want, (off_t)off);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return r < 0 ? -errno : -EIO;
		digest_update(d, buf, (size_t)r);
		off += (uint64_t)r;
	}
	return 0;
}

int
fetch_to_file(struct fetch *f, const char *url, const char *path, uint64_t expected_size,
              const char *label, char *ret_sha256, struct gp_error *err)
{
	_cleanup_free_ char *part = xasprintf("%s.part", path);
	if (handle(f, err) < 0 || tls_roots(f, url, err) < 0)
		return -1;
	for (unsigned attempt = 1;; attempt++) {
		_cleanup_close_ int fd = open(part, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
		if (fd < 0)
			return gp_error_set_errno(err, errno, "writing '%s'", part);
		struct stat st;
		if (fstat(fd, &st) < 0)
			return gp_error_set_errno(err, errno, "writing '%s'", part);
		uint64_t have = (uint64_t)st.st_size;
		if (expected_size && have >= expected_size) {
			/* Complete or too long: a resume cannot help, start over. */
			if (ftruncate(fd, 0) < 0)
				return gp_error_set_errno(err, errno, "writing '%s'", part);
			have = 0;
		}
		if (lseek(fd, (off_t)have, SEEK_SET) < 0)
			return gp_error_set_errno(err, errno, "writing '%s'", part);

		if (digest_load(err) < 0)
			return -1;
		struct digest d;
		digest_init(&d, DIGEST_SHA256);
		int dr = digest_prefix(fd, have, &d);
		if (dr < 0)
			return gp_error_set_errno(err, dr, "reading '%s'", part);
		struct xfer x = {.f = f, .fd = fd, .max = expected_size, .digest = &d};
		x.p = (struct fetch_progress){.label = label,
		                              .url = url,
		                              .now = have,
		                              .total = expected_size,
		                              .resumed_from = have,
		                              .attempt = attempt};
		setup(f, url, &x, true);
		if (have)
			lc->easy_setopt(f->curl, CURLOPT_RESUME_FROM_LARGE, (curl_off_t)have);
		CURLcode rc = lc->easy_perform(f->curl);
		long http = 0;
		lc->easy_getinfo(f->curl, CURLINFO_RESPONSE_CODE, &http);
		if (x.write_failed)
			return gp_error_set_errno(err, x.write_errno, "writing '%s'", part);
		if (x.too_big) {
			unlink(part);
			gp_error_set(err,
			             "downloading '%s': larger than the %llu bytes the index lists",
			             url, (unsigned long long)expected_size);
			return gp_error_hint(err,
			                     "the file on the server does not match the "
			                     "repository index; try again later or use another "
			                     "mirror");
		}
		if (rc == CURLE_OK) {
			if (ret_sha256) {
				unsigned char raw[DIGEST_MAX_LEN];
				size_t n = digest_final(&d, raw);
				for (size_t i = 0; i < n; i++)
					snprintf(ret_sha256 + 2 * i, 3, "%02x", raw[i]);
			}
			if (rename(part, path) < 0)
				return gp_error_set_errno(err, errno, "writing '%s'", path);
			x.p.done = true;
			if (f->opts.progress)
				f->opts.progress(&x.p, f->opts.userdata);
			return 0;
		}
		if (have &&
		    (rc == CURLE_RANGE_ERROR || (rc == CURLE_HTTP_RETURNED_ERROR && http == 416))) {
			/* The server cannot resume this file: start over at once. */
			if (ftruncate(fd, 0) < 0)
				return gp_error_set_errno(err, errno, "writing '%s'", part);
			attempt--;
			continue;
		}
		if (attempt > f->opts.retries || !transient(rc, http))
			return set_curl_error(f, rc, http, url, attempt, err);
		backoff(f, attempt, label, url, rc, http);
	}
}
