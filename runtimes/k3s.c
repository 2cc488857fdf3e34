// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * k3s and RKE2: each runs its own containerd, whose config.toml it renders from
 * a template at every start, so that file is never edited. k3s (and RKE2,
 * built on it) adds an "nvidia" runtime by itself when it finds
 * nvidia-container-runtime (pkg/agent/containerd's nvidia runtime detection);
 * what is left is making it the default: `default-runtime: nvidia` in
 * /etc/rancher/k3s/config.yaml (RKE2: /etc/rancher/rke2/config.yaml), the
 * file k3s reads its flags from. That YAML is edited keeping every other byte
 * (lib/files/yamledit).
 *
 * k3s reads config.yaml, then the files of /etc/rancher/k3s/config.yaml.d that end in .yaml
 * or .yml in name order, a later value replacing an earlier one: configure
 * changes default-runtime in the file whose value wins, and config.yaml when
 * none sets it.
 *
 * With --template it also writes containerd's config template, for what
 * config.yaml cannot say (a runtime of another name or path): config.toml.tmpl
 * (version 2), or config-v3.toml.tmpl for the k3s releases built on
 * containerd 2, which read it first. The template extends k3s's own ("base",
 * k3s v1.27.5+ and the September 2023 patch releases of 1.24 to 1.26) with
 * one runtime table, rendered only when k3s did not add a runtime of that
 * name itself (a second table of the same name is a TOML error).
 *
 * restart goes through the unit that runs (k3s or k3s-agent; rke2-server or
 * rke2-agent); verify asks the embedded containerd over the CRI on
 * /run/k3s/containerd/containerd.sock and compares with the config.toml the
 * server rendered.
 */
#include "runtime.h"

#include <dirent.h>
#include <errno.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "cri.h"
#include "live.h"
#include "noderoot.h"
#include "proc.h"
#include "toml.h"
#include "yamledit.h"

#define K3S_DEFAULT_RUNTIME_KEY "default-runtime"
#define K3S_NVIDIA_PROGRAM      "nvidia-container-runtime"
#define K3S_SOCKET              "/run/k3s/containerd/containerd.sock"
/* The first bytes of a template gpuprep wrote: such a file is gpuprep's to rewrite. */
#define K3S_TEMPLATE_MARK "{{- /* gpuprep:"

/* What differs between k3s and RKE2. */
struct k3s_flavour {
	const struct runtime_ops *ops;
	const char *title;          /* "k3s" */
	const char *config_yaml;    /* node path */
	const char *units[2];       /* the server's and the agent's */
	const char *containerd_dir; /* where its containerd's config and templates are */
};

static const struct k3s_flavour k3s_flavour = {&runtime_k3s,
                                               "k3s",
                                               "/etc/rancher/k3s/config.yaml",
                                               {"k3s", "k3s-agent"},
                                               "/var/lib/rancher/k3s/agent/etc/containerd"};
static const struct k3s_flavour rke2_flavour = {&runtime_rke2,
                                                "RKE2",
                                                "/etc/rancher/rke2/config.yaml",
                                                {"rke2-server", "rke2-agent"},
                                                "/var/lib/rancher/rke2/agent/etc/containerd"};

/* The runtimes k3s adds by itself when it finds their programs. */
static const char *const k3s_own_runtimes[] = {"nvidia", "nvidia-experimental", "nvidia-cdi"};

static bool
is_yaml_name(const char *name)
{
	size_t n = strlen(name);
	return (n > 5 && strcasecmp(name + n - 5, ".yaml") == 0) ||
	       (n > 4 && strcasecmp(name + n - 4, ".yml") == 0);
}

/*
 * The files k3s reads its flags from, in its order: config_yaml, then the
 * regular files of config_yaml.d whose names end in .yaml or .yml (any case),
 * sorted by name. Node paths; config_yaml is there even when missing.
 */
static char **
k3s_yaml_files(const char *root, const char *config_yaml)
{
	char **out = strv_push(NULL, config_yaml);
	_cleanup_free_ char *dir = xasprintf("%s.d", config_yaml);
	_cleanup_strv_ char **drops = runtime_dir_files(root, dir, is_yaml_name);
	for (size_t i = 0; drops && drops[i]; i++)
		out = strv_push(out, drops[i]);
	return out;
}

