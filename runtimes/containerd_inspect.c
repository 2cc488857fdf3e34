// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Reading containerd's config as containerd reads it, for verify and preflight: the
 * main file and its imports, merged, into a runtime_config_view.
 */
#include "runtime.h"

#include <fnmatch.h>
#include <glob.h>
#include <string.h>

#include "containerd_internal.h"
#include "noderoot.h"

/*
 * The main config and the files its `imports` name (and theirs), in the
 * order containerd merges them. The CRI plugin's values come from
 * docs[from] on: containerd 1.x (config versions 1 and 2) replaces a whole
 * plugin section with an import's, so only the last file that has the
 * section counts; containerd 2.x (version 3) merges key by key, and a later
 * file's value wins.
 */
struct ctd_files {
	struct toml_doc **docs;
	char **names; /* the host path of each, for messages */
	char **nodes; /* the node path of each, to load each file once */
	size_t n;
	size_t from;
	const char *root; /* the node's, to ask its containerd's version when it matters */
};

static void
ctd_files_release(struct ctd_files *f)
{
	for (size_t i = 0; i < f->n; i++) {
		toml_doc_free(f->docs[i]);
		free(f->names[i]);
		free(f->nodes[i]);
	}
	free(f->docs);
	free(f->names);
	free(f->nodes);
}

static int
ctd_files_add(struct ctd_files *f, const char *node, const char *name, const char *text, size_t len,
              struct gp_error *err)
{
	struct toml_doc *doc;
	if (toml_doc_parse(text, len, &doc, err) < 0)
		return toml_error_in(err, name);
	f->docs = xrealloc(f->docs, (f->n + 1) * sizeof(*f->docs));
	f->names = xrealloc(f->names, (f->n + 1) * sizeof(*f->names));
	f->nodes = xrealloc(f->nodes, (f->n + 1) * sizeof(*f->nodes));
	f->docs[f->n] = doc;
	f->names[f->n] = xstrdup(name);
	f->nodes[f->n] = xstrdup(node);
	f->n++;
	return 0;
}

/* Load an imported file (node path) unless it is loaded already. */
static int
ctd_files_import(struct ctd_files *f, const char *root, const char *node, size_t by,
                 struct gp_error *err)
{
	for (size_t i = 0; i < f->n; i++)
		if (strcmp(f->nodes[i], node) == 0)
			return 0;
	_cleanup_free_ char *name = gp_path(root, node);
	_cleanup_free_ char *text = NULL;
	size_t len = 0;
	int e = noderoot_read_file(root, node, &text, &len);
	if (e < 0) {
		gp_error_set_errno(err, e, "cannot read '%s', imported by '%s'", name,
		                   f->names[by]);
		return gp_error_hint(err, "containerd does not start while an import is missing: "
		                          "create the file or remove it from imports");
	}
	return ctd_files_add(f, node, name, text, len, err);
}

/*
 * The node paths an import pattern matches, sorted as glob(3) sorts them. The directory is
 * listed inside the root; a pattern with '*' before its last component is globbed on the
 * resolved directory's host path.
 */
static char **
ctd_glob(const char *root, const char *node)
{
	const char *slash = strrchr(node, '/');
	_cleanup_free_ char *dir = xstrndup(node, (size_t)(slash - node));
	char **out = NULL;
	if (strchr(dir, '*')) {
		_cleanup_free_ char *pattern = noderoot_host_path(root, node);
		_cleanup_free_ char *base = noderoot_host_path(root, "/");
		size_t skip = strcmp(base, "/") == 0 ? 0 : strlen(base);
		glob_t g = {0};
		if (glob(pattern, 0, NULL, &g) == 0)
			for (size_t m = 0; m < g.gl_pathc; m++)
				out = strv_push(out, g.gl_pathv[m] + skip);
		globfree(&g);
		return out;
	}
	DIR *d = noderoot_opendir(root, *dir ? dir : "/");
	if (!d)
		return NULL;
	for (struct dirent *de; (de = readdir(d));)
		if (fnmatch(slash + 1, de->d_name, FNM_PERIOD) == 0) {
			_cleanup_free_ char *p = xasprintf("%s/%s", dir, de->d_name);
			out = strv_push(out, p);
		}
	closedir(d);
	return strv_sort(out);
}

