// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * CRI-O, live: a full restart through the service manager (CRI-O re-reads
 * some options on SIGHUP, but never its runtime tables), and verify through
 * the HTTP API it serves on its socket beside the CRI: GET /config is the
 * config it runs as TOML, GET /info names its cgroup driver. The CRI's
 * Status says whether it is ready, but lists no runtimes.
 *
 * The config files and the live config are read the same way
 * (crio_view_fill), so the two compare with runtime_live_diff().
 */
#include <string.h>

#include "cri.h"
#include "live.h"
#include "rows.h"
#include "runtime.h"
#include "toml.h"
#include "unixhttp.h"

#define CRIO_SERVICE "crio"
#define CRIO_COMM    "crio"

static const struct live_daemon crio_daemon = {
        .service = CRIO_SERVICE,
        .comm = CRIO_COMM,
        .wait_ready = cri_wait_ready,
};

/* The last document (CRI-O's order: later files win) that sets the string at path. */
static int
last_string(struct toml_doc *const *docs, size_t n, const char *const *path, char **ret,
            size_t *ret_doc, struct gp_error *err)
{
	for (size_t i = n; i-- > 0;) {
		_cleanup_free_ char *s = NULL;
		int r = toml_get_string(docs[i], path, &s, err);
		if (r < 0)
			return -(int)i - 1;
		if (r > 0) {
			*ret = TAKE_PTR(s);
			if (ret_doc)
				*ret_doc = i;
			return 1;
		}
	}
	return 0;
}

int
crio_view_fill(struct toml_doc *const *docs, char *const *names, size_t n, const char *root,
               bool resolve, struct runtime_config_view *v, struct gp_error *err)
{
	size_t at = 0;
	int r = last_string(docs, n, TOML_PATH("crio", "runtime", "default_runtime"),
	                    &v->default_runtime, NULL, err);
	if (r < 0)
		return gp_error_prefix(err, "%s", names[-r - 1]);
	if (!v->default_runtime || !*v->default_runtime) {
		free(v->default_runtime);
		v->default_runtime = xstrdup(CRIO_STOCK_RUNTIME);
	}
	_cleanup_free_ char *manager = NULL;
	r = last_string(docs, n, TOML_PATH("crio", "runtime", "cgroup_manager"), &manager, &at,
	                err);
	if (r < 0)
		return gp_error_prefix(err, "%s", names[-r - 1]);
	if (manager && cgroup_driver_from_name(manager, &v->cgroup_driver)) {
		v->cgroup_driver_set = true;
		v->cgroup_driver_source =
		        xasprintf("cgroup_manager = \"%s\" in '%s'", manager, names[at]);
	} else {
		v->cgroup_driver = CGROUP_DRIVER_SYSTEMD;
		v->cgroup_driver_source = xstrdup("CRI-O's default, cgroup_manager = \"systemd\"");
	}

	/* Every runtime table in any file; a later file's table replaces an earlier one's. */
	for (size_t i = 0; i < n; i++) {
		_cleanup_strv_ char **keys = NULL;
		if (toml_get_type(docs[i], TOML_PATH("crio", "runtime", "runtimes")) != TOML_TABLE)
			continue;
		if (toml_table_keys(docs[i], TOML_PATH("crio", "runtime", "runtimes"), &keys, err) <
		    0)
			return gp_error_prefix(err, "%s", names[i]);
		for (size_t k = 0; keys && keys[k]; k++) {
			_cleanup_free_ char *path = NULL;
			if (toml_get_string(docs[i],
			                    TOML_PATH("crio", "runtime", "runtimes", keys[k],
			                              "runtime_path"),
			                    &path, err) < 0)
				return gp_error_prefix(err, "%s", names[i]);
			struct runtime_config_entry *e =
			        (struct runtime_config_entry *)runtime_config_view_find(v, keys[k]);
			if (!e)
				e = runtime_config_view_add(v, keys[k], NULL);
			free(e->path);
			e->path = path && *path ? TAKE_PTR(path) : NULL;
		}
	}
	/* CRI-O's own default runtime is there when no file names it. */
	if (strcmp(v->default_runtime, CRIO_STOCK_RUNTIME) == 0 &&
	    !runtime_config_view_find(v, CRIO_STOCK_RUNTIME))
		runtime_config_view_add(v, CRIO_STOCK_RUNTIME, NULL);
	/* A runtime without runtime_path is its name looked up in CRI-O's PATH. */
	for (size_t i = 0; resolve && i < v->n_runtimes; i++)
		if (!v->runtimes[i].path)
			v->runtimes[i].path = runtime_find_program(root, v->runtimes[i].name);
	const struct runtime_config_entry *e = runtime_config_view_find(v, v->default_runtime);
	v->default_defined = e != NULL;
	v->default_path = e && e->path ? xstrdup(e->path) : NULL;
	return 0;
}