/* Where a config.yaml key is set. */
struct k3s_setting {
	char *file; /* node path; NULL: nowhere */
	unsigned line, col;
	char *value;
	bool append; /* written "key+:" */
};

static void
k3s_setting_release(struct k3s_setting *s)
{
	free(s->file);
	free(s->value);
	*s = (struct k3s_setting){0};
}

/*
 * Where k3s takes default-runtime from: the last of k3s_yaml_files() that
 * sets it (as "default-runtime" or appended to, "default-runtime+"). ret->file
 * NULL: none sets it. A file that is not YAML is an error naming it.
 */
static int
k3s_find_default(const char *root, const char *config_yaml, struct k3s_setting *ret,
                 struct gp_error *err)
{
	*ret = (struct k3s_setting){0};
	_cleanup_strv_ char **files = k3s_yaml_files(root, config_yaml);
	for (size_t i = 0; files[i]; i++) {
		_cleanup_free_ char *text = NULL;
		size_t len = 0;
		int r = noderoot_read_file(root, files[i], &text, &len);
		if (r == -ENOENT)
			continue;
		_cleanup_free_ char *name = gp_path(root, files[i]);
		if (r < 0)
			return gp_error_set(err, "cannot read '%s': %s", name, strerror(-r));
		static const char *const keys[] = {K3S_DEFAULT_RUNTIME_KEY,
		                                   K3S_DEFAULT_RUNTIME_KEY "+"};
		for (size_t k = 0; k < GP_ARRAY_SIZE(keys); k++) {
			char *value = NULL;
			unsigned line = 0, col = 0;
			r = yaml_find_top_scalar(text, len, keys[k], &value, &line, &col, err);
			if (r < 0)
				return gp_error_prefix(err, "%s", name);
			if (r == 0)
				continue;
			/* Both in one file: the later line counts. */
			if (ret->file && strcmp(ret->file, files[i]) == 0 && ret->line > line) {
				free(value);
				continue;
			}
			k3s_setting_release(ret);
			*ret = (struct k3s_setting){.file = xstrdup(files[i]),
			                            .line = line,
			                            .col = col,
			                            .value = value,
			                            .append = k == 1};
		}
	}
	return 0;
}

static int
k3s_refuse(const struct k3s_flavour *fl, const char *what, const char *hint, struct gp_error *err)
{
	gp_error_set_code(err, GP_EXIT_USAGE, "%s does not apply to %s", what, fl->ops->name);
	return gp_error_hint(err, "%s", hint);
}

/* Is name one of k3s_own_runtimes? */
static bool
k3s_names_itself(const char *name)
{
	for (size_t i = 0; i < GP_ARRAY_SIZE(k3s_own_runtimes); i++)
		if (strcmp(name, k3s_own_runtimes[i]) == 0)
			return true;
	return false;
}

/* The template's text: k3s's base, then the runtime's table when k3s did not add one. */
static char *
k3s_template_text(int version, const char *name, const char *path)
{
	/* TOML basic string: the path's quotes and backslashes escaped. */
	struct strbuf p = {0};
	strbuf_puts(&p, "");
	for (const char *c = path; *c; c++) {
		if (*c == '"' || *c == '\\')
			strbuf_puts(&p, "\\");
		strbuf_add(&p, c, 1);
	}
	const char *plugin =
	        version >= 3 ? "'io.containerd.cri.v1.runtime'" : "\"io.containerd.grpc.v1.cri\"";
	const char *q = version >= 3 ? "'" : "\"";
	char *out = xasprintf(
	        K3S_TEMPLATE_MARK
	        " the %s runtime, written by 'gpuprep configure --template'.\n"
	        "   k3s renders config.toml from this file at every start, from its own\n"
	        "   template (\"base\") and the table below; 'gpuprep undo' removes it. */ -}}\n"
	        "{{ template \"base\" . }}\n"
	        "{{- /* When k3s adds a runtime called %s itself (nvidia, when it finds\n"
	        "   nvidia-container-runtime), this table stands back: a second table of\n"
	        "   the same name is a TOML error, and containerd would not start. */}}\n"
	        "{{- if not (index .ExtraRuntimes \"%s\").BinaryName }}\n"
	        "\n"
	        "[plugins.%s.containerd.runtimes.%s%s%s]\n"
	        "  runtime_type = \"io.containerd.runc.v2\"\n"
	        "\n"
	        "[plugins.%s.containerd.runtimes.%s%s%s.options]\n"
	        "  BinaryName = \"%s\"\n"
	        "  SystemdCgroup = {{ .SystemdCgroup }}\n"
	        "{{- end }}\n",
	        name, name, name, plugin, q, name, q, plugin, q, name, q, p.s);
	free(p.s);
	return out;
}

