// SPDX-License-Identifier: GPL-2.0-or-later
#include "cri.h"

#include <ctype.h>
#include <stdint.h>
#include <string.h>

#include "config.h"
#include "livejson.h"

struct cri_client {
	struct unixhttp *http;
	unsigned timeout_ms;
	const char *api; /* the API that answered last, or NULL */
	int grpc_status;
};

static const char *const cri_apis[] = {"runtime.v1", "runtime.v1alpha2"};

static const char *const grpc_code_names[] = {
        "OK",
        "Canceled",
        "Unknown",
        "InvalidArgument",
        "DeadlineExceeded",
        "NotFound",
        "AlreadyExists",
        "PermissionDenied",
        "ResourceExhausted",
        "FailedPrecondition",
        "Aborted",
        "OutOfRange",
        "Unimplemented",
        "Internal",
        "Unavailable",
        "DataLoss",
        "Unauthenticated",
};

struct cri_client *
cri_client_new(const char *endpoint, unsigned timeout_ms)
{
	struct cri_client *c = xcalloc(1, sizeof(*c));
	c->timeout_ms = timeout_ms ? timeout_ms : CRI_DEFAULT_TIMEOUT_MS;
	c->http = unixhttp_new(endpoint, c->timeout_ms);
	c->grpc_status = -1;
	return c;
}

void
cri_client_free(struct cri_client *c)
{
	if (!c)
		return;
	unixhttp_free(c->http);
	free(c);
}

const char *
cri_client_socket(const struct cri_client *c)
{
	return unixhttp_socket(c->http);
}

const char *
cri_client_api(const struct cri_client *c)
{
	return c->api;
}

enum unixhttp_fail
cri_client_last_fail(const struct cri_client *c)
{
	return unixhttp_last_fail(c->http);
}

int
cri_client_last_grpc_status(const struct cri_client *c)
{
	return c->grpc_status;
}

/* grpc-message is percent-encoded (grpc's PROTOCOL-HTTP2.md). */
static char *
percent_decode(const char *s)
{
	size_t n = strlen(s);
	char *out = xmalloc(n + 1), *o = out;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '%' && i + 2 < n && isxdigit((unsigned char)s[i + 1]) &&
		    isxdigit((unsigned char)s[i + 2])) {
			char hex[3] = {s[i + 1], s[i + 2], 0};
			*o++ = (char)strtol(hex, NULL, 16);
			i += 2;
		} else {
			*o++ = s[i];
		}
	}
	*o = '\0';
	return out;
}

static void
transport_hint(struct cri_client *c, struct gp_error *err)
{
	const char *sock = unixhttp_socket(c->http);
	switch (unixhttp_last_fail(c->http)) {
	case UNIXHTTP_NO_SOCKET:
		gp_error_hint(err,
		              "is the runtime running? start it (systemctl start containerd), or "
		              "give its CRI socket with --socket");
		break;
	case UNIXHTTP_REFUSED:
		gp_error_hint(err, "the socket is stale: the runtime that made it is not running; "
		                   "start it (systemctl start containerd)");
		break;
	case UNIXHTTP_DENIED:
		gp_error_hint(err, "run as root, or as a user allowed on '%s'", sock);
		break;
	case UNIXHTTP_TIMEOUT:
		gp_error_hint(err, "the runtime is hung or still starting; check its log "
		                   "(journalctl -u containerd) and try again");
		break;
	case UNIXHTTP_CLOSED:
	case UNIXHTTP_PROTOCOL:
	case UNIXHTTP_RESET:
		gp_error_hint(err,
		              "is '%s' a CRI socket? containerd's is %s, cri-dockerd's "
		              "/var/run/cri-dockerd.sock; the Docker socket is not one",
		              sock, CRI_DEFAULT_SOCKET);
		break;
	default:
		break;
	}
}

/*
 * After UNIXHTTP_RESET: a gRPC server that fails a call early (Unimplemented,
 * for one) sends its status before reading the request, then resets the
 * stream. The transport keeps a status that came before the reset, but a
 * peer may reset before it sends one. Ask again without a body: the
 * request is then complete when the server reads its headers, so no reset
 * follows. Only a status other than OK counts; the body-less call cannot
 * succeed. True when ret holds such an answer.
 */
