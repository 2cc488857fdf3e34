// SPDX-License-Identifier: GPL-2.0-or-later
#include "dockerapi.h"

#include <ctype.h>
#include <string.h>

#include "livejson.h"

struct docker_client {
	struct unixhttp *http;
};

struct docker_info {
	json_t *doc;
};

struct docker_client *
docker_client_new(const char *endpoint, unsigned timeout_ms)
{
	struct docker_client *c = xcalloc(1, sizeof(*c));
	c->http = unixhttp_new(endpoint, timeout_ms ? timeout_ms : DOCKER_DEFAULT_TIMEOUT_MS);
	return c;
}

void
docker_client_free(struct docker_client *c)
{
	if (!c)
		return;
	unixhttp_free(c->http);
	free(c);
}

const char *
docker_client_socket(const struct docker_client *c)
{
	return unixhttp_socket(c->http);
}

enum unixhttp_fail
docker_client_last_fail(const struct docker_client *c)
{
	return unixhttp_last_fail(c->http);
}

static void
transport_hint(struct docker_client *c, struct gp_error *err)
{
	const char *sock = unixhttp_socket(c->http);
	switch (unixhttp_last_fail(c->http)) {
	case UNIXHTTP_NO_SOCKET:
		gp_error_hint(err, "is dockerd running? start it (systemctl start docker), or give "
		                   "its socket with --socket");
		break;
	case UNIXHTTP_REFUSED:
		gp_error_hint(err, "the socket is stale: the dockerd that made it is not running; "
		                   "start it (systemctl start docker)");
		break;
	case UNIXHTTP_DENIED:
		gp_error_hint(err, "run as root, or as a member of the docker group");
		break;
	case UNIXHTTP_TIMEOUT:
		gp_error_hint(err, "dockerd is hung or still starting; check its log (journalctl "
		                   "-u docker) and try again");
		break;
	case UNIXHTTP_CLOSED:
	case UNIXHTTP_PROTOCOL:
		gp_error_hint(err, "is '%s' dockerd's socket? its default is %s", sock,
		              DOCKER_DEFAULT_SOCKET);
		break;
	default:
		break;
	}
}

/*
 * One request; a non-2xx answer is an error carrying dockerd's {"message": ...}.
 * body (may be NULL) is sent as JSON.
 */
static int
request(struct docker_client *c, const char *method, const char *path, const json_t *body,
        struct unixhttp_response *ret, struct gp_error *err)
{
	const char *sock = unixhttp_socket(c->http);
	const char *headers[] = {"accept: application/json", "content-type: application/json",
	                         NULL};
	_cleanup_free_ char *data = body ? json_dumps(body, JSON_COMPACT) : NULL;
	struct unixhttp_request req = {
	        .method = method,
	        .path = path,
	        .headers = headers,
	        .body = data,
	        .body_len = data ? strlen(data) : 0,
	};
	if (!body)
		headers[1] = NULL;
	if (unixhttp_perform(c->http, &req, ret, err) < 0) {
		transport_hint(c, err);
		return gp_error_prefix(err, "%s %s", method, path);
	}
	if (ret->status >= 200 && ret->status < 300)
		return 0;
	_cleanup_(json_decrefp) json_t *doc = json_loadb(ret->body, ret->body_len, 0, NULL);
	const char *msg = json_string_value(json_object_get(doc, "message"));
	gp_error_set(err, "%s %s: socket '%s' answered HTTP %ld%s%s", method, path, sock,
	             ret->status, msg ? ": " : "", msg ? msg : "");
	if (!msg)
		gp_error_hint(err, "is '%s' dockerd's socket? its default is %s", sock,
		              DOCKER_DEFAULT_SOCKET);
	long status = ret->status;
	unixhttp_response_release(ret);
	ret->status = status; /* kept, for callers that tell a 404 apart */
	return -1;
}

static int
get(struct docker_client *c, const char *path, struct unixhttp_response *ret, struct gp_error *err)
{
	return request(c, "GET", path, NULL, ret, err);
}

int
docker_client_ping(struct docker_client *c, char **ret_api_version, struct gp_error *err)
{
	struct unixhttp_response resp = {0};
	if (get(c, "/_ping", &resp, err) < 0)
		return -1;
	int r = 0;
	if (strcmp(resp.body, "OK") != 0) {
		r = gp_error_set(err, "GET /_ping: socket '%s' did not answer \"OK\"",
		                 unixhttp_socket(c->http));
		gp_error_hint(err, "is '%s' dockerd's socket? its default is %s",
		              unixhttp_socket(c->http), DOCKER_DEFAULT_SOCKET);
	} else if (ret_api_version) {
		const char *v = unixhttp_response_header(&resp, "api-version");
		*ret_api_version = v ? xstrdup(v) : NULL;
	}
	unixhttp_response_release(&resp);
	return r;
}

