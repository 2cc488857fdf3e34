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

#define CONTAINERD_DEFAULT_RUNTIME_PATH "/usr/bin/nvidia-container-runtime"
#define CONTAINERD_RUNC_V2              "io.containerd.runc.v2"
#define CONTAINERD_DROP_IN_FILE         "99-%s.toml"
#define CONTAINERD_MAX_DEPTH            16

/* Where each config version keeps the CRI plugin and its containerd table. */
struct containerd_layout {
	const char *cri[3];        /* the CRI plugin's table: enable_cdi */
	const char *containerd[4]; /* its containerd table: runtimes, default_runtime_name */
};

static const struct containerd_layout layouts[] = {
        [1] = {{"plugins", "cri", NULL}, {"plugins", "cri", "containerd", NULL}},
        [2] = {{"plugins", "io.containerd.grpc.v1.cri", NULL},
               {"plugins", "io.containerd.grpc.v1.cri", "containerd", NULL}},
        [3] = {{"plugins", "io.containerd.cri.v1.runtime", NULL},
               {"plugins", "io.containerd.cri.v1.runtime", "containerd", NULL}},
        /* containerd 2.3's version 4 moves server settings to plugins; CRI stays put. */
        [4] = {{"plugins", "io.containerd.cri.v1.runtime", NULL},
               {"plugins", "io.containerd.cri.v1.runtime", "containerd", NULL}},
};
#define CONTAINERD_MAX_VERSION 4

/*
 * A version 1 file (no version key) that spells the CRI plugin by its full ID, as
 * version 2 does: containerd 2.x's migration maps "cri" and the full ID to one key, so a
 * second spelling beside it makes the winner depend on map order. Edit the one that
 * exists. (containerd 1.x reads only "cri" in a version 1 file: configure warns.)
 */
static const struct containerd_layout layout_v1_full_id = {
        {"plugins", "io.containerd.grpc.v1.cri", NULL},
        {"plugins", "io.containerd.grpc.v1.cri", "containerd", NULL}};

static const struct containerd_layout *
layout_for(const struct toml_doc *doc, int version)
{
	static const char *const short_p[] = {"plugins", "cri", NULL};
	if (version == 1 && !toml_table_exists(doc, short_p) &&
	    toml_table_exists(doc, layout_v1_full_id.cri))
		return &layout_v1_full_id;
	return &layouts[version];
}

/* The line of the top-level version key, 1-based, or 0. */
static int
version_line(const char *text, size_t len)
{
	int line = 1;
	for (size_t i = 0; i < len; line++) {
		size_t j = i;
		while (j < len && (text[j] == ' ' || text[j] == '\t'))
			j++;
		if (j < len && text[j] == '[')
			return 0;
		if (len - j > 7 && strncmp(text + j, "version", 7) == 0 &&
		    strchr(" \t=", text[j + 7]))
			return line;
		while (i < len && text[i] != '\n')
			i++;
		i++;
	}
	return 0;
}

/* Disabling any of these plugins disables CRI. */
static const char *const cri_plugin_ids[] = {
        "cri",
        "io.containerd.grpc.v1.cri",
        "io.containerd.cri.v1.runtime",
        "io.containerd.cri.v1.images",
};

/* A key path built from a prefix and more keys; at most 16 keys. */
struct kpath {
	const char *k[CONTAINERD_MAX_DEPTH + 1];
	size_t n;
};

static void
kpath_init(struct kpath *p, const char *const *prefix)
{
	p->n = 0;
	for (; *prefix; prefix++)
		p->k[p->n++] = *prefix;
	p->k[p->n] = NULL;
}

static const char *const *
kpath_with(struct kpath *p, const char *key)
{
	if (p->n < CONTAINERD_MAX_DEPTH) {
		p->k[p->n++] = key;
		p->k[p->n] = NULL;
	}
	return p->k;
}

static void
kpath_pop(struct kpath *p, size_t n)
{
	p->n -= n;
	p->k[p->n] = NULL;
}

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

static bool
text_is_blank(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (!isspace((unsigned char)s[i]))
			return false;
	return true;
}