static bool
early_status(struct cri_client *c, const struct unixhttp_request *req,
             struct unixhttp_response *ret)
{
	if (unixhttp_last_fail(c->http) != UNIXHTTP_RESET)
		return false;
	struct unixhttp_request probe = *req;
	probe.body = NULL;
	probe.body_len = 0;
	struct gp_error e = GP_ERROR_INIT;
	if (unixhttp_perform(c->http, &probe, ret, &e) < 0) {
		gp_error_release(&e);
		return false;
	}
	const char *st = unixhttp_response_header(ret, "grpc-status");
	if (ret->status == 200 && st && strcmp(st, "0") != 0)
		return true;
	unixhttp_response_release(ret);
	return false;
}

/* One call on one API; *ret_unimplemented tells the caller to try the next API. */
static int
call_api(struct cri_client *c, const char *api, const char *method, const void *req, size_t req_len,
         void **ret_msg, size_t *ret_len, bool *ret_unimplemented, struct gp_error *err)
{
	const char *sock = unixhttp_socket(c->http);
	_cleanup_free_ char *path = xasprintf("/%s.%s", api, method);
	*ret_unimplemented = false;

	/* The gRPC frame: compressed flag, 4-byte big-endian length, the message. */
	_cleanup_free_ uint8_t *frame = xmalloc(req_len + 5);
	frame[0] = 0;
	frame[1] = (uint8_t)(req_len >> 24);
	frame[2] = (uint8_t)(req_len >> 16);
	frame[3] = (uint8_t)(req_len >> 8);
	frame[4] = (uint8_t)req_len;
	if (req_len)
		memcpy(frame + 5, req, req_len);

	/* The server's deadline too; grpc-timeout takes at most 8 digits. */
	_cleanup_free_ char *timeout =
	        c->timeout_ms <= 99999999u ? xasprintf("grpc-timeout: %um", c->timeout_ms)
	                                   : xasprintf("grpc-timeout: %uS", c->timeout_ms / 1000);
	const char *headers[] = {
	        "content-type: application/grpc",       "te: trailers", timeout,
	        "user-agent: gpuprep/" GPUPREP_VERSION, NULL,
	};
	struct unixhttp_request hreq = {
	        .method = "POST",
	        .path = path,
	        .headers = headers,
	        .body = frame,
	        .body_len = req_len + 5,
	        .http2 = true,
	};
	struct unixhttp_response resp = {0};
	struct gp_error terr = GP_ERROR_INIT;
	if (unixhttp_perform(c->http, &hreq, &resp, &terr) < 0 && !early_status(c, &hreq, &resp)) {
		if (err)
			gp_error_move(err, &terr);
		transport_hint(c, err);
		return gp_error_prefix(err, "%s", path + 1);
	}
	gp_error_release(&terr);

	int r = -1;
	const char *ctype = unixhttp_response_header(&resp, "content-type");
	const char *gstatus = unixhttp_response_header(&resp, "grpc-status");
	if (resp.status != 200 || !ctype || !str_startswith(ctype, "application/grpc")) {
		gp_error_set(err, "%s: socket '%s' is not a gRPC server (HTTP status %ld, %s%s)",
		             path + 1, sock, resp.status,
		             ctype ? "content-type " : "no content-type", ctype ? ctype : "");
		gp_error_hint(err,
		              "is '%s' a CRI socket? containerd's is %s, cri-dockerd's "
		              "/var/run/cri-dockerd.sock",
		              sock, CRI_DEFAULT_SOCKET);
		goto out;
	}
	if (!gstatus) {
		gp_error_set(err, "%s: socket '%s' sent no grpc-status (the answer was cut short)",
		             path + 1, sock);
		goto out;
	}
	char *end;
	long code = strtol(gstatus, &end, 10);
	if (end == gstatus || *end || code < 0 || code > 1000) {
		gp_error_set(err, "%s: socket '%s' sent an invalid grpc-status '%s'", path + 1,
		             sock, gstatus);
		goto out;
	}
	c->grpc_status = (int)code;
	if (code != CRI_GRPC_OK) {
		const char *m = unixhttp_response_header(&resp, "grpc-message");
		_cleanup_free_ char *msg = percent_decode(m ? m : "");
		*ret_unimplemented = code == CRI_GRPC_UNIMPLEMENTED;
		gp_error_set(err, "%s: the runtime on '%s' answered %s%s%s", path + 1, sock,
		             code < (long)GP_ARRAY_SIZE(grpc_code_names) ? grpc_code_names[code]
		                                                         : "an unknown gRPC status",
		             *msg ? ": " : "", msg);
		if (code == CRI_GRPC_UNIMPLEMENTED)
			gp_error_hint(err, "the runtime does not serve the CRI: for containerd, "
			                   "remove \"cri\" from disabled_plugins in its "
			                   "config.toml and restart it");
		goto out;
	}

	/* One length-prefixed message, and nothing after it. */
	const uint8_t *b = (const uint8_t *)resp.body;
	if (resp.body_len < 5) {
		gp_error_set(err,
		             "%s: socket '%s' sent a gRPC answer of %zu bytes, too short for "
		             "a message",
		             path + 1, sock, resp.body_len);
		goto out;
	}
	if (b[0] != 0) {
		gp_error_set(err,
		             "%s: socket '%s' sent a compressed message, which was not asked "
		             "for",
		             path + 1, sock);
		goto out;
	}
	size_t n = ((size_t)b[1] << 24) | ((size_t)b[2] << 16) | ((size_t)b[3] << 8) | b[4];
	if (n != resp.body_len - 5) {
		gp_error_set(err,
		             "%s: socket '%s' sent a gRPC message of %zu bytes, but its frame "
		             "says %zu",
		             path + 1, sock, resp.body_len - 5, n);
		goto out;
	}
	*ret_len = n;
	*ret_msg = xmalloc(n ? n : 1);
	if (n)
		memcpy(*ret_msg, b + 5, n);
	c->api = api;
	r = 0;
out:
	unixhttp_response_release(&resp);
	return r;
}

