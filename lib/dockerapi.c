// SPDX-License-Identifier: GPL-2.0-or-later
#include "dockerapi.h"

#include <string.h>

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

/* GET path; a non-2xx answer is an error carrying dockerd's {"message": ...}. */
static int
get(struct docker_client *c, const char *path, struct unixhttp_response *ret, struct gp_error *err)
{
	const char *sock = unixhttp_socket(c->http);
	const char *headers[] = {"accept: application/json", NULL};
	struct unixhttp_request req = {.method = "GET", .path = path, .headers = headers};
	if (unixhttp_perform(c->http, &req, ret, err) < 0) {
		transport_hint(c, err);
		return gp_error_prefix(err, "GET %s", path);
	}
	if (ret->status >= 200 && ret->status < 300)
		return 0;
	_cleanup_(json_decrefp) json_t *doc = json_loadb(ret->body, ret->body_len, 0, NULL);
	const char *msg = json_string_value(json_object_get(doc, "message"));
	gp_error_set(err, "GET %s: socket '%s' answered HTTP %ld%s%s", path, sock, ret->status,
	             msg ? ": " : "", msg ? msg : "");
	if (!msg)
		gp_error_hint(err, "is '%s' dockerd's socket? its default is %s", sock,
		              DOCKER_DEFAULT_SOCKET);
	unixhttp_response_release(ret);
	return -1;
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
	if (r < 0)
		gp_error_prefix(err, "GET /info on socket '%s'", unixhttp_socket(c->http));
	unixhttp_response_release(&resp);
	return r;
}

int
docker_info_parse(const char *json, size_t len, struct docker_info **ret, struct gp_error *err)
{
	json_error_t jerr;
	json_t *doc = json_loadb(json, len, 0, &jerr);
	if (!doc)
		return gp_error_set(err, "parsing the answer: %d:%d: %s", jerr.line, jerr.column,
		                    jerr.text);
	if (!json_is_object(doc)) {
		json_decref(doc);
		return gp_error_set(err, "the answer is not a JSON object");
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
