// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Docker Engine, live: reload dockerd with SIGHUP when only keys it re-reads
 * changed (runtimes, default-runtime, features), restart it otherwise; verify
 * through GET /info, and run the smoke test through the Engine API.
 */
#include <ctype.h>
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <time.h>

#include "docker_version.h"
#include "dockerapi.h"
#include "live.h"
#include "noderoot.h"
#include "rows.h"
#include "runtime.h"

#define DOCKER_SERVICE        "docker"
#define DOCKER_COMM           "dockerd"
#define DOCKER_PID_FILE       "/run/docker.pid"
#define DOCKER_DEFAULT_PATH   "nvidia-container-runtime"
#define DOCKER_BUILTIN_RT     "runc"
#define DOCKER_RELOAD_WAIT_MS 10000u

static const struct live_daemon docker_daemon = {
        .service = DOCKER_SERVICE,
        .comm = DOCKER_COMM,
        .pid_file = DOCKER_PID_FILE,
        .wait_ready = docker_wait_ready,
};

/* The keys dockerd applies on SIGHUP that gpuprep configure changes. */
static const char *const reloadable_keys[] = {"runtimes", "default-runtime", "features"};

/* Parse daemon.json text; empty or blank text is {}. NULL with *ret_why set on error. */
static json_t *
parse_daemon_json(const char *text, size_t len, char **ret_why)
{
	size_t i = 0;
	while (i < len && isspace((unsigned char)text[i]))
		i++;
	if (i == len)
		return json_object();
	json_error_t jerr;
	json_t *doc = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!doc) {
		*ret_why = xasprintf("%d:%d: %s", jerr.line, jerr.column, jerr.text);
		return NULL;
	}
	if (!json_is_object(doc)) {
		json_decref(doc);
		*ret_why = xstrdup("the document is not a JSON object");
		return NULL;
	}
	return doc;
}

/*
 * Which top-level keys differ between a and b, other than the reloadable
 * ones: a fresh ", "-joined string, empty when none.
 */
static char *
unreloadable_changes(const json_t *a, const json_t *b)
{
	struct strbuf s = {0};
	strbuf_puts(&s, "");
	const json_t *docs[2] = {a, b};
	for (int d = 0; d < 2; d++) {
		const char *key;
		json_t *v;
		json_object_foreach ((json_t *)docs[d], key, v) {
			bool reloadable = false;
			for (size_t i = 0; i < GP_ARRAY_SIZE(reloadable_keys); i++)
				reloadable |= strcmp(key, reloadable_keys[i]) == 0;
			if (reloadable)
				continue;
			const json_t *other = json_object_get(docs[1 - d], key);
			/* A key in both is named once, from the first document. */
			if (d == 1 && other)
				continue;
			if (other && json_equal(v, (json_t *)other))
				continue;
			if (*s.s)
				strbuf_puts(&s, ", ");
			strbuf_puts(&s, "'");
			strbuf_puts(&s, key);
			strbuf_puts(&s, "'");
		}
	}
	return s.s;
}

/* Reload or restart? Sets ret->why. */
static enum restart_action
decide(const struct restart_opts *opts, const char *config, struct restart_result *ret)
{
	if (opts->force_action)
		return opts->force_action;
	if (opts->full) {
		ret->why = xstrdup("a full restart was asked for (--full)");
		return RESTART_ACTION_RESTART;
	}
	if (!opts->original) {
		ret->why = xasprintf("no backup from gpuprep configure tells what changed in '%s', "
		                     "so a full restart is the safe choice",
		                     config);
		return RESTART_ACTION_RESTART;
	}
	_cleanup_free_ char *text = NULL;
	size_t len = 0;
	if (noderoot_read_file(opts->live.root, config, &text, &len) < 0) {
		text = xstrdup("");
		len = 0;
	}
	_cleanup_free_ char *why_a = NULL, *why_b = NULL;
	_cleanup_json_ json_t *before =
	        parse_daemon_json(opts->original, strlen(opts->original), &why_a);
	_cleanup_json_ json_t *now = parse_daemon_json(text, len, &why_b);
	if (!before || !now) {
		_cleanup_free_ char *host = gp_path(opts->live.root, config);
		ret->why = xasprintf("cannot compare '%s' with its backup (%s), so a full restart",
		                     host, why_a ? why_a : why_b);
		return RESTART_ACTION_RESTART;
	}
	_cleanup_free_ char *changed = unreloadable_changes(before, now);
	if (*changed) {
		ret->why =
		        xasprintf("%s changed, which dockerd reads only when it starts", changed);
		return RESTART_ACTION_RESTART;
	}
	ret->why = xstrdup("only runtimes, default-runtime or features changed, which dockerd "
	                   "re-reads on SIGHUP without stopping a container");
	return RESTART_ACTION_RELOAD;
}

