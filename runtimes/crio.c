// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * CRI-O: the nvidia runtime goes into a drop-in of its own,
 * /etc/crio/crio.conf.d/99-nvidia.toml, edited with lib/toml; the main
 * /etc/crio/crio.conf is read, never written. CRI-O reads the main file, then
 * every file of crio.conf.d by name, a later one's values (and whole runtime
 * tables) replacing an earlier one's.
 *
 * What a runtime table needs depends on the cgroup manager (CRI-O's
 * internal/config TranslateMonitorFieldsForHandler): with cgroupfs the
 * monitor (conmon) cgroup must be "pod" or empty, with systemd "pod" or a
 * slice; without monitor_path conmon is looked up in CRI-O's PATH.
 */
#include "runtime.h"

#include <dirent.h>
#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include "live.h"
#include "noderoot.h"
#include "toml.h"

#define CRIO_MAIN_CONFIG     "/etc/crio/crio.conf"
#define CRIO_DROP_IN_FILE    "99-%s.toml"
#define CRIO_SYSTEMD_MONITOR "system.slice" /* CRI-O's own default with systemd */
#define CRIO_POD_MONITOR     "pod"
#define CRIO_RUNTIME_TYPE    "oci"
#define CRIO_DROP_IN_HEADER                                                                        \
	"# Written by gpuprep configure --runtime crio: the nvidia runtime for CRI-O.\n"           \
	"# gpuprep undo puts back what was here before.\n"

/* Where CRI-O's own packages put conmon, before the usual bin dirs. */
static const char *const conmon_paths[] = {"/usr/libexec/crio/conmon",
                                           "/usr/local/libexec/crio/conmon"};

/* The config files CRI-O reads, in its order, parsed. */
struct crio_files {
	struct toml_doc **docs;
	char **names; /* host paths, for messages */
	char **nodes; /* node paths */
	size_t n;
};

static void
crio_files_release(struct crio_files *f)
{
	for (size_t i = 0; i < f->n; i++) {
		toml_doc_free(f->docs[i]);
		free(f->names[i]);
		free(f->nodes[i]);
	}
	free(f->docs);
	free(f->names);
	free(f->nodes);
	*f = (struct crio_files){0};
}

static void
crio_files_push(struct crio_files *f, const char *root, const char *node, struct toml_doc *doc)
{
	f->docs = xrealloc(f->docs, (f->n + 1) * sizeof(*f->docs));
	f->names = xrealloc(f->names, (f->n + 1) * sizeof(*f->names));
	f->nodes = xrealloc(f->nodes, (f->n + 1) * sizeof(*f->nodes));
	f->docs[f->n] = doc;
	f->names[f->n] = gp_path(root, node);
	f->nodes[f->n] = xstrdup(node);
	f->n++;
}

static int
parse_text(const char *name, const char *text, size_t len, struct toml_doc **ret,
           struct gp_error *err)
{
	_cleanup_error_ struct gp_error e = GP_ERROR_INIT;
	if (toml_doc_parse(text, len, ret, &e) < 0) {
		gp_error_set(err, "%s:%s", name, e.msg);
		return gp_error_hint(err, "fix the TOML syntax at that line and column (CRI-O "
		                          "refuses the file too); it was left as it was");
	}
	return 0;
}

/* Read and parse one node file; a missing one is skipped (returns 0, *ret NULL). */
static int
load_file(const char *root, const char *node, struct toml_doc **ret, struct gp_error *err)
{
	*ret = NULL;
	_cleanup_free_ char *text = NULL;
	size_t len = 0;
	int r = noderoot_read_file(root, node, &text, &len);
	_cleanup_free_ char *name = gp_path(root, node);
	if (r == -ENOENT)
		return 0;
	if (r < 0) {
		gp_error_set(err, "cannot read '%s': %s", name, strerror(-r));
		return gp_error_hint(err, "gpuprep reads CRI-O's config as CRI-O does");
	}
	return parse_text(name, text, len, ret, err);
}

/*
 * The main config and every drop-in, in CRI-O's order. The file at edit_node
 * (may be NULL) is not read: edit_doc (borrowed, not freed) stands in its
 * place, where its name puts it, and *ret_edit_at says where.
 */
