// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The checks after keadm join (or kubeadm join): the node agent, its config against the
 * live runtime, and NVIDIA's device plugin as the agent's device manager sees it. See
 * afterjoin.h; the files are parsed in afterjoin_parse.c.
 */
#include "afterjoin.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "afterjoin_parse.h"
#include "live.h"
#include "noderoot.h"
#include "preflight_check.h"
#include "svc.h"

/* How long the runtime may take to answer: verify must stay fast. */
#define LIVE_TIMEOUT_MS 3000u

enum agent_kind {
	AGENT_NONE = 0,
	AGENT_EDGECORE,
	AGENT_KUBELET,
};

struct aj_ctx {
	struct preflight_ctx pf; /* the root and the node scan */
	const struct afterjoin_opts *opts;
	struct dp_sharing sharing; /* --device-plugin-config, or empty */

	/* The node agent: which, its process, its config file. */
	bool agent_done;
	enum agent_kind kind;
	bool proc_known; /* /proc is there: "not running" is known */
	long pid;        /* the agent's pid, or 0 */
	char *cmdline;   /* its command line, NULs as spaces, or NULL */
	char *config;    /* the node path of its config file */

	/* Its config, read once. */
	bool config_done, config_ok;
	struct agent_config cfg;
	char *config_error, *config_hint;

	/* The runtime behind the endpoint, asked once. */
	bool runtime_done;
	const struct runtime_ops *runtime;
	bool asked, live_ok;
	struct runtime_live live;
	char *live_error, *live_hint;
	bool view_ok;
	struct runtime_config_view view;

	/* kubelet_internal_checkpoint, read once. */
	bool cp_done, cp_ok;
	struct dp_checkpoint cp;
};

static const char *
agent_name(const struct aj_ctx *c)
{
	return c->kind == AGENT_KUBELET ? "kubelet" : "edgecore";
}

/* The restart that makes the agent read its config again. */
static const char *
agent_restart(const struct aj_ctx *c)
{
	return c->kind == AGENT_KUBELET ? "systemctl restart kubelet"
	                                : "systemctl restart edgecore";
}

/* The value of --config=PATH (or --config PATH) on a command line, or NULL. */
static char *
config_flag(const char *cmdline)
{
	if (!cmdline)
		return NULL;
	for (const char *p = strstr(cmdline, "--config"); p; p = strstr(p + 1, "--config")) {
		const char *v = p + strlen("--config");
		if ((p != cmdline && p[-1] != ' ') || (*v != '=' && *v != ' '))
			continue;
		v++;
		size_t n = strcspn(v, " ");
		if (n && v[0] == '/')
			return xstrndup(v, n);
	}
	return NULL;
}

static void
agent_find(struct aj_ctx *c)
{
	if (c->agent_done)
		return;
	c->agent_done = true;
	const char *root = c->pf.root;
	c->proc_known = noderoot_is_dir(root, "/proc");
	char *cmd = NULL;
	long pid = svc_find_process(root, "edgecore", &cmd);
	_cleanup_free_ char *flag = config_flag(cmd);
	const char *edgecore_config = c->opts->edgecore_config ? c->opts->edgecore_config
	                              : flag                   ? flag
	                                                       : AFTERJOIN_EDGECORE_CONFIG;
	if (pid || c->opts->edgecore_config || noderoot_exists(root, edgecore_config)) {
		c->kind = AGENT_EDGECORE;
		c->pid = pid;
		c->cmdline = cmd;
		c->config = xstrdup(edgecore_config);
		return;
	}
	free(cmd);
	cmd = NULL;
	pid = svc_find_process(root, "kubelet", &cmd);
	free(flag);
	flag = config_flag(cmd);
	const char *kubelet_config = flag ? flag : AFTERJOIN_KUBELET_CONFIG;
	c->config = xstrdup(kubelet_config);
	if (pid || noderoot_exists(root, kubelet_config))
		c->kind = AGENT_KUBELET;
	c->pid = pid;
	c->cmdline = cmd;
}

/* The agent's systemd unit file under the root (keadm installs /lib/systemd/system/...), or NULL.
 */
static char *
unit_file(const char *root, const char *name)
{
	static const char *const dirs[] = {"/etc/systemd/system", "/lib/systemd/system",
	                                   "/usr/lib/systemd/system"};
	for (size_t i = 0; i < GP_ARRAY_SIZE(dirs); i++) {
		_cleanup_free_ char *path = xasprintf("%s/%s.service", dirs[i], name);
		if (noderoot_exists(root, path))
			return gp_path(root, path);
	}
	return NULL;
}

