// SPDX-License-Identifier: GPL-2.0-or-later
/* containerd: /etc/containerd/config.toml, edited with lib/toml. */
#include "runtime.h"

#include <ctype.h>
#include <dirent.h>
#include <fnmatch.h>
#include <glob.h>
#include <string.h>

#include "live.h"
#include "noderoot.h"
#include "proc.h"
#include "toml.h"

#include "containerd_internal.h"

#define CONTAINERD_DEFAULT_RUNTIME_PATH "/usr/bin/nvidia-container-runtime"
#define CONTAINERD_DROP_IN_FILE         "99-%s.toml"

/* The parsed documents and what configure decided. */
struct containerd_edit {
	const struct configure_opts *opts;
	struct configure_result *ret;
	struct toml_doc *main; /* the main config */
	struct toml_doc *dst;  /* where the edits go: main, or the drop-in */
	char *main_name;       /* host paths, for messages */
	char *dst_name;
	int version;
	const struct containerd_layout *lay;
};

static int
parse_file(const struct file_change *fc, const char *name, struct toml_doc **ret,
           struct gp_error *err)
{
	_cleanup_error_ struct gp_error e = GP_ERROR_INIT;
	if (toml_doc_parse(fc->old_data, fc->old_len, ret, &e) < 0) {
		gp_error_set(err, "%s:%s", name, e.msg);
		return gp_error_hint(err, "fix the TOML syntax at that line and column; the file "
		                          "was left as it was");
	}
	return 0;
}

static int
pick_version(struct containerd_edit *ed, const struct file_change *fc, struct gp_error *err)
{
	int64_t v = 0;
	int r = toml_get_int(ed->main, TOML_PATH("version"), &v, err);
	if (r < 0) {
		toml_error_in(err, ed->main_name);
		return gp_error_hint(err, "containerd refuses to start with it: write the version "
		                          "as a bare integer, as in version = 2; the file was left "
		                          "as it was");
	}
	int want = ed->opts->config_version;
	if (r == 1) {
		if (v < 1 || v > CONTAINERD_MAX_VERSION) {
			int line = containerd_version_line(fc->old_data, fc->old_len);
			gp_error_set(err, "%s:%d:1: config version %lld is not supported",
			             ed->main_name, line, (long long)v);
			return gp_error_hint(err,
			                     "gpuprep knows containerd's config versions 1 to 4 "
			                     "(1.x: 1 and 2; 2.0-2.2: 3; 2.3 and later: 4)");
		}
		ed->version = (int)v;
	} else if (!containerd_text_is_blank(fc->old_data, fc->old_len)) {
		/* As containerd reads it: a file with no version is version 1. */
		ed->version = 1;
	} else if (want) {
		ed->version = want;
	} else {
		int major = containerd_installed_major(ed->opts->root);
		if (major == 0) {
			configure_result_warn(
			        ed->ret, "cannot run 'containerd --version' to pick the config "
			                 "version; writing version 2 (give --config-version 3 "
			                 "for containerd 2.x)");
			ed->version = 2;
		} else {
			ed->version = major >= 2 ? 3 : 2;
		}
	}
	if (want && want != ed->version) {
		gp_error_set_code(err, GP_EXIT_USAGE, "%s is config version %d, not %d",
		                  ed->main_name, ed->version, want);
		return gp_error_hint(err, "--config-version only picks the version of a new file");
	}
	ed->lay = containerd_layout_for(ed->main, ed->version);
	if (ed->lay == &containerd_layout_v1_full_id)
		configure_result_warn(ed->ret,
		                      "%s: a file without 'version' is version 1, where containerd "
		                      "1.x reads only [plugins.cri] and ignores "
		                      "[plugins.\"io.containerd.grpc.v1.cri\"], which 2.x reads: "
		                      "editing that one; add 'version = 2' at the top for 1.x",
		                      ed->main_name);
	return 0;
}

static int
check_refusals(const struct toml_doc *doc, const char *name, struct gp_error *err)
{
	_cleanup_strv_ char **disabled = NULL;
	int r = toml_get_strv(doc, TOML_PATH("disabled_plugins"), &disabled, err);
	if (r < 0)
		return toml_error_in(err, name);
	for (size_t i = 0; disabled && disabled[i]; i++)
		for (size_t j = 0; j < GP_ARRAY_SIZE(containerd_cri_plugin_ids); j++)
			if (strcmp(disabled[i], containerd_cri_plugin_ids[j]) == 0) {
				gp_error_set(err,
				             "%s: disabled_plugins holds \"%s\", so containerd "
				             "serves no CRI",
				             name, disabled[i]);
				return gp_error_hint(
				        err,
				        "kubelet or edgecore would fail with \"unknown service "
				        "runtime.v1.RuntimeService\"; remove \"%s\" from "
				        "disabled_plugins, then run again",
				        disabled[i]);
			}
	return 0;
}