/*
 * Load the files `imports` names, and the files they import, as containerd
 * resolves them: a pattern with '*' is globbed as it is (relative to
 * containerd's working directory, /); another relative path is relative to
 * the importing file's directory; a file that does not exist is an error.
 */
static int
ctd_load_imports(const char *root, struct ctd_files *f, struct gp_error *err)
{
	static const char *const imports_p[] = {"imports", NULL};
	for (size_t i = 0; i < f->n; i++) {
		_cleanup_strv_ char **imports = NULL;
		if (toml_get_type(f->docs[i], imports_p) == TOML_NONE)
			continue;
		if (toml_get_strv(f->docs[i], imports_p, &imports, err) < 0)
			return toml_error_in(err, f->names[i]);
		const char *slash = strrchr(f->nodes[i], '/');
		_cleanup_free_ char *dir =
		        xstrndup(f->nodes[i], slash ? (size_t)(slash - f->nodes[i]) : 0);
		for (size_t k = 0; imports && imports[k]; k++) {
			const char *imp = imports[k];
			if (!strchr(imp, '*')) {
				_cleanup_free_ char *node =
				        imp[0] == '/' ? xstrdup(imp) : xasprintf("%s/%s", dir, imp);
				if (ctd_files_import(f, root, node, i, err) < 0)
					return -1;
				continue;
			}
			_cleanup_free_ char *node =
			        imp[0] == '/' ? xstrdup(imp) : xasprintf("/%s", imp);
			_cleanup_strv_ char **matches = ctd_glob(root, node);
			for (size_t m = 0; matches && matches[m]; m++)
				if (ctd_files_import(f, root, matches[m], i, err) < 0)
					return -1;
		}
	}
	return 0;
}

/* The last file (from f->from on) that sets path, or -1. */
static ssize_t
ctd_find(const struct ctd_files *f, const char *const *path)
{
	for (size_t i = f->n; i-- > f->from;)
		if (toml_get_type(f->docs[i], path) != TOML_NONE)
			return (ssize_t)i;
	return -1;
}

/* Read a string (1), absent (0), or fail on another type (-1). */
static int
ctd_string(const struct ctd_files *f, const char *const *path, char **ret, struct gp_error *err)
{
	ssize_t i = ctd_find(f, path);
	if (i < 0)
		return 0;
	if (toml_get_string(f->docs[i], path, ret, err) < 0)
		return toml_error_in(err, f->names[i]);
	return 1;
}

static int
ctd_bool(const struct ctd_files *f, const char *const *path, bool *ret, size_t *ret_file,
         struct gp_error *err)
{
	ssize_t i = ctd_find(f, path);
	if (i < 0)
		return 0;
	if (toml_get_bool(f->docs[i], path, ret, err) < 0)
		return toml_error_in(err, f->names[i]);
	if (ret_file)
		*ret_file = (size_t)i;
	return 1;
}

/*
 * containerd 1.x (pkg/cri/config): a containerd.default_runtime table with a runtime_type is
 * the default runtime, as "default", whatever default_runtime_name says. containerd 2.x no
 * longer reads that table.
 */
static int
ctd_legacy_default(const struct ctd_files *f, const char *cri, int64_t version,
                   struct runtime_config_view *v, struct gp_error *err)
{
	const char *const type_p[] = {"plugins",      cri, "containerd", "default_runtime",
	                              "runtime_type", NULL};
	const char *const bin_p[] = {"plugins", cri,          "containerd", "default_runtime",
	                             "options", "BinaryName", NULL};
	const char *const v1_bin_p[] = {"plugins", cri,       "containerd", "default_runtime",
	                                "options", "Runtime", NULL};
	_cleanup_free_ char *type = NULL, *bin = NULL;
	if (ctd_string(f, type_p, &type, err) < 0)
		return -1;
	if (!type || !*type)
		return 0;
	/*
	 * containerd 2.x dropped the default_runtime table; an unknown one counts as 1.x.
	 * Asked only here, where a table makes it matter: running 'containerd --version' is
	 * the slowest part of reading a config (a Go binary of ~50 MB, 10-30 ms).
	 */
	if (containerd_installed_major(f->root) >= 2)
		return 0;
	if (ctd_string(f, bin_p, &bin, err) < 0)
		return -1;
	if (!bin && version == 1 && ctd_string(f, v1_bin_p, &bin, err) < 0)
		return -1;
	free(v->default_runtime);
	v->default_runtime = xstrdup("default");
	if (!runtime_config_view_find(v, "default"))
		runtime_config_view_add(v, "default", bin && *bin ? bin : NULL);
	return 0;
}