/* Is the file (its bytes) a template gpuprep wrote? */
static bool
k3s_template_is_ours(const struct file_change *fc)
{
	return fc->existed && fc->old_len >= strlen(K3S_TEMPLATE_MARK) &&
	       memcmp(fc->old_data, K3S_TEMPLATE_MARK, strlen(K3S_TEMPLATE_MARK)) == 0;
}

/* The config version of the config.toml k3s rendered last: 0 when there is none. */
static int
k3s_rendered_version(const char *root, const char *dir, struct gp_error *err)
{
	_cleanup_free_ char *path = xasprintf("%s/config.toml", dir);
	_cleanup_free_ char *text = NULL;
	size_t len = 0;
	int r = noderoot_read_file(root, path, &text, &len);
	if (r == -ENOENT)
		return 0;
	_cleanup_free_ char *name = gp_path(root, path);
	if (r < 0)
		return gp_error_set(err, "cannot read '%s': %s", name, strerror(-r));
	_cleanup_toml_doc_ struct toml_doc *doc = NULL;
	int64_t v = 0;
	if (toml_doc_parse(text, len, &doc, err) < 0 ||
	    (r = toml_get_int(doc, TOML_PATH("version"), &v, err)) < 0) {
		toml_error_in(err, name);
		return gp_error_hint(err, "k3s writes that file at every start; restart k3s, or "
		                          "pass --config-version 2 or 3");
	}
	return r == 0 ? 1 : (int)v;
}

static int
k3s_template_refuse(const char *name, const char *why, const char *hint, struct gp_error *err)
{
	gp_error_set(err, "'%s' %s", name, why);
	return gp_error_hint(err, "%s", hint);
}

/*
 * --template: the template k3s reads (config-v3.toml.tmpl, else
 * config.toml.tmpl; with neither, the version of the config.toml it renders,
 * or --config-version) gets the runtime's table. A template of the user's is
 * never overwritten.
 */
