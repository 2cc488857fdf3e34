/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A client for the Docker Engine API of a live dockerd, over its unix socket
 * with libcurl: GET /_ping (is it up) and GET /info (what it loaded: the
 * default runtime, the runtimes and their paths, the cgroup driver). This is
 * what `docker info` asks.
 */
#pragma once

#include <jansson.h>

#include "error.h"
#include "unixhttp.h"

#define DOCKER_DEFAULT_SOCKET     "/var/run/docker.sock"
#define DOCKER_DEFAULT_TIMEOUT_MS 5000u

struct docker_client;
struct docker_info;

/* A client for one socket: a path or a "unix://" endpoint; 0 means the default timeout. */
struct docker_client *docker_client_new(const char *endpoint, unsigned timeout_ms);
void docker_client_free(struct docker_client *c);
const char *docker_client_socket(const struct docker_client *c);
/* Why the last call failed on the transport (UNIXHTTP_OK when it did not). */
enum unixhttp_fail docker_client_last_fail(const struct docker_client *c);

/*
 * GET /_ping: 0 when dockerd answers "OK", else -1 with err set. When
 * ret_api_version is not NULL it gets the API-Version header ("1.41"), or
 * NULL when absent.
 */
int docker_client_ping(struct docker_client *c, char **ret_api_version, struct gp_error *err);
/*
 * Wait until dockerd on endpoint answers GET /_ping (after a restart), for at
 * most timeout_ms; progress (may be NULL) runs between tries. It stops early
 * when the socket answers, but not as dockerd. Returns 0 or -1 with err set.
 */
int docker_wait_ready(const char *endpoint, unsigned timeout_ms, void (*progress)(void *data),
                      void *data, struct gp_error *err);
/* GET /info: 0 with *ret set (free it), or -1 with err set. */
int docker_client_info(struct docker_client *c, struct docker_info **ret, struct gp_error *err);

/*
 * GET /events between two moments (unix time in nanoseconds; until in the
 * past or present, so dockerd answers at once), filtered by filters (a JSON
 * object such as {"type": ["daemon"], "event": ["reload"]}, or NULL). *ret
 * gets an array of the event objects, oldest first.
 */
int docker_client_events(struct docker_client *c, long long since_ns, long long until_ns,
                         const json_t *filters, json_t **ret, struct gp_error *err);

/* Parse a GET /events stream (JSON objects one after the other) into an array. */
int docker_events_parse(const char *data, size_t len, json_t **ret, struct gp_error *err);

/* One container to run to its end, as `docker run --rm` does. */
struct docker_run_opts {
	const char *image;   /* must be present: it is not pulled */
	char *const *cmd;    /* NULL-terminated; NULL: the image's own command */
	char *const *env;    /* "NAME=value", NULL-terminated, or NULL */
	const char *runtime; /* HostConfig.Runtime ("nvidia"), or NULL for the default */
	const char *name;    /* the container's name, or NULL */
	unsigned timeout_ms; /* how long it may run; 0: the client's timeout */
};

struct docker_run_result {
	char *id;       /* the container's ID */
	long exit_code; /* its exit status */
	char *output;   /* its stdout and stderr, interleaved as written */
};

/*
 * Create the container (no network), start it, wait for it to exit, read its
 * logs, and remove it (also on failure). Returns 0 with ret filled whatever
 * the container's exit status, or -1 with err set when it could not run
 * (the image is missing, dockerd refused the runtime, the runtime failed to
 * create it: dockerd's own message is kept).
 */
int docker_client_run(struct docker_client *c, const struct docker_run_opts *o,
                      struct docker_run_result *ret, struct gp_error *err);
void docker_run_result_release(struct docker_run_result *r);

/*
 * The stdout and stderr of a container without a tty, as GET
 * /containers/{id}/logs sends them (8-byte frame headers), joined into one
 * string. Exposed for tests.
 */
char *docker_logs_demux(const char *data, size_t len);

/* Parse a /info document (exposed for tests and the fuzzer). */
int docker_info_parse(const char *json, size_t len, struct docker_info **ret, struct gp_error *err);
void docker_info_free(struct docker_info *info);
static inline void
docker_info_freep(struct docker_info **info)
{
	docker_info_free(*info);
}

/* The whole document, borrowed. */
const json_t *docker_info_json(const struct docker_info *info);
/* Each accessor returns NULL when the field is absent or not a string. */
const char *docker_info_default_runtime(const struct docker_info *info); /* "runc" */
const char *docker_info_cgroup_driver(const struct docker_info *info);   /* "systemd" */
const char *docker_info_cgroup_version(const struct docker_info *info);  /* "2" */
const char *docker_info_server_version(const struct docker_info *info);  /* "20.10.24+dfsg1" */
/* Runtimes.<name>.path ("runc", "/usr/bin/nvidia-container-runtime"). */
const char *docker_info_runtime_path(const struct docker_info *info, const char *name);
/* The runtimes' names, sorted; a NULL-terminated vector (strv_free), never NULL. */
char **docker_info_runtime_names(const struct docker_info *info);