static void
check_node_agent(struct aj_ctx *c, struct preflight_result *r)
{
	agent_find(c);
	_cleanup_free_ char *file = gp_path(c->pf.root, c->config);
	if (c->kind == AGENT_NONE) {
		_cleanup_free_ char *edge = gp_path(c->pf.root, AFTERJOIN_EDGECORE_CONFIG);
		preflight_set(r, PREFLIGHT_FAIL,
		              "no node agent: no '%s', no '%s', and neither edgecore nor kubelet "
		              "runs",
		              edge, file);
		preflight_hint(r, "join the node first: keadm join (KubeEdge) or kubeadm join");
		return;
	}
	const char *name = agent_name(c);
	const char *what =
	        c->kind == AGENT_KUBELET ? "no edgecore: a kubelet (kubeadm) node; " : "";
	if (c->pid) {
		preflight_set(r, PREFLIGHT_PASS, "%s%s runs (pid %ld)", what, name, c->pid);
		return;
	}
	if (!c->proc_known) {
		preflight_set(r, PREFLIGHT_SKIP,
		              "%scannot tell whether %s runs: no /proc under the root", what, name);
		return;
	}
	_cleanup_free_ char *unit = unit_file(c->pf.root, name);
	if (!unit) {
		preflight_set(r, PREFLIGHT_FAIL,
		              "%s%s is not running ('%s' is there), and no %s.service unit is "
		              "installed",
		              what, name, file, name);
		preflight_hint(
		        r, "%s did not finish: run it again (it installs and starts %s.service)",
		        c->kind == AGENT_KUBELET ? "kubeadm join (or the kubelet package)"
		                                 : "keadm join",
		        name);
		return;
	}
	preflight_set(r, PREFLIGHT_FAIL, "%s%s is not running ('%s' is there; its unit is '%s')",
	              what, name, file, unit);
	preflight_hint(r,
	               "systemctl start %s; if it exits again, journalctl -u %s -n 50 says why "
	               "(a cgroup driver mismatch reads \"misconfiguration: kubelet cgroup "
	               "driver\")",
	               name, name);
}

/* kubelet's flags: its command line when it runs, else kubeadm's flags file. */
static char *
kubelet_flags(struct aj_ctx *c)
{
	if (c->cmdline)
		return xstrdup(c->cmdline);
	char *text = NULL;
	if (noderoot_read_file(c->pf.root, AFTERJOIN_KUBEADM_FLAGS, &text, NULL) == 0)
		return text;
	return NULL;
}

/* Read and parse the agent's config once; false when there is none to read (see agent-config). */
static bool
config_read(struct aj_ctx *c)
{
	agent_find(c);
	if (c->config_done)
		return c->config_ok;
	c->config_done = true;
	if (c->kind == AGENT_NONE) {
		c->config_error = xstrdup("no node agent (see node-agent)");
		return false;
	}
	_cleanup_free_ char *file = gp_path(c->pf.root, c->config);
	_cleanup_free_ char *text = NULL;
	size_t len = 0;
	_cleanup_error_ struct gp_error err = GP_ERROR_INIT;
	int rr = noderoot_read_file(c->pf.root, c->config, &text, &len);
	if (rr < 0 && (c->kind == AGENT_EDGECORE || errno != ENOENT)) {
		c->config_error = xasprintf("cannot read '%s': %s", file, strerror(errno));
		c->config_hint =
		        c->kind == AGENT_EDGECORE
		                ? xstrdup("keadm join writes it; if edgecore runs with another "
		                          "config, pass it with --edgecore-config PATH")
		                : xasprintf("kubeadm join writes it; make it readable");
		return false;
	}
	int r;
	if (c->kind == AGENT_EDGECORE) {
		r = agent_config_parse_edgecore(text, len, &c->cfg, &err);
	} else {
		_cleanup_free_ char *flags = kubelet_flags(c);
		r = agent_config_parse_kubelet(text, len, flags, &c->cfg, &err);
	}
	if (r < 0) {
		c->config_error = xasprintf("'%s': %s", file, err.msg ? err.msg : "unknown error");
		c->config_hint = err.hint ? xstrdup(err.hint) : NULL;
		return false;
	}
	c->config_ok = true;
	return true;
}