static int
k3s_configure_template(const struct k3s_flavour *fl, const struct configure_opts *opts,
                       const char *runtime_path, struct configure_result *ret, struct gp_error *err)
{
	const char *root = opts->root;
	_cleanup_free_ char *v3 = xasprintf("%s/config-v3.toml.tmpl", fl->containerd_dir);
	_cleanup_free_ char *v2 = xasprintf("%s/config.toml.tmpl", fl->containerd_dir);
	_cleanup_free_ char *v3_name = gp_path(root, v3);
	_cleanup_free_ char *v2_name = gp_path(root, v2);
	bool have3 = noderoot_exists(root, v3), have2 = noderoot_exists(root, v2);
	int version = opts->config_version;
	if (!version && have3)
		version = 3;
	else if (!version && have2)
		version = 2;
	else if (!version) {
		version = k3s_rendered_version(root, fl->containerd_dir, err);
		if (version < 0)
			return -1;
		if (version == 0) {
			gp_error_set(err,
			             "cannot tell which template %s reads: it has not rendered "
			             "'%s/config.toml' yet",
			             fl->title, fl->containerd_dir);
			return gp_error_hint(
			        err,
			        "pass --config-version 3 for %s built on containerd 2 (k3s "
			        "v1.31.6+k3s1, v1.32.2+k3s1 and later), which reads "
			        "config-v3.toml.tmpl, or 2 for older releases",
			        fl->title);
		}
		if (version < 2) {
			gp_error_set(err,
			             "'%s/config.toml' is a version 1 config: this %s predates the "
			             "template gpuprep extends (k3s v1.27.5+k3s1)",
			             fl->containerd_dir, fl->title);
			return gp_error_hint(err,
			                     "upgrade %s, or pass --config-version 2 if it is "
			                     "newer than the file says",
			                     fl->title);
		}
		version = version >= 3 ? 3 : 2;
	}
	if (version == 2 && have3)
		return k3s_template_refuse(
		        v3_name, "is there, and k3s reads it before config.toml.tmpl",
		        "run without --config-version 2 to write the runtime into it (when it is "
		        "gpuprep's), or remove it",
		        err);
	struct file_change *fc;
	if (changeset_read(&ret->changes, root, version == 3 ? v3 : v2, &fc, err) < 0)
		return -1;
	_cleanup_free_ char *name = gp_path(root, fc->path);
	if (fc->existed && !k3s_template_is_ours(fc))
		return k3s_template_refuse(
		        name, "is a template of your own: gpuprep does not overwrite it",
		        "add the runtime's table to it by hand (gpuprep-configure(1), k3s: "
		        "--template), or move it aside and run again; it was left as it was",
		        err);
	if (version == 3 && !fc->existed && have2) {
		struct file_change *old;
		if (changeset_read(&ret->changes, root, v2, &old, err) < 0)
			return -1;
		if (!k3s_template_is_ours(old))
			return k3s_template_refuse(
			        v2_name,
			        "is a template of your own, and k3s would ignore it once "
			        "config-v3.toml.tmpl exists",
			        "pass --config-version 2 (then gpuprep refuses to overwrite it, "
			        "too), or move your settings to a config-v3.toml.tmpl by hand",
			        err);
	}
	_cleanup_free_ char *text = k3s_template_text(version, opts->runtime_name, runtime_path);
	size_t len = strlen(text);
	if (!fc->existed || fc->old_len != len || memcmp(fc->old_data, text, len) != 0)
		file_change_take_new(fc, TAKE_PTR(text), len);
	return 0;
}

/* --template: a runtime name and path the template can hold as written. */
static int
k3s_check_template_args(const struct configure_opts *opts, const char *path, struct gp_error *err)
{
	for (const char *c = opts->runtime_name; *c; c++)
		if (!(*c >= 'a' && *c <= 'z') && !(*c >= 'A' && *c <= 'Z') &&
		    !(*c >= '0' && *c <= '9') && !strchr("._-", *c)) {
			gp_error_set_code(
			        err, GP_EXIT_USAGE,
			        "--runtime-name '%s' cannot go into a template as written",
			        opts->runtime_name);
			return gp_error_hint(err, "use letters, digits, '.', '_' and '-'");
		}
	if (path[0] != '/' || strstr(path, "{{") || strstr(path, "}}") || strchr(path, '\n')) {
		gp_error_set_code(err, GP_EXIT_USAGE,
		                  "--runtime-path '%s' cannot go into a template as written", path);
		return gp_error_hint(err, "containerd needs an absolute path, without '{{', '}}' "
		                          "or a line break");
	}
	return 0;
}