int
crio_live_restart(const struct runtime_ops *ops, const struct restart_opts *opts,
                  struct restart_result *ret, struct gp_error *err)
{
	*ret = (struct restart_result){0};
	const struct live_opts *o = &opts->live;
	_cleanup_free_ char *sock = live_socket_path(o, ops->socket_path);
	ret->why = xstrdup("CRI-O reads its runtime tables only when it starts (SIGHUP reloads "
	                   "other options)");
	if (opts->mode == SVC_MODE_SIGNAL) {
		gp_error_set_code(err, GP_EXIT_USAGE,
		                  "CRI-O cannot load a new runtime on a signal: SIGHUP does not "
		                  "re-read [crio.runtime.runtimes]");
		return gp_error_hint(err, "use --mode auto, systemd or service");
	}
	if (opts->mode == SVC_MODE_NONE) {
		ret->mode = SVC_MODE_NONE;
		ret->manual = xstrdup("systemctl restart crio (or: service crio restart)");
		return 0;
	}
	enum svc_mode mode;
	if (svc_resolve_mode(o->root, CRIO_SERVICE, opts->mode, &mode, err) < 0)
		return -1;
	ret->notes = strv_push(ret->notes, "running containers keep running: each one's conmon "
	                                   "outlives CRI-O, which finds them again when it "
	                                   "starts");
	return live_full_restart(o, &crio_daemon, sock, mode, ret, err);
}

/* GET path on CRI-O's socket; the body, or NULL with err set. */
static char *
crio_get(struct unixhttp *h, const char *path, size_t *ret_len, struct gp_error *err)
{
	struct unixhttp_request req = {.method = "GET", .path = path};
	struct unixhttp_response resp = {0};
	if (unixhttp_perform(h, &req, &resp, err) < 0)
		return NULL;
	if (resp.status != 200) {
		gp_error_set(err, "GET %s on '%s': HTTP %ld", path, unixhttp_socket(h),
		             resp.status);
		gp_error_hint(err, "CRI-O answers GET %s with 200: is '%s' CRI-O's socket?", path,
		              unixhttp_socket(h));
		unixhttp_response_release(&resp);
		return NULL;
	}
	char *body = TAKE_PTR(resp.body);
	*ret_len = resp.body_len;
	unixhttp_response_release(&resp);
	return body;
}

int
crio_ask_live(const char *socket, unsigned timeout_ms, struct runtime_live *ret,
              struct gp_error *err)
{
	/* The CRI: the daemon's name and version, and whether it is ready. */
	if (cri_ask_live(socket, timeout_ms, ret, err) < 0)
		return -1;
	runtime_config_view_release(&ret->view);
	ret->view =
	        (struct runtime_config_view){.cdi = -1, .path = xstrdup(socket), .exists = true};

	struct unixhttp *h =
	        unixhttp_new(socket, timeout_ms ? timeout_ms : LIVE_DEFAULT_TIMEOUT_MS);
	size_t len = 0, info_len = 0;
	_cleanup_free_ char *config = crio_get(h, "/config", &len, err);
	_cleanup_free_ char *info = config ? crio_get(h, "/info", &info_len, err) : NULL;
	unixhttp_free(h);
	if (!info)
		return -1;