static void
check_agent_config(struct aj_ctx *c, struct preflight_result *r)
{
	if (!config_read(c)) {
		if (c->kind == AGENT_NONE) {
			preflight_set(r, PREFLIGHT_SKIP, "%s", c->config_error);
			return;
		}
		preflight_set(r, PREFLIGHT_FAIL, "%s", c->config_error);
		if (c->config_hint)
			preflight_hint(r, "%s", c->config_hint);
		return;
	}
	const struct agent_config *cfg = &c->cfg;
	_cleanup_free_ char *file = gp_path(c->pf.root, c->config);
	if (cfg->edged_disabled) {
		preflight_set(
		        r, PREFLIGHT_FAIL,
		        "'%s' turns edged off (modules.edged.enable: false): edgecore runs no "
		        "pods",
		        file);
		preflight_hint(r, "set modules.edged.enable: true in '%s', then %s", file,
		               agent_restart(c));
		return;
	}
	if (cfg->device_plugins == 0) {
		if (cfg->device_plugins_line)
			preflight_set(
			        r, PREFLIGHT_FAIL,
			        "'%s':%zu:%zu: modules.edged.devicePluginEnabled is false: edged "
			        "ignores device plugins, so no pod gets a GPU",
			        file, cfg->device_plugins_line, cfg->device_plugins_col);
		else
			preflight_set(r, PREFLIGHT_FAIL,
			              "'%s' does not set modules.edged.devicePluginEnabled, which "
			              "defaults to false: edged ignores device plugins",
			              file);
		preflight_hint(r, "set modules.edged.devicePluginEnabled: true in '%s', then %s",
		               file, agent_restart(c));
		return;
	}
	if (c->kind == AGENT_KUBELET) {
		preflight_set(r, PREFLIGHT_PASS,
		              "kubelet (%s): cgroup driver %s (%s), runtime endpoint %s (%s)",
		              noderoot_exists(c->pf.root, c->config) ? file : "no config file",
		              cfg->cgroup_driver, cfg->cgroup_driver_from, cfg->endpoint,
		              cfg->endpoint_from);
		return;
	}
	preflight_set(r, PREFLIGHT_PASS,
	              "'%s' (%s, %s layout): cgroup driver %s, runtime endpoint %s%s", file,
	              cfg->api_version ? cfg->api_version : "no apiVersion",
	              cfg->old_layout ? "KubeEdge < 1.12" : "KubeEdge 1.12+", cfg->cgroup_driver,
	              cfg->endpoint, cfg->old_layout ? ", devicePluginEnabled: true" : "");
}

/* The runtime a socket belongs to, by its path: the runtimes' own CRI (or API) sockets. */
static const struct runtime_ops *
runtime_by_socket(const char *path)
{
	const char *p = str_startswith(path, "/var/run/") ? path + strlen("/var") : path;
	if (strcmp(p, runtime_cri_dockerd.cri_socket) == 0 ||
	    strcmp(p, runtime_docker.socket_path) == 0)
		return &runtime_docker;
	for (size_t i = 0; runtime_all[i]; i++) {
		const char *s = runtime_all[i]->cri_socket;
		if (!s || !runtime_all[i]->config_path)
			continue;
		if (str_startswith(s, "/var/run/"))
			s += strlen("/var");
		if (strcmp(s, p) == 0)
			return runtime_all[i];
	}
	return NULL;
}

/* The runtime by the name it gives in the CRI's Version answer ("containerd v2.1.5"). */
static const struct runtime_ops *
runtime_by_daemon(const char *daemon)
{
	static const struct {
		const char *prefix, *runtime;
	} names[] = {{"containerd ", "containerd"}, {"cri-o ", "crio"}, {"docker ", "docker"}};
	for (size_t i = 0; daemon && i < GP_ARRAY_SIZE(names); i++)
		if (str_startswith(daemon, names[i].prefix))
			return runtime_find(names[i].runtime);
	return &runtime_containerd;
}

/*
 * Ask the runtime behind the agent's endpoint, once: the CRI on the endpoint
 * (docker's Engine API for edged's own dockershim), then the runtime's config
 * file. Fills c->runtime, c->live, c->view.
 */