/* The major version of the containerd under root, or 0 when it cannot be run. */
static int
containerd_installed_major(const char *root)
{
	_cleanup_free_ char *node = runtime_find_binary(root, &runtime_containerd);
	if (!node)
		return 0;
	_cleanup_free_ char *host = noderoot_host_path(root, node);
	char *const argv[] = {host, (char *)"--version", NULL};
	struct proc_opts po = {.timeout_ms = 5000, .keep_output = true};
	struct proc_result pr = {0};
	_cleanup_error_ struct gp_error e = GP_ERROR_INIT;
	int major = 0;
	/* "containerd github.com/containerd/containerd 1.6.20~ds1 <commit>" */
	if (proc_run(argv, &po, &pr, &e) == 0 && pr.status == 0 && pr.output) {
		_cleanup_free_ char *out = xstrdup(pr.output);
		char *save = NULL;
		for (char *w = strtok_r(out, " \t\n", &save); w;
		     w = strtok_r(NULL, " \t\n", &save)) {
			if (*w == 'v')
				w++;
			if (isdigit((unsigned char)w[0]) && strchr(w, '.')) {
				major = atoi(w);
				break;
			}
		}
	}
	proc_result_release(&pr);
	return major;
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
			int line = version_line(fc->old_data, fc->old_len);
			gp_error_set(err, "%s:%d:1: config version %lld is not supported",
			             ed->main_name, line, (long long)v);
			return gp_error_hint(err,
			                     "gpuprep knows containerd's config versions 1 to 4 "
			                     "(1.x: 1 and 2; 2.0-2.2: 3; 2.3 and later: 4)");
		}
		ed->version = (int)v;
	} else if (!text_is_blank(fc->old_data, fc->old_len)) {
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
	ed->lay = layout_for(ed->main, ed->version);
	if (ed->lay == &layout_v1_full_id)
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
		for (size_t j = 0; j < GP_ARRAY_SIZE(cri_plugin_ids); j++)
			if (strcmp(disabled[i], cri_plugin_ids[j]) == 0) {
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

#define REFUSES "containerd refuses to start with it: "

/* A key of the wrong type for containerd: where it is, what it is, and how to write it. */
static int
shape_error(const struct toml_doc *doc, const char *name, const char *const *path, const char *want,
            const char *hint, struct gp_error *err)
{
	const struct toml_node *n = toml_lookup(doc, path);
	unsigned line, col;
	toml_node_line_col(doc, n, &line, &col);
	_cleanup_free_ char *p = toml_path_format(path);
	gp_error_set(err, "%s:%u:%u: '%s' is %s, not %s", name, line, col, p, toml_node_kind(n),
	             want);
	return gp_error_hint(err, "%s; the file was left as it was", hint);
}

/* The node at path when it exists and is not of type want (tables: not an array of tables). */
static bool
wrong_type(const struct toml_doc *doc, const char *const *path, enum toml_type want)
{
	const struct toml_node *n = toml_lookup(doc, path);
	return n && toml_node_type(n) != want;
}

/*
 * What configure and inspect read must have the types containerd decodes it into, or
 * containerd refuses the file: plugins, the CRI plugin, its containerd table, runtimes and
 * each runtime and its options are tables ([[plugins]] is an array of tables, which
 * containerd refuses); default_runtime_name, runtime_type and BinaryName are strings;
 * SystemdCgroup and enable_cdi are booleans. Checked before any edit, so each error points
 * at the file as written.
 */
static int
check_shape(const struct toml_doc *doc, const char *name, const struct containerd_layout *lay,
            struct gp_error *err)
{
	struct kpath p;
	kpath_init(&p, lay->containerd);
	kpath_with(&p, "runtimes");
	_cleanup_free_ char *cri = toml_path_format(lay->cri);
	_cleanup_free_ char *ctd = toml_path_format(lay->containerd);
	_cleanup_free_ char *rts = toml_path_format(p.k);
	/* plugins, the CRI plugin, containerd, runtimes: each prefix of the path. */
	for (size_t n = 1; n <= p.n; n++) {
		const char *save = p.k[n];
		p.k[n] = NULL;
		if (wrong_type(doc, p.k, TOML_TABLE)) {
			_cleanup_free_ char *hint =
			        n == 1     ? xasprintf(REFUSES
			                               "plugins is one table with a table for each "
			                                   "plugin, as in [%s]",
			                               cri)
			        : n == p.n ? xasprintf(REFUSES
			                               "runtimes holds a table for each runtime, "
			                               "as in [%s.runc]",
			                               rts)
			                   : xasprintf(REFUSES "write it as a table: [%s]",
			                               n == 2 ? cri : ctd);
			int r = shape_error(doc, name, p.k, "a table", hint, err);
			p.k[n] = save;
			return r;
		}
		p.k[n] = save;
	}
	kpath_pop(&p, 1);
	kpath_with(&p, "default_runtime_name");
	if (wrong_type(doc, p.k, TOML_STRING))
		return shape_error(doc, name, p.k, "a string",
		                   REFUSES
		                   "write the runtime's name as a string: default_runtime_name = "
		                   "\"runc\"",
		                   err);
	kpath_init(&p, lay->cri);
	if (wrong_type(doc, kpath_with(&p, "enable_cdi"), TOML_BOOL))
		return shape_error(doc, name, p.k, "a boolean",
		                   "containerd 1.7 and later refuse to start with it: write "
		                   "enable_cdi = true or false",
		                   err);
	kpath_init(&p, lay->containerd);
	kpath_with(&p, "runtimes");
	const struct toml_node *rt = toml_lookup(doc, p.k);
	for (const struct toml_node *c = toml_node_first(doc, rt); c; c = toml_node_next(doc, c)) {
		size_t klen;
		const char *k = toml_node_key(doc, c, &klen);
		_cleanup_free_ char *key = xstrndup(k, klen);
		kpath_with(&p, key);
		static const struct {
			const char *k1, *k2;
			enum toml_type type;
			const char *want, *hint;
		} fields[] = {
		        {NULL, NULL, TOML_TABLE, "a table",
		         REFUSES "each runtime is a table of its settings"},
		        {"runtime_type", NULL, TOML_STRING, "a string",
		         REFUSES "write it as runtime_type = \"io.containerd.runc.v2\""},
		        {"options", NULL, TOML_TABLE, "a table",
		         REFUSES "a runtime's options are a table: [...runtimes.NAME.options]"},
		        {"options", "BinaryName", TOML_STRING, "a string",
		         "runc's shim reads it as the binary's path: write it as a string"},
		        {"options", "SystemdCgroup", TOML_BOOL, "a boolean",
		         "runc's shim reads it as a boolean: write SystemdCgroup = true or false"},
		};
		for (size_t f = 0; f < GP_ARRAY_SIZE(fields); f++) {
			size_t depth = p.n;
			if (fields[f].k1)
				kpath_with(&p, fields[f].k1);
			if (fields[f].k2)
				kpath_with(&p, fields[f].k2);
			if (wrong_type(doc, p.k, fields[f].type))
				return shape_error(doc, name, p.k, fields[f].want, fields[f].hint,
				                   err);
			kpath_pop(&p, p.n - depth);
		}
		kpath_pop(&p, 1);
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
			r = toml_set_raw(dst, dp->k, keys[i].raw, err) < 0 ? -1 : 0;
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
	if (pick_version(&ed, mfc, err) < 0 || check_shape(mdoc, main_name, ed.lay, err) < 0 ||
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
		if (check_shape(ddoc, drop_name, ed.lay, err) < 0 ||
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
	const char *text = toml_doc_text(mdoc, &len);
	file_change_set_new(mfc, text, len);
	if (dfc) {
		text = toml_doc_text(ddoc, &len);
		file_change_set_new(dfc, text, len);
	}
	return 0;
}

/* The runtime containerd's CRI plugin uses when the config names none. */
#define CONTAINERD_STOCK_RUNTIME "runc"

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
	bool daemon_2x; /* the node's containerd is 2.x: no default_runtime table */
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
	const char *cri = layout_for(f->docs[0], (int)version)->cri[1];
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
	const char *cri = layout_for(f->docs[0], (int)version)->cri[1];

	/* containerd appends the disabled_plugins of every file. */
	static const char *const disabled_p[] = {"disabled_plugins", NULL};
	for (size_t i = 0; i < f->n && !v->cri_disabled_by; i++) {
		_cleanup_strv_ char **disabled = NULL;
		if (toml_get_type(f->docs[i], disabled_p) == TOML_NONE)
			continue;
		if (toml_get_strv(f->docs[i], disabled_p, &disabled, err) < 0)
			return toml_error_in(err, f->names[i]);
		for (size_t k = 0; disabled && disabled[k] && !v->cri_disabled_by; k++)
			for (size_t j = 0; j < GP_ARRAY_SIZE(cri_plugin_ids); j++)
				if (strcmp(disabled[k], cri_plugin_ids[j]) == 0)
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
	if (version < 3 && !f->daemon_2x && ctd_legacy_default(f, cri, version, v, err) < 0)
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

static int
containerd_inspect(const char *root, const char *config_path, struct runtime_config_view *ret,
                   struct gp_error *err)
{
	_cleanup_(changeset_release) struct changeset cs = CHANGESET_INIT;
	_cleanup_(ctd_files_release) struct ctd_files f = {0};
	struct runtime_config_view v = {.cdi = -1};
	struct file_change *fc;
	if (changeset_read(&cs, root, config_path ? config_path : runtime_containerd.config_path,
	                   &fc, err) < 0)
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
		             version_line(fc->old_data, fc->old_len), (long long)version);
		gp_error_hint(err, "containerd 1.x reads versions 1 and 2, containerd 2.0-2.2 "
		                   "version 3, containerd 2.3 and later version 4");
		goto fail;
	}
	for (size_t i = 0; i < f.n; i++)
		if (check_shape(f.docs[i], f.names[i], &layouts[version], err) < 0)
			goto fail;
	/* containerd 2.x dropped the default_runtime table; an unknown one counts as 1.x. */
	f.daemon_2x = version < 3 && containerd_installed_major(root) >= 2;
	if (ctd_inspect_files(&f, version, &v, err) < 0)
		goto fail;
	*ret = v;
	return 0;
fail:
	runtime_config_view_release(&v);
	return -1;
}

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
        .config_path = "/etc/containerd/config.toml",
        .socket_path = "/run/containerd/containerd.sock",
        .cri_socket = "/run/containerd/containerd.sock",
        .configure = containerd_configure,
        .inspect = containerd_inspect,
        .ask_live = cri_ask_live,
        .restart = containerd_restart,
        .verify = containerd_verify,
};