/* Every runtime the CRI plugin's files define, with its binary and SystemdCgroup. */
static int
ctd_inspect_runtimes(const struct ctd_files *f, int64_t version, struct runtime_config_view *v,
                     struct gp_error *err)
{
	const char *cri = containerd_layout_for(f->docs[0], (int)version)->cri[1];
	const char *const runtimes_p[] = {"plugins", cri, "containerd", "runtimes", NULL};
	for (size_t i = f->from; i < f->n; i++) {
		_cleanup_strv_ char **names = NULL;
		if (!toml_table_exists(f->docs[i], runtimes_p))
			continue;
		if (toml_table_keys(f->docs[i], runtimes_p, &names, err) < 0)
			return toml_error_in(err, f->names[i]);
		for (size_t k = 0; names && names[k]; k++) {
			const char *name = names[k];
			if (runtime_config_view_find(v, name))
				continue;
			const char *const bin_p[] = {"plugins", cri,       "containerd", "runtimes",
			                             name,      "options", "BinaryName", NULL};
			const char *const v1_bin_p[] = {"plugins",  cri,  "containerd",
			                                "runtimes", name, "options",
			                                "Runtime",  NULL};
			const char *const sc_p[] = {"plugins",       cri,  "containerd",
			                            "runtimes",      name, "options",
			                            "SystemdCgroup", NULL};
			_cleanup_free_ char *bin = NULL;
			if (ctd_string(f, bin_p, &bin, err) < 0)
				return -1;
			if (!bin && version == 1 && ctd_string(f, v1_bin_p, &bin, err) < 0)
				return -1;
			struct runtime_config_entry *e =
			        runtime_config_view_add(v, name, bin && *bin ? bin : NULL);
			bool systemd = false;
			int r = ctd_bool(f, sc_p, &systemd, NULL, err);
			if (r < 0)
				return -1;
			if (r > 0)
				e->systemd_cgroup = systemd;
		}
	}
	return 0;
}

static int
ctd_inspect_files(struct ctd_files *f, int64_t version, struct runtime_config_view *v,
                  struct gp_error *err)
{
	const char *cri = containerd_layout_for(f->docs[0], (int)version)->cri[1];

	/* containerd appends the disabled_plugins of every file. */
	static const char *const disabled_p[] = {"disabled_plugins", NULL};
	for (size_t i = 0; i < f->n && !v->cri_disabled_by; i++) {
		_cleanup_strv_ char **disabled = NULL;
		if (toml_get_type(f->docs[i], disabled_p) == TOML_NONE)
			continue;
		if (toml_get_strv(f->docs[i], disabled_p, &disabled, err) < 0)
			return toml_error_in(err, f->names[i]);
		for (size_t k = 0; disabled && disabled[k] && !v->cri_disabled_by; k++)
			for (size_t j = 0; j < GP_ARRAY_SIZE(containerd_cri_plugin_ids); j++)
				if (strcmp(disabled[k], containerd_cri_plugin_ids[j]) == 0)
					v->cri_disabled_by = xstrdup(disabled[k]);
	}

	/* containerd 1.x: the last file with the CRI plugin's section holds all of it. */
	f->from = 0;
	if (version < 3) {
		const char *const cri_p[] = {"plugins", cri, NULL};
		for (size_t i = 0; i < f->n; i++)
			if (toml_table_exists(f->docs[i], cri_p))
				f->from = i;
	}