/* True when a table exists in the edited document, or in the main one under a drop-in. */
static bool
table_exists(const struct containerd_edit *ed, const char *const *path)
{
	return toml_table_exists(ed->dst, path) || toml_table_exists(ed->main, path);
}

/* One key of a table being copied: its name, and its raw value unless it is a table. */
struct copy_key {
	char *key;
	char *raw; /* NULL for a table */
};

/*
 * Copy every key under the table src_path of src into dst_path of dst, keeping raw values.
 * src and dst may be the same document, and an edit there may index the text again (an inline
 * table is parsed anew), so the keys are read before the first edit and every table is looked
 * up again by its path.
 */
static int
copy_table(const struct toml_doc *src, struct kpath *sp, struct toml_doc *dst, struct kpath *dp,
           struct gp_error *err)
{
	const struct toml_node *t = toml_lookup(src, sp->k);
	if (!t || toml_node_type(t) != TOML_TABLE)
		return 0;
	bool implicit = toml_node_is_implicit(t);
	size_t n = toml_node_count(t), i = 0;
	struct copy_key *keys = xcalloc(n + 1, sizeof(*keys));
	for (const struct toml_node *c = toml_node_first(src, t); c && i < n;
	     c = toml_node_next(src, c), i++) {
		size_t klen, vlen;
		const char *kraw = toml_node_key(src, c, &klen);
		keys[i].key = xstrndup(kraw, klen);
		if (toml_node_type(c) != TOML_TABLE) {
			const char *vraw = toml_node_raw(src, c, &vlen);
			keys[i].raw = xstrndup(vraw, vlen);
		}
	}
	n = i;
	int r = 0;
	if (!implicit && toml_table_create(dst, dp->k, err) < 0)
		r = -1;
	for (i = 0; i < n && r == 0; i++) {
		if (sp->n >= CONTAINERD_MAX_DEPTH || dp->n >= CONTAINERD_MAX_DEPTH) {
			r = gp_error_set(err, "tables nested too deeply to copy");
			break;
		}
		kpath_with(sp, keys[i].key);
		kpath_with(dp, keys[i].key);
		if (keys[i].raw)
			r = toml_set_raw_parsed(dst, dp->k, keys[i].raw, err) < 0 ? -1 : 0;
		else
			r = copy_table(src, sp, dst, dp, err);
		kpath_pop(sp, 1);
		kpath_pop(dp, 1);
	}
	for (i = 0; i < n; i++) {
		free(keys[i].key);
		free(keys[i].raw);
	}
	free(keys);
	return r;
}

static enum cgroup_driver
detect_cgroup_driver(const char *root)
{
	return noderoot_is_dir(root, "/run/systemd/system") &&
	                       noderoot_exists(root, "/sys/fs/cgroup/cgroup.controllers")
	               ? CGROUP_DRIVER_SYSTEMD
	               : CGROUP_DRIVER_CGROUPFS;
}

/* The runtime whose options the new one copies: the default (not nvidia*), runc, crun. */
static char *
pick_source(struct containerd_edit *ed, struct gp_error *err)
{
	struct kpath p;
	_cleanup_free_ char *def = NULL;
	kpath_init(&p, ed->lay->containerd);
	if (toml_get_string(ed->dst, kpath_with(&p, "default_runtime_name"), &def, err) == 0 &&
	    ed->dst != ed->main)
		toml_get_string(ed->main, p.k, &def, err);
	if (gp_error_is_set(err))
		return NULL;
	kpath_pop(&p, 1);
	kpath_with(&p, "runtimes");
	const char *cands[] = {def, "runc", "crun"};
	for (size_t i = 0; i < GP_ARRAY_SIZE(cands); i++) {
		if (!cands[i] || str_startswith(cands[i], "nvidia") ||
		    strcmp(cands[i], ed->opts->runtime_name) == 0)
			continue;
		if (table_exists(ed, kpath_with(&p, cands[i])))
			return xstrdup(cands[i]);
		kpath_pop(&p, 1);
	}
	return NULL;
}

