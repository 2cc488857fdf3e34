// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * runtimes/live: the check list and its JSON, the runtime-binary check, dockerd's reload
 * decision (through --mode none, which touches no daemon) and the reading of containerd's
 * config.toml with its imports, all on files in a temp root.
 */
#include <errno.h>
#include <sys/stat.h>
#include <unistd.h>

#include "live.h"
#include "rows.h"
#include "runtime.h"
#include "tap.h"

static char root[] = "/tmp/gpuprep-test-live.XXXXXX";

static void
unlink_under(const char *node)
{
	_cleanup_free_ char *p = gp_path(root, node);
	unlink(p);
}

static void
put(const char *node, const char *text, mode_t mode)
{
	_cleanup_free_ char *p = gp_path(root, node);
	tap_write_file(p, text, mode);
}

static void
test_checks(void)
{
	struct verify_result r = {0};
	ok(!verify_ok(&r), "no checks: not ok");
	verify_add(&r, "daemon", LIVE_CHECK_PASS, "answers", "dockerd 20.10", NULL);
	verify_add_note(&r, "smoke", LIVE_CHECK_SKIP, "x", "not run", "no GPU %d", 0);
	ok(verify_ok(&r), "a pass and a skip: ok");
	ok(verify_first_failure(&r) == NULL, "no failure");
	verify_add(&r, "default_runtime", LIVE_CHECK_FAIL, "nvidia", "runc", "restart needed");
	ok(!verify_ok(&r), "a failure: not ok");
	is_str(verify_first_failure(&r)->name, "default_runtime", "the first failure");
	r.restart_needed = true;
	r.socket = xstrdup("/run/docker.sock");
	json_t *doc = verify_result_to_json(&r, "docker");
	_cleanup_free_ char *s = json_dumps(doc, JSON_COMPACT);
	is_str(s,
	       "{\"schema_version\":1,\"runtime\":\"docker\",\"socket\":\"/run/docker.sock\","
	       "\"daemon\":null,\"checks\":[{\"check\":\"daemon\",\"status\":\"pass\",\"expected\":"
	       "\"answers\",\"seen\":\"dockerd 20.10\",\"note\":null},{\"check\":\"smoke\","
	       "\"status\":\"skip\",\"expected\":\"x\",\"seen\":\"not run\",\"note\":\"no GPU 0\"},"
	       "{\"check\":\"default_runtime\",\"status\":\"fail\",\"expected\":\"nvidia\","
	       "\"seen\":"
	       "\"runc\",\"note\":\"restart needed\"}],\"restart_needed\":true,\"ok\":false}",
	       "the JSON document");
	json_decref(doc);
	verify_result_release(&r);
	verify_result_release(NULL);
	is_str(restart_action_name(RESTART_ACTION_RELOAD), "reload", "action names");
}

static void
test_binary(void)
{
	put("/usr/bin/nvidia-container-runtime", "#!/bin/sh\n", 0755);
	put("/opt/nv/not-exec", "x", 0644);
	struct verify_result r = {0};
	live_check_binary(&r, root, "nvidia-container-runtime");
	live_check_binary(&r, root, "/usr/bin/nvidia-container-runtime");
	live_check_binary(&r, root, "/opt/nv/not-exec");
	live_check_binary(&r, root, "/opt/nv");
	live_check_binary(&r, root, "/missing");
	live_check_binary(&r, root, "missing-runtime");
	live_check_binary(&r, root, NULL);
	is_int(r.n_checks, 7, "one check each");
	is_int(r.checks[0].status, LIVE_CHECK_PASS, "a bare name is found in the bin dirs");
	is_str(r.checks[0].seen, "/usr/bin/nvidia-container-runtime", "and the path is shown");
	is_int(r.checks[1].status, LIVE_CHECK_PASS, "an absolute path");
	is_str(r.checks[2].seen, "not executable", "not executable");
	is_str(r.checks[3].seen, "a directory", "a directory");
	is_str(r.checks[4].seen, "not found", "missing");
	is_int(r.checks[5].status, LIVE_CHECK_FAIL, "a bare name found nowhere");
	is_int(r.checks[6].status, LIVE_CHECK_FAIL, "no path at all");
	verify_result_release(&r);
}