/* One try of docker_wait_ready; data is the endpoint. */
static int
wait_attempt(void *data, unsigned attempt_ms, struct gp_error *err)
{
	struct docker_client *c = docker_client_new(data, attempt_ms);
	int r = docker_client_ping(c, NULL, err);
	if (r < 0)
		r = unixhttp_fail_is_transient(docker_client_last_fail(c)) ? 1 : -1;
	docker_client_free(c);
	return r;
}

int
docker_wait_ready(const char *endpoint, unsigned timeout_ms, void (*progress)(void *data),
                  void *data, struct gp_error *err)
{
	return unixhttp_wait(timeout_ms, wait_attempt, (void *)endpoint, progress, data, err);
}

int
docker_client_info(struct docker_client *c, struct docker_info **ret, struct gp_error *err)
{
	struct unixhttp_response resp = {0};
	if (get(c, "/info", &resp, err) < 0)
		return -1;
	int r = docker_info_parse(resp.body, resp.body_len, ret, err);
	if (r < 0) {
		gp_error_prefix(err, "GET /info on socket '%s'", unixhttp_socket(c->http));
		gp_error_hint(err,
		              "dockerd never answers like that: is '%s' dockerd's socket? its "
		              "default is %s",
		              unixhttp_socket(c->http), DOCKER_DEFAULT_SOCKET);
	}
	unixhttp_response_release(&resp);
	return r;
}

/*
 * The fields read from /info must have dockerd's types: a wrong one is a peer
 * that is not dockerd, never a value to read as absent (a DefaultRuntime of 5
 * would show as dockerd's default, runc).
 */
static int
check_info_types(const json_t *doc, struct gp_error *err)
{
	static const char *const strings[] = {"DefaultRuntime", "CgroupDriver", "CgroupVersion",
	                                      "ServerVersion"};
	for (size_t i = 0; i < GP_ARRAY_SIZE(strings); i++) {
		_cleanup_free_ char *field = xasprintf("the answer's %s", strings[i]);
		if (livejson_check(json_object_get(doc, strings[i]), field, JSON_STRING, false,
		                   err) < 0)
			return -1;
	}
	const json_t *rts = json_object_get(doc, "Runtimes");
	if (livejson_check(rts, "the answer's Runtimes", JSON_OBJECT, false, err) < 0)
		return -1;
	const char *key;
	json_t *v;
	json_object_foreach ((json_t *)rts, key, v) {
		_cleanup_free_ char *field = xasprintf("the answer's Runtimes.%s", key);
		_cleanup_free_ char *pf = xasprintf("%s.path", field);
		if (livejson_check(v, field, JSON_OBJECT, false, err) < 0 ||
		    livejson_check(json_object_get(v, "path"), pf, JSON_STRING, false, err) < 0)
			return -1;
	}
	return 0;
}

int
docker_info_parse(const char *json, size_t len, struct docker_info **ret, struct gp_error *err)
{
	if (len == 0)
		return gp_error_set(err, "the answer is empty, not a JSON object");
	json_error_t jerr;
	json_t *doc = json_loadb(json, len, 0, &jerr);
	if (!doc)
		return gp_error_set(err, "parsing the answer: %d:%d: %s", jerr.line, jerr.column,
		                    jerr.text);
	if (!json_is_object(doc)) {
		json_decref(doc);
		return gp_error_set(err, "the answer is not a JSON object");
	}
	if (check_info_types(doc, err) < 0) {
		json_decref(doc);
		return -1;
	}
	struct docker_info *info = xcalloc(1, sizeof(*info));
	info->doc = doc;
	*ret = info;
	return 0;
}

void
docker_info_free(struct docker_info *info)
{
	if (!info)
		return;
	json_decref(info->doc);
	free(info);
}

const json_t *
docker_info_json(const struct docker_info *info)
{
	return info ? info->doc : NULL;
}

static const char *
field(const struct docker_info *info, const char *key)
{
	return info ? json_string_value(json_object_get(info->doc, key)) : NULL;
}

const char *
docker_info_default_runtime(const struct docker_info *info)
{
	return field(info, "DefaultRuntime");
}

const char *
docker_info_cgroup_driver(const struct docker_info *info)
{
	return field(info, "CgroupDriver");
}

const char *
docker_info_cgroup_version(const struct docker_info *info)
{
	return field(info, "CgroupVersion");
}