static void
runtime_ask(struct aj_ctx *c)
{
	if (c->runtime_done || !config_read(c))
		return;
	c->runtime_done = true;
	const char *ep = c->cfg.endpoint;
	const char *path = str_startswith(ep, "unix://") ? ep + strlen("unix://") : ep;
	if (path[0] != '/')
		return;
	_cleanup_free_ char *host = preflight_path(&c->pf, path);
	c->runtime = runtime_by_socket(path);
	struct stat st;
	if (stat(host, &st) == 0 && S_ISSOCK(st.st_mode)) {
		_cleanup_error_ struct gp_error err = GP_ERROR_INIT;
		c->asked = true;
		bool docker_api = c->runtime == &runtime_docker &&
		                  strcmp(path + (str_startswith(path, "/var/run/") ? 4 : 0),
		                         runtime_docker.socket_path) == 0;
		int r = docker_api ? docker_ask_live(host, LIVE_TIMEOUT_MS, &c->live, &err)
		                   : cri_ask_live(host, LIVE_TIMEOUT_MS, &c->live, &err);
		if (r == 0 && !c->runtime)
			c->runtime = runtime_by_daemon(c->live.daemon);
		if (r == 0 && !docker_api && c->runtime && c->runtime != &runtime_containerd &&
		    c->runtime->ask_live && c->runtime->ask_live != cri_ask_live) {
			/* CRI-O's /info and docker's /info name the cgroup driver the CRI does not.
			 */
			const char *own =
			        c->runtime == &runtime_docker ? runtime_docker.socket_path : path;
			_cleanup_free_ char *own_host = preflight_path(&c->pf, own);
			struct runtime_live more = {0};
			_cleanup_error_ struct gp_error e2 = GP_ERROR_INIT;
			if (c->runtime->ask_live(own_host, LIVE_TIMEOUT_MS, &more, &e2) == 0) {
				free(more.daemon);
				more.daemon = TAKE_PTR(c->live.daemon);
				more.cri = c->live.cri;
				more.ready = c->live.ready;
				free(more.not_ready);
				more.not_ready = TAKE_PTR(c->live.not_ready);
				runtime_live_release(&c->live);
				c->live = more;
			} else {
				runtime_live_release(&more);
			}
		}
		c->live_ok = r == 0;
		if (r < 0) {
			c->live_error = xstrdup(err.msg ? err.msg : "unknown error");
			c->live_hint = err.hint ? xstrdup(err.hint) : NULL;
		}
	}
	if (c->runtime && c->runtime->inspect) {
		_cleanup_error_ struct gp_error err = GP_ERROR_INIT;
		c->view_ok = c->runtime->inspect(c->pf.root, NULL, &c->view, &err) == 0;
	}
}

static void
check_agent_endpoint(struct aj_ctx *c, struct preflight_result *r)
{
	if (!config_read(c)) {
		preflight_set(r, PREFLIGHT_SKIP, "no %s config to read (see agent-config)",
		              c->kind == AGENT_NONE ? "node agent" : agent_name(c));
		return;
	}
	const char *ep = c->cfg.endpoint;
	_cleanup_free_ char *file = gp_path(c->pf.root, c->config);
	const char *key = c->cfg.endpoint_from;
	const char *path = str_startswith(ep, "unix://") ? ep + strlen("unix://") : ep;
	if (path[0] != '/') {
		preflight_set(r, PREFLIGHT_FAIL,
		              "%s's runtime endpoint '%s' (%s) is no unix socket", agent_name(c),
		              ep, key);
		preflight_hint(r, "set it to unix:///run/containerd/containerd.sock (or the socket "
		                  "your runtime listens on)");
		return;
	}
	runtime_ask(c);
	_cleanup_free_ char *host = preflight_path(&c->pf, path);
	struct stat st;
	const char *rt = c->runtime ? c->runtime->name : "the runtime";
	int missing = stat(host, &st) < 0 ? errno : 0;
	if (missing || !S_ISSOCK(st.st_mode)) {
		_cleanup_free_ char *why = missing ? xasprintf("is missing (%s)", strerror(missing))
		                                   : xstrdup("is not a socket");
		preflight_set(r, PREFLIGHT_FAIL, "%s talks to '%s' (%s), but '%s' %s",
		              agent_name(c), ep, key, host, why);
		preflight_hint(r,
		               "start %s, or set %s in '%s' to the socket it listens on, then %s",
		               rt, strcmp(key, "the default") == 0 ? "the endpoint" : key, file,
		               agent_restart(c));
		return;
	}
	if (!c->live_ok) {
		if (c->pf.root) {
			preflight_set(
			        r, PREFLIGHT_SKIP,
			        "nobody answers on '%s' under --root (%s); the cgroup driver is "
			        "compared with %s's config file",
			        host, c->live_error ? c->live_error : "not asked", rt);
			return;
		}
		preflight_set(r, PREFLIGHT_FAIL,
		              "%s talks to '%s' (%s), but nothing answers there: %s", agent_name(c),
		              ep, key, c->live_error ? c->live_error : "unknown error");
		preflight_hint(r, "%s",
		               c->live_hint ? c->live_hint : "start the runtime, or restart it");
		return;
	}
	if (c->live.cri && !c->live.ready) {
		preflight_set(r, PREFLIGHT_FAIL, "%s on '%s' is not ready: %s", c->live.daemon, ep,
		              c->live.not_ready);
		preflight_hint(r, "look at %s's log for why", rt);
		return;
	}
	preflight_set(r, PREFLIGHT_PASS, "%s's endpoint '%s' answers: %s", agent_name(c), ep,
	              c->live.daemon ? c->live.daemon : rt);
}