/* dockerd's reload decision with --mode none: manual says reload or restart. */
static void
decision(const char *original, const char *now, bool full, const char *want_manual,
         const char *want_why, const char *name)
{
	put("/etc/docker/daemon.json", now, 0644);
	struct restart_opts o = {.mode = SVC_MODE_NONE, .full = full, .original = original};
	o.live.root = root;
	struct restart_result r = {0};
	struct gp_error err = GP_ERROR_INIT;
	is_int(docker_live_restart(&runtime_docker, &o, &r, &err), 0, name);
	ok(r.action == RESTART_ACTION_NONE, "%s: nothing is touched", name);
	ok(r.manual && str_startswith(r.manual, want_manual), "%s: %s", name, want_manual);
	ok(r.why && strstr(r.why, want_why), "%s: why says '%s' (%s)", name, want_why,
	   r.why ? r.why : "(null)");
	restart_result_release(&r);
	gp_error_release(&err);
}

static void
test_docker_decision(void)
{
	const char *before = "{\"log-level\": \"warn\"}\n";
	const char *after = "{\"log-level\": \"warn\", \"runtimes\": {\"nvidia\": {\"path\": "
	                    "\"nvidia-container-runtime\"}}, \"default-runtime\": \"nvidia\", "
	                    "\"features\": {\"cdi\": true}}\n";
	decision(before, after, false, "systemctl reload docker", "only runtimes",
	         "runtimes, default-runtime, features: a reload");
	decision("", "{\"default-runtime\": \"nvidia\"}", false, "systemctl reload docker",
	         "only runtimes", "a created file: a reload");
	decision(before,
	         "{\"log-level\": \"warn\", \"exec-opts\": [\"native.cgroupdriver=systemd\"]}",
	         false, "systemctl restart docker", "'exec-opts' changed", "exec-opts: a restart");
	decision(before, "{}", false, "systemctl restart docker", "'log-level' changed",
	         "a removed key: a restart");
	decision(before, after, true, "systemctl restart docker", "--full", "--full: a restart");
	decision(NULL, after, false, "systemctl restart docker", "no backup",
	         "no backup: a restart");
	decision(before, "{not json", false, "systemctl restart docker", "cannot compare",
	         "a file that does not parse: a restart");
}

/* containerd's inspect, which verify compares with the live daemon. */
static void
ctd(const char *name, const char *want_default, const char *want_binary, int has, int cg, int cdi)
{
	struct runtime_config_view v = {0};
	struct gp_error e = GP_ERROR_INIT;
	int r = runtime_containerd.inspect(root, NULL, &v, &e);
	ok(r == 0, "%s: reads (%s)", name, e.msg ? e.msg : "no error");
	const struct runtime_config_entry *nv = runtime_config_view_find(&v, "nvidia");
	is_str(v.default_runtime ? v.default_runtime : "runc", want_default, name);
	is_str(nv ? nv->path : NULL, want_binary, name);
	is_int(nv != NULL, has, name);
	is_int(nv ? nv->systemd_cgroup : -1, cg, name);
	is_int(v.cdi, cdi, name);
	runtime_config_view_release(&v);
	gp_error_release(&e);
}

/* The view's index by name: every entry found, in file order, a name given twice found as its
 * first, and a config with thousands of runtimes read whole (a list search made it quadratic). */