/* Copy runtimes.<from> into runtimes.<to> of the edited document, from wherever it is. */
static int
copy_runtime(struct containerd_edit *ed, const char *from, const char *to, struct gp_error *err)
{
	struct kpath sp, dp;
	kpath_init(&sp, ed->lay->containerd);
	kpath_with(&sp, "runtimes");
	kpath_with(&sp, from);
	kpath_init(&dp, ed->lay->containerd);
	kpath_with(&dp, "runtimes");
	kpath_with(&dp, to);
	const struct toml_doc *src = toml_table_exists(ed->dst, sp.k) ? ed->dst : ed->main;
	if (toml_get_type(src, sp.k) != TOML_TABLE) {
		_cleanup_free_ char *s = toml_path_format(sp.k);
		return gp_error_set(err, "'%s' is not a table", s);
	}
	return copy_table(src, &sp, ed->dst, &dp, err);
}

/* Set runtimes.<name>.<key...> in the edited document. */
static int
set_rt_string(struct containerd_edit *ed, const char *name, const char *k1, const char *k2,
              const char *value, struct gp_error *err)
{
	struct kpath p;
	kpath_init(&p, ed->lay->containerd);
	kpath_with(&p, "runtimes");
	kpath_with(&p, name);
	kpath_with(&p, k1);
	if (k2)
		kpath_with(&p, k2);
	return toml_set_string(ed->dst, p.k, value, err);
}

static int
set_systemd_cgroup(struct containerd_edit *ed, const char *name, bool value, struct gp_error *err)
{
	struct kpath p;
	kpath_init(&p, ed->lay->containerd);
	kpath_with(&p, "runtimes");
	kpath_with(&p, name);
	kpath_with(&p, "options");
	return toml_set_bool(ed->dst, kpath_with(&p, "SystemdCgroup"), value, err);
}

/* runtimes.<name>.options.SystemdCgroup wherever it is: 1 set, 0 absent, -1 not a bool. */
static int
get_systemd_cgroup(struct containerd_edit *ed, const char *name, bool *ret, struct gp_error *err)
{
	struct kpath p;
	kpath_init(&p, ed->lay->containerd);
	kpath_with(&p, "runtimes");
	kpath_with(&p, name);
	kpath_with(&p, "options");
	kpath_with(&p, "SystemdCgroup");
	int r = toml_get_bool(ed->dst, p.k, ret, err);
	if (r == 0 && ed->dst != ed->main)
		r = toml_get_bool(ed->main, p.k, ret, err);
	return r;
}

static int
ensure_runtime_type(struct containerd_edit *ed, const char *name, struct gp_error *err)
{
	struct kpath p;
	kpath_init(&p, ed->lay->containerd);
	kpath_with(&p, "runtimes");
	kpath_with(&p, name);
	_cleanup_free_ char *type = NULL;
	int r = toml_get_string(ed->dst, kpath_with(&p, "runtime_type"), &type, err);
	if (r < 0)
		return -1;
	if (r == 1 && *type)
		return 0;
	return toml_set_string(ed->dst, p.k, CONTAINERD_RUNC_V2, err);
}

/*
 * containerd 1.x's CRI plugin (pkg/cri/config, 1.6 and 1.7) uses the deprecated
 * containerd.default_runtime table, under the name "default", whenever its runtime_type
 * is set, whatever default_runtime_name says. 1: such a table is in the edited file.
 */
static int
legacy_default_runtime(struct containerd_edit *ed, struct gp_error *err)
{
	if (ed->version >= 3)
		return 0;
	struct kpath p;
	kpath_init(&p, ed->lay->containerd);
	kpath_with(&p, "default_runtime");
	_cleanup_free_ char *type = NULL;
	if (toml_get_type(ed->dst, kpath_with(&p, "runtime_type")) != TOML_STRING)
		return 0;
	if (toml_get_string(ed->dst, p.k, &type, err) < 0)
		return -1;
	return *type ? 1 : 0;
}

/* Move the legacy default runtime out of the way: its settings become runc's (when there is
 * no runc) and its runtime_type "", so that default_runtime_name counts. */