static int
load_all(const char *root, const char *main_node, const char *edit_node, struct toml_doc *edit_doc,
         struct crio_files *f, size_t *ret_edit_at, struct gp_error *err)
{
	struct toml_doc *doc;
	if (load_file(root, main_node, &doc, err) < 0)
		return -1;
	if (doc)
		crio_files_push(f, root, main_node, doc);
	_cleanup_free_ char *dir = xasprintf("%s.d", main_node);
	_cleanup_strv_ char **drops = runtime_dir_files(root, dir, NULL);
	if (edit_node && !strv_contains(drops, edit_node) && str_startswith(edit_node, dir) &&
	    edit_node[strlen(dir)] == '/') {
		drops = strv_push(drops, edit_node);
		drops = strv_sort(drops);
	}
	bool placed = false;
	for (size_t i = 0; drops && drops[i]; i++) {
		if (edit_node && strcmp(drops[i], edit_node) == 0) {
			crio_files_push(f, root, drops[i], NULL);
			*ret_edit_at = f->n - 1;
			placed = true;
			continue;
		}
		if (load_file(root, drops[i], &doc, err) < 0)
			return -1;
		if (doc)
			crio_files_push(f, root, drops[i], doc);
	}
	/* A drop-in outside crio.conf.d (--drop-in): CRI-O never reads it, so it goes last. */
	if (edit_node && !placed) {
		crio_files_push(f, root, edit_node, NULL);
		*ret_edit_at = f->n - 1;
	}
	if (edit_node)
		f->docs[*ret_edit_at] = edit_doc;
	return 0;
}

static char *
find_conmon(const char *root)
{
	for (size_t i = 0; i < GP_ARRAY_SIZE(conmon_paths); i++)
		if (runtime_program_check(root, conmon_paths[i], NULL) == 0)
			return xstrdup(conmon_paths[i]);
	return runtime_find_program(root, "conmon");
}

/* A string key of a runtime table, from the last file that sets it. */
static int
runtime_key(const struct crio_files *f, const char *rt, const char *key, char **ret,
            struct gp_error *err)
{
	for (size_t i = f->n; i-- > 0;) {
		if (!f->docs[i])
			continue;
		int r = toml_get_string(
		        f->docs[i], TOML_PATH("crio", "runtime", "runtimes", rt, key), ret, err);
		if (r < 0)
			return gp_error_prefix(err, "%s", f->names[i]);
		if (r > 0)
			return 1;
	}
	return 0;
}

static int
set_str(struct toml_doc *doc, const char *name, const char *key, const char *value,
        struct gp_error *err)
{
	return toml_set_string(doc, TOML_PATH("crio", "runtime", "runtimes", name, key), value,
	                       err) < 0
	               ? -1
	               : 0;
}

static int
crio_edit(const struct configure_opts *opts, struct configure_result *ret, struct toml_doc *doc,
          const struct crio_files *f, size_t at, struct gp_error *err)
{
	const char *name = opts->runtime_name;
	const char *path = opts->runtime_path ? opts->runtime_path : CRIO_DEFAULT_RUNTIME_PATH;

	/* The cgroup manager CRI-O will run with: asked for, or what the files say. */
	_cleanup_(runtime_config_view_release) struct runtime_config_view v = {0};
	if (crio_view_fill(f->docs, f->names, f->n, opts->root, false, &v, err) < 0)
		return -1;
	enum cgroup_driver driver = opts->cgroup_driver ? opts->cgroup_driver : v.cgroup_driver;
	if (opts->cgroup_driver &&
	    toml_set_string(doc, TOML_PATH("crio", "runtime", "cgroup_manager"),
	                    cgroup_driver_name(opts->cgroup_driver), err) < 0)
		return -1;
	if (opts->set_default &&
	    toml_set_string(doc, TOML_PATH("crio", "runtime", "default_runtime"), name, err) < 0)
		return -1;

	if (set_str(doc, name, "runtime_path", path, err) < 0 ||
	    set_str(doc, name, "runtime_type", CRIO_RUNTIME_TYPE, err) < 0)
		return -1;
	/* conmon: where this table, or CRI-O's default runtime's, has it; else found here. */
	_cleanup_free_ char *monitor = NULL;
	if (runtime_key(f, name, "monitor_path", &monitor, err) < 0)
		return -1;
	if (!monitor && runtime_key(f, v.default_runtime, "monitor_path", &monitor, err) < 0)
		return -1;
	if (!monitor || !*monitor) {
		free(monitor);
		monitor = find_conmon(opts->root);
	}
	if (monitor && set_str(doc, name, "monitor_path", monitor, err) < 0)
		return -1;
	if (!monitor)
		configure_result_warn(ret,
		                      "conmon is not installed here: CRI-O looks it up in its PATH "
		                      "and does not start without it (install conmon)");
	const char *cgroup =
	        driver == CGROUP_DRIVER_CGROUPFS ? CRIO_POD_MONITOR : CRIO_SYSTEMD_MONITOR;
	if (set_str(doc, name, "monitor_cgroup", cgroup, err) < 0)
		return -1;

	if (runtime_program_check(opts->root, path, NULL) < 0)
		configure_result_warn(
		        ret,
		        "'%s' is not installed: CRI-O refuses to start with a runtime "
		        "whose runtime_path does not exist (install "
		        "nvidia-container-toolkit first)",
		        path);
	/* A file CRI-O reads after the drop-in has the last word. */
	for (size_t i = at + 1; opts->set_default && i < f->n; i++) {
		_cleanup_free_ char *def = NULL;
		if (toml_get_string(f->docs[i], TOML_PATH("crio", "runtime", "default_runtime"),
		                    &def, err) < 0)
			return gp_error_prefix(err, "%s", f->names[i]);
		if (def && strcmp(def, name) != 0)
			configure_result_warn(ret,
			                      "%s sets default_runtime = \"%s\" and CRI-O reads it "
			                      "after %s: remove it, or the default stays %s",
			                      f->names[i], def, f->names[at], def);
	}
	return 0;
}

