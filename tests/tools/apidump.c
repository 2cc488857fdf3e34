// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * A test-only tool: drive lib/cri and lib/dockerapi against a live socket and
 * print what they decoded as JSON, so the daemon tests can compare it with
 * independent clients (../shared/tools/cri-status, docker info).
 *
 *   apidump [--timeout MS] cri-status SOCKET [RAW_OUT]
 *   apidump [--timeout MS] cri-version SOCKET
 *   apidump [--timeout MS] docker-ping SOCKET
 *   apidump [--timeout MS] docker-info SOCKET
 *   apidump [--timeout MS] cri-wait SOCKET      (wait up to MS for Version)
 *   apidump [--timeout MS] docker-wait SOCKET   (wait up to MS for /_ping)
 *   apidump peer-pid SOCKET
 *
 * cri-status with RAW_OUT also saves the raw StatusResponse message there
 * (the fuzz corpus seed). On failure it prints "error: ...", "hint: ..." and
 * "fail: <transport reason>" on stderr and exits 1.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cri.h"
#include "dockerapi.h"
#include "rows.h"
#include "svc.h"

static const char *const fail_names[] = {
        [UNIXHTTP_OK] = "none",           [UNIXHTTP_NO_SOCKET] = "no-socket",
        [UNIXHTTP_DENIED] = "denied",     [UNIXHTTP_REFUSED] = "refused",
        [UNIXHTTP_TIMEOUT] = "timeout",   [UNIXHTTP_CLOSED] = "closed",
        [UNIXHTTP_PROTOCOL] = "protocol", [UNIXHTTP_RESET] = "reset",
        [UNIXHTTP_OTHER] = "other",
};

static int
report(struct gp_error *err, enum unixhttp_fail why, int grpc_status)
{
	fprintf(stderr, "error: %s\n", err->msg ? err->msg : "(no message)");
	if (err->hint)
		fprintf(stderr, "hint: %s\n", err->hint);
	fprintf(stderr, "fail: %s\n", fail_names[why]);
	if (grpc_status >= 0)
		fprintf(stderr, "grpc-status: %d\n", grpc_status);
	gp_error_release(err);
	return 1;
}

static void
print_json(json_t *doc)
{
	char *s = rows_format_json(doc);
	fputs(s, stdout);
	free(s);
	json_decref(doc);
}

static json_t *
tristate(int v)
{
	return v < 0 ? json_null() : json_boolean(v);
}

static json_t *
str_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

static void
count_tick(void *data)
{
	(*(int *)data)++;
}

static int
cri_status(const char *sock, unsigned timeout, const char *raw_out)
{
	struct gp_error err = GP_ERROR_INIT;
	struct cri_client *c = cri_client_new(sock, timeout);
	struct cri_status *s = NULL;
	int r;
	if (raw_out) {
		struct pb_buf req = PB_BUF_INIT;
		void *msg = NULL;
		size_t len = 0;
		cri_encode_status_request(true, &req);
		r = cri_client_call(c, "RuntimeService/Status", req.data, req.len, &msg, &len,
		                    &err);
		pb_buf_release(&req);
		if (r == 0) {
			FILE *f = fopen(raw_out, "wb");
			if (!f || fwrite(msg, 1, len, f) != len || fclose(f) != 0) {
				fprintf(stderr, "error: writing '%s'\n", raw_out);
				return 1;
			}
			r = cri_status_parse(msg, len, &s, &err);
		}
		free(msg);
	} else {
		r = cri_client_status(c, true, &s, &err);
	}
	if (r < 0) {
		r = report(&err, cri_client_last_fail(c), cri_client_last_grpc_status(c));
		cri_client_free(c);
		return r;
	}
	json_t *doc = json_object();
	json_object_set_new(doc, "api", json_string(cri_client_api(c)));
	json_t *checked = json_object();
	json_object_set_new(checked, "default_runtime", str_or_null(cri_status_default_runtime(s)));
	json_object_set_new(checked, "enable_cdi", tristate(cri_status_enable_cdi(s)));
	json_object_set_new(checked, "runtime_ready",
	                    json_boolean(cri_status_condition_true(s, CRI_RUNTIME_READY)));
	json_object_set_new(checked, "network_ready",
	                    json_boolean(cri_status_condition_true(s, CRI_NETWORK_READY)));
	json_t *rts = json_object();
	char **names = cri_status_runtime_names(s);
	for (char **n = names; *n; n++) {
		json_t *o = json_object();
		json_object_set_new(o, "runtime_type", str_or_null(cri_status_runtime_type(s, *n)));
		json_object_set_new(o, "binary_name",
		                    str_or_null(cri_status_runtime_binary(s, *n)));
		json_object_set_new(o, "systemd_cgroup",
		                    tristate(cri_status_runtime_systemd_cgroup(s, *n)));
		json_object_set_new(rts, *n, o);
	}
	strv_free(names);
	json_object_set_new(checked, "runtimes", rts);
	json_object_set_new(doc, "checked", checked);
	json_object_set_new(doc, "status", cri_status_to_json(s));
	print_json(doc);
	cri_status_free(s);
	cri_client_free(c);
	return 0;
}