int
cri_client_call(struct cri_client *c, const char *method, const void *req, size_t req_len,
                void **ret_msg, size_t *ret_len, struct gp_error *err)
{
	c->grpc_status = -1;
	/* Once an API answered, stay on it. */
	size_t first = c->api && strcmp(c->api, cri_apis[1]) == 0 ? 1 : 0;
	for (size_t i = first; i < GP_ARRAY_SIZE(cri_apis); i++) {
		bool unimplemented;
		struct gp_error e = GP_ERROR_INIT;
		if (call_api(c, cri_apis[i], method, req, req_len, ret_msg, ret_len, &unimplemented,
		             &e) == 0)
			return 0;
		/* Report the first API's error: runtime.v1 is what everyone should serve. */
		if (err && i == first)
			gp_error_move(err, &e);
		gp_error_release(&e);
		if (!unimplemented)
			return -1;
	}
	return -1;
}

void
cri_encode_status_request(bool verbose, struct pb_buf *ret)
{
	if (verbose)
		pb_put_uint(ret, 1, 1); /* StatusRequest.verbose = 1 */
}

void
cri_encode_version_request(const char *version, struct pb_buf *ret)
{
	if (version && *version)
		pb_put_string(ret, 1, version); /* VersionRequest.version = 1 */
}

/* A string field; NUL bytes (never valid in a proto3 string) are an error. */
static int
field_string(const struct pb_field *f, const char *what, char **ret, struct gp_error *err)
{
	if (f->wire != PB_WIRE_LEN)
		return gp_error_set(err, "%s has wire type %d, not a string", what, (int)f->wire);
	char *s = pb_field_strdup(f);
	if (!s)
		return gp_error_set(err, "%s holds a NUL byte", what);
	/* Proto3 strings are UTF-8; jansson's check keeps --json output valid. */
	json_t *check = json_stringn(s, f->len);
	if (!check) {
		free(s);
		return gp_error_set(err, "%s is not valid UTF-8", what);
	}
	json_decref(check);
	free(*ret);
	*ret = s;
	return 0;
}

static int
parse_condition(const struct pb_field *outer, struct cri_condition *ret, struct gp_error *err)
{
	struct pb_reader r;
	struct pb_field f;
	int k;
	pb_reader_init(&r, outer->data, outer->len);
	while ((k = pb_next(&r, &f, err)) > 0) {
		switch (f.number) {
		case 1:
			if (field_string(&f, "RuntimeCondition.type", &ret->type, err) < 0)
				return -1;
			break;
		case 2:
			if (f.wire != PB_WIRE_VARINT)
				return gp_error_set(err, "RuntimeCondition.status is not a bool");
			ret->status = f.value != 0;
			break;
		case 3:
			if (field_string(&f, "RuntimeCondition.reason", &ret->reason, err) < 0)
				return -1;
			break;
		case 4:
			if (field_string(&f, "RuntimeCondition.message", &ret->message, err) < 0)
				return -1;
			break;
		default:
			break; /* unknown fields are skipped */
		}
	}
	return k < 0 ? gp_error_prefix(err, "RuntimeCondition") : 0;
}