static int
crio_configure(const struct configure_opts *opts, struct configure_result *ret,
               struct gp_error *err)
{
	if (opts->runtime_path && opts->runtime_path[0] != '/') {
		gp_error_set_code(err, GP_EXIT_USAGE,
		                  "--runtime-path must be absolute for CRI-O, not '%s'",
		                  opts->runtime_path);
		return gp_error_hint(err, "CRI-O checks runtime_path as a file; give e.g. %s",
		                     CRIO_DEFAULT_RUNTIME_PATH);
	}
	if (opts->config_version) {
		gp_error_set_code(err, GP_EXIT_USAGE, "--config-version is for containerd only");
		return gp_error_hint(err, "CRI-O's config has no version key");
	}
	const char *main_node = opts->config_path ? opts->config_path : CRIO_MAIN_CONFIG;
	_cleanup_free_ char *drop =
	        opts->drop_in ? xstrdup(opts->drop_in)
	                      : xasprintf("%s.d/" CRIO_DROP_IN_FILE, main_node, opts->runtime_name);
	if (strcmp(drop, main_node) == 0)
		return gp_error_set_code(err, GP_EXIT_USAGE,
		                         "--drop-in names the main config itself: gpuprep leaves "
		                         "'%s' as it is",
		                         main_node);
	struct file_change *fc;
	if (changeset_read(&ret->changes, opts->root, drop, &fc, err) < 0)
		return -1;
	_cleanup_free_ char *name = gp_path(opts->root, fc->path);
	_cleanup_toml_doc_ struct toml_doc *doc = NULL;
	/* A new drop-in says who wrote it. */
	const char *old = fc->old_len ? fc->old_data : CRIO_DROP_IN_HEADER;
	if (parse_text(name, old, fc->old_len ? fc->old_len : strlen(old), &doc, err) < 0)
		return -1;

	_cleanup_(crio_files_release) struct crio_files f = {0};
	size_t at = 0;
	int r = load_all(opts->root, main_node, fc->path, doc, &f, &at, err);
	if (r == 0)
		r = crio_edit(opts, ret, doc, &f, at, err);
	if (at < f.n && f.docs[at] == doc)
		f.docs[at] = NULL; /* borrowed */
	if (r < 0)
		return gp_error_prefix(err, "%s", name);
	if (opts->cdi)
		configure_result_warn(ret, "CRI-O reads CDI specs (cdi_spec_dirs) without a "
		                           "switch: --cdi has nothing to set");
	size_t len;
	const char *text = toml_doc_text(doc, &len);
	file_change_set_new(fc, text, len);
	return 0;
}

static int
crio_inspect(const char *root, const char *config_path, struct runtime_config_view *ret,
             struct gp_error *err)
{
	const char *main_node = config_path ? config_path : CRIO_MAIN_CONFIG;
	_cleanup_(crio_files_release) struct crio_files f = {0};
	struct runtime_config_view v = {.cdi = -1};
	if (load_all(root, main_node, NULL, NULL, &f, NULL, err) < 0)
		return -1;
	v.path = xstrdup(main_node);
	v.exists = f.n > 0;
	if (crio_view_fill(f.docs, f.names, f.n, root, true, &v, err) < 0) {
		runtime_config_view_release(&v);
		return -1;
	}
	*ret = v;
	return 0;
}

static int
crio_restart(const struct restart_opts *opts, struct restart_result *ret, struct gp_error *err)
{
	return crio_live_restart(&runtime_crio, opts, ret, err);
}

static int
crio_verify(const struct live_opts *opts, struct verify_result *ret, struct gp_error *err)
{
	return crio_live_verify(&runtime_crio, opts, ret, err);
}

const struct runtime_ops runtime_crio = {
        .name = "crio",
        .binary = "crio",
        .config_path = CRIO_MAIN_CONFIG,
        .socket_path = "/var/run/crio/crio.sock",
        .cri_socket = "/var/run/crio/crio.sock",
        .configure = crio_configure,
        .inspect = crio_inspect,
        .ask_live = crio_ask_live,
        .restart = crio_restart,
        .verify = crio_verify,
};