	_cleanup_toml_doc_ struct toml_doc *doc = NULL;
	_cleanup_error_ struct gp_error perr = GP_ERROR_INIT;
	if (toml_doc_parse(config, len, &doc, &perr) < 0) {
		gp_error_set(err, "GET /config on '%s': %s", socket, perr.msg);
		return gp_error_hint(err,
		                     "CRI-O answers with its config as TOML: is '%s' "
		                     "CRI-O's socket?",
		                     socket);
	}
	_cleanup_free_ char *name = xasprintf("GET /config on '%s'", socket);
	char *names[] = {name};
	if (crio_view_fill(&doc, names, 1, NULL, false, &ret->view, err) < 0)
		return -1;

	/* The cgroup driver it runs with, command-line flags included. */
	json_error_t jerr;
	_cleanup_json_ json_t *j = json_loadb(info, info_len, 0, &jerr);
	const char *driver = json_string_value(json_object_get(j, "cgroup_driver"));
	if (!driver) {
		gp_error_set(err, "GET /info on '%s': no cgroup_driver in the answer", socket);
		return gp_error_hint(err,
		                     "CRI-O answers with JSON that names its cgroup_driver: "
		                     "is '%s' CRI-O's socket?",
		                     socket);
	}
	struct runtime_config_view *v = &ret->view;
	v->cgroup_driver_set = cgroup_driver_from_name(driver, &v->cgroup_driver);
	free(v->cgroup_driver_source);
	v->cgroup_driver_source = xasprintf("GET /info: cgroup_driver \"%s\"", driver);
	return 0;
}

int
crio_live_verify(const struct runtime_ops *ops, const struct live_opts *o,
                 struct verify_result *ret, struct gp_error *err)
{
	ret->socket = live_socket_path(o, ops->cri_socket);
	_cleanup_(runtime_live_release) struct runtime_live live = {0};
	if (crio_ask_live(ret->socket, 0, &live, err) < 0)
		return -1;
	ret->daemon = xstrdup(live.daemon);
	_cleanup_free_ char *answers = xasprintf("answers on '%s'", ret->socket);
	verify_add(ret, "daemon", LIVE_CHECK_PASS, answers, ret->daemon, NULL);
	if (live.ready)
		verify_add(ret, "runtime_ready", LIVE_CHECK_PASS, "true", "true", NULL);
	else
		verify_add(ret, "runtime_ready", LIVE_CHECK_FAIL, "true", live.not_ready,
		           "CRI-O says it cannot run containers; its log says why");

	const char *config = live_config_path(o, ops->config_path);
	_cleanup_free_ char *host_config = gp_path(o->root, config);
	_cleanup_free_ char *files = xasprintf("%s and %s.d/", host_config, host_config);
	_cleanup_(runtime_config_view_release) struct runtime_config_view file = {0};
	_cleanup_error_ struct gp_error ferr = GP_ERROR_INIT;
	bool file_ok = ops->inspect(o->root, config, &file, &ferr) == 0;
	if (!o->file_only && o->cdi)
		verify_add(ret, "enable_cdi", LIVE_CHECK_SKIP, "true", "-",
		           "CRI-O reads CDI specs from cdi_spec_dirs without a switch");
	struct live_who who = {files, CRIO_COMM, ops->name};
	live_check_views(ret, o, &who, "runtime_path", CRIO_DEFAULT_RUNTIME_PATH,
	                 file_ok ? &file : NULL, ferr.msg, &live);
	if (!o->file_only && o->smoke_image)
		verify_add(ret, "smoke", LIVE_CHECK_SKIP, "-", "-",
		           "the smoke test runs through ctr or docker; for CRI-O, run a pod with "
		           "runtimeClassName or crictl");
	return 0;
}