static int
parse_runtime_status(const struct pb_field *outer, struct cri_status *s, struct gp_error *err)
{
	struct pb_reader r;
	struct pb_field f;
	int k;
	pb_reader_init(&r, outer->data, outer->len);
	while ((k = pb_next(&r, &f, err)) > 0) {
		if (f.number != 1)
			continue;
		if (f.wire != PB_WIRE_LEN)
			return gp_error_set(err, "RuntimeStatus.conditions is not a message");
		s->conditions =
		        xrealloc(s->conditions, (s->n_conditions + 1) * sizeof(*s->conditions));
		struct cri_condition *cond = &s->conditions[s->n_conditions++];
		*cond = (struct cri_condition){0};
		if (parse_condition(&f, cond, err) < 0)
			return -1;
		if (!cond->type)
			cond->type = xstrdup("");
		if (!cond->reason)
			cond->reason = xstrdup("");
		if (!cond->message)
			cond->message = xstrdup("");
	}
	return k < 0 ? gp_error_prefix(err, "RuntimeStatus") : 0;
}

static int
parse_info_entry(const struct pb_field *outer, json_t *info, struct gp_error *err)
{
	struct pb_reader r;
	struct pb_field f;
	int k;
	_cleanup_free_ char *key = NULL, *value = NULL;
	pb_reader_init(&r, outer->data, outer->len);
	while ((k = pb_next(&r, &f, err)) > 0) {
		if (f.number == 1 && field_string(&f, "info key", &key, err) < 0)
			return -1;
		if (f.number == 2 && field_string(&f, "info value", &value, err) < 0)
			return -1;
	}
	if (k < 0)
		return gp_error_prefix(err, "info entry");
	json_object_set_new(info, key ? key : "", json_string(value ? value : ""));
	return 0;
}

/*
 * The fields of the CRI plugin's config that verify reads must have
 * containerd's types (Go writes a nil map as null): a wrong one is refused,
 * never read as absent (a defaultRuntimeName of 5 would show as no default).
 */
static int
check_config_types(const json_t *config, struct gp_error *err)
{
	const json_t *ctd = json_object_get(config, "containerd");
	if (livejson_check(json_object_get(config, "enableCDI"), "enableCDI", JSON_TRUE, false,
	                   err) < 0 ||
	    livejson_check(ctd, "containerd", JSON_OBJECT, false, err) < 0 ||
	    livejson_check(json_object_get(ctd, "defaultRuntimeName"),
	                   "containerd.defaultRuntimeName", JSON_STRING, false, err) < 0)
		return -1;
	const json_t *rts = json_object_get(ctd, "runtimes");
	if (livejson_check(rts, "containerd.runtimes", JSON_OBJECT, true, err) < 0)
		return -1;
	const char *key;
	json_t *rt;
	json_object_foreach ((json_t *)rts, key, rt) {
		_cleanup_free_ char *f = xasprintf("containerd.runtimes.%s", key);
		_cleanup_free_ char *ft = xasprintf("%s.runtimeType", f);
		_cleanup_free_ char *fo = xasprintf("%s.options", f);
		_cleanup_free_ char *fb = xasprintf("%s.options.BinaryName", f);
		_cleanup_free_ char *fs = xasprintf("%s.options.SystemdCgroup", f);
		const json_t *opts = json_object_get(rt, "options");
		if (livejson_check(rt, f, JSON_OBJECT, false, err) < 0 ||
		    livejson_check(json_object_get(rt, "runtimeType"), ft, JSON_STRING, false,
		                   err) < 0 ||
		    livejson_check(opts, fo, JSON_OBJECT, true, err) < 0 ||
		    livejson_check(json_object_get(opts, "BinaryName"), fb, JSON_STRING, false,
		                   err) < 0 ||
		    livejson_check(json_object_get(opts, "SystemdCgroup"), fs, JSON_TRUE, false,
		                   err) < 0)
			return -1;
	}
	return 0;
}

