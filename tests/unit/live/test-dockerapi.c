// SPDX-License-Identifier: GPL-2.0-or-later
#include "dockerapi.h"
#include "tap.h"

static void
test_captured(void)
{
	/* GET /info from Debian's dockerd 20.10.24 with nvidia as the default runtime. */
	_cleanup_free_ char *data = NULL;
	size_t len;
	if (!tap_read_fixture("fixtures/api/docker-info-20.10.24.json", &data, &len))
		return;
	struct docker_info *info = NULL;
	struct gp_error err = GP_ERROR_INIT;
	is_int(docker_info_parse(data, len, &info, &err), 0, "captured: parses");
	is_str(docker_info_default_runtime(info), "nvidia", "captured: DefaultRuntime");
	is_str(docker_info_runtime_path(info, "nvidia"), "/usr/bin/nvidia-container-runtime",
	       "captured: Runtimes.nvidia.path");
	is_str(docker_info_runtime_path(info, "runc"), "runc", "captured: Runtimes.runc.path");
	ok(docker_info_runtime_path(info, "kata") == NULL, "captured: no kata");
	is_str(docker_info_cgroup_driver(info), "cgroupfs", "captured: CgroupDriver");
	is_str(docker_info_cgroup_version(info), "1", "captured: CgroupVersion");
	is_str(docker_info_server_version(info), "20.10.24+dfsg1", "captured: ServerVersion");
	char **names = docker_info_runtime_names(info);
	is_int(strv_length(names), 4, "captured: four runtimes");
	is_str(names[0], "io.containerd.runc.v2", "captured: runtimes sorted");
	is_str(names[2], "nvidia", "captured: nvidia among them");
	strv_free(names);
	ok(json_is_object(docker_info_json(info)), "captured: the document");
	docker_info_free(info);
}

static void
test_demux(void)
{
	/* stdout "hi\n", stderr "err\n", stdout "x" */
	static const char framed[] = "\x01\0\0\0\0\0\0\x03hi\n"
	                             "\x02\0\0\0\0\0\0\x04"
	                             "err\n"
	                             "\x01\0\0\0\0\0\0\x01"
	                             "x";
	_cleanup_free_ char *a = docker_logs_demux(framed, sizeof(framed) - 1);
	is_str(a, "hi\nerr\nx", "demux: frames joined in order");
	_cleanup_free_ char *b = docker_logs_demux("plain text\n", 11);
	is_str(b, "plain text\n", "demux: a tty's raw bytes stay");
	/* A frame that says 16 bytes but holds 3: what there is. */
	static const char cut[] = "\x01\0\0\0\0\0\0\x10"
	                          "abc";
	_cleanup_free_ char *c = docker_logs_demux(cut, sizeof(cut) - 1);
	is_str(c, "abc", "demux: a cut frame");
	_cleanup_free_ char *d = docker_logs_demux("", 0);
	is_str(d, "", "demux: nothing");
	/* A short header: kept as bytes. */
	_cleanup_free_ char *e = docker_logs_demux("\x01\0\0", 3);
	is_int(strlen(e), 1, "demux: a short header is not a frame");
}

int
main(void)
{
	struct docker_info *info = NULL;
	struct gp_error err = GP_ERROR_INIT;

	test_captured();

	static const char small[] = "{\"DefaultRuntime\": \"runc\", \"CgroupDriver\": \"systemd\","
	                            " \"Runtimes\": {\"runc\": {\"path\": \"runc\"}, \"nvidia\": "
	                            "{\"path\": \"/usr/local/bin/nvidia-container-runtime\"}}}";
	is_int(docker_info_parse(small, sizeof(small) - 1, &info, &err), 0, "a small /info");
	is_str(docker_info_default_runtime(info), "runc", "DefaultRuntime runc");
	is_str(docker_info_cgroup_driver(info), "systemd", "CgroupDriver systemd");
	ok(docker_info_server_version(info) == NULL, "no ServerVersion");
	is_str(docker_info_runtime_path(info, "nvidia"), "/usr/local/bin/nvidia-container-runtime",
	       "nvidia's path");
	docker_info_free(info);

	/* Fields of the wrong type are refused, never read as absent (DefaultRuntime 3 is not
	 * runc). */
	static const struct {
		const char *doc, *want;
	} odd[] = {
	        {"{\"DefaultRuntime\": 3}",
	         "the answer's DefaultRuntime is a number (3), not a string"},
	        {"{\"DefaultRuntime\": null}", "the answer's DefaultRuntime is null, not a string"},
	        {"{\"CgroupDriver\": false}",
	         "the answer's CgroupDriver is a boolean (false), not a string"},
	        {"{\"Runtimes\": [1]}", "the answer's Runtimes is an array, not an object"},
	        {"{\"Runtimes\": {\"runc\": \"runc\"}}",
	         "the answer's Runtimes.runc is a string, not an object"},
	        {"{\"Runtimes\": {\"nvidia\": {\"path\": {}}}}",
	         "the answer's Runtimes.nvidia.path is an object, not a string"},
	};
	for (size_t i = 0; i < GP_ARRAY_SIZE(odd); i++) {
		info = NULL;
		ok(docker_info_parse(odd[i].doc, strlen(odd[i].doc), &info, &err) == -1,
		   "refused: %s", odd[i].doc);
		ok(info == NULL, "nothing returned");
		is_str(err.msg, odd[i].want, "the message");
		gp_error_release(&err);
	}
	is_int(docker_info_parse("", 0, &info, &err), -1, "an empty answer");
	is_str(err.msg, "the answer is empty, not a JSON object", "an empty answer: message");
	gp_error_release(&err);
	static const char fine[] = "{\"Runtimes\": {\"io.containerd.runc.v2\": {\"runtimeType\": "
	                           "\"io.containerd.runc.v2\"}}}";
	is_int(docker_info_parse(fine, sizeof(fine) - 1, &info, &err), 0,
	       "a runtime without a path parses");
	docker_info_free(info);
	docker_info_free(NULL);
	ok(docker_info_default_runtime(NULL) == NULL, "accessors accept NULL");

	is_int(docker_info_parse("{\"a\": ", 6, &info, &err), -1, "truncated JSON");
	is_str(err.msg, "parsing the answer: 1:6: unexpected token near end of file",
	       "truncated JSON: message");
	gp_error_release(&err);
	is_int(docker_info_parse("[]", 2, &info, &err), -1, "an array");
	is_str(err.msg, "the answer is not a JSON object", "an array: message");
	gp_error_release(&err);

	struct docker_client *c = docker_client_new("unix:///nonexistent/gpuprep/docker.sock", 0);
	is_str(docker_client_socket(c), "/nonexistent/gpuprep/docker.sock", "unix:// is stripped");
	is_int(docker_client_ping(c, NULL, &err), -1, "no socket: ping fails");
	is_str(err.msg, "GET /_ping: socket '/nonexistent/gpuprep/docker.sock' does not exist",
	       "no socket: message");
	ok(err.hint && strstr(err.hint, "is dockerd running?"), "no socket: hint");
	is_int(docker_client_last_fail(c), UNIXHTTP_NO_SOCKET, "no socket: classified");
	gp_error_release(&err);
	docker_client_free(c);
	docker_client_free(NULL);
	test_demux();
	return tap_done();
}
