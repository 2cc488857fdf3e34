// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * containerd (and the other CRI runtimes), live: a full restart through the
 * service manager (never SIGHUP: containerd 1.6 exits on it), and verify
 * through the CRI: RuntimeService/Status(verbose) gives the CRI plugin's
 * config as the daemon loaded it.
 */
#include <glob.h>
#include <string.h>

#include "cri.h"
#include "live.h"
#include "runtime.h"
#include "toml.h"

#define CONTAINERD_SERVICE      "containerd"
#define CONTAINERD_COMM         "containerd"
#define CONTAINERD_DEFAULT_PATH "/usr/bin/nvidia-container-runtime"
#define CONTAINERD_RUNC_V2      "io.containerd.runc.v2"
#define CONTAINERD_K8S_NS       "k8s.io"

static const struct live_daemon containerd_daemon = {
        .service = CONTAINERD_SERVICE,
        .comm = CONTAINERD_COMM,
        .wait_ready = cri_wait_ready,
};

int
containerd_live_restart(const struct restart_opts *opts, struct restart_result *ret,
                        struct gp_error *err)
{
	*ret = (struct restart_result){0};
	const struct live_opts *o = &opts->live;
	_cleanup_free_ char *sock = live_socket_path(o, runtime_containerd.socket_path);
	ret->why = xstrdup("containerd reads its config only when it starts");
	if (opts->mode == SVC_MODE_SIGNAL) {
		gp_error_set_code(err, GP_EXIT_USAGE,
		                  "containerd cannot be reloaded with a signal: containerd 1.6 "
		                  "exits on SIGHUP");
		return gp_error_hint(err, "use --mode auto, systemd or service");
	}
	if (opts->mode == SVC_MODE_NONE) {
		ret->mode = SVC_MODE_NONE;
		ret->manual = xstrdup("systemctl restart containerd (or: service containerd "
		                      "restart)");
		return 0;
	}
	enum svc_mode mode;
	if (svc_resolve_mode(o->root, CONTAINERD_SERVICE, opts->mode, &mode, err) < 0)
		return -1;
	ret->notes = strv_push(ret->notes, "running containers keep running: each one's shim "
	                                   "outlives containerd and reconnects to the new one");
	return live_full_restart(o, &containerd_daemon, sock, mode, ret, err);
}

/*
 * Ask the CRI on the socket: Version (who answers) and Status (verbose).
 * Adds the daemon and runtime_ready checks.
 */
static int
cri_ask(const struct live_opts *o, const char *def_socket, struct cri_status **ret_status,
        struct verify_result *ret, struct gp_error *err)
{
	ret->socket = live_socket_path(o, def_socket);
	struct cri_client *c = cri_client_new(ret->socket, 0);
	struct cri_version v = {0};
	int r = cri_client_version(c, &v, err);
	if (r == 0)
		r = cri_client_status(c, true, ret_status, err);
	cri_client_free(c);
	if (r < 0) {
		cri_version_release(&v);
		return -1;
	}
	ret->daemon = xasprintf("%s %s", v.runtime_name ? v.runtime_name : "(unnamed runtime)",
	                        v.runtime_version ? v.runtime_version : "(unknown version)");
	cri_version_release(&v);
	_cleanup_free_ char *answers = xasprintf("answers on '%s'", ret->socket);
	verify_add(ret, "daemon", LIVE_CHECK_PASS, answers, ret->daemon, NULL);

	const struct cri_condition *ready = cri_status_condition(*ret_status, CRI_RUNTIME_READY);
	if (ready && ready->status) {
		verify_add(ret, "runtime_ready", LIVE_CHECK_PASS, "true", "true", NULL);
	} else {
		_cleanup_free_ char *seen =
		        !ready ? xstrdup("not reported")
		               : xasprintf("false%s%s%s%s", *ready->reason ? ": " : "",
		                           ready->reason, *ready->message ? ": " : "",
		                           ready->message);
		verify_add(ret, "runtime_ready", LIVE_CHECK_FAIL, "true", seen,
		           "the runtime says it cannot run containers; its log says why");
	}
	return 0;
}