int
cri_status_parse(const void *msg, size_t len, struct cri_status **ret, struct gp_error *err)
{
	_cleanup_(cri_status_freep) struct cri_status *s = xcalloc(1, sizeof(*s));
	s->info = json_object();
	struct pb_reader r;
	struct pb_field f;
	int k;
	pb_reader_init(&r, msg, len);
	while ((k = pb_next(&r, &f, err)) > 0) {
		if (f.number == 1) {
			if (f.wire != PB_WIRE_LEN)
				return gp_error_set(err, "StatusResponse.status is not a message");
			if (parse_runtime_status(&f, s, err) < 0)
				return gp_error_prefix(err, "StatusResponse");
		} else if (f.number == 2) {
			if (f.wire != PB_WIRE_LEN)
				return gp_error_set(err, "StatusResponse.info is not a map entry");
			if (parse_info_entry(&f, s->info, err) < 0)
				return gp_error_prefix(err, "StatusResponse");
		}
	}
	if (k < 0)
		return gp_error_prefix(err, "StatusResponse");

	const char *config = json_string_value(json_object_get(s->info, "config"));
	if (config) {
		json_error_t jerr;
		s->config = json_loads(config, JSON_DECODE_ANY, &jerr);
		if (!s->config)
			return gp_error_set(err, "info[\"config\"]: %d:%d: %s", jerr.line,
			                    jerr.column, jerr.text);
		if (!json_is_object(s->config)) {
			json_decref(s->config);
			s->config = NULL;
			return gp_error_set(err, "info[\"config\"] is not a JSON object");
		}
		if (check_config_types(s->config, err) < 0)
			return gp_error_prefix(err, "info[\"config\"]");
	}
	*ret = TAKE_PTR(s);
	return 0;
}

int
cri_version_parse(const void *msg, size_t len, struct cri_version *ret, struct gp_error *err)
{
	struct cri_version v = {0};
	struct pb_reader r;
	struct pb_field f;
	int k;
	static const char *const names[] = {"version", "runtime_name", "runtime_version",
	                                    "runtime_api_version"};
	pb_reader_init(&r, msg, len);
	while ((k = pb_next(&r, &f, err)) > 0) {
		char **slot[] = {&v.version, &v.runtime_name, &v.runtime_version,
		                 &v.runtime_api_version};
		if (f.number < 1 || f.number > 4)
			continue;
		_cleanup_free_ char *what = xasprintf("VersionResponse.%s", names[f.number - 1]);
		if (field_string(&f, what, slot[f.number - 1], err) < 0) {
			cri_version_release(&v);
			return -1;
		}
	}
	if (k < 0) {
		cri_version_release(&v);
		return gp_error_prefix(err, "VersionResponse");
	}
	char **all[] = {&v.version, &v.runtime_name, &v.runtime_version, &v.runtime_api_version};
	for (size_t i = 0; i < GP_ARRAY_SIZE(all); i++)
		if (!*all[i])
			*all[i] = xstrdup("");
	*ret = v;
	return 0;
}

void
cri_status_free(struct cri_status *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->n_conditions; i++) {
		free(s->conditions[i].type);
		free(s->conditions[i].reason);
		free(s->conditions[i].message);
	}
	free(s->conditions);
	json_decref(s->info);
	json_decref(s->config);
	free(s);
}

void
cri_version_release(struct cri_version *v)
{
	if (!v)
		return;
	free(v->version);
	free(v->runtime_name);
	free(v->runtime_version);
	free(v->runtime_api_version);
	*v = (struct cri_version){0};
}

/* An answer that does not parse: say whose, and that a runtime never sends it. */
static int
bad_answer(struct cri_client *c, struct gp_error *err)
{
	gp_error_prefix(err, "the answer of socket '%s'", cri_client_socket(c));
	return gp_error_hint(err,
	                     "a CRI runtime never answers like that: is '%s' the runtime's "
	                     "socket, and the runtime a released version?",
	                     cri_client_socket(c));
}

int
cri_client_version(struct cri_client *c, struct cri_version *ret, struct gp_error *err)
{
	struct pb_buf req = PB_BUF_INIT;
	_cleanup_free_ void *msg = NULL;
	size_t len = 0;
	cri_encode_version_request("v1", &req);
	int r = cri_client_call(c, "RuntimeService/Version", req.data, req.len, &msg, &len, err);
	pb_buf_release(&req);
	if (r < 0)
		return -1;
	if (cri_version_parse(msg, len, ret, err) < 0)
		return bad_answer(c, err);
	return 0;
}

/* One try of cri_wait_ready; data is the endpoint. */
static int
wait_attempt(void *data, unsigned attempt_ms, struct gp_error *err)
{
	struct cri_client *c = cri_client_new(data, attempt_ms);
	struct cri_version v;
	int r = cri_client_version(c, &v, err);
	if (r == 0)
		cri_version_release(&v);
	else /* a gRPC error, or not gRPC at all, will not go away by waiting */
		r = unixhttp_fail_is_transient(cri_client_last_fail(c)) ? 1 : -1;
	cri_client_free(c);
	return r;
}

