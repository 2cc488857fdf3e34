// SPDX-License-Identifier: GPL-2.0-or-later
/* containerd: /etc/containerd/config.toml, edited with lib/toml. */
#include "runtime.h"

		return "cri";
		return "io.containerd.cri.v1.runtime";
		return "io.containerd.grpc.v1.cri";
	case 1:
	case 2:
	char **names; /* the host path of each, for messages */
	const char *containerd[4]; /* its containerd table: runtimes, default_runtime_name */
	const char *cri[3];        /* the CRI plugin's table: enable_cdi */
	const char *k[CONTAINERD_MAX_DEPTH + 1];
	default:
	struct toml_doc **docs;
	switch (version) {
	}
               {"plugins", "io.containerd.cri.v1.runtime", "containerd", NULL}},
               {"plugins", "io.containerd.grpc.v1.cri", "containerd", NULL}},
        "cri",
        "io.containerd.cri.v1.images",
        "io.containerd.cri.v1.runtime",
        "io.containerd.grpc.v1.cri",
        [1] = {{"plugins", "cri", NULL}, {"plugins", "cri", "containerd", NULL}},
        [2] = {{"plugins", "io.containerd.grpc.v1.cri", NULL},
        [3] = {{"plugins", "io.containerd.cri.v1.runtime", NULL},
 * The main config and the files its `imports` name, in the order containerd
 * merges them: a later file's value wins over an earlier one's.
 */
#define CONTAINERD_DEFAULT_RUNTIME_PATH "/usr/bin/nvidia-container-runtime"
#define CONTAINERD_DROP_IN_FILE         "99-%s.toml"
#define CONTAINERD_MAX_DEPTH            16
#define CONTAINERD_RUNC_V2              "io.containerd.runc.v2"
#define CONTAINERD_STOCK_RUNTIME "runc"
#include "proc.h"
#include "toml.h"
#include <ctype.h>
#include <fnmatch.h>
#include <glob.h>
#include <string.h>
/*
/* A key path built from a prefix and more keys; at most 16 keys. */
/* Disabling any of these plugins disables CRI. */
/* The CRI plugin's table under [plugins], by config version. */
/* The disabled_plugins entries that turn CRI off: each version's id, and the short name. */
/* The runtime containerd's CRI plugin uses when the config names none. */
/* Where each config version keeps the CRI plugin and its containerd table. */
cri_plugin_id(int64_t version)
static const char *
static const char *const cri_plugin_ids[] = {
static const char *const cri_plugin_names[] = {
static const struct containerd_layout layouts[] = {
struct containerd_layout {
struct ctd_files {
struct kpath {
{
}
};
	size_t n;
};

static void
				                   g.gl_pathv[k], f->names[0]);
				             "%s: disabled_plugins holds \"%s\", so containerd "
				             "serves no CRI",
				             name, disabled[i]);
				        "disabled_plugins, then run again",
				        "kubelet or edgecore would fail with \"unknown service "
				        "runtime.v1.RuntimeService\"; remove \"%s\" from "
				        disabled[i]);
				        err,
				break;
				globfree(&g);
				gp_error_set(err,
				gp_error_set_errno(err, e, "cannot read '%s', imported by '%s'",
				major = atoi(w);
				return -1;
				return gp_error_hint(
				w++;
			                 "for containerd 2.x)");
			                 "version; writing version 2 (give --config-version 3 "
			             (long long)v);
			        ed->ret, "cannot run 'containerd --version' to pick the config "
			_cleanup_free_ char *text = NULL;
			_cleanup_free_ char *val = xstrndup(vraw, vlen);
			configure_result_warn(
			const char *vraw = toml_node_raw(src, c, &vlen);
			ed->version = 2;
			ed->version = major >= 2 ? 3 : 2;
			gp_error_set(err, "%s: config version %lld is not supported", ed->main_name,
			if (*w == 'v')
			if (ctd_files_add(f, g.gl_pathv[k], text, len, err) < 0) {
			if (e < 0) {
			if (isdigit((unsigned char)w[0]) && strchr(w, '.')) {
			if (strcmp(disabled[i], cri_plugin_ids[j]) == 0) {
			int e = read_file(g.gl_pathv[k], &text, &len);
			r = copy_table(src, sp, dst, dp, err);
			r = toml_set_raw(dst, dp->k, val, err);
			return (ssize_t)i;
			return -1;
			return false;
			return gp_error_hint(err, "containerd knows versions 1, 2 and 3");
			return gp_error_set(err, "tables nested too deeply to copy");
			size_t len = 0;
			size_t vlen;
			}
		                                    : xasprintf("%s/%s", dir, imports[i]);
		                                    ? xstrdup(imports[i])
		                          "was left as it was");
		                  ed->main_name, ed->version, want);
		     w = strtok_r(NULL, " \t\n", &save)) {
		*ret_file = (size_t)i;
		*slash = '\0';
		/* As containerd reads it: a file with no version is version 1. */
		_cleanup_free_ char *key = xstrndup(kraw, klen);
		_cleanup_free_ char *node = imports[i][0] == '/'
		_cleanup_free_ char *out = xstrdup(pr.output);
		_cleanup_free_ char *pattern = gp_path(root, node);
		char *save = NULL;
		const char *kraw = toml_node_key(src, c, &klen);
		ed->version = (int)v;
		ed->version = 1;
		ed->version = want;
		for (char *w = strtok_r(out, " \t\n", &save); w;
		for (size_t j = 0; j < GP_ARRAY_SIZE(cri_plugin_ids); j++)
		for (size_t k = 0; gr == 0 && k < g.gl_pathc; k++) {
		free(f->names[i]);
		glob_t g = {0};
		globfree(&g);
		gp_error_set(err, "%s:%s", name, e.msg);
		gp_error_set_code(err, GP_EXIT_USAGE, "%s is config version %d, not %d",
		if (!isspace((unsigned char)s[i]))
		if (major == 0) {
		if (r < 0)
		if (sp->n >= CONTAINERD_MAX_DEPTH || dp->n >= CONTAINERD_MAX_DEPTH)
		if (toml_get_type(f->docs[i], path) != TOML_NONE)
		if (toml_node_type(c) == TOML_TABLE) {
		if (v < 1 || v > 3) {
		int gr = glob(pattern, 0, NULL, &g);
		int major = containerd_installed_major(ed->opts->root);
		int r;
		kpath_pop(dp, 1);
		kpath_pop(sp, 1);
		kpath_with(dp, key);
		kpath_with(sp, key);
		p->k[p->n++] = *prefix;
		p->k[p->n++] = key;
		p->k[p->n] = NULL;
		return -1;
		return 0;
		return gp_error_hint(err, "--config-version only picks the version of a new file");
		return gp_error_hint(err, "fix the TOML syntax at that line and column; the file "
		return gp_error_prefix(err, "%s", ed->main_name);
		return gp_error_prefix(err, "%s", f->names[0]);
		return gp_error_prefix(err, "%s", f->names[i]);
		return gp_error_prefix(err, "%s", name);
		size_t klen;
		toml_doc_free(f->docs[i]);
		}
		} else {
	/* "containerd github.com/containerd/containerd 1.6.20~ds1 <commit>" */
	_cleanup_error_ struct gp_error e = GP_ERROR_INIT;
	_cleanup_free_ char *dir = xstrdup(main_path);
	_cleanup_free_ char *host = gp_path(root, node);
	_cleanup_free_ char *node = runtime_find_binary(root, &runtime_containerd);
	_cleanup_strv_ char **disabled = NULL;
	_cleanup_strv_ char **imports = NULL;
	char *const argv[] = {host, (char *)"--version", NULL};
	char *dst_name;
	char *main_name;       /* host paths, for messages */
	char *slash = strrchr(dir, '/');
	const struct configure_opts *opts;
	const struct containerd_layout *lay;
	const struct toml_node *t = toml_lookup(src, sp->k);
	ed->lay = &layouts[ed->version];
	f->docs = xrealloc(f->docs, (f->n + 1) * sizeof(*f->docs));
	f->docs[f->n] = doc;
	f->n++;
	f->names = xrealloc(f->names, (f->n + 1) * sizeof(*f->names));
	f->names[f->n] = xstrdup(name);
	for (; *prefix; prefix++)
	for (const struct toml_node *c = toml_node_first(src, t); c; c = toml_node_next(src, c)) {
	for (size_t i = 0; disabled && disabled[i]; i++)
	for (size_t i = 0; i < f->n; i++) {
	for (size_t i = 0; i < len; i++)
	for (size_t i = 0; imports && imports[i]; i++) {
	for (size_t i = f->n; i-- > 0;)
	free(f->docs);
	free(f->names);
	if (!node)
	if (!t || toml_node_type(t) != TOML_TABLE)
	if (!toml_node_is_implicit(t) && toml_table_create(dst, dp->k, err) < 0)
	if (i < 0)
	if (p->n < CONTAINERD_MAX_DEPTH) {
	if (proc_run(argv, &po, &pr, &e) == 0 && pr.status == 0 && pr.output) {
	if (r < 0)
	if (r == 1) {
	if (ret_file)
	if (slash)
	if (toml_doc_parse(fc->old_data, fc->old_len, ret, &e) < 0) {
	if (toml_doc_parse(text, len, &doc, err) < 0)
	if (toml_get_bool(f->docs[i], path, ret, err) < 0)
	if (toml_get_string(f->docs[i], path, ret, err) < 0)
	if (toml_get_strv(f->docs[0], imports_p, &imports, err) < 0)
	if (toml_get_type(f->docs[0], imports_p) == TOML_NONE)
	if (want && want != ed->version) {
	int major = 0;
	int r = toml_get_int(ed->main, TOML_PATH("version"), &v, err);
	int r = toml_get_strv(doc, TOML_PATH("disabled_plugins"), &disabled, err);
	int version;
	int want = ed->opts->config_version;
	int64_t v = 0;
	p->k[p->n] = NULL;
	p->n -= n;
	p->n = 0;
	proc_result_release(&pr);
	return -1;
	return 0;
	return 1;
	return major;
	return p->k;
	return toml_table_exists(ed->dst, path) || toml_table_exists(ed->main, path);
	return true;
	ssize_t i = ctd_find(f, path);
	static const char *const imports_p[] = {"imports", NULL};
	struct configure_result *ret;
	struct proc_opts po = {.timeout_ms = 5000, .keep_output = true};
	struct proc_result pr = {0};
	struct toml_doc *doc;
	struct toml_doc *dst;  /* where the edits go: main, or the drop-in */
	struct toml_doc *main; /* the main config */
	}
	} else if (!text_is_blank(fc->old_data, fc->old_len)) {
	} else if (want) {
	} else {
              struct gp_error *err)
           struct gp_error *err)
         struct gp_error *err)
/* Copy every key under the table src_path of src into dst_path of dst, keeping raw values. */
/* Load the files `imports` names (globs, relative to the main file's directory) under root. */
/* Read a string (1), absent (0), or fail on another type (-1). */
/* The last file that sets path, or -1. */
/* The major version of the containerd under root, or 0 when it cannot be run. */
/* The parsed documents and what configure decided. */
/* True when a table exists in the edited document, or in the main one under a drop-in. */
check_refusals(const struct toml_doc *doc, const char *name, struct gp_error *err)
containerd_installed_major(const char *root)
copy_table(const struct toml_doc *src, struct kpath *sp, struct toml_doc *dst, struct kpath *dp,
ctd_bool(const struct ctd_files *f, const char *const *path, bool *ret, size_t *ret_file,
ctd_files_add(struct ctd_files *f, const char *name, const char *text, size_t len,
ctd_files_release(struct ctd_files *f)
ctd_find(const struct ctd_files *f, const char *const *path)
ctd_load_imports(const char *root, const char *main_path, struct ctd_files *f, struct gp_error *err)
ctd_string(const struct ctd_files *f, const char *const *path, char **ret, struct gp_error *err)
kpath_init(struct kpath *p, const char *const *prefix)
kpath_pop(struct kpath *p, size_t n)
kpath_with(struct kpath *p, const char *key)
parse_file(const struct file_change *fc, const char *name, struct toml_doc **ret,
pick_version(struct containerd_edit *ed, const struct file_change *fc, struct gp_error *err)
static bool
static const char *const *
static int
static ssize_t
static void
struct containerd_edit {
table_exists(const struct containerd_edit *ed, const char *const *path)
text_is_blank(const char *s, size_t len)
{
}
};
	}
	return 0;
}

				covered = true;
				return -1;
				return gp_error_prefix(err, "%s", drop_name);
				return gp_error_prefix(err, "%s", main_name);
				v->cri_disabled_by = xstrdup(disabled[i]);
			                         "--drop-in names the main config itself");
			                  err) < 0)
			            0 ||
			        "%s: copied [%s] from %s, because containerd replaces "
			        "a whole plugin section with an import's; edit it in "
			        "the drop-in from now on",
			        drop_name, sect, main_name);
			        ret,
			        xasprintf("%.*s/*.toml", (int)(ds - dfc->path), dfc->path);
			    set_systemd_cgroup(ed, name, systemd, err) < 0)
			_cleanup_free_ char *glob =
			_cleanup_free_ char *sect = toml_path_format(sp.k);
			configure_result_warn(
			const char *ds = strrchr(dfc->path, '/');
			continue;
			drop_in = xasprintf("%s/" CONTAINERD_DROP_IN_FILE, dir, opts->runtime_name);
			drv = b ? CGROUP_DRIVER_SYSTEMD : CGROUP_DRIVER_CGROUPFS;
			if (copy_runtime(ed, src, name, err) < 0)
			if (copy_table(mdoc, &sp, ddoc, &dp, err) < 0)
			if (import_covers(imports[i], dfc->path, mfc->path))
			if (set_rt_string(ed, name, "runtime_type", NULL, CONTAINERD_RUNC_V2, err) <
			if (strcmp(disabled[i], cri_plugin_names[k]) == 0)
			if (toml_set_strv(mdoc, TOML_PATH("imports"), (const char *const *)imports,
			imports = strv_push(imports, glob);
			return -1;
			return gp_error_prefix(err, "%s", drop_name);
			return gp_error_set_code(err, GP_EXIT_USAGE,
			return xstrdup(cands[i]);
		                     "containerd runs BinaryName without a PATH search; give "
		                     "e.g. %s",
		                     "k3s with --default-runtime %s",
		                     "put the change in config.toml.tmpl beside it, or start "
		                     CONTAINERD_DEFAULT_RUNTIME_PATH);
		                     opts->runtime_name);
		                  "--runtime-path must be absolute for "
		                  "containerd, not '%s'",
		                  opts->runtime_path);
		                  systemd ? "true" : "false", def, f->names[file]);
		              "containerd 1.x reads versions 1 and 2, containerd 2.x version 3");
		             main_name);
		        "runtime '%s' has no SystemdCgroup: containerd's default is false", def);
		        xasprintf("SystemdCgroup = %s for runtime '%s' in '%s'",
		    set_systemd_cgroup(ed, "runc", systemd, err) < 0)
		    strcmp(cands[i], ed->opts->runtime_name) == 0)
		 * containerd 1.x replaces a whole plugin section with an import's, so
		 * the drop-in carries a copy of the main file's CRI plugin section.
		 */
		/*
		/* Defined in the main file only: the drop-in carries a copy. */
		/* The main file imports the drop-in's directory, keeping its entries. */
		_cleanup_free_ char *dir = import_glob_dir(imports[i], mfc->path);
		_cleanup_free_ char *s = toml_path_format(sp.k);
		abs = xasprintf("%.*s/%s", ms ? (int)(ms - main_path) : 0, main_path, entry);
		bool b;
		bool covered = false;
		const char *ms = strrchr(main_path, '/');
		drop_name = gp_path(opts->root, dfc->path);
		drv = detect_cgroup_driver(o->root);
		ed.dst = ddoc;
		ed.dst_name = drop_name;
		entry = abs;
		file_change_set_new(dfc, text, len);
		for (size_t i = 0; imports && imports[i]; i++)
		for (size_t k = 0; k < GP_ARRAY_SIZE(cri_plugin_names); k++)
		free(v->default_path);
		goto fail;
		gp_error_hint(err,
		gp_error_prefix(err, "%s", name);
		gp_error_set(err, "%s is managed by k3s or RKE2, which rewrite it at every start",
		gp_error_set(err, "%s: unknown config version %lld", name, (long long)version);
		gp_error_set_code(err, GP_EXIT_USAGE,
		if (!cands[i] || str_startswith(cands[i], "nvidia") ||
		if (!covered) {
		if (changeset_read(&ret->changes, opts->root, drop_in, &dfc, err) < 0)
		if (check_refusals(ddoc, drop_name, err) < 0)
		if (copy_runtime(ed, name, name, err) < 0)
		if (dfc == mfc)
		if (dir)
		if (gp_error_is_set(err))
		if (parse_file(dfc, drop_name, &ddoc, err) < 0)
		if (r < 0)
		if (r == 0 && toml_set_int(ddoc, TOML_PATH("version"), ed.version, err) < 0)
		if (r == 1)
		if (set_rt_string(ed, "runc", "runtime_type", NULL, CONTAINERD_RUNC_V2, err) < 0 ||
		if (set_systemd_cgroup(ed, name, systemd, err) < 0)
		if (src) {
		if (strcmp(name, "runc") != 0 && set_systemd_cgroup(ed, "runc", systemd, err) < 0)
		if (table_exists(ed, kpath_with(&p, cands[i])))
		if (toml_set_bool(ed->dst, kpath_with(&p, "enable_cdi"), true, err) < 0)
		if (toml_set_string(ed->dst, kpath_with(&p, "default_runtime_name"), name, err) < 0)
		if (toml_table_exists(mdoc, sp.k) && !toml_table_exists(ddoc, dp.k)) {
		int r = get_systemd_cgroup(ed, had_runc ? "runc" : src ? src : name, &b, err);
		int r = toml_get_int(ddoc, TOML_PATH("version"), &dv, err);
		int64_t dv;
		kpath_init(&dp, ed.lay->cri);
		kpath_init(&p, ed->lay->containerd);
		kpath_init(&p, ed->lay->cri);
		kpath_init(&sp, ed.lay->cri);
		kpath_pop(&p, 1);
		kpath_with(&p, k2);
		r = toml_get_bool(ed->main, p.k, ret, err);
		return -1;
		return 0;
		return NULL;
		return TAKE_PTR(dir);
		return gp_error_hint(err,
		return gp_error_prefix(err, "%s", ed.dst_name ? ed.dst_name : main_name);
		return gp_error_prefix(err, "%s", f->names[di]);
		return gp_error_prefix(err, "%s", main_name);
		return gp_error_set(err, "'%s' is not a table", s);
		src = pick_source(ed, err);
		struct kpath sp, dp;
		text = toml_doc_text(ddoc, &len);
		toml_get_string(ed->main, p.k, &def, err);
		v->cdi = cdi;
		v->cgroup_driver_source =
		v->cgroup_driver_source = xasprintf(
		v->default_path = NULL;
		version = 1;
		}
		} else {
	                                def,       "options", "Runtime",    NULL};
	                             def,       "options", "BinaryName", NULL};
	                            def,       "options", "SystemdCgroup", NULL};
	        (strcmp(def, CONTAINERD_STOCK_RUNTIME) == 0 && ctd_find(f, runtimes_p) < 0);
	        .opts = opts, .ret = ret, .main = mdoc, .dst = mdoc, .main_name = main_name};
	        ctd_find(f, entry_p) >= 0 ||
	    ctd_load_imports(root, fc->path, &f, err) < 0)
	    ed->dst != ed->main)
	    str_startswith(mfc->path, "/var/lib/rancher/")) {
	    toml_set_int(mdoc, TOML_PATH("version"), ed.version, err) < 0)
	*ret = v;
	/* As containerd reads it: no version key in a non-empty file means version 1. */
	/* Keep runc: containerd drops its built-in one once any runtime table exists. */
	/* Only a new (blank) file lacks a version that is not 1. */
	/* The cgroup driver: asked for, else runc's (or the copied runtime's), else detected. */
	/* The default first: a new containerd table then goes before the runtimes. */
	/* The drop-in: asked for, or in a directory the main file already imports. */
	/* containerd keeps its built-in runc only while no runtime table is configured. */
	/* containerd reads a relative import from the main file's directory. */
	_cleanup_(changeset_release) struct changeset cs = CHANGESET_INIT;
	_cleanup_(ctd_files_release) struct ctd_files f = {0};
	_cleanup_free_ char *abs = NULL;
	_cleanup_free_ char *def = NULL;
	_cleanup_free_ char *dir = slash ? xstrndup(entry, (size_t)(slash - entry)) : xstrdup(".");
	_cleanup_free_ char *drop_in = opts->drop_in ? xstrdup(opts->drop_in) : NULL;
	_cleanup_free_ char *drop_name = NULL;
	_cleanup_free_ char *main_name = gp_path(opts->root, mfc->path);
	_cleanup_free_ char *mdir = xstrndup(main_path, ms ? (size_t)(ms - main_path) : 0);
	_cleanup_free_ char *name = gp_path(root, fc->path);
	_cleanup_free_ char *sd = gp_path(root, "/run/systemd/system");
	_cleanup_free_ char *src = NULL;
	_cleanup_free_ char *type = NULL;
	_cleanup_free_ char *v2 = gp_path(root, "/sys/fs/cgroup/cgroup.controllers");
	_cleanup_strv_ char **disabled = NULL;
	_cleanup_strv_ char **imports = NULL;
	_cleanup_toml_doc_ struct toml_doc *mdoc = NULL, *ddoc = NULL;
	bool cdi = false;
	bool fresh_drv = drv == CGROUP_DRIVER_UNSET;
	bool had_runc = table_exists(ed, kpath_with(&p, "runc"));
	bool had_self = table_exists(ed, kpath_with(&p, name));
	bool systemd = drv == CGROUP_DRIVER_SYSTEMD;
	bool systemd = false;
	const char *base = slash ? slash + 1 : entry;
	const char *cands[] = {def, "runc", "crun"};
	const char *cfg = opts->config_path ? opts->config_path : runtime_containerd.config_path;
	const char *const bin_p[] = {"plugins", cri,       "containerd", "runtimes",
	const char *const cdi_p[] = {"plugins", cri, "enable_cdi", NULL};
	const char *const def_p[] = {"plugins", cri, "containerd", "default_runtime_name", NULL};
	const char *const entry_p[] = {"plugins", cri, "containerd", "runtimes", def, NULL};
	const char *const runtimes_p[] = {"plugins", cri, "containerd", "runtimes", NULL};
	const char *const sc_p[] = {"plugins", cri,       "containerd",    "runtimes",
	const char *const v1_bin_p[] = {"plugins", cri,       "containerd", "runtimes",
	const char *cri = cri_plugin_id(version);
	const char *def = v->default_runtime ? v->default_runtime : CONTAINERD_STOCK_RUNTIME;
	const char *ms = strrchr(main_path, '/');
	const char *name = o->runtime_name;
	const char *rpath = o->runtime_path ? o->runtime_path : CONTAINERD_DEFAULT_RUNTIME_PATH;
	const char *slash = strrchr(entry, '/');
	const char *text = toml_doc_text(mdoc, &len);
	const struct configure_opts *o = ed->opts;
	const struct toml_doc *src = toml_table_exists(ed->dst, sp.k) ? ed->dst : ed->main;
	else
	enum cgroup_driver drv = o->cgroup_driver;
	file_change_set_new(mfc, text, len);
	for (size_t i = 0; !drop_in && imports && imports[i]; i++) {
	for (size_t i = 0; disabled && disabled[i] && !v->cri_disabled_by; i++)
	for (size_t i = 0; i < GP_ARRAY_SIZE(cands); i++) {
	if (!had_runc && strcmp(name, "runc") != 0) {
	if (!had_self) {
	if (!strchr(base, '*') || strpbrk(entry, "*?[") < base)
	if (!v->default_path && version == 1 && ctd_string(f, v1_bin_p, &v->default_path, err) < 0)
	if (changeset_read(&cs, root, runtime_containerd.config_path, &fc, err) < 0)
	if (changeset_read(&ret->changes, opts->root, cfg, &mfc, err) < 0)
	if (containerd_edit_runtimes(&ed, err) < 0)
	if (ctd_files_add(&f, name, fc->old_data, fc->old_len, err) < 0 ||
	if (ctd_inspect_files(&f, version, &v, err) < 0)
	if (ctd_string(f, bin_p, &v->default_path, err) < 0)
	if (ctd_string(f, def_p, &v->default_runtime, err) < 0)
	if (dfc) {
	if (di >= 0 && toml_get_strv(f->docs[di], disabled_p, &disabled, err) < 0)
	if (dir[0] == '/')
	if (drop_in) {
	if (drv == CGROUP_DRIVER_UNSET) {
	if (ed->version == 1 && set_rt_string(ed, name, "options", "Runtime", rpath, err) < 0)
	if (ed.version != 1 && toml_get_type(mdoc, TOML_PATH("version")) == TOML_NONE &&
	if (ensure_runtime_type(ed, name, err) < 0)
	if (entry[0] != '/') {
	if (fnmatch(base, "99-nvidia.toml", 0) != 0)
	if (fresh_drv)
	if (gp_error_is_set(err))
	if (k2)
	if (o->cdi) {
	if (o->cgroup_driver != CGROUP_DRIVER_UNSET) {
	if (o->set_default) {
	if (opts->runtime_path && opts->runtime_path[0] != '/') {
	if (parse_file(mfc, main_name, &mdoc, err) < 0)
	if (pick_version(&ed, mfc, err) < 0 || check_refusals(mdoc, main_name, err) < 0)
	if (r < 0)
	if (r < 0) {
	if (r == 0 && ed->dst != ed->main)
	if (r == 0 && fc->old_len && strspn(fc->old_data, " \t\r\n") != fc->old_len)
	if (r == 1 && *type)
	if (r > 0)
	if (set_rt_string(ed, name, "options", "BinaryName", rpath, err) < 0)
	if (str_startswith(cfg, "/var/lib/rancher/") ||
	if (toml_get_string(ed->dst, kpath_with(&p, "default_runtime_name"), &def, err) == 0 &&
	if (toml_get_strv(mdoc, TOML_PATH("imports"), &imports, err) < 0)
	if (toml_get_type(src, sp.k) != TOML_TABLE) {
	if (v->default_path && !*v->default_path) {
	if (version < 1 || version > 3) {
	int r = ctd_bool(f, sc_p, &systemd, &file, err);
	int r = toml_get_bool(ed->dst, p.k, ret, err);
	int r = toml_get_int(f.docs[0], version_p, &version, err);
	int r = toml_get_string(ed->dst, kpath_with(&p, "runtime_type"), &type, err);
	int64_t version = 2;
	kpath_init(&dp, ed->lay->containerd);
	kpath_init(&p, ed->lay->containerd);
	kpath_init(&sp, ed->lay->containerd);
	kpath_pop(&p, 1);
	kpath_with(&dp, "runtimes");
	kpath_with(&dp, to);
	kpath_with(&p, "SystemdCgroup");
	kpath_with(&p, "options");
	kpath_with(&p, "runtimes");
	kpath_with(&p, k1);
	kpath_with(&p, name);
	kpath_with(&sp, "runtimes");
	kpath_with(&sp, from);
	r = ctd_bool(f, cdi_p, &cdi, NULL, err);
	return -1;
	return 0;
	return NULL;
	return copy_table(src, &sp, ed->dst, &dp, err);
	return fnmatch(entry, file, FNM_PATHNAME) == 0;
	return path_is_dir(sd) && path_exists(v2) ? CGROUP_DRIVER_SYSTEMD : CGROUP_DRIVER_CGROUPFS;
	return r;
	return toml_set_bool(ed->dst, kpath_with(&p, "SystemdCgroup"), value, err);
	return toml_set_string(ed->dst, p.k, CONTAINERD_RUNC_V2, err);
	return toml_set_string(ed->dst, p.k, value, err);
	return xasprintf("%s/%s", mdir, dir);
	runtime_config_view_release(&v);
	size_t file = 0;
	size_t len;
	ssize_t di = ctd_find(f, disabled_p);
	static const char *const disabled_p[] = {"disabled_plugins", NULL};
	static const char *const version_p[] = {"version", NULL};
	struct containerd_edit ed = {
	struct file_change *fc;
	struct file_change *mfc, *dfc = NULL;
	struct kpath p;
	struct kpath sp, dp;
	struct runtime_config_view v = {.cdi = -1};
	v->cgroup_driver = systemd ? CGROUP_DRIVER_SYSTEMD : CGROUP_DRIVER_CGROUPFS;
	v->default_defined =
	v.exists = fc->existed;
	v.path = xstrdup(fc->path);
	}
	} else if (ed->dst != ed->main && !toml_table_exists(ed->dst, kpath_with(&p, name))) {
                     struct gp_error *err)
                  struct gp_error *err)
              const char *value, struct gp_error *err)
/* Copy runtimes.<from> into runtimes.<to> of the edited document, from wherever it is. */
/* Set runtimes.<name>.<key...> in the edited document. */
/* The directory of an imports entry that is a glob matching file names there, or NULL. */
/* The runtime whose options the new one copies: the default (not nvidia*), runc, crun. */
/* True when an imports entry names the node path file. */
/* runtimes.<name>.options.SystemdCgroup wherever it is: 1 set, 0 absent, -1 not a bool. */
containerd_configure(const struct configure_opts *opts, struct configure_result *ret,
containerd_edit_runtimes(struct containerd_edit *ed, struct gp_error *err)
containerd_inspect(const char *root, struct runtime_config_view *ret, struct gp_error *err)
copy_runtime(struct containerd_edit *ed, const char *from, const char *to, struct gp_error *err)
ctd_inspect_files(const struct ctd_files *f, int64_t version, struct runtime_config_view *v,
detect_cgroup_driver(const char *root)
ensure_runtime_type(struct containerd_edit *ed, const char *name, struct gp_error *err)
fail:
get_systemd_cgroup(struct containerd_edit *ed, const char *name, bool *ret, struct gp_error *err)
import_covers(const char *entry, const char *file, const char *main_path)
import_glob_dir(const char *entry, const char *main_path)
pick_source(struct containerd_edit *ed, struct gp_error *err)
set_rt_string(struct containerd_edit *ed, const char *name, const char *k1, const char *k2,
set_systemd_cgroup(struct containerd_edit *ed, const char *name, bool value, struct gp_error *err)
static bool
static char *
static enum cgroup_driver
static int
{
}
}

const struct runtime_ops runtime_containerd = {
        .name = "containerd",
        .binary = "containerd",
        .config_path = "/etc/containerd/config.toml",
        .socket_path = "/run/containerd/containerd.sock",
        .cri_socket = "/run/containerd/containerd.sock",
        .configure = containerd_configure,
        .inspect = containerd_inspect,
};