/* The cgroup driver the live runtime reports, with where that comes from; NULL: not said. */
static const char *
live_driver(const struct runtime_live *l, char **ret_from)
{
	const struct runtime_config_view *v = &l->view;
	if (v->cgroup_driver_set && cgroup_driver_name(v->cgroup_driver)) {
		*ret_from = xstrdup(v->cgroup_driver_source ? v->cgroup_driver_source
		                                            : "as the running daemon reports it");
		return cgroup_driver_name(v->cgroup_driver);
	}
	const char *def = v->default_runtime ? v->default_runtime : "runc";
	const struct runtime_config_entry *e = runtime_config_view_find(v, def);
	if (!e || e->systemd_cgroup < 0)
		return NULL;
	*ret_from = xasprintf("SystemdCgroup = %s for runtime '%s', as it runs",
	                      e->systemd_cgroup ? "true" : "false", def);
	return e->systemd_cgroup ? "systemd" : "cgroupfs";
}

static void
check_agent_cgroup_driver(struct aj_ctx *c, struct preflight_result *r)
{
	if (!config_read(c)) {
		preflight_set(r, PREFLIGHT_SKIP, "no %s config to read (see agent-config)",
		              c->kind == AGENT_NONE ? "node agent" : agent_name(c));
		return;
	}
	runtime_ask(c);
	if (!c->runtime) {
		preflight_set(r, PREFLIGHT_SKIP,
		              "cannot tell which runtime is behind '%s' (see agent-endpoint)",
		              c->cfg.endpoint);
		return;
	}
	const char *rt = c->runtime->name;
	_cleanup_free_ char *from = NULL;
	const char *driver = c->live_ok ? live_driver(&c->live, &from) : NULL;
	const char *running = driver ? "the running " : "";
	if (!driver && c->view_ok && cgroup_driver_name(c->view.cgroup_driver)) {
		driver = cgroup_driver_name(c->view.cgroup_driver);
		_cleanup_free_ char *vfile = gp_path(c->pf.root, c->view.path);
		from = c->view.cgroup_driver_source
		               ? xstrdup(c->view.cgroup_driver_source)
		               : xasprintf("its default: '%s' sets none", vfile);
	}
	if (!driver) {
		preflight_set(r, PREFLIGHT_SKIP, "cannot tell which cgroup driver %s uses", rt);
		return;
	}
	const char *agent = c->cfg.cgroup_driver;
	_cleanup_free_ char *file = gp_path(c->pf.root, c->config);
	if (strcmp(agent, driver) == 0) {
		preflight_set(r, PREFLIGHT_PASS, "%s and %s%s both use the %s cgroup driver (%s)",
		              agent_name(c), running, rt, driver, from);
		return;
	}
	preflight_set(r, PREFLIGHT_FAIL,
	              "%s uses the %s cgroup driver (%s in '%s'), but %s%s uses %s (%s)",
	              agent_name(c), agent, c->cfg.cgroup_driver_from, file, running, rt, driver,
	              from);
	const char *key = c->kind == AGENT_KUBELET ? "cgroupDriver"
	                  : c->cfg.old_layout      ? "modules.edged.cgroupDriver"
	                                           : "modules.edged.tailoredKubeletConfig."
	                                             "cgroupDriver";
	preflight_hint(r,
	               "set %s: %s in '%s' and %s, or change the runtime: gpuprep configure "
	               "--runtime %s --cgroup-driver %s --restart",
	               key, driver, file, agent_restart(c), rt, agent);
}