static int
k3s_configure_flavour(const struct k3s_flavour *fl, const struct configure_opts *opts,
                      struct configure_result *ret, struct gp_error *err)
{
	const char *tmpl_hint = "with --template, gpuprep writes k3s's containerd config template";
	if (opts->runtime_path && !opts->template)
		return k3s_refuse(fl, "--runtime-path without --template",
		                  "k3s finds nvidia-container-runtime itself (in its PATH and "
		                  "/usr/local/nvidia/toolkit) and names the runtime after it; "
		                  "--template adds a runtime at another path",
		                  err);
	if (opts->cgroup_driver)
		return k3s_refuse(fl, "--cgroup-driver",
		                  "k3s sets its containerd's SystemdCgroup from the kubelet's "
		                  "cgroup driver; pass --kubelet-arg=cgroup-driver=... to k3s",
		                  err);
	if (opts->config_version && !opts->template)
		return k3s_refuse(fl, "--config-version without --template", tmpl_hint, err);
	if (opts->config_version && opts->config_version != 2 && opts->config_version != 3)
		return k3s_refuse(fl, "--config-version other than 2 or 3",
		                  "k3s's templates are config.toml.tmpl (version 2) and "
		                  "config-v3.toml.tmpl (version 3)",
		                  err);
	if (opts->cdi || opts->drop_in)
		return k3s_refuse(fl, opts->cdi ? "--cdi" : "--drop-in",
		                  "k3s writes its containerd config from a template: these are "
		                  "containerd options (containerd 2, in k3s v1.31.6 and later, "
		                  "has CDI on by default)",
		                  err);
	_cleanup_free_ char *nvidia = runtime_find_program(opts->root, K3S_NVIDIA_PROGRAM);
	if (!nvidia && (!opts->template || k3s_names_itself(opts->runtime_name)))
		configure_result_warn(
		        ret,
		        "%s is not installed: %s adds its nvidia runtime only when it "
		        "finds it (install nvidia-container-toolkit first)",
		        K3S_NVIDIA_PROGRAM, fl->title);
	if (!opts->template && strcmp(opts->runtime_name, "nvidia") != 0)
		configure_result_warn(ret,
		                      "%s names the runtimes it finds nvidia, nvidia-experimental "
		                      "and nvidia-cdi; '%s' needs --template",
		                      fl->title, opts->runtime_name);
	if (opts->template) {
		const char *path = opts->runtime_path ? opts->runtime_path
		                   : nvidia           ? nvidia
		                                      : "/usr/bin/" K3S_NVIDIA_PROGRAM;
		if (k3s_check_template_args(opts, path, err) < 0)
			return -1;
		if (opts->runtime_path && k3s_names_itself(opts->runtime_name))
			configure_result_warn(ret,
			                      "when %s finds %s it adds its own '%s' runtime, and "
			                      "the template's '%s' stands back; name yours "
			                      "otherwise (--runtime-name) to run it in any case",
			                      fl->title, K3S_NVIDIA_PROGRAM, opts->runtime_name,
			                      opts->runtime_path);
		if (k3s_configure_template(fl, opts, path, ret, err) < 0)
			return -1;
	}
	if (!opts->set_default) {
		if (!opts->template)
			configure_result_warn(
			        ret,
			        "with --no-set-default there is nothing to write: %s adds the "
			        "nvidia runtime by itself",
			        fl->title);
		return 0;
	}

	/* default-runtime goes where k3s takes it from. */
	const char *path = opts->config_path ? opts->config_path : fl->config_yaml;
	_cleanup_(k3s_setting_release) struct k3s_setting set = {0};
	if (k3s_find_default(opts->root, path, &set, err) < 0)
		return -1;
	if (set.file) {
		_cleanup_free_ char *where = gp_path(opts->root, set.file);
		if (set.append) {
			gp_error_set(err,
			             "%s:%u:%u: default-runtime+ appends to the runtime: %s "
			             "then runs the last value given",
			             where, set.line, set.col, fl->title);
			return gp_error_hint(err,
			                     "write it as 'default-runtime: %s' (without '+'); "
			                     "the file was left as it was",
			                     opts->runtime_name);
		}
		if (!opts->config_path)
			path = set.file;
		else if (strcmp(set.file, opts->config_path) != 0)
			configure_result_warn(
			        ret,
			        "%s:%u: default-runtime: %s is read after '%s' and wins "
			        "over it",
			        where, set.line, set.value, opts->config_path);
		if (!opts->config_path && strcmp(set.file, fl->config_yaml) != 0 &&
		    strcmp(set.value, opts->runtime_name) != 0)
			configure_result_warn(
			        ret,
			        "%s:%u: default-runtime is set in this drop-in, which %s "
			        "reads after config.yaml: it is changed there",
			        where, set.line, fl->title);
	}
	struct file_change *fc;
	if (changeset_read(&ret->changes, opts->root, path, &fc, err) < 0)
		return -1;
	_cleanup_free_ char *name = gp_path(opts->root, fc->path);
	_cleanup_free_ char *text = NULL;
	size_t len = 0;
	int r = yaml_set_top_scalar(fc->old_data, fc->old_len, K3S_DEFAULT_RUNTIME_KEY,
	                            opts->runtime_name, &text, &len, err);
	if (r < 0)
		return gp_error_prefix(err, "%s", name);
	if (r > 0)
		file_change_take_new(fc, TAKE_PTR(text), len);
	return 0;
}