static long long
now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/*
 * dockerd logs a "reload" daemon event once it applied a new config, and
 * none when it refused the file. Wait for that event after since_ns.
 */
static int
wait_reload_event(const struct live_opts *o, const char *sock, const char *config,
                  long long since_ns, struct gp_error *err)
{
	unsigned limit = live_timeout_ms(o);
	if (limit > DOCKER_RELOAD_WAIT_MS)
		limit = DOCKER_RELOAD_WAIT_MS;
	long long deadline = (long long)mono_ms() + limit;
	_cleanup_json_ json_t *filters =
	        json_pack("{s:[s], s:[s]}", "type", "daemon", "event", "reload");
	struct docker_client *c = docker_client_new(sock, 0);
	int r = -1;
	for (;;) {
		json_t *events = NULL;
		if (docker_client_events(c, since_ns, now_ns(), filters, &events, err) < 0)
			break;
		size_t n = json_array_size(events);
		json_decref(events);
		if (n > 0) {
			r = 0;
			break;
		}
		if ((long long)mono_ms() >= deadline) {
			gp_error_set(err,
			             "dockerd did not reload its config within %u s: it refused "
			             "'%s'",
			             limit / 1000, config);
			gp_error_hint(err, "dockerd's log says why (journalctl -u docker)");
			break;
		}
		live_tick((void *)o);
		struct timespec pause = {0, 100 * 1000 * 1000};
		nanosleep(&pause, NULL);
	}
	docker_client_free(c);
	return r;
}

static int
reload(const struct restart_opts *opts, const char *sock, const char *config,
       struct restart_result *ret, struct gp_error *err)
{
	const struct live_opts *o = &opts->live;
	enum svc_mode mode = opts->mode;
	if (mode == SVC_MODE_AUTO)
		mode = !gp_root_is_set(o->root) && path_is_dir("/run/systemd/system")
		               ? SVC_MODE_SYSTEMD
		               : SVC_MODE_SIGNAL;
	if (mode == SVC_MODE_SYSTEMD &&
	    svc_resolve_mode(o->root, DOCKER_SERVICE, mode, &mode, err) < 0)
		return -1;
	/* Debian's init script has no reload: dockerd's own SIGHUP is what it would send. */
	if (mode == SVC_MODE_SERVICE)
		mode = SVC_MODE_SIGNAL;
	ret->mode = mode;

	/* The signal needs the PID; systemd finds it itself. */
	pid_t pid = 0;
	if (mode == SVC_MODE_SIGNAL) {
		if (live_daemon_pid(o->root, DOCKER_PID_FILE, sock, DOCKER_COMM, &pid, err) < 0)
			return -1;
	} else {
		pid = live_daemon_pid_or_zero(o, &docker_daemon, sock);
	}
	ret->pid_before = pid;

	long long since = now_ns();
	ret->action = RESTART_ACTION_RELOAD;
	if (mode == SVC_MODE_SIGNAL) {
		live_step(o, "reloading dockerd (pid %d) with SIGHUP", (int)pid);
		if (svc_signal(pid, SIGHUP, DOCKER_COMM, err) < 0)
			return -1;
	} else {
		live_step(o, "reloading dockerd with systemctl reload docker");
		if (live_service_restart(o, DOCKER_SERVICE, mode, true, err) < 0)
			return -1;
	}
	_cleanup_free_ char *host_config = gp_path(o->root, config);
	if (wait_reload_event(o, sock, host_config, since, err) < 0)
		return -1;
	ret->pid_after = live_daemon_pid_or_zero(o, &docker_daemon, sock);
	return 0;
}