static int
retire_legacy_default(struct containerd_edit *ed, bool *had_runc, struct gp_error *err)
{
	struct kpath sp, dp;
	kpath_init(&sp, ed->lay->containerd);
	kpath_with(&sp, "default_runtime");
	_cleanup_free_ char *sect = toml_path_format(sp.k);
	bool copied = !*had_runc;
	if (copied) {
		/* From a snapshot: copy_table reads one document while it writes the other. */
		size_t len;
		const char *text = toml_doc_text(ed->dst, &len);
		_cleanup_toml_doc_ struct toml_doc *snap = NULL;
		if (toml_doc_parse(text, len, &snap, err) < 0)
			return -1;
		kpath_init(&dp, ed->lay->containerd);
		kpath_with(&dp, "runtimes");
		kpath_with(&dp, "runc");
		if (copy_table(snap, &sp, ed->dst, &dp, err) < 0)
			return -1;
		*had_runc = true;
	}
	if (toml_set_string(ed->dst, kpath_with(&sp, "runtime_type"), "", err) < 0)
		return -1;
	configure_result_warn(ed->ret,
	                      "%s: [%s] has a runtime_type, so containerd 1.x used it instead of "
	                      "default_runtime_name; its runtime_type is now \"\"%s",
	                      ed->dst_name ? ed->dst_name : ed->main_name, sect,
	                      copied ? " and its settings are runtimes.runc's" : "");
	return 0;
}

static int
containerd_edit_runtimes(struct containerd_edit *ed, struct gp_error *err)
{
	const struct configure_opts *o = ed->opts;
	const char *name = o->runtime_name;
	const char *rpath = o->runtime_path ? o->runtime_path : CONTAINERD_DEFAULT_RUNTIME_PATH;
	struct kpath p;
	kpath_init(&p, ed->lay->containerd);
	kpath_with(&p, "runtimes");
	bool had_runc = table_exists(ed, kpath_with(&p, "runc"));
	kpath_pop(&p, 1);
	bool had_self = table_exists(ed, kpath_with(&p, name));
	kpath_pop(&p, 1);
	int legacy = o->set_default ? legacy_default_runtime(ed, err) : 0;
	if (legacy < 0 || (legacy && retire_legacy_default(ed, &had_runc, err) < 0))
		return -1;

	/* The cgroup driver: asked for, else runc's (or the copied runtime's), else detected. */
	enum cgroup_driver drv = o->cgroup_driver;
	_cleanup_free_ char *src = NULL;
	if (!had_self) {
		src = pick_source(ed, err);
		if (gp_error_is_set(err))
			return -1;
	}
	if (drv == CGROUP_DRIVER_UNSET) {
		bool b;
		int r = get_systemd_cgroup(ed, had_runc ? "runc" : src ? src : name, &b, err);
		if (r < 0)
			return -1;
		if (r == 1)
			drv = b ? CGROUP_DRIVER_SYSTEMD : CGROUP_DRIVER_CGROUPFS;
	}
	bool fresh_drv = drv == CGROUP_DRIVER_UNSET;
	if (fresh_drv)
		drv = detect_cgroup_driver(o->root);
	bool systemd = drv == CGROUP_DRIVER_SYSTEMD;

	/* The default first: a new containerd table then goes before the runtimes. */
	if (o->set_default) {
		kpath_init(&p, ed->lay->containerd);
		if (toml_set_string(ed->dst, kpath_with(&p, "default_runtime_name"), name, err) < 0)
			return -1;
	}
	if (o->cdi) {
		kpath_init(&p, ed->lay->cri);
		if (toml_set_bool(ed->dst, kpath_with(&p, "enable_cdi"), true, err) < 0)
			return -1;
	}

	if (!had_self) {
		if (src) {
			if (copy_runtime(ed, src, name, err) < 0)
				return -1;
		} else {
			if (set_rt_string(ed, name, "runtime_type", NULL, CONTAINERD_RUNC_V2, err) <
			            0 ||
			    set_systemd_cgroup(ed, name, systemd, err) < 0)
				return -1;
		}
	} else if (ed->dst != ed->main && !toml_table_exists(ed->dst, kpath_with(&p, name))) {
		/* Defined in the main file only: the drop-in carries a copy. */
		if (copy_runtime(ed, name, name, err) < 0)
			return -1;
	}
	if (ensure_runtime_type(ed, name, err) < 0)
		return -1;
	if (set_rt_string(ed, name, "options", "BinaryName", rpath, err) < 0)
		return -1;
	if (ed->version == 1 && set_rt_string(ed, name, "options", "Runtime", rpath, err) < 0)
		return -1;

	/* Keep runc: containerd drops its built-in one once any runtime table exists. */
	if (!had_runc && strcmp(name, "runc") != 0) {
		if (set_rt_string(ed, "runc", "runtime_type", NULL, CONTAINERD_RUNC_V2, err) < 0 ||
		    set_systemd_cgroup(ed, "runc", systemd, err) < 0)
			return -1;
	}
	if (o->cgroup_driver != CGROUP_DRIVER_UNSET) {
		if (set_systemd_cgroup(ed, name, systemd, err) < 0)
			return -1;
		if (strcmp(name, "runc") != 0 && set_systemd_cgroup(ed, "runc", systemd, err) < 0)
			return -1;
	}

	return 0;
}