	const char *const def_p[] = {"plugins", cri, "containerd", "default_runtime_name", NULL};
	if (ctd_string(f, def_p, &v->default_runtime, err) < 0)
		return -1;
	if (ctd_inspect_runtimes(f, version, v, err) < 0)
		return -1;
	if (version < 3 && ctd_legacy_default(f, cri, version, v, err) < 0)
		return -1;
	const char *def = v->default_runtime ? v->default_runtime : CONTAINERD_STOCK_RUNTIME;

	const char *const runtimes_p[] = {"plugins", cri, "containerd", "runtimes", NULL};
	const struct runtime_config_entry *entry = runtime_config_view_find(v, def);
	/* containerd keeps its built-in runc only while no runtime table is configured. */
	v->default_defined = entry || (strcmp(def, CONTAINERD_STOCK_RUNTIME) == 0 &&
	                               ctd_find(f, runtimes_p) < 0);
	if (entry && entry->path)
		v->default_path = xstrdup(entry->path);

	const char *const sc_p[] = {"plugins", cri,       "containerd",    "runtimes",
	                            def,       "options", "SystemdCgroup", NULL};
	bool systemd = false;
	size_t file = 0;
	int r = ctd_bool(f, sc_p, &systemd, &file, err);
	if (r < 0)
		return -1;
	v->cgroup_driver = systemd ? CGROUP_DRIVER_SYSTEMD : CGROUP_DRIVER_CGROUPFS;
	if (r > 0)
		v->cgroup_driver_source =
		        xasprintf("SystemdCgroup = %s for runtime '%s' in '%s'",
		                  systemd ? "true" : "false", def, f->names[file]);
	else
		v->cgroup_driver_source = xasprintf(
		        "runtime '%s' has no SystemdCgroup: containerd's default is false", def);

	const char *const cdi_p[] = {"plugins", cri, "enable_cdi", NULL};
	bool cdi = false;
	r = ctd_bool(f, cdi_p, &cdi, NULL, err);
	if (r < 0)
		return -1;
	if (r > 0)
		v->cdi = cdi;
	return 0;
}

int
containerd_inspect(const char *root, const char *config_path, struct runtime_config_view *ret,
                   struct gp_error *err)
{
	_cleanup_(changeset_release) struct changeset cs = CHANGESET_INIT;
	_cleanup_(ctd_files_release) struct ctd_files f = {0};
	struct runtime_config_view v = {.cdi = -1};
	struct file_change *fc;
	if (changeset_read(&cs, root, config_path ? config_path : CONTAINERD_CONFIG_PATH, &fc,
	                   err) < 0)
		return -1;
	v.path = xstrdup(fc->path);
	v.exists = fc->existed;
	_cleanup_free_ char *name = gp_path(root, fc->path);
	if (ctd_files_add(&f, fc->path, name, fc->old_data, fc->old_len, err) < 0 ||
	    ctd_load_imports(root, &f, err) < 0)
		goto fail;

	/* As containerd reads it: no version key in a non-empty file means version 1. */
	int64_t version = 2;
	static const char *const version_p[] = {"version", NULL};
	int r = toml_get_int(f.docs[0], version_p, &version, err);
	if (r < 0) {
		toml_error_in(err, name);
		goto fail;
	}
	if (r == 0 && fc->old_len && strspn(fc->old_data, " \t\r\n") != fc->old_len)
		version = 1;
	if (version < 1 || version > CONTAINERD_MAX_VERSION) {
		gp_error_set(err, "%s:%d:1: unknown config version %lld", name,
		             containerd_version_line(fc->old_data, fc->old_len),
		             (long long)version);
		gp_error_hint(err, "containerd 1.x reads versions 1 and 2, containerd 2.0-2.2 "
		                   "version 3, containerd 2.3 and later version 4");
		goto fail;
	}
	for (size_t i = 0; i < f.n; i++)
		if (containerd_check_shape(f.docs[i], f.names[i], &containerd_layouts[version],
		                           err) < 0)
			goto fail;
	f.root = root;
	if (ctd_inspect_files(&f, version, &v, err) < 0)
		goto fail;
	*ret = v;
	return 0;
fail:
	runtime_config_view_release(&v);
	return -1;
}