static int
restart(const struct restart_opts *opts, const char *sock, struct restart_result *ret,
        struct gp_error *err)
{
	const struct live_opts *o = &opts->live;
	if (opts->mode == SVC_MODE_SIGNAL) {
		gp_error_set_code(err, GP_EXIT_USAGE,
		                  "a signal only reloads dockerd, and this change needs a restart "
		                  "(%s)",
		                  ret->why ? ret->why : "asked for");
		return gp_error_hint(err, "use --mode auto, systemd or service");
	}
	enum svc_mode mode;
	if (svc_resolve_mode(o->root, DOCKER_SERVICE, opts->mode, &mode, err) < 0)
		return -1;
	return live_full_restart(o, &docker_daemon, sock, mode, ret, err);
}

int
docker_live_restart(const struct runtime_ops *ops, const struct restart_opts *opts,
                    struct restart_result *ret, struct gp_error *err)
{
	*ret = (struct restart_result){0};
	const struct live_opts *o = &opts->live;
	const char *config = live_config_path(o, ops->config_path);
	_cleanup_free_ char *sock = live_socket_path(o, ops->socket_path);
	enum restart_action action = decide(opts, config, ret);
	/* --mode signal asks for a reload: do it, and say what it will not apply. */
	if (opts->mode == SVC_MODE_SIGNAL && !opts->full && !opts->force_action &&
	    action == RESTART_ACTION_RESTART) {
		_cleanup_free_ char *note =
		        xasprintf("a reload may not apply everything: %s", ret->why);
		ret->notes = strv_push(ret->notes, note);
		free(ret->why);
		ret->why = xstrdup("a reload was asked for (--mode signal)");
		action = RESTART_ACTION_RELOAD;
	}

	if (opts->mode == SVC_MODE_NONE) {
		ret->mode = SVC_MODE_NONE;
		ret->manual = xstrdup(action == RESTART_ACTION_RELOAD
		                              ? "systemctl reload docker (or: kill -HUP $(cat "
		                                "/run/docker.pid))"
		                              : "systemctl restart docker (or: service docker "
		                                "restart)");
		return 0;
	}
	if (action == RESTART_ACTION_RELOAD)
		return reload(opts, sock, config, ret, err);
	return restart(opts, sock, ret, err);
}

int
docker_ask_live(const char *socket, unsigned timeout_ms, struct runtime_live *ret,
                struct gp_error *err)
{
	*ret = (struct runtime_live){.view = {.cdi = -1}};
	struct docker_client *c = docker_client_new(socket, timeout_ms);
	_cleanup_(docker_info_freep) struct docker_info *info = NULL;
	int r = docker_client_info(c, &info, err);
	docker_client_free(c);
	if (r < 0)
		return -1;
	const char *version = docker_info_server_version(info);
	ret->daemon = xasprintf("dockerd %s", version ? version : "(unknown version)");
	struct runtime_config_view *v = &ret->view;
	v->path = xstrdup(socket);
	v->exists = true;
	const char *def = docker_info_default_runtime(info);
	v->default_runtime = def ? xstrdup(def) : NULL;
	_cleanup_strv_ char **names = docker_info_runtime_names(info);
	for (size_t i = 0; names[i]; i++)
		runtime_config_view_add(v, names[i], docker_info_runtime_path(info, names[i]));
	const struct runtime_config_entry *e = runtime_config_view_find(v, def);
	v->default_defined = e != NULL;
	v->default_path = e && e->path ? xstrdup(e->path) : NULL;
	const char *cgroup = docker_info_cgroup_driver(info);
	v->cgroup_driver_set = cgroup && cgroup_driver_from_name(cgroup, &v->cgroup_driver);
	return 0;
}