/* The directory of an imports entry that is a glob matching file names there, or NULL. */
static char *
import_glob_dir(const char *entry, const char *main_path)
{
	const char *slash = strrchr(entry, '/');
	const char *base = slash ? slash + 1 : entry;
	if (!strchr(base, '*') || strpbrk(entry, "*?[") < base)
		return NULL;
	if (fnmatch(base, "99-nvidia.toml", 0) != 0)
		return NULL;
	_cleanup_free_ char *dir = slash ? xstrndup(entry, (size_t)(slash - entry)) : xstrdup(".");
	if (dir[0] == '/')
		return TAKE_PTR(dir);
	/* containerd reads a relative import from the main file's directory. */
	const char *ms = strrchr(main_path, '/');
	_cleanup_free_ char *mdir = xstrndup(main_path, ms ? (size_t)(ms - main_path) : 0);
	return xasprintf("%s/%s", mdir, dir);
}

/* True when an imports entry names the node path file. */
static bool
import_covers(const char *entry, const char *file, const char *main_path)
{
	_cleanup_free_ char *abs = NULL;
	if (entry[0] != '/') {
		const char *ms = strrchr(main_path, '/');
		abs = xasprintf("%.*s/%s", ms ? (int)(ms - main_path) : 0, main_path, entry);
		entry = abs;
	}
	return fnmatch(entry, file, FNM_PATHNAME) == 0;
}

static int
containerd_configure(const struct configure_opts *opts, struct configure_result *ret,
                     struct gp_error *err)
{
	if (opts->runtime_path && opts->runtime_path[0] != '/') {
		gp_error_set_code(err, GP_EXIT_USAGE,
		                  "--runtime-path must be absolute for "
		                  "containerd, not '%s'",
		                  opts->runtime_path);
		return gp_error_hint(err,
		                     "containerd runs BinaryName without a PATH search; give "
		                     "e.g. %s",
		                     CONTAINERD_DEFAULT_RUNTIME_PATH);
	}
	const char *cfg = opts->config_path ? opts->config_path : runtime_containerd.config_path;
	struct file_change *mfc, *dfc = NULL;
	if (changeset_read(&ret->changes, opts->root, cfg, &mfc, err) < 0)
		return -1;
	_cleanup_free_ char *main_name = gp_path(opts->root, mfc->path);
	const char *owner = runtime_embedded_containerd(opts->root);
	if (owner) {
		gp_error_set(err, "only %s is installed here: its own containerd never reads '%s'",
		             owner, main_name);
		return gp_error_hint(err, "run 'gpuprep configure --runtime %s'", owner);
	}
	if (str_startswith(cfg, "/var/lib/rancher/") ||
	    str_startswith(mfc->path, "/var/lib/rancher/")) {
		gp_error_set(err, "%s is managed by k3s or RKE2, which rewrite it at every start",
		             main_name);
		return gp_error_hint(err,
		                     "put the change in config.toml.tmpl beside it, or start "
		                     "k3s with --default-runtime %s",
		                     opts->runtime_name);
	}

	_cleanup_toml_doc_ struct toml_doc *mdoc = NULL, *ddoc = NULL;
	if (parse_file(mfc, main_name, &mdoc, err) < 0)
		return -1;
	struct containerd_edit ed = {
	        .opts = opts, .ret = ret, .main = mdoc, .dst = mdoc, .main_name = main_name};
	if (pick_version(&ed, mfc, err) < 0 ||
	    containerd_check_shape(mdoc, main_name, ed.lay, err) < 0 ||
	    check_refusals(mdoc, main_name, err) < 0)
		return -1;

