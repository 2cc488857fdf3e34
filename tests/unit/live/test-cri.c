// SPDX-License-Identifier: GPL-2.0-or-later
#include "cri.h"
#include "tap.h"

/* A StatusResponse built by hand: conditions, info entries, unknown fields. */
static void
build(struct pb_buf *out, const char *config)
{
	struct pb_buf cond = PB_BUF_INIT, st = PB_BUF_INIT, entry = PB_BUF_INIT;
	pb_put_string(&cond, 1, "RuntimeReady");
	pb_put_uint(&cond, 2, 1);
	pb_put_uint(&cond, 9, 42); /* unknown */
	pb_put_bytes(&st, 1, cond.data, cond.len);
	pb_buf_release(&cond);
	pb_put_string(&cond, 1, "NetworkReady");
	pb_put_string(&cond, 3, "NetworkPluginNotReady");
	pb_put_string(&cond, 4, "cni plugin not initialized");
	pb_put_bytes(&st, 1, cond.data, cond.len);
	pb_buf_release(&cond);
	pb_put_bytes(out, 1, st.data, st.len);
	pb_buf_release(&st);
	if (config) {
		pb_put_string(&entry, 1, "config");
		pb_put_string(&entry, 2, config);
		pb_put_bytes(out, 2, entry.data, entry.len);
		pb_buf_release(&entry);
	}
	pb_put_string(&entry, 1, "golang");
	pb_put_string(&entry, 2, "\"go1.19.8\"");
	pb_put_bytes(out, 2, entry.data, entry.len);
	pb_buf_release(&entry);
	pb_put_uint(out, 7, 1); /* unknown */
}

static const char config_17[] =
        "{\"containerd\": {\"defaultRuntimeName\": \"nvidia\", \"runtimes\": {"
        "\"runc\": {\"runtimeType\": \"io.containerd.runc.v2\", \"options\": {\"SystemdCgroup\": "
        "true}},"
        "\"nvidia\": {\"runtimeType\": \"io.containerd.runc.v2\", \"options\": {\"BinaryName\": "
        "\"/usr/bin/nvidia-container-runtime\", \"SystemdCgroup\": false}}}},"
        "\"enableCDI\": true}";

static void
parse_fail(const void *msg, size_t len, const char *want, const char *name)
{
	struct cri_status *s = NULL;
	struct gp_error err = GP_ERROR_INIT;
	is_int(cri_status_parse(msg, len, &s, &err), -1, name);
	is_str(err.msg, want, name);
	ok(s == NULL, "%s: no status", name);
	gp_error_release(&err);
}

static void
test_captured(void)
{
	/* A StatusResponse that tests/tools/apidump captured from containerd 1.6.20. */
	_cleanup_free_ char *data = NULL;
	size_t len;
	if (!tap_read_fixture("fuzz/corpus/cri/status-containerd-1.6.20.bin", &data, &len))
		return;
	struct cri_status *s = NULL;
	struct gp_error err = GP_ERROR_INIT;
	is_int(cri_status_parse(data, len, &s, &err), 0, "captured: parses");
	is_int(s->n_conditions, 2, "captured: two conditions");
	ok(cri_status_condition_true(s, CRI_RUNTIME_READY), "captured: RuntimeReady");
	ok(!cri_status_condition_true(s, CRI_NETWORK_READY), "captured: NetworkReady is false");
	is_str(cri_status_condition(s, CRI_NETWORK_READY)->reason, "NetworkPluginNotReady",
	       "captured: NetworkReady's reason");
	is_str(cri_status_default_runtime(s), "nvidia", "captured: default runtime");
	is_str(cri_status_runtime_binary(s, "nvidia"), "/usr/bin/nvidia-container-runtime",
	       "captured: nvidia's BinaryName");
	is_str(cri_status_runtime_type(s, "nvidia"), "io.containerd.runc.v2",
	       "captured: nvidia's runtimeType");
	is_int(cri_status_enable_cdi(s), -1, "captured: containerd 1.6 has no enableCDI");
	is_str(cri_status_info(s, "golang"), "\"go1.19.8\"", "captured: info[golang]");
	cri_status_free(s);
}