int
cri_wait_ready(const char *endpoint, unsigned timeout_ms, void (*progress)(void *data), void *data,
               struct gp_error *err)
{
	return unixhttp_wait(timeout_ms, wait_attempt, (void *)endpoint, progress, data, err);
}

int
cri_client_status(struct cri_client *c, bool verbose, struct cri_status **ret, struct gp_error *err)
{
	struct pb_buf req = PB_BUF_INIT;
	_cleanup_free_ void *msg = NULL;
	size_t len = 0;
	cri_encode_status_request(verbose, &req);
	int r = cri_client_call(c, "RuntimeService/Status", req.data, req.len, &msg, &len, err);
	pb_buf_release(&req);
	if (r < 0)
		return -1;
	if (cri_status_parse(msg, len, ret, err) < 0)
		return bad_answer(c, err);
	return 0;
}

const struct cri_condition *
cri_status_condition(const struct cri_status *s, const char *type)
{
	for (size_t i = 0; s && i < s->n_conditions; i++)
		if (strcmp(s->conditions[i].type, type) == 0)
			return &s->conditions[i];
	return NULL;
}

bool
cri_status_condition_true(const struct cri_status *s, const char *type)
{
	const struct cri_condition *c = cri_status_condition(s, type);
	return c && c->status;
}

const char *
cri_status_info(const struct cri_status *s, const char *key)
{
	return s ? json_string_value(json_object_get(s->info, key)) : NULL;
}

static const json_t *
containerd_section(const struct cri_status *s)
{
	return s ? json_object_get(s->config, "containerd") : NULL;
}

const char *
cri_status_default_runtime(const struct cri_status *s)
{
	return json_string_value(json_object_get(containerd_section(s), "defaultRuntimeName"));
}

const json_t *
cri_status_runtime(const struct cri_status *s, const char *name)
{
	const json_t *rt =
	        json_object_get(json_object_get(containerd_section(s), "runtimes"), name);
	return json_is_object(rt) ? rt : NULL;
}

char **
cri_status_runtime_names(const struct cri_status *s)
{
	char **names = xcalloc(1, sizeof(char *));
	const json_t *rts = json_object_get(containerd_section(s), "runtimes");
	const char *key;
	json_t *v;
	if (json_is_object(rts))
		json_object_foreach ((json_t *)rts, key, v)
			names = strv_push(names, key);
	return strv_sort(names);
}

const char *
cri_status_runtime_type(const struct cri_status *s, const char *name)
{
	return json_string_value(json_object_get(cri_status_runtime(s, name), "runtimeType"));
}

static const json_t *
runtime_option(const struct cri_status *s, const char *name, const char *key)
{
	return json_object_get(json_object_get(cri_status_runtime(s, name), "options"), key);
}

const char *
cri_status_runtime_binary(const struct cri_status *s, const char *name)
{
	return json_string_value(runtime_option(s, name, "BinaryName"));
}

static int
tristate(const json_t *v)
{
	return json_is_boolean(v) ? json_is_true(v) : -1;
}

int
cri_status_runtime_systemd_cgroup(const struct cri_status *s, const char *name)
{
	return tristate(runtime_option(s, name, "SystemdCgroup"));
}

int
cri_status_enable_cdi(const struct cri_status *s)
{
	return tristate(s ? json_object_get(s->config, "enableCDI") : NULL);
}

json_t *
cri_status_to_json(const struct cri_status *s)
{
	json_t *conds = json_array();
	for (size_t i = 0; i < s->n_conditions; i++) {
		const struct cri_condition *c = &s->conditions[i];
		json_t *o = json_object();
		json_object_set_new(o, "type", json_string(c->type));
		json_object_set_new(o, "status", json_boolean(c->status));
		json_object_set_new(o, "reason", json_string(c->reason));
		json_object_set_new(o, "message", json_string(c->message));
		json_array_append_new(conds, o);
	}
	json_t *info = json_object();
	const char *key;
	json_t *v;
	json_object_foreach (s->info, key, v) {
		const char *str = json_string_value(v);
		json_t *parsed = NULL;
		if (str[0] == '{' || str[0] == '[')
			parsed = json_loads(str, JSON_DECODE_ANY, NULL);
		json_object_set_new(info, key, parsed ? parsed : json_incref(v));
	}
	json_t *doc = json_object();
	json_object_set_new(doc, "conditions", conds);
	json_object_set_new(doc, "info", info);
	return doc;
}