	/* The drop-in: asked for, or in a directory the main file already imports. */
	_cleanup_free_ char *drop_in = opts->drop_in ? xstrdup(opts->drop_in) : NULL;
	_cleanup_strv_ char **imports = NULL;
	if (toml_get_strv(mdoc, TOML_PATH("imports"), &imports, err) < 0)
		return toml_error_in(err, main_name);
	for (size_t i = 0; !drop_in && imports && imports[i]; i++) {
		_cleanup_free_ char *dir = import_glob_dir(imports[i], mfc->path);
		if (dir)
			drop_in = xasprintf("%s/" CONTAINERD_DROP_IN_FILE, dir, opts->runtime_name);
	}
	_cleanup_free_ char *drop_name = NULL;
	if (drop_in) {
		if (changeset_read(&ret->changes, opts->root, drop_in, &dfc, err) < 0)
			return -1;
		if (dfc == mfc)
			return gp_error_set_code(err, GP_EXIT_USAGE,
			                         "--drop-in names the main config itself");
		drop_name = gp_path(opts->root, dfc->path);
		if (parse_file(dfc, drop_name, &ddoc, err) < 0)
			return -1;
		if (containerd_check_shape(ddoc, drop_name, ed.lay, err) < 0 ||
		    check_refusals(ddoc, drop_name, err) < 0)
			return -1;
		int64_t dv;
		int r = toml_get_int(ddoc, TOML_PATH("version"), &dv, err);
		if (r < 0)
			return toml_error_in(err, drop_name);
		if (r == 0 && toml_set_int(ddoc, TOML_PATH("version"), ed.version, err) < 0)
			return -1;
		ed.dst = ddoc;
		ed.dst_name = drop_name;
		/*
		 * containerd 1.x replaces a whole plugin section with an import's, so
		 * the drop-in carries a copy of the main file's CRI plugin section.
		 */
		struct kpath sp, dp;
		kpath_init(&sp, ed.lay->cri);
		kpath_init(&dp, ed.lay->cri);
		if (toml_table_exists(mdoc, sp.k) && !toml_table_exists(ddoc, dp.k)) {
			if (copy_table(mdoc, &sp, ddoc, &dp, err) < 0)
				return toml_error_in(err, drop_name);
			_cleanup_free_ char *sect = toml_path_format(sp.k);
			configure_result_warn(
			        ret,
			        "%s: copied [%s] from %s, because containerd replaces "
			        "a whole plugin section with an import's; edit it in "
			        "the drop-in from now on",
			        drop_name, sect, main_name);
		}
		/* The main file imports the drop-in's directory, keeping its entries. */
		bool covered = false;
		for (size_t i = 0; imports && imports[i]; i++)
			if (import_covers(imports[i], dfc->path, mfc->path))
				covered = true;
		if (!covered) {
			const char *ds = strrchr(dfc->path, '/');
			_cleanup_free_ char *glob =
			        xasprintf("%.*s/*.toml", (int)(ds - dfc->path), dfc->path);
			imports = strv_push(imports, glob);
			if (toml_set_strv(mdoc, TOML_PATH("imports"), (const char *const *)imports,
			                  err) < 0)
				return toml_error_in(err, main_name);
		}
	}
	/* Only a new (blank) file lacks a version that is not 1. */
	if (ed.version != 1 && toml_get_type(mdoc, TOML_PATH("version")) == TOML_NONE &&
	    toml_set_int(mdoc, TOML_PATH("version"), ed.version, err) < 0)
		return -1;

	if (containerd_edit_runtimes(&ed, err) < 0)
		return toml_error_in(err, ed.dst_name ? ed.dst_name : main_name);

	size_t len;
	char *text = toml_doc_finish(TAKE_PTR(mdoc), &len);
	file_change_take_new(mfc, text, len);
	if (dfc) {
		text = toml_doc_finish(TAKE_PTR(ddoc), &len);
		file_change_take_new(dfc, text, len);
	}
	return 0;
}

/* The runtime containerd's CRI plugin uses when the config names none. */

static int
containerd_restart(const struct restart_opts *opts, struct restart_result *ret,
                   struct gp_error *err)
{
	return containerd_live_restart(&runtime_containerd, opts, ret, err);
}

static int
containerd_verify(const struct live_opts *opts, struct verify_result *ret, struct gp_error *err)
{
	return containerd_live_verify(&runtime_containerd, &runtime_containerd, opts, ret, err);
}

const struct runtime_ops runtime_containerd = {
        .name = "containerd",
        .binary = "containerd",
        .config_path = CONTAINERD_CONFIG_PATH,
        .socket_path = "/run/containerd/containerd.sock",
        .cri_socket = "/run/containerd/containerd.sock",
        .configure = containerd_configure,
        .inspect = containerd_inspect,
        .ask_live = cri_ask_live,
        .restart = containerd_restart,
        .verify = containerd_verify,
};