static int
cri_version(const char *sock, unsigned timeout)
{
	struct gp_error err = GP_ERROR_INIT;
	struct cri_client *c = cri_client_new(sock, timeout);
	struct cri_version v;
	int r = 0;
	if (cri_client_version(c, &v, &err) < 0) {
		r = report(&err, cri_client_last_fail(c), cri_client_last_grpc_status(c));
	} else {
		json_t *doc = json_object();
		json_object_set_new(doc, "api", json_string(cri_client_api(c)));
		json_object_set_new(doc, "version", json_string(v.version));
		json_object_set_new(doc, "runtime_name", json_string(v.runtime_name));
		json_object_set_new(doc, "runtime_version", json_string(v.runtime_version));
		json_object_set_new(doc, "runtime_api_version", json_string(v.runtime_api_version));
		print_json(doc);
		cri_version_release(&v);
	}
	cri_client_free(c);
	return r;
}

static int
docker(const char *what, const char *sock, unsigned timeout)
{
	struct gp_error err = GP_ERROR_INIT;
	struct docker_client *c = docker_client_new(sock, timeout);
	int r = 0;
	json_t *doc = json_object();
	if (strcmp(what, "docker-ping") == 0) {
		char *api = NULL;
		if (docker_client_ping(c, &api, &err) < 0)
			r = report(&err, docker_client_last_fail(c), -1);
		json_object_set_new(doc, "api_version", str_or_null(api));
		free(api);
	} else {
		struct docker_info *info = NULL;
		if (docker_client_info(c, &info, &err) < 0) {
			r = report(&err, docker_client_last_fail(c), -1);
		} else {
			json_object_set_new(doc, "default_runtime",
			                    str_or_null(docker_info_default_runtime(info)));
			json_object_set_new(doc, "cgroup_driver",
			                    str_or_null(docker_info_cgroup_driver(info)));
			json_object_set_new(doc, "cgroup_version",
			                    str_or_null(docker_info_cgroup_version(info)));
			json_object_set_new(doc, "server_version",
			                    str_or_null(docker_info_server_version(info)));
			json_t *rts = json_object();
			char **names = docker_info_runtime_names(info);
			for (char **n = names; *n; n++)
				json_object_set_new(
				        rts, *n, str_or_null(docker_info_runtime_path(info, *n)));
			strv_free(names);
			json_object_set_new(doc, "runtimes", rts);
		}
		docker_info_free(info);
	}
	if (r == 0)
		print_json(doc);
	else
		json_decref(doc);
	docker_client_free(c);
	return r;
}

int
main(int argc, char **argv)
{
	unsigned timeout = 0;
	int i = 1;
	if (argc > 2 && strcmp(argv[1], "--timeout") == 0) {
		timeout = (unsigned)strtoul(argv[2], NULL, 10);
		i = 3;
	}
	if (argc - i < 2) {
		fprintf(stderr, "usage: apidump [--timeout MS] cri-status|cri-version|cri-wait|"
		                "docker-ping|docker-info|docker-wait|peer-pid SOCKET [RAW_OUT]\n");
		return 2;
	}
	const char *what = argv[i], *sock = argv[i + 1];
	if (strcmp(what, "cri-status") == 0)
		return cri_status(sock, timeout, argc - i > 2 ? argv[i + 2] : NULL);
	if (strcmp(what, "cri-version") == 0)
		return cri_version(sock, timeout);
	if (strcmp(what, "docker-ping") == 0 || strcmp(what, "docker-info") == 0)
		return docker(what, sock, timeout);
	if (strcmp(what, "cri-wait") == 0 || strcmp(what, "docker-wait") == 0) {
		struct gp_error err = GP_ERROR_INIT;
		int ticks = 0;
		int r = what[0] == 'c' ? cri_wait_ready(sock, timeout, count_tick, &ticks, &err)
		                       : docker_wait_ready(sock, timeout, count_tick, &ticks, &err);
		if (r < 0)
			return report(&err, UNIXHTTP_OK, -1);
		printf("ready\n");
		return 0;
	}
	if (strcmp(what, "peer-pid") == 0) {
		struct gp_error err = GP_ERROR_INIT;
		pid_t pid;
		if (svc_pid_from_socket(unixhttp_socket_path(sock), &pid, &err) < 0)
			return report(&err, UNIXHTTP_OTHER, -1);
		printf("%d\n", (int)pid);
		return 0;
	}
	fprintf(stderr, "apidump: unknown request '%s'\n", what);
	return 2;
}
