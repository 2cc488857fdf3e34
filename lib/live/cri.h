/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A client for the Container Runtime Interface (CRI) of a live runtime:
 * containerd's CRI plugin, cri-dockerd, CRI-O. It makes the two calls gpuprep
 * needs, RuntimeService/Version and RuntimeService/Status(verbose=true) (what
 * `crictl version` and `crictl info` do), as gRPC over HTTP/2 with prior
 * knowledge on the unix socket, with libnghttp2 (lib/live/unixhttp.h). The protobuf messages are
 * encoded and decoded by hand (lib/live/protobuf.h); info["config"] is containerd's
 * CRI configuration as the daemon loaded it, in JSON.
 *
 * It asks for runtime.v1 first and falls back to runtime.v1alpha2 (containerd
 * before 1.6 only serves that) when the runtime answers Unimplemented.
 */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "error.h"
#include "protobuf.h"
#include "unixhttp.h"

#define CRI_DEFAULT_SOCKET     "/run/containerd/containerd.sock"
#define CRI_DEFAULT_TIMEOUT_MS 5000u
#define CRI_RUNTIME_READY      "RuntimeReady"
#define CRI_NETWORK_READY      "NetworkReady"

/* gRPC status codes the callers look at (see grpc's doc/statuscodes.md). */
enum cri_grpc_code {
	CRI_GRPC_OK = 0,
	CRI_GRPC_DEADLINE_EXCEEDED = 4,
	CRI_GRPC_UNIMPLEMENTED = 12,
	CRI_GRPC_UNAVAILABLE = 14,
};

struct cri_condition {
	char *type; /* "RuntimeReady", "NetworkReady" */
	bool status;
	char *reason;  /* "" when the runtime gave none */
	char *message; /* "" when the runtime gave none */
};

struct cri_status {
	struct cri_condition *conditions;
	size_t n_conditions;
	json_t *info;   /* the info map: an object of strings, exactly as sent */
	json_t *config; /* info["config"] parsed from JSON; NULL when absent */
};

struct cri_version {
	char *version;             /* the API version of the kubelet side, "0.1.0" */
	char *runtime_name;        /* "containerd" */
	char *runtime_version;     /* "1.6.20~ds1" */
	char *runtime_api_version; /* "v1" */
};

struct cri_client;

/*
 * A client for one CRI socket: a path or a "unix://" endpoint. timeout_ms
 * bounds each call (0 means CRI_DEFAULT_TIMEOUT_MS). Calls on one client
 * share one HTTP/2 connection, one stream each; a connection the runtime
 * closed while idle is replaced by a new one for the next call.
 */
struct cri_client *cri_client_new(const char *endpoint, unsigned timeout_ms);
void cri_client_free(struct cri_client *c);
/* The socket path in use. */
const char *cri_client_socket(const struct cri_client *c);
/* The API that answered the last successful call: "runtime.v1" or "runtime.v1alpha2". */
const char *cri_client_api(const struct cri_client *c);
/* Why the last call failed on the transport (UNIXHTTP_OK when it did not). */
enum unixhttp_fail cri_client_last_fail(const struct cri_client *c);
/* The gRPC status of the last call that got one, or -1 when none came. */
int cri_client_last_grpc_status(const struct cri_client *c);

/*
 * Wait until the runtime on endpoint answers RuntimeService/Version (after a
 * restart), for at most timeout_ms; progress (may be NULL) runs between
 * tries. It stops early when the runtime answers with a gRPC error (the CRI
 * is disabled) or something that is not gRPC. Returns 0 or -1 with err set.
 */
int cri_wait_ready(const char *endpoint, unsigned timeout_ms, void (*progress)(void *data),
                   void *data, struct gp_error *err);

/* RuntimeService/Version. Returns 0 with ret filled (release it), or -1 with err set. */
int cri_client_version(struct cri_client *c, struct cri_version *ret, struct gp_error *err);
/* RuntimeService/Status. Returns 0 with *ret set (free it), or -1 with err set. */
int cri_client_status(struct cri_client *c, bool verbose, struct cri_status **ret,
                      struct gp_error *err);
/*
 * One unary call, raw: method is "RuntimeService/Status" (the API prefix is
 * added, with the v1alpha2 fallback); req is the encoded request message.
 * On success *ret_msg holds the response message (free it). For tests and
 * captures.
 */
int cri_client_call(struct cri_client *c, const char *method, const void *req, size_t req_len,
                    void **ret_msg, size_t *ret_len, struct gp_error *err);

/* Encode the request messages. */
void cri_encode_status_request(bool verbose, struct pb_buf *ret);
void cri_encode_version_request(const char *version, struct pb_buf *ret);

/* Decode the response messages (exposed for tests and the fuzzer). */
int cri_status_parse(const void *msg, size_t len, struct cri_status **ret, struct gp_error *err);
int cri_version_parse(const void *msg, size_t len, struct cri_version *ret, struct gp_error *err);
void cri_status_free(struct cri_status *s);
static inline void
cri_status_freep(struct cri_status **s)
{
	cri_status_free(*s);
}
void cri_version_release(struct cri_version *v);

/* The condition of that type, or NULL. */
const struct cri_condition *cri_status_condition(const struct cri_status *s, const char *type);
/* True only when the condition is present and true. */
bool cri_status_condition_true(const struct cri_status *s, const char *type);
/* info[key], or NULL. */
const char *cri_status_info(const struct cri_status *s, const char *key);

/*
 * Accessors on info["config"] (containerd's CRI plugin config); each returns
 * NULL (or -1) when the runtime sent no config or the field is absent, so the
 * caller can tell "absent" from "false" or "".
 */
/* config.containerd.defaultRuntimeName */
const char *cri_status_default_runtime(const struct cri_status *s);
/* config.containerd.runtimes.<name>, a JSON object, or NULL. */
const json_t *cri_status_runtime(const struct cri_status *s, const char *name);
/* The runtimes' names, sorted; a NULL-terminated vector (free with strv_free), never NULL. */
char **cri_status_runtime_names(const struct cri_status *s);
/* config.containerd.runtimes.<name>.runtimeType, "io.containerd.runc.v2" */
const char *cri_status_runtime_type(const struct cri_status *s, const char *name);
/* config.containerd.runtimes.<name>.options.BinaryName */
const char *cri_status_runtime_binary(const struct cri_status *s, const char *name);
/* config.containerd.runtimes.<name>.options.SystemdCgroup: 1, 0, or -1 when absent. */
int cri_status_runtime_systemd_cgroup(const struct cri_status *s, const char *name);
/* config.enableCDI: 1, 0, or -1 when absent (containerd 1.6 has no CDI support). */
int cri_status_enable_cdi(const struct cri_status *s);

/*
 * The status as one JSON document: {"conditions": [{"type", "status",
 * "reason", "message"}], "info": {key: value}}, where a value that holds a
 * JSON object or array (info["config"]) is embedded as JSON, as crictl info
 * and ../shared/tools/cri-status print it.
 */
json_t *cri_status_to_json(const struct cri_status *s);