static void
test_view_index(void)
{
	struct runtime_config_view v = {0};
	ok(runtime_config_view_find(&v, "runc") == NULL, "an empty view finds nothing");
	ok(runtime_config_view_find(&v, NULL) == NULL, "a NULL name finds nothing");
	enum { N = 5000 };
	for (int i = 0; i < N; i++) {
		_cleanup_free_ char *name = xasprintf("r%d", i);
		_cleanup_free_ char *path = xasprintf("/usr/bin/runtime-%d", i);
		runtime_config_view_add(&v, name, path);
		/* Early, so that the index is rebuilt many times after it. */
		if (i == 10)
			runtime_config_view_add(&v, "r7", "/usr/bin/second");
	}
	int found = 0, in_order = 0;
	for (int i = 0; i < N; i++) {
		_cleanup_free_ char *name = xasprintf("r%d", i);
		_cleanup_free_ char *path = xasprintf("/usr/bin/runtime-%d", i);
		const struct runtime_config_entry *e = runtime_config_view_find(&v, name);
		found += e && strcmp(e->name, name) == 0 && strcmp(e->path, path) == 0;
		in_order += strcmp(v.runtimes[i + (i > 10)].name, name) == 0;
	}
	is_int(found, N, "each of 5000 runtimes is found by its name");
	is_int(in_order, N, "the entries stay in the order added");
	is_str(v.runtimes[11].path, "/usr/bin/second", "a name given twice: both entries kept");
	is_int((int)v.n_runtimes, N + 1, "a name given twice is added twice");
	const struct runtime_config_entry *r7 = runtime_config_view_find(&v, "r7");
	is_str(r7 ? r7->path : NULL, "/usr/bin/runtime-7",
	       "a name given twice: find gives the first");
	ok(runtime_config_view_find(&v, "r5000") == NULL, "a name not added: NULL");
	ok(runtime_config_view_find(&v, "") == NULL, "the empty name: NULL");
	runtime_config_view_release(&v);

	/* containerd's inspect of a config defining 3000 runtimes, each with its binary. */
	enum { M = 3000 };
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	if (!f)
		abort();
	fprintf(f,
	        "version = 2\n[plugins.\"io.containerd.grpc.v1.cri\".containerd]\n"
	        "default_runtime_name = \"r%d\"\n",
	        M - 1);
	for (int i = 0; i < M; i++)
		fprintf(f,
		        "[plugins.\"io.containerd.grpc.v1.cri\".containerd.runtimes.r%d]\n"
		        "runtime_type = \"io.containerd.runc.v2\"\n"
		        "[plugins.\"io.containerd.grpc.v1.cri\".containerd.runtimes.r%d.options]\n"
		        "BinaryName = \"/usr/bin/runtime-%d\"\nSystemdCgroup = %s\n",
		        i, i, i, i % 2 ? "true" : "false");
	if (fclose(f) != 0)
		abort();
	put("/etc/containerd/config.toml", text, 0644);
	free(text);
	struct gp_error e = GP_ERROR_INIT;
	ok(runtime_containerd.inspect(root, NULL, &v, &e) == 0, "3000 runtimes: reads (%s)",
	   e.msg ? e.msg : "no error");
	is_int((int)v.n_runtimes, M, "3000 runtimes: each in the view once");
	found = 0;
	for (int i = 0; i < M; i++) {
		_cleanup_free_ char *name = xasprintf("r%d", i);
		_cleanup_free_ char *path = xasprintf("/usr/bin/runtime-%d", i);
		const struct runtime_config_entry *en = runtime_config_view_find(&v, name);
		found += en && en->path && strcmp(en->path, path) == 0 &&
		         en->systemd_cgroup == i % 2;
	}
	is_int(found, M, "3000 runtimes: each found with its binary and SystemdCgroup");
	is_str(v.default_path, "/usr/bin/runtime-2999", "3000 runtimes: the default's binary");
	runtime_config_view_release(&v);
	gp_error_release(&e);
	unlink_under("/etc/containerd/config.toml");
}