const char *
docker_info_server_version(const struct docker_info *info)
{
	return field(info, "ServerVersion");
}

static const json_t *
runtimes(const struct docker_info *info)
{
	const json_t *r = info ? json_object_get(info->doc, "Runtimes") : NULL;
	return json_is_object(r) ? r : NULL;
}

const char *
docker_info_runtime_path(const struct docker_info *info, const char *name)
{
	return json_string_value(json_object_get(json_object_get(runtimes(info), name), "path"));
}

char **
docker_info_runtime_names(const struct docker_info *info)
{
	char **names = xcalloc(1, sizeof(char *));
	const char *key;
	json_t *v;
	if (runtimes(info))
		json_object_foreach ((json_t *)runtimes(info), key, v)
			names = strv_push(names, key);
	return strv_sort(names);
}

/* Percent-encode s for a URL path segment or query value. */
static char *
url_escape(const char *s)
{
	struct strbuf b = {0};
	strbuf_puts(&b, "");
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (isalnum(*p) || strchr("-._~:@/", *p)) {
			strbuf_add(&b, (const char *)p, 1);
		} else {
			char hex[4];
			snprintf(hex, sizeof(hex), "%%%02X", *p);
			strbuf_puts(&b, hex);
		}
	}
	return b.s;
}

/* Unix time in nanoseconds as dockerd's since/until take it: "1700000000.123456789". */
static char *
format_ns(long long ns)
{
	return xasprintf("%lld.%09lld", ns / 1000000000LL, ns % 1000000000LL);
}

int
docker_client_events(struct docker_client *c, long long since_ns, long long until_ns,
                     const json_t *filters, json_t **ret, struct gp_error *err)
{
	_cleanup_free_ char *since = format_ns(since_ns);
	_cleanup_free_ char *until = format_ns(until_ns);
	_cleanup_free_ char *f = filters ? json_dumps(filters, JSON_COMPACT) : NULL;
	_cleanup_free_ char *fq = f ? url_escape(f) : NULL;
	_cleanup_free_ char *path = xasprintf("/events?since=%s&until=%s%s%s", since, until,
	                                      fq ? "&filters=" : "", fq ? fq : "");
	struct unixhttp_response resp = {0};
	if (get(c, path, &resp, err) < 0)
		return -1;
	int r = docker_events_parse(resp.body, resp.body_len, ret, err);
	if (r < 0)
		gp_error_prefix(err, "GET /events: socket '%s'", unixhttp_socket(c->http));
	unixhttp_response_release(&resp);
	return r;
}

int
docker_events_parse(const char *data, size_t len, json_t **ret, struct gp_error *err)
{
	/* A stream of JSON objects, one after the other (dockerd puts a newline between). */
	json_t *events = json_array();
	size_t off = 0;
	while (off < len) {
		while (off < len && strchr(" \t\r\n", data[off]))
			off++;
		if (off >= len)
			break;
		json_error_t jerr;
		json_t *ev = json_loadb(data + off, len - off, JSON_DISABLE_EOF_CHECK, &jerr);
		if (!ev || !json_is_object(ev) || jerr.position <= 0) {
			gp_error_set(err, "event %zu is not a JSON object%s%s",
			             json_array_size(events) + 1, ev ? "" : ": ",
			             ev ? "" : jerr.text);
			json_decref(ev);
			json_decref(events);
			return -1;
		}
		json_array_append_new(events, ev);
		off += (size_t)jerr.position;
	}
	*ret = events;
	return 0;
}

char *
docker_logs_demux(const char *data, size_t len)
{
	struct strbuf b = {0};
	strbuf_puts(&b, "");
	size_t off = 0;
	while (off + 8 <= len) {
		const unsigned char *h = (const unsigned char *)data + off;
		/* A frame header is {stream (0, 1 or 2), 0, 0, 0, size (big endian)}. */
		if (h[0] > 2 || h[1] || h[2] || h[3])
			break;
		size_t n = (size_t)h[4] << 24 | (size_t)h[5] << 16 | (size_t)h[6] << 8 | h[7];
		off += 8;
		if (n > len - off)
			n = len - off;
		strbuf_add(&b, data + off, n);
		off += n;
	}
	/* Not framed (a tty): the bytes as they are. */
	if (off < len)
		strbuf_add(&b, data + off, len - off);
	return b.s;
}

void
docker_run_result_release(struct docker_run_result *r)
{
	if (!r)
		return;
	free(r->id);
	free(r->output);
	*r = (struct docker_run_result){0};
}