/* The unit that runs this flavour, and how to restart it. */
static int
pick_unit(const struct k3s_flavour *fl, const struct restart_opts *opts, const char **ret_unit,
          enum svc_mode *ret_mode, struct gp_error *err)
{
	const struct live_opts *o = &opts->live;
	for (size_t i = 0; i < GP_ARRAY_SIZE(fl->units); i++) {
		enum svc_mode mode;
		_cleanup_error_ struct gp_error e = GP_ERROR_INIT;
		if (svc_resolve_mode(o->root, fl->units[i], opts->mode, &mode, &e) < 0)
			continue;
		if (mode == SVC_MODE_SYSTEMD) {
			char *argv[] = {"systemctl", "is-active", "--quiet", (char *)fl->units[i],
			                NULL};
			struct proc_opts po = {.timeout_ms = 10000};
			struct proc_result pr = {0};
			bool active = proc_run(argv, &po, &pr, &e) == 0 && pr.status == 0;
			proc_result_release(&pr);
			if (!active)
				continue;
		}
		*ret_unit = fl->units[i];
		*ret_mode = mode;
		return 0;
	}
	gp_error_set(err, "neither %s nor %s runs here (no active systemd unit, no init script)",
	             fl->units[0], fl->units[1]);
	return gp_error_hint(err,
	                     "restart %s by hand (systemctl restart %s or %s), then run "
	                     "'gpuprep verify --runtime %s'",
	                     fl->title, fl->units[0], fl->units[1], fl->ops->name);
}

static int
k3s_restart_flavour(const struct k3s_flavour *fl, const struct restart_opts *opts,
                    struct restart_result *ret, struct gp_error *err)
{
	*ret = (struct restart_result){0};
	const struct live_opts *o = &opts->live;
	ret->why = xasprintf("%s renders its containerd config and reads config.yaml only when it "
	                     "starts",
	                     fl->title);
	if (opts->mode == SVC_MODE_SIGNAL) {
		gp_error_set_code(err, GP_EXIT_USAGE, "%s cannot be reloaded with a signal",
		                  fl->title);
		return gp_error_hint(err, "use --mode auto, systemd or service");
	}
	if (opts->mode == SVC_MODE_NONE) {
		ret->mode = SVC_MODE_NONE;
		ret->manual = xasprintf("systemctl restart %s (or %s on an agent)", fl->units[0],
		                        fl->units[1]);
		return 0;
	}
	const char *unit = NULL;
	enum svc_mode mode = SVC_MODE_AUTO;
	if (pick_unit(fl, opts, &unit, &mode, err) < 0)
		return -1;
	_cleanup_free_ char *sock = live_socket_path(o, fl->ops->socket_path);
	struct live_daemon d = {
	        .service = unit, .comm = "containerd", .wait_ready = cri_wait_ready};
	ret->notes = strv_push(ret->notes, "running pods keep running: their shims outlive the "
	                                   "embedded containerd");
	return live_full_restart(o, &d, sock, mode, ret, err);
}

static int
k3s_configure(const struct configure_opts *opts, struct configure_result *ret, struct gp_error *err)
{
	return k3s_configure_flavour(&k3s_flavour, opts, ret, err);
}

static int
rke2_configure(const struct configure_opts *opts, struct configure_result *ret,
               struct gp_error *err)
{
	return k3s_configure_flavour(&rke2_flavour, opts, ret, err);
}

static int
k3s_restart(const struct restart_opts *opts, struct restart_result *ret, struct gp_error *err)
{
	return k3s_restart_flavour(&k3s_flavour, opts, ret, err);
}

static int
rke2_restart(const struct restart_opts *opts, struct restart_result *ret, struct gp_error *err)
{
	return k3s_restart_flavour(&rke2_flavour, opts, ret, err);
}

/*
 * The config.toml k3s renders is containerd's: containerd's inspect reads it.
 * default_source says what config.yaml and its drop-ins will make the
 * default at k3s's next start, and where.
 */