/* runtime_live_diff: a file view against a live one. */
static void
diff_is(const struct runtime_config_view *file, const struct runtime_live *live, const char *want,
        const char *name)
{
	_cleanup_free_ char *d = runtime_live_diff(file, live, "nvidia");
	is_str(d, want, name);
}

static void
test_live_diff(void)
{
	struct runtime_config_view f = {.default_runtime = xstrdup("nvidia"), .cdi = -1};
	runtime_config_view_add(&f, "nvidia", "/usr/bin/nvidia-container-runtime")->systemd_cgroup =
	        1;
	struct runtime_live l = {.view = {.cdi = -1}};
	runtime_config_view_add(&l.view, "runc", "runc");
	diff_is(&f, &l,
	        "default runtime runc, the file says nvidia; runtime nvidia is absent, the "
	        "file says /usr/bin/nvidia-container-runtime",
	        "a stale daemon: the default and the runtime");
	l.view.default_runtime = xstrdup("nvidia");
	runtime_config_view_add(&l.view, "nvidia", "/usr/bin/nvidia-container-runtime")
	        ->systemd_cgroup = 1;
	diff_is(&f, &l, NULL, "the daemon runs the file");
	l.view.runtimes[1].systemd_cgroup = 0;
	diff_is(&f, &l, "runtime nvidia has SystemdCgroup false, the file says true",
	        "SystemdCgroup differs");
	l.view.runtimes[1].systemd_cgroup = 1;
	free(l.view.runtimes[1].path);
	l.view.runtimes[1].path = NULL;
	diff_is(&f, &l,
	        "runtime nvidia is without a binary (the stock runc), the file says "
	        "/usr/bin/nvidia-container-runtime",
	        "the binary differs");
	l.view.runtimes[1].path = xstrdup("/usr/bin/nvidia-container-runtime");
	f.cdi = 1;
	l.view.cdi = 0;
	diff_is(&f, &l, "CDI off, the file says on", "CDI differs");
	l.view.cdi = -1;
	diff_is(&f, &l, NULL, "CDI not reported: not compared");
	f.cgroup_driver_set = l.view.cgroup_driver_set = true;
	f.cgroup_driver = CGROUP_DRIVER_SYSTEMD;
	l.view.cgroup_driver = CGROUP_DRIVER_CGROUPFS;
	diff_is(&f, &l, "cgroup driver cgroupfs, the file says systemd",
	        "the cgroup driver differs");
	runtime_config_view_release(&f);
	runtime_live_release(&l);
}