static void
smoke(const struct live_opts *o, const char *binary, struct verify_result *ret)
{
	_cleanup_free_ char *expected =
	        xasprintf("%s runs with %s", o->smoke_image, binary ? binary : "the runtime");
	if (!live_smoke_start(o, ret, expected))
		return;
	if (!binary) {
		verify_add(ret, "smoke", LIVE_CHECK_FAIL, expected, "not run",
		           "the daemon has no BinaryName for the runtime");
		return;
	}
	_cleanup_free_ char *cname = live_smoke_name();
	char *base[] = {"ctr",
	                "--address",
	                ret->socket,
	                "--namespace",
	                CONTAINERD_K8S_NS,
	                "run",
	                "--rm",
	                "--runtime",
	                CONTAINERD_RUNC_V2,
	                "--runc-binary",
	                (char *)binary,
	                "--env",
	                LIVE_SMOKE_ENV,
	                (char *)o->smoke_image,
	                cname,
	                NULL};
	_cleanup_strv_ char **argv = NULL;
	for (size_t i = 0; base[i]; i++)
		argv = strv_push(argv, base[i]);
	for (char *const *c = live_smoke_cmd(o); *c; c++)
		argv = strv_push(argv, *c);

	live_step(o, "running %s through '%s'", o->smoke_image, binary);
	struct proc_opts po = {.timeout_ms = (int)live_timeout_ms(o), .keep_output = true};
	struct proc_result pr = {0};
	struct gp_error e = GP_ERROR_INIT;
	if (proc_run(argv, &po, &pr, &e) < 0) {
		verify_add_note(ret, "smoke", LIVE_CHECK_FAIL, expected, "did not run", "%s%s%s",
		                e.msg, e.hint ? "; " : "", e.hint ? e.hint : "");
		gp_error_release(&e);
		return;
	}
	const char *out = pr.output ? pr.output : "";
	_cleanup_free_ char *missing =
	        pr.status && strstr(out, "not found") && strstr(out, o->smoke_image)
	                ? xasprintf("the image is not in containerd's %s namespace: pull it "
	                            "first (ctr -n %s images pull %s)",
	                            CONTAINERD_K8S_NS, CONTAINERD_K8S_NS, o->smoke_image)
	                : NULL;
	live_smoke_done(o, ret, expected, pr.status, pr.timed_out, out, missing);
	proc_result_release(&pr);
}

void
containerd_file_release(struct containerd_file *f)
{
	free(f->error);
	free(f->default_runtime);
	free(f->binary);
}

/* The CRI plugin's table for a config version: v1 "cri", v2 its long name, v3 the runtime's. */
static const char *
cri_plugin(int64_t version)
{
	if (version >= 3)
		return "io.containerd.cri.v1.runtime";
	if (version == 2)
		return "io.containerd.grpc.v1.cri";
	return "cri";
}

/*
 * Read one parsed file into f. As containerd merges imports, a file that has
 * the CRI plugin's section replaces that whole section, not key by key.
 */
static int
ctd_file_take(const struct toml_doc *doc, int64_t version, const char *name,
              struct containerd_file *f, struct gp_error *err)
{
	const char *plugin = cri_plugin(version);
	if (!toml_table_exists(doc, TOML_PATH("plugins", plugin)))
		return 0;
	free(f->default_runtime);
	free(f->binary);
	f->default_runtime = xstrdup("runc");
	f->binary = NULL;
	f->has_runtime = false;
	f->systemd_cgroup = -1;
	f->enable_cdi = -1;

	char *str = NULL;
	bool b;
	int r = toml_get_string(
	        doc, TOML_PATH("plugins", plugin, "containerd", "default_runtime_name"), &str, err);
	if (r < 0)
		return -1;
	if (r > 0) {
		free(f->default_runtime);
		f->default_runtime = str;
	}
	f->has_runtime = toml_table_exists(
	        doc, TOML_PATH("plugins", plugin, "containerd", "runtimes", name));
	r = toml_get_string(doc,
	                    TOML_PATH("plugins", plugin, "containerd", "runtimes", name, "options",
	                              "BinaryName"),
	                    &f->binary, err);
	if (r < 0)
		return -1;
	r = toml_get_bool(doc,
	                  TOML_PATH("plugins", plugin, "containerd", "runtimes", name, "options",
	                            "SystemdCgroup"),
	                  &b, err);
	if (r < 0)
		return -1;
	if (r > 0)
		f->systemd_cgroup = b;
	r = toml_get_bool(doc, TOML_PATH("plugins", plugin, "enable_cdi"), &b, err);
	if (r < 0)
		return -1;
	if (r > 0)
		f->enable_cdi = b;
	return 0;
}