int
main(void)
{
	struct pb_buf b = PB_BUF_INIT;
	cri_encode_status_request(true, &b);
	ok(b.len == 2 && memcmp(b.data, "\x08\x01", 2) == 0, "StatusRequest{verbose: true}");
	pb_buf_release(&b);
	cri_encode_status_request(false, &b);
	is_int(b.len, 0, "StatusRequest{} is empty");
	pb_buf_release(&b);
	cri_encode_version_request("v1", &b);
	ok(b.len == 4 && memcmp(b.data, "\x0a\x02v1", 4) == 0, "VersionRequest{version: v1}");
	pb_buf_release(&b);

	build(&b, config_17);
	struct cri_status *s = NULL;
	struct gp_error err = GP_ERROR_INIT;
	is_int(cri_status_parse(b.data, b.len, &s, &err), 0, "a built StatusResponse parses");
	pb_buf_release(&b);
	is_int(s->n_conditions, 2, "two conditions");
	is_str(s->conditions[0].type, "RuntimeReady", "first condition");
	ok(s->conditions[0].status, "RuntimeReady is true");
	is_str(s->conditions[0].reason, "", "a missing reason is empty");
	is_str(s->conditions[1].message, "cni plugin not initialized", "NetworkReady's message");
	ok(cri_status_condition_true(s, CRI_RUNTIME_READY), "RuntimeReady by name");
	ok(!cri_status_condition_true(s, CRI_NETWORK_READY), "NetworkReady by name is false");
	ok(cri_status_condition(s, "Other") == NULL, "an absent condition is NULL");
	ok(!cri_status_condition_true(s, "Other"), "an absent condition is not true");
	is_str(cri_status_default_runtime(s), "nvidia", "defaultRuntimeName");
	is_str(cri_status_runtime_binary(s, "nvidia"), "/usr/bin/nvidia-container-runtime",
	       "nvidia's BinaryName");
	ok(cri_status_runtime_binary(s, "runc") == NULL, "runc has no BinaryName");
	ok(cri_status_runtime(s, "kata") == NULL, "an absent runtime is NULL");
	is_int(cri_status_runtime_systemd_cgroup(s, "runc"), 1, "runc's SystemdCgroup");
	is_int(cri_status_runtime_systemd_cgroup(s, "nvidia"), 0, "nvidia's SystemdCgroup");
	is_int(cri_status_runtime_systemd_cgroup(s, "kata"), -1, "an absent runtime's cgroup");
	is_int(cri_status_enable_cdi(s), 1, "enableCDI (containerd 1.7)");
	char **names = cri_status_runtime_names(s);
	ok(strv_length(names) == 2 && strcmp(names[0], "nvidia") == 0 &&
	           strcmp(names[1], "runc") == 0,
	   "runtime names, sorted");
	strv_free(names);
	json_t *doc = cri_status_to_json(s);
	char *text = json_dumps(doc, JSON_SORT_KEYS | JSON_COMPACT);
	ok(strstr(text, "\"info\":{\"config\":{\"containerd\":") != NULL,
	   "to_json embeds info[config] as JSON");
	ok(strstr(text, "\"golang\":\"\\\"go1.19.8\\\"\"") != NULL,
	   "to_json keeps other info values as strings");
	ok(strstr(text, "{\"message\":\"\",\"reason\":\"\",\"status\":true,\"type\":"
	                "\"RuntimeReady\"}") != NULL,
	   "to_json lists the conditions");
	free(text);
	json_decref(doc);
	cri_status_free(s);

	/* No config at all (cri-dockerd, CRI-O): the accessors say absent. */
	build(&b, NULL);
	is_int(cri_status_parse(b.data, b.len, &s, &err), 0, "a status without config parses");
	pb_buf_release(&b);
	ok(s->config == NULL, "no config");
	ok(cri_status_default_runtime(s) == NULL, "no default runtime");
	is_int(cri_status_enable_cdi(s), -1, "no enableCDI");
	names = cri_status_runtime_names(s);
	is_int(strv_length(names), 0, "no runtimes");
	strv_free(names);
	cri_status_free(s);
	cri_status_free(NULL);

	build(&b, "{\"containerd\": ");
	parse_fail(b.data, b.len, "info[\"config\"]: 1:15: unexpected token near end of file",
	           "a truncated config");
	pb_buf_release(&b);
	build(&b, "[1]");
	parse_fail(b.data, b.len, "info[\"config\"] is not a JSON object", "a config array");
	pb_buf_release(&b);
	/* Fields verify reads, of the wrong type: refused, never read as absent. */
	static const struct {
		const char *config, *want;
	} bad_types[] = {
	        {"{\"containerd\": {\"defaultRuntimeName\": 5}}",
	         "info[\"config\"]: containerd.defaultRuntimeName is a number (5), not a string"},
	        {"{\"containerd\": []}", "info[\"config\"]: containerd is an array, not an object"},
	        {"{\"containerd\": {\"runtimes\": \"runc\"}}",
	         "info[\"config\"]: containerd.runtimes is a string, not an object"},
	        {"{\"containerd\": {\"runtimes\": {\"runc\": {\"options\": {\"BinaryName\": "
	         "true}}}}}",
	         "info[\"config\"]: containerd.runtimes.runc.options.BinaryName is a boolean "
	         "(true), not a string"},
	        {"{\"containerd\": {\"runtimes\": {\"runc\": {\"options\": {\"SystemdCgroup\": "
	         "\"true\"}}}}}",
	         "info[\"config\"]: containerd.runtimes.runc.options.SystemdCgroup is a string, "
	         "not "
	         "a boolean"},
	        {"{\"enableCDI\": 1}",
	         "info[\"config\"]: enableCDI is a number (1), not a boolean"},
	};
	for (size_t i = 0; i < GP_ARRAY_SIZE(bad_types); i++) {
		build(&b, bad_types[i].config);
		parse_fail(b.data, b.len, bad_types[i].want, bad_types[i].want);
		pb_buf_release(&b);
	}
	/* Go's nil maps are null: accepted. */
	build(&b, "{\"containerd\": {\"runtimes\": {\"runc\": {\"options\": null}}}}");
	is_int(cri_status_parse(b.data, b.len, &s, &err), 0, "options null parses");
	pb_buf_release(&b);
	cri_status_free(s);
	parse_fail("\x0a\x05\x0a\x03\x0a\x01", 6,
	           "StatusResponse: malformed protobuf at byte 0: length-delimited field runs past "
	           "the end",
	           "a truncated status");
	parse_fail("\x0a\x06\x0a\x04\x0a\x02\x61\x00", 8,
	           "StatusResponse: RuntimeCondition.type holds a NUL byte", "a NUL in a string");
	parse_fail("\x12\x04\x0a\x02\xc3\x28", 6, "StatusResponse: info key is not valid UTF-8",
	           "invalid UTF-8");
	parse_fail("\x08\x01", 2, "StatusResponse.status is not a message", "a wrong wire type");
	parse_fail("\x0a\x02\x08\x01", 4,
	           "StatusResponse: RuntimeStatus.conditions is not a message",
	           "a condition of the wrong type");
	parse_fail("\x0a\x04\x0a\x02\x12\x00", 6,
	           "StatusResponse: RuntimeCondition.status is not a bool", "a status of bytes");
	is_int(cri_status_parse("", 0, &s, &err), 0, "an empty StatusResponse parses");
	is_int(s->n_conditions, 0, "with no conditions");
	cri_status_free(s);

	struct cri_version v;
	static const char ver[] = "\x0a\x05"
	                          "0.1.0"
	                          "\x12\x0a"
	                          "containerd"
	                          "\x1a\x0a"
	                          "1.6.20~ds1"
	                          "\x22\x02"
	                          "v1"
	                          "\x28\x01";
	is_int(cri_version_parse(ver, sizeof(ver) - 1, &v, &err), 0, "a VersionResponse parses");
	is_str(v.version, "0.1.0", "version");
	is_str(v.runtime_name, "containerd", "runtime_name");
	is_str(v.runtime_version, "1.6.20~ds1", "runtime_version");
	is_str(v.runtime_api_version, "v1", "runtime_api_version");
	cri_version_release(&v);
	is_int(cri_version_parse("\x12\x01", 2, &v, &err), -1, "a truncated VersionResponse");
	is_str(err.msg,
	       "VersionResponse: malformed protobuf at byte 0: length-delimited field runs past "
	       "the end",
	       "a truncated VersionResponse: message");
	gp_error_release(&err);
	is_int(cri_version_parse("\x10\x01", 2, &v, &err), -1, "a version of the wrong type");
	is_str(err.msg, "VersionResponse.runtime_name has wire type 0, not a string",
	       "a version of the wrong type: message");
	gp_error_release(&err);

	test_captured();

	/* The client: endpoints, and the error for a missing socket without a daemon. */
	struct cri_client *c = cri_client_new("unix:///nonexistent/gpuprep/cri.sock", 0);
	is_str(cri_client_socket(c), "/nonexistent/gpuprep/cri.sock", "unix:// is stripped");
	is_int(cri_client_status(c, true, &s, &err), -1, "no socket: Status fails");
	is_str(err.msg,
	       "runtime.v1.RuntimeService/Status: socket '/nonexistent/gpuprep/cri.sock' does not "
	       "exist",
	       "no socket: message");
	ok(err.hint && strstr(err.hint, "is the runtime running?"), "no socket: hint");
	is_int(cri_client_last_fail(c), UNIXHTTP_NO_SOCKET, "no socket: classified");
	is_int(cri_client_last_grpc_status(c), -1, "no socket: no gRPC status");
	ok(cri_client_api(c) == NULL, "no socket: no API answered");
	gp_error_release(&err);
	cri_client_free(c);
	cri_client_free(NULL);
	return tap_done();
}