static void
smoke(const struct live_opts *o, const char *sock, struct verify_result *ret)
{
	const char *name = o->runtime_name;
	_cleanup_free_ char *expected = xasprintf("%s runs with runtime %s", o->smoke_image, name);
	if (!live_smoke_start(o, ret, expected))
		return;
	char *env[] = {LIVE_SMOKE_ENV, NULL};
	_cleanup_free_ char *cname = live_smoke_name();
	struct docker_run_opts ro = {
	        .image = o->smoke_image,
	        .cmd = live_smoke_cmd(o),
	        .env = env,
	        .runtime = name,
	        .name = cname,
	        .timeout_ms = live_timeout_ms(o),
	};
	live_step(o, "running %s with runtime %s", o->smoke_image, name);
	struct docker_client *c = docker_client_new(sock, 0);
	struct docker_run_result rr = {0};
	struct gp_error e = GP_ERROR_INIT;
	if (docker_client_run(c, &ro, &rr, &e) < 0)
		verify_add_note(ret, "smoke", LIVE_CHECK_FAIL, expected, "did not run", "%s%s%s",
		                e.msg, e.hint ? "; " : "", e.hint ? e.hint : "");
	else
		live_smoke_done(o, ret, expected, rr.exit_code, false, rr.output, NULL);
	gp_error_release(&e);
	docker_run_result_release(&rr);
	docker_client_free(c);
}

int
docker_live_verify(const struct runtime_ops *ops, const struct live_opts *o,
                   struct verify_result *ret, struct gp_error *err)
{
	const char *config = live_config_path(o, ops->config_path);
	_cleanup_free_ char *host_config = gp_path(o->root, config);
	ret->socket = live_socket_path(o, ops->socket_path);

	_cleanup_(runtime_live_release) struct runtime_live live = {0};
	if (docker_ask_live(ret->socket, 0, &live, err) < 0)
		return -1;
	ret->daemon = xstrdup(live.daemon);
	_cleanup_free_ char *answers = xasprintf("answers on '%s'", ret->socket);
	verify_add(ret, "daemon", LIVE_CHECK_PASS, answers, ret->daemon, NULL);
	/* A dockerd older than 19.03 passes on the runtime route alone: say what it lacks. */
	const char *number = strchr(live.daemon, ' ');
	int version = docker_version_number(number ? number + 1 : NULL);
	if (version && version < DOCKER_GPUS_SINCE) {
		_cleanup_(runtime_version_release) struct runtime_version v = {0};
		docker_version_judge(version, &v);
		verify_add_note(ret, "version", LIVE_CHECK_PASS, "NVIDIA's runtime route",
		                number + 1, "%s; %s", v.said, v.hint);
	}

	_cleanup_(runtime_config_view_release) struct runtime_config_view file = {0};
	_cleanup_error_ struct gp_error ferr = GP_ERROR_INIT;
	bool file_ok = ops->inspect(o->root, config, &file, &ferr) == 0;
	struct live_who who = {host_config, DOCKER_COMM, ops->name};
	live_check_views(ret, o, &who, "runtime_path", DOCKER_DEFAULT_PATH, file_ok ? &file : NULL,
	                 ferr.msg, &live);

	if (!o->file_only && o->smoke_image)
		smoke(o, ret->socket, ret);
	return 0;
}

void
docker_version(const char *root, const char *socket, unsigned timeout_ms,
               struct runtime_version *ret)
{
	*ret = (struct runtime_version){0};
	int number = 0;
	if (socket) {
		_cleanup_(runtime_live_release) struct runtime_live live = {0};
		_cleanup_error_ struct gp_error e = GP_ERROR_INIT;
		/* live.daemon: "dockerd 18.09.6" */
		if (docker_ask_live(socket, timeout_ms, &live, &e) == 0 && live.daemon &&
		    (number = docker_version_number(live.daemon + strcspn(live.daemon, " ") +
		                                    (strchr(live.daemon, ' ') ? 1 : 0)))) {
			ret->daemon = xstrdup(live.daemon);
			ret->source = xasprintf("the running daemon on '%s'", socket);
		}
	}
	if (!number) {
		_cleanup_free_ char *version = NULL;
		if ((number = docker_node_version(root, &version, &ret->source)))
			ret->daemon = xasprintf("dockerd %s", version);
	}
	if (number)
		docker_version_judge(number, ret);
}