static void
test_containerd_file(void)
{
	ctd("no file: containerd's defaults", "runc", NULL, 0, -1, -1);
	put("/etc/containerd/config.toml",
	    "version = 2\n"
	    "[plugins.\"io.containerd.grpc.v1.cri\"]\n  enable_cdi = true\n"
	    "[plugins.\"io.containerd.grpc.v1.cri\".containerd]\n  default_runtime_name = "
	    "\"nvidia\"\n"
	    "[plugins.\"io.containerd.grpc.v1.cri\".containerd.runtimes.nvidia.options]\n"
	    "  BinaryName = \"/usr/bin/nvidia-container-runtime\"\n  SystemdCgroup = true\n",
	    0644);
	ctd("version 2", "nvidia", "/usr/bin/nvidia-container-runtime", 1, 1, 1);
	put("/etc/containerd/config.toml",
	    "version = 3\n"
	    "[plugins.'io.containerd.cri.v1.runtime'.containerd]\n  default_runtime_name = "
	    "\"nvidia\"\n"
	    "[plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.nvidia.options]\n"
	    "  BinaryName = \"/usr/bin/nvidia-container-runtime\"\n",
	    0644);
	ctd("version 3", "nvidia", "/usr/bin/nvidia-container-runtime", 1, -1, -1);
	put("/etc/containerd/config.toml",
	    "[plugins.cri.containerd]\n  default_runtime_name = \"nvidia\"\n"
	    "[plugins.cri.containerd.runtimes.nvidia]\n  runtime_type = "
	    "\"io.containerd.runc.v2\"\n",
	    0644);
	ctd("version 1 (no version key)", "nvidia", NULL, 1, -1, -1);

	/* Imports: a relative path joins the main file's directory, a glob is as written. */
	put("/etc/containerd/config.toml",
	    "version = 2\nimports = [\"conf.d/a.toml\", \"/etc/containerd/more/*.toml\"]\n"
	    "[plugins.\"io.containerd.grpc.v1.cri\".containerd]\n  default_runtime_name = "
	    "\"runc\"\n",
	    0644);
	put("/etc/containerd/conf.d/a.toml",
	    "version = 2\n[plugins.\"io.containerd.grpc.v1.cri\".containerd]\n"
	    "  default_runtime_name = \"nvidia\"\n"
	    "[plugins.\"io.containerd.grpc.v1.cri\".containerd.runtimes.nvidia.options]\n"
	    "  BinaryName = \"/a\"\n",
	    0644);
	put("/etc/containerd/more/b.toml",
	    "version = 2\n[plugins.\"io.containerd.internal.v1.opt\"]\n"
	    "  path = \"/opt/x\"\n",
	    0644);
	ctd("imports: a drop-in's section wins; one without it changes nothing", "nvidia", "/a", 1,
	    -1, -1);
	put("/etc/containerd/more/c.toml",
	    "version = 2\n[plugins.\"io.containerd.grpc.v1.cri\".containerd]\n"
	    "  default_runtime_name = \"crun\"\n",
	    0644);
	ctd("imports: a later drop-in replaces the whole section", "crun", NULL, 0, -1, -1);

	put("/etc/containerd/more/c.toml", "version = 2\n[broken\n", 0644);
	struct runtime_config_view v = {0};
	struct gp_error e = GP_ERROR_INIT;
	ok(runtime_containerd.inspect(root, NULL, &v, &e) < 0 && e.msg &&
	           strstr(e.msg, "more/c.toml"),
	   "a broken drop-in: the error names it (%s)", e.msg ? e.msg : "no error");
	gp_error_release(&e);

	/* A missing import that is not a glob stops containerd: an error too. */
	put("/etc/containerd/more/c.toml", "version = 2\nimports = [\"missing.toml\"]\n", 0644);
	e = (struct gp_error)GP_ERROR_INIT;
	ok(runtime_containerd.inspect(root, NULL, &v, &e) < 0 && e.msg &&
	           strstr(e.msg, "more/missing.toml") && strstr(e.msg, "imported by"),
	   "a missing import, relative to its importer: the error names it (%s)",
	   e.msg ? e.msg : "no error");
	gp_error_release(&e);
	unlink_under("/etc/containerd/more/c.toml");

	/* containerd 2.x (version 3) merges an import key by key. */
	put("/etc/containerd/config.toml",
	    "version = 3\nimports = [\"/etc/containerd/v3/*.toml\"]\n"
	    "[plugins.'io.containerd.cri.v1.runtime'.containerd]\n  default_runtime_name = "
	    "\"nvidia\"\n",
	    0644);
	put("/etc/containerd/v3/a.toml",
	    "version = 3\n"
	    "[plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.nvidia.options]\n"
	    "  BinaryName = \"/v3\"\n",
	    0644);
	ctd("version 3 imports merge key by key", "nvidia", "/v3", 1, -1, -1);
}

int
main(void)
{
	if (!mkdtemp(root)) {
		printf("Bail out! mkdtemp: %s\n", strerror(errno));
		return 1;
	}
	test_checks();
	test_binary();
	test_docker_decision();
	test_containerd_file();
	test_live_diff();
	test_view_index();
	_cleanup_free_ char *cmd = xasprintf("rm -rf '%s'", root);
	if (system(cmd) != 0)
		printf("# could not remove %s\n", root);
	return tap_done();
}