static json_t *
strv_to_json(char *const *v)
{
	json_t *a = json_array();
	for (size_t i = 0; v && v[i]; i++)
		json_array_append_new(a, json_string(v[i]));
	return a;
}

static int
run_container(struct docker_client *c, const struct docker_run_opts *o, const char *id,
              struct docker_run_result *ret, struct gp_error *err)
{
	_cleanup_free_ char *start = xasprintf("/containers/%s/start", id);
	struct unixhttp_response resp = {0};
	if (request(c, "POST", start, NULL, &resp, err) < 0)
		return -1;
	unixhttp_response_release(&resp);

	/* The wait may take as long as the container runs: a client with that deadline. */
	unsigned wait_ms = o->timeout_ms ? o->timeout_ms : DOCKER_DEFAULT_TIMEOUT_MS;
	struct docker_client *w = docker_client_new(unixhttp_socket(c->http), wait_ms);
	_cleanup_free_ char *wait = xasprintf("/containers/%s/wait", id);
	int r = request(w, "POST", wait, NULL, &resp, err);
	if (r < 0 && docker_client_last_fail(w) == UNIXHTTP_TIMEOUT)
		gp_error_hint(err, "the container did not finish in time; it is removed");
	docker_client_free(w);
	if (r < 0)
		return -1;
	_cleanup_(json_decrefp) json_t *doc = json_loadb(resp.body, resp.body_len, 0, NULL);
	unixhttp_response_release(&resp);
	json_t *code = json_object_get(doc, "StatusCode");
	if (!json_is_integer(code))
		return gp_error_set(err, "POST %s: the answer has no StatusCode", wait);
	ret->exit_code = (long)json_integer_value(code);

	_cleanup_free_ char *logs = xasprintf("/containers/%s/logs?stdout=1&stderr=1", id);
	if (get(c, logs, &resp, err) < 0)
		return -1;
	ret->output = docker_logs_demux(resp.body, resp.body_len);
	unixhttp_response_release(&resp);
	return 0;
}

int
docker_client_run(struct docker_client *c, const struct docker_run_opts *o,
                  struct docker_run_result *ret, struct gp_error *err)
{
	*ret = (struct docker_run_result){0};
	_cleanup_free_ char *img = url_escape(o->image);
	_cleanup_free_ char *inspect = xasprintf("/images/%s/json", img);
	struct unixhttp_response resp = {0};
	if (get(c, inspect, &resp, err) < 0) {
		if (resp.status != 404)
			return -1;
		gp_error_set(err, "image '%s' is not in dockerd on '%s'", o->image,
		             unixhttp_socket(c->http));
		return gp_error_hint(err, "pull it first (docker pull %s), or load it", o->image);
	}
	unixhttp_response_release(&resp);

	_cleanup_(json_decrefp) json_t *body = json_object();
	json_object_set_new(body, "Image", json_string(o->image));
	if (o->cmd)
		json_object_set_new(body, "Cmd", strv_to_json(o->cmd));
	if (o->env)
		json_object_set_new(body, "Env", strv_to_json(o->env));
	json_t *host = json_object();
	json_object_set_new(host, "NetworkMode", json_string("none"));
	if (o->runtime)
		json_object_set_new(host, "Runtime", json_string(o->runtime));
	json_object_set_new(body, "HostConfig", host);
	_cleanup_free_ char *name = o->name ? url_escape(o->name) : NULL;
	_cleanup_free_ char *create =
	        xasprintf("/containers/create%s%s", name ? "?name=" : "", name ? name : "");
	if (request(c, "POST", create, body, &resp, err) < 0)
		return -1;
	_cleanup_(json_decrefp) json_t *created = json_loadb(resp.body, resp.body_len, 0, NULL);
	unixhttp_response_release(&resp);
	const char *id = json_string_value(json_object_get(created, "Id"));
	if (!id)
		return gp_error_set(err, "POST /containers/create: the answer has no Id");
	ret->id = xstrdup(id);

	int r = run_container(c, o, id, ret, err);
	/* Remove it whatever happened; a failure here only matters when all else worked. */
	_cleanup_free_ char *del = xasprintf("/containers/%s?force=1&v=1", id);
	struct gp_error e = GP_ERROR_INIT;
	if (request(c, "DELETE", del, NULL, &resp, &e) == 0)
		unixhttp_response_release(&resp);
	else if (r == 0)
		r = gp_error_set(err, "removing container %.12s: %s", id, e.msg);
	gp_error_release(&e);
	if (r < 0) {
		docker_run_result_release(ret);
		return -1;
	}
	return 0;
}