/*
 * Where an import leads, as containerd resolves it: a pattern with '*' is
 * globbed as it is (relative to containerd's working directory, /), another
 * relative path is relative to the importing file's directory. Appends node
 * paths to *queue.
 */
static void
ctd_resolve_imports(const char *root, const char *parent, char **imports, char ***queue)
{
	_cleanup_free_ char *dir = xstrdup(parent);
	*strrchr(dir, '/') = '\0';
	for (size_t i = 0; imports && imports[i]; i++) {
		const char *imp = imports[i];
		if (!strchr(imp, '*')) {
			_cleanup_free_ char *node =
			        imp[0] == '/' ? xstrdup(imp) : xasprintf("%s/%s", dir, imp);
			*queue = strv_push(*queue, node);
			continue;
		}
		_cleanup_free_ char *node = imp[0] == '/' ? xstrdup(imp) : xasprintf("/%s", imp);
		_cleanup_free_ char *pattern = gp_path(root, node);
		size_t skip = gp_root_is_set(root) ? strlen(pattern) - strlen(node) : 0;
		glob_t g;
		if (glob(pattern, 0, NULL, &g) != 0)
			continue;
		for (size_t j = 0; j < g.gl_pathc; j++)
			*queue = strv_push(*queue, g.gl_pathv[j] + skip);
		globfree(&g);
	}
}

static int
ctd_load(const char *host, struct toml_doc **ret_doc, int64_t *ret_version, struct gp_error *err)
{
	if (toml_doc_load(host, ret_doc, err) < 0)
		return -1;
	int r = toml_get_int(*ret_doc, TOML_PATH("version"), ret_version, err);
	if (r < 0)
		return gp_error_prefix(err, "'%s'", host);
	if (r == 0)
		*ret_version = 1;
	return 0;
}

void
containerd_file_read(const char *root, const char *config, const char *name,
                     struct containerd_file *f)
{
	*f = (struct containerd_file){.systemd_cgroup = -1, .enable_cdi = -1};
	f->default_runtime = xstrdup("runc");
	_cleanup_free_ char *host = gp_path(root, config);
	if (!path_exists(host))
		return; /* containerd runs on its defaults */
	struct gp_error e = GP_ERROR_INIT;
	_cleanup_strv_ char **queue = strv_push(NULL, config);
	_cleanup_strv_ char **loaded = NULL;
	for (size_t i = 0; queue[i]; i++) {
		if (strv_contains(loaded, queue[i]))
			continue;
		loaded = strv_push(loaded, queue[i]);
		_cleanup_free_ char *path = gp_path(root, queue[i]);
		_cleanup_toml_doc_ struct toml_doc *doc = NULL;
		_cleanup_strv_ char **imports = NULL;
		int64_t version;
		if (ctd_load(path, &doc, &version, &e) < 0 ||
		    ctd_file_take(doc, version, name, f, &e) < 0 ||
		    toml_get_strv(doc, TOML_PATH("imports"), &imports, &e) < 0) {
			f->error = xstrdup(e.msg ? e.msg : "cannot read it");
			break;
		}
		f->n_files++;
		ctd_resolve_imports(root, queue[i], imports, &queue);
	}
	gp_error_release(&e);
}

static const char *
tri_name(int v)
{
	return v < 0 ? "(unset)" : v ? "true" : "false";
}

/* The live daemon against the file: the "restart needed" check. */
static void
check_loaded(struct verify_result *ret, const struct live_who *who, const char *name,
             const struct containerd_file *f, const struct cri_status *s)
{
	const char *live_default = cri_status_default_runtime(s);
	const char *live_binary = cri_status_runtime_binary(s, name);
	bool live_has = cri_status_runtime(s, name) != NULL;
	struct strbuf diff = {0};
	if (!live_default || strcmp(live_default, f->default_runtime) != 0)
		live_diff(&diff, "default runtime %s, the file says %s", live_or_none(live_default),
		          f->default_runtime);
	if (live_has != f->has_runtime ||
	    (f->has_runtime &&
	     !(f->binary ? live_binary && strcmp(live_binary, f->binary) == 0 : !live_binary)))
		live_diff(&diff, "runtime %s %s, the file says %s", name,
		          !live_has     ? "is absent"
		          : live_binary ? live_binary
		                        : "has no BinaryName",
		          !f->has_runtime ? "none"
		          : f->binary     ? f->binary
		                          : "no BinaryName");
	int live_cg = cri_status_runtime_systemd_cgroup(s, name);
	if (f->systemd_cgroup >= 0 && live_has && live_cg != f->systemd_cgroup)
		live_diff(&diff, "SystemdCgroup %s, the file says %s", tri_name(live_cg),
		          tri_name(f->systemd_cgroup));
	int live_cdi = cri_status_enable_cdi(s);
	/* containerd before 1.7 reports no enableCDI, whatever the file says. */
	if (f->enable_cdi >= 0 && live_cdi >= 0 && live_cdi != f->enable_cdi)
		live_diff(&diff, "enable_cdi %s, the file says %s", tri_name(live_cdi),
		          tri_name(f->enable_cdi));
	live_check_loaded(ret, who, f->error, &diff);
}