/* 0 when something accepts on the socket, else the errno of connect(2). */
static int
socket_connect(const char *path)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	if (strlen(path) >= sizeof(sa.sun_path))
		return ENAMETOOLONG;
	memcpy(sa.sun_path, path, strlen(path) + 1);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return errno;
	int r = connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ? errno : 0;
	close(fd);
	return r;
}

static void
check_device_plugin_socket(struct aj_ctx *c, struct preflight_result *r)
{
	const char *root = c->pf.root;
	_cleanup_free_ char *dir = gp_path(root, AFTERJOIN_DEVICE_PLUGINS);
	DIR *d = noderoot_opendir(root, AFTERJOIN_DEVICE_PLUGINS);
	if (!d) {
		preflight_set(r, PREFLIGHT_FAIL, "no '%s' (%s): %s's device manager is not running",
		              dir, strerror(errno), agent_name(c));
		preflight_hint(r,
		               "%s creates it when it starts with device plugins on; start it, "
		               "then deploy NVIDIA's device plugin",
		               agent_name(c));
		return;
	}
	_cleanup_free_ char *found = NULL, *stale = NULL;
	bool kubelet_sock = false;
	struct dirent *de;
	while ((de = readdir(d))) {
		_cleanup_free_ char *node =
		        xasprintf("%s/%s", AFTERJOIN_DEVICE_PLUGINS, de->d_name);
		struct stat st;
		if (noderoot_lstat(root, node, &st) < 0 || !S_ISSOCK(st.st_mode))
			continue;
		if (strcmp(de->d_name, "kubelet.sock") == 0) {
			kubelet_sock = true;
			continue;
		}
		if (!str_startswith(de->d_name, "nvidia") || !str_endswith(de->d_name, ".sock"))
			continue;
		/* Under --root the sockets have no daemon behind them: their presence is all. */
		_cleanup_free_ char *host = preflight_path(&c->pf, node);
		if (!root && socket_connect(host) != 0)
			preflight_list_add(&stale, "%s", de->d_name);
		else
			preflight_list_add(&found, "%s", de->d_name);
	}
	closedir(d);
	if (found) {
		preflight_set(r, PREFLIGHT_PASS, "NVIDIA's device plugin listens in '%s': %s", dir,
		              found);
		return;
	}
	if (stale) {
		preflight_set(r, PREFLIGHT_FAIL,
		              "'%s' holds %s, but nothing listens on it: the device plugin has "
		              "exited",
		              dir, stale);
		preflight_hint(r, "look at the nvidia-device-plugin pod on this node: kubectl -n "
		                  "kube-system logs -l app.kubernetes.io/name=nvidia-device-plugin "
		                  "(a driver it cannot load shows there)");
		return;
	}
	if (!kubelet_sock) {
		preflight_set(r, PREFLIGHT_FAIL,
		              "no kubelet.sock and no NVIDIA plugin socket in '%s': %s's device "
		              "manager is not serving",
		              dir, agent_name(c));
		preflight_hint(r,
		               "check agent-config (KubeEdge < 1.12 needs devicePluginEnabled: "
		               "true), then %s",
		               agent_restart(c));
		return;
	}
	preflight_set(r, PREFLIGHT_FAIL, "no NVIDIA device plugin socket (nvidia*.sock) in '%s'",
	              dir);
	preflight_hint(r, "deploy NVIDIA's device plugin (helm install nvdp/nvidia-device-plugin, "
	                  "or kubectl create -f nvidia-device-plugin.yml) and check its pod runs "
	                  "on this node: kubectl -n kube-system get pods -o wide");
}

/* The resource name the plugin offers GPUs as. */
static const char *
gpu_resource(const struct aj_ctx *c)
{
	const struct dp_share *s = dp_sharing_find(&c->sharing, AFTERJOIN_GPU_RESOURCE);
	return s ? s->advertised : AFTERJOIN_GPU_RESOURCE;
}