static int
k3s_inspect_flavour(const struct k3s_flavour *fl, const char *root, const char *config_path,
                    struct runtime_config_view *ret, struct gp_error *err)
{
	if (runtime_containerd.inspect(root, config_path ? config_path : fl->ops->config_path, ret,
	                               err) < 0)
		return -1;
	_cleanup_(k3s_setting_release) struct k3s_setting set = {0};
	_cleanup_error_ struct gp_error e = GP_ERROR_INIT;
	if (k3s_find_default(root, fl->config_yaml, &set, &e) < 0)
		ret->default_source = xasprintf("%s's config cannot be read: %s", fl->title, e.msg);
	else if (set.file)
		ret->default_source =
		        xasprintf("%s's config says default-runtime%s: %s ('%s':%u)", fl->title,
		                  set.append ? "+" : "", set.value, set.file, set.line);
	else
		ret->default_source =
		        xasprintf("no default-runtime in '%s' or its drop-ins", fl->config_yaml);
	return 0;
}

static int
k3s_inspect(const char *root, const char *config_path, struct runtime_config_view *ret,
            struct gp_error *err)
{
	return k3s_inspect_flavour(&k3s_flavour, root, config_path, ret, err);
}

static int
rke2_inspect(const char *root, const char *config_path, struct runtime_config_view *ret,
             struct gp_error *err)
{
	return k3s_inspect_flavour(&rke2_flavour, root, config_path, ret, err);
}

/*
 * The live checks, then where k3s takes default-runtime from (config.yaml or
 * a drop-in read after it): the check names the file and line.
 */
static int
k3s_verify_flavour(const struct k3s_flavour *fl, const struct live_opts *opts,
                   struct verify_result *ret, struct gp_error *err)
{
	if (containerd_live_verify(fl->ops, &runtime_containerd, opts, ret, err) < 0)
		return -1;
	if (!opts->set_default || opts->file_only)
		return 0;
	const char *check = "config_yaml_default_runtime";
	_cleanup_(k3s_setting_release) struct k3s_setting set = {0};
	_cleanup_error_ struct gp_error e = GP_ERROR_INIT;
	if (k3s_find_default(opts->root, fl->config_yaml, &set, &e) < 0) {
		verify_add(ret, check, LIVE_CHECK_FAIL, opts->runtime_name, NULL, e.msg);
		return 0;
	}
	if (!set.file) {
		verify_add_note(ret, check, LIVE_CHECK_FAIL, opts->runtime_name, NULL,
		                "no default-runtime in '%s' or its drop-ins: run 'gpuprep "
		                "configure --runtime %s'",
		                fl->config_yaml, fl->ops->name);
		return 0;
	}
	bool ok = strcmp(set.value, opts->runtime_name) == 0 && !set.append;
	verify_add_note(ret, check, ok ? LIVE_CHECK_PASS : LIVE_CHECK_FAIL, opts->runtime_name,
	                set.value, "from %s:%u%s", set.file, set.line,
	                set.append ? " (appended with default-runtime+)" : "");
	return 0;
}

static int
k3s_verify(const struct live_opts *opts, struct verify_result *ret, struct gp_error *err)
{
	return k3s_verify_flavour(&k3s_flavour, opts, ret, err);
}

static int
rke2_verify(const struct live_opts *opts, struct verify_result *ret, struct gp_error *err)
{
	return k3s_verify_flavour(&rke2_flavour, opts, ret, err);
}

const struct runtime_ops runtime_k3s = {
        .name = "k3s",
        .binary = "k3s",
        .config_path = "/var/lib/rancher/k3s/agent/etc/containerd/config.toml",
        .socket_path = K3S_SOCKET,
        .cri_socket = K3S_SOCKET,
        .takes_template = true,
        .configure = k3s_configure,
        .inspect = k3s_inspect,
        .ask_live = cri_ask_live,
        .restart = k3s_restart,
        .verify = k3s_verify,
};

const struct runtime_ops runtime_rke2 = {
        .name = "rke2",
        .binary = "rke2",
        .config_path = "/var/lib/rancher/rke2/agent/etc/containerd/config.toml",
        .socket_path = K3S_SOCKET,
        .cri_socket = K3S_SOCKET,
        .service = "rke2-server",
        .takes_template = true,
        .configure = rke2_configure,
        .inspect = rke2_inspect,
        .ask_live = cri_ask_live,
        .restart = rke2_restart,
        .verify = rke2_verify,
};