/* containerd's CRI plugin, also inside k3s. */
static int
containerd_verify(const struct runtime_ops *ops, const struct live_opts *o,
                  struct verify_result *ret, struct gp_error *err)
{
	const char *name = o->runtime_name ? o->runtime_name : LIVE_DEFAULT_RUNTIME_NAME;
	_cleanup_(cri_status_freep) struct cri_status *s = NULL;
	if (cri_ask(o, ops->cri_socket, &s, ret, err) < 0)
		return -1;
	const char *config = live_config_path(o, ops->config_path);
	_cleanup_free_ char *host_config = gp_path(o->root, config);
	const char *live_default = cri_status_default_runtime(s);
	const char *live_binary = cri_status_runtime_binary(s, name);
	bool has_runtime = cri_status_runtime(s, name) != NULL;
	struct containerd_file f;
	containerd_file_read(o->root, config, name, &f);

	struct live_who who = {host_config, CONTAINERD_COMM, ops->name};
	if (!o->file_only) {
		const char *file_default = f.error ? NULL : f.default_runtime;
		if (o->set_default)
			live_check_value(ret, &who, "default_runtime", name, live_default, NULL,
			                 file_default);
		const char *want = o->runtime_path ? o->runtime_path
		                   : f.binary      ? f.binary
		                                   : CONTAINERD_DEFAULT_PATH;
		live_check_value(ret, &who, "runtime_binary_name", want, live_binary,
		                 live_binary   ? NULL
		                 : has_runtime ? "(no BinaryName: runc)"
		                               : "(runtime not configured)",
		                 f.binary);
		if (o->cdi) {
			int cdi = cri_status_enable_cdi(s);
			verify_add(ret, "enable_cdi", cdi == 1 ? LIVE_CHECK_PASS : LIVE_CHECK_FAIL,
			           "true",
			           cdi == 1   ? "true"
			           : cdi == 0 ? "false"
			                      : "absent",
			           cdi == 1 ? NULL
			           : cdi == 0
			                   ? "set enable_cdi = true (gpuprep configure --cdi) and "
			                     "restart"
			                   : "this containerd has no CDI support (1.7 and later "
			                     "have it)");
		}
		live_check_binary(ret, o->root, live_binary ? live_binary : want);
	}
	check_loaded(ret, &who, name, &f, s);
	containerd_file_release(&f);
	if (!o->file_only && o->smoke_image)
		smoke(o, live_binary, ret);
	return 0;
}

int
containerd_live_verify(const struct live_opts *opts, struct verify_result *ret,
                       struct gp_error *err)
{
	return containerd_verify(&runtime_containerd, opts, ret, err);
}

int
k3s_live_verify(const struct live_opts *opts, struct verify_result *ret, struct gp_error *err)
{
	return containerd_verify(&runtime_k3s, opts, ret, err);
}

/*
 * cri-dockerd passes containers to dockerd, whose runtimes `verify --runtime
 * docker` checks; over the CRI only readiness can be seen.
 */
int
cri_dockerd_live_verify(const struct live_opts *opts, struct verify_result *ret,
                        struct gp_error *err)
{
	_cleanup_(cri_status_freep) struct cri_status *s = NULL;
	if (cri_ask(opts, runtime_cri_dockerd.cri_socket, &s, ret, err) < 0)
		return -1;
	verify_add(ret, "runtimes", LIVE_CHECK_SKIP, "-", "-",
	           "cri-dockerd runs containers through dockerd: check its runtimes with "
	           "'gpuprep verify --runtime docker'");
	return 0;
}