static bool
checkpoint_read(struct aj_ctx *c, struct preflight_result *r)
{
	if (c->cp_done) {
		if (!c->cp_ok)
			preflight_set(r, PREFLIGHT_SKIP,
			              "no checkpoint to read (see "
			              "device-plugin-registered)");
		return c->cp_ok;
	}
	c->cp_done = true;
	const char *node = AFTERJOIN_DEVICE_PLUGINS "/" AFTERJOIN_CHECKPOINT;
	_cleanup_free_ char *file = gp_path(c->pf.root, node);
	_cleanup_free_ char *text = NULL;
	size_t len = 0;
	if (noderoot_read_file(c->pf.root, node, &text, &len) < 0) {
		preflight_set(r, PREFLIGHT_FAIL, "cannot read '%s': %s", file, strerror(errno));
		preflight_hint(r, "%s writes it once its device manager runs: %s", agent_name(c),
		               agent_restart(c));
		return false;
	}
	_cleanup_error_ struct gp_error err = GP_ERROR_INIT;
	if (dp_checkpoint_parse(text, len, &c->cp, &err) < 0) {
		preflight_set(r, PREFLIGHT_FAIL, "'%s': %s", file, err.msg);
		if (err.hint)
			preflight_hint(r, "%s", err.hint);
		return false;
	}
	c->cp_ok = true;
	return true;
}

static void
check_device_plugin_registered(struct aj_ctx *c, struct preflight_result *r)
{
	agent_find(c);
	if (!checkpoint_read(c, r))
		return;
	_cleanup_free_ char *file =
	        gp_path(c->pf.root, AFTERJOIN_DEVICE_PLUGINS "/" AFTERJOIN_CHECKPOINT);
	const char *name = gpu_resource(c);
	const struct dp_resource *res = dp_checkpoint_find(&c->cp, name);
	if (!res) {
		_cleanup_free_ char *have = NULL;
		for (size_t i = 0; i < c->cp.n; i++)
			preflight_list_add(&have, "%s", c->cp.resources[i].name);
		preflight_set(r, PREFLIGHT_FAIL, "'%s' lists no %s: %s%s", file, name,
		              have ? "it has " : "no device plugin has registered",
		              have ? have : "");
		preflight_hint(r,
		               "the NVIDIA device plugin has not registered with %s: look at its "
		               "pod's log on this node, and check device-plugin-socket",
		               agent_name(c));
		return;
	}
	if (res->n_ids == 0) {
		preflight_set(r, PREFLIGHT_FAIL,
		              "'%s' lists %s with no devices: the plugin found no "
		              "healthy GPU",
		              file, name);
		preflight_hint(r,
		               "look at the device plugin pod's log (NVML errors), and run gpuprep "
		               "preflight on this node");
		return;
	}
	preflight_set(r, PREFLIGHT_PASS, "'%s' lists %s with %zu device%s: %s%s", file, name,
	              res->n_ids, res->n_ids == 1 ? "" : "s", res->ids[0],
	              res->n_ids > 1 ? ", ..." : "");
}

static void
check_gpu_count(struct aj_ctx *c, struct preflight_result *r)
{
	agent_find(c);
	if (!checkpoint_read(c, r))
		return;
	const char *name = gpu_resource(c);
	const struct dp_resource *res = dp_checkpoint_find(&c->cp, name);
	if (!res || res->n_ids == 0) {
		preflight_set(r, PREFLIGHT_SKIP,
		              "no %s devices to count (see "
		              "device-plugin-registered)",
		              name);
		return;
	}
	const struct node_info *n = preflight_node_or_skip(&c->pf, r);
	if (!n)
		return;
	size_t gpus = node_gpu_count(n);
	size_t offered = res->n_ids;
	size_t physical = dp_physical_count(res->ids, res->n_ids);
	const struct dp_share *share = dp_sharing_find(&c->sharing, AFTERJOIN_GPU_RESOURCE);
	long replicas = share ? share->replicas : 1;
	_cleanup_free_ char *how = NULL;
	size_t expected = gpus;
	if (share && share->some_devices) {
		/* Only some GPUs are shared: the GPUs behind the ids must all be there. */
		offered = physical;
		how = xasprintf("%zu GPU%s behind them (%s shares some GPUs only)", physical,
		                physical == 1 ? "" : "s", c->sharing.from);
	} else if (share) {
		expected = gpus * (size_t)replicas;
		how = xasprintf("%zu GPU%s x %ld replicas (%s in '%s')", gpus, gpus == 1 ? "" : "s",
		                replicas, c->sharing.from, c->opts->device_plugin_config);
	} else if (physical != offered && physical && offered % physical == 0) {
		/* Time-sliced ids ("GPU-x::0") without the config: take replicas from them. */
		replicas = (long)(offered / physical);
		expected = gpus * (size_t)replicas;
		how = xasprintf("%zu GPU%s x %ld replicas (read from the device ids)", gpus,
		                gpus == 1 ? "" : "s", replicas);
	} else {
		how = xasprintf("%zu GPU%s", gpus, gpus == 1 ? "" : "s");
	}
	if (offered == expected) {
		preflight_set(r, PREFLIGHT_PASS,
		              "the device plugin offers %zu %s: %s, as detect "
		              "sees",
		              res->n_ids, name, how);
		return;
	}
	preflight_set(r, PREFLIGHT_FAIL,
	              "the device plugin offers %zu %s%s, but detect sees %s: %zu expected",
	              offered, name, share && share->some_devices ? " GPUs" : "", how, expected);
	if (offered < expected)
		preflight_hint(r,
		               "a GPU the plugin could not use: look at its pod's log (NVML "
		               "errors), gpuprep preflight, and for time-slicing pass its config "
		               "with --device-plugin-config FILE");
	else
		preflight_hint(r,
		               "the plugin shares GPUs: pass its config with "
		               "--device-plugin-config FILE (the ConfigMap or its config file), or "
		               "a GPU detect misses: gpuprep detect");
}

typedef void (*aj_check_fn)(struct aj_ctx *c, struct preflight_result *r);

static const struct {
	const char *id;
	aj_check_fn fn;
} checks[] = {
        {"node-agent", check_node_agent},
        {"agent-config", check_agent_config},
        {"agent-endpoint", check_agent_endpoint},
        {"agent-cgroup-driver", check_agent_cgroup_driver},
        {"device-plugin-socket", check_device_plugin_socket},
        {"device-plugin-registered", check_device_plugin_registered},
        {"gpu-count", check_gpu_count},
};

const char *const *
afterjoin_check_ids(void)
{
	static const char *ids[GP_ARRAY_SIZE(checks) + 1];
	for (size_t i = 0; i < GP_ARRAY_SIZE(checks); i++)
		ids[i] = checks[i].id;
	return ids;
}

static int
read_sharing(const char *path, struct dp_sharing *ret, struct gp_error *err)
{
	_cleanup_free_ char *text = NULL;
	size_t len = 0;
	if (read_file(path, &text, &len) < 0) {
		gp_error_set(err, "--device-plugin-config: cannot read '%s': %s", path,
		             strerror(errno));
		return gp_error_hint(err, "save the device plugin's ConfigMap: kubectl -n "
		                          "kube-system get configmap NAME -o yaml > FILE");
	}
	if (dp_sharing_parse(text, len, ret, err) < 0)
		return gp_error_prefix(err, "--device-plugin-config: '%s'", path);
	return 0;
}

int
afterjoin_run(const struct afterjoin_opts *opts, struct preflight_report *ret, struct gp_error *err)
{
	struct aj_ctx c = {
	        .pf = {.root = gp_root_is_set(opts->root) ? opts->root : NULL},
	        .opts = opts,
	};
	if (opts->device_plugin_config &&
	    read_sharing(opts->device_plugin_config, &c.sharing, err) < 0)
		return -1;
	struct preflight_report rep = {0};
	rep.results = xcalloc(GP_ARRAY_SIZE(checks), sizeof(*rep.results));
	for (size_t i = 0; i < GP_ARRAY_SIZE(checks); i++) {
		struct preflight_result *r = &rep.results[rep.n++];
		r->id = checks[i].id;
		r->status = PREFLIGHT_SKIP;
		checks[i].fn(&c, r);
		if (!r->message)
			r->message = xstrdup("no result");
		rep.count[r->status]++;
	}
	rep.node_unreadable = c.pf.node_done && !c.pf.node_ok;
	preflight_node_release(&c.pf);
	dp_sharing_release(&c.sharing);
	free(c.cmdline);
	free(c.config);
	agent_config_release(&c.cfg);
	free(c.config_error);
	free(c.config_hint);
	runtime_live_release(&c.live);
	free(c.live_error);
	free(c.live_hint);
	if (c.view_ok)
		runtime_config_view_release(&c.view);
	dp_checkpoint_release(&c.cp);
	*ret = rep;
	return 0;
}
