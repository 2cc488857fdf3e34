// SPDX-License-Identifier: GPL-2.0-or-later
/* containerd's config layouts and the shape its config must have (containerd_internal.h). */
#include "runtime.h"

#include <ctype.h>
#include <string.h>

#include "containerd_internal.h"
#include "noderoot.h"
#include "proc.h"

const struct containerd_layout containerd_layouts[] = {
        [1] = {{"plugins", "cri", NULL}, {"plugins", "cri", "containerd", NULL}},
        [2] = {{"plugins", "io.containerd.grpc.v1.cri", NULL},
               {"plugins", "io.containerd.grpc.v1.cri", "containerd", NULL}},
        [3] = {{"plugins", "io.containerd.cri.v1.runtime", NULL},
               {"plugins", "io.containerd.cri.v1.runtime", "containerd", NULL}},
        /* containerd 2.3's version 4 moves server settings to plugins; CRI stays put. */
        [4] = {{"plugins", "io.containerd.cri.v1.runtime", NULL},
               {"plugins", "io.containerd.cri.v1.runtime", "containerd", NULL}},
};

/*
 * A version 1 file (no version key) that spells the CRI plugin by its full ID, as
 * version 2 does: containerd 2.x's migration maps "cri" and the full ID to one key, so a
 * second spelling beside it makes the winner depend on map order. Edit the one that
 * exists. (containerd 1.x reads only "cri" in a version 1 file: configure warns.)
 */
const struct containerd_layout containerd_layout_v1_full_id = {
        {"plugins", "io.containerd.grpc.v1.cri", NULL},
        {"plugins", "io.containerd.grpc.v1.cri", "containerd", NULL}};

const struct containerd_layout *
containerd_layout_for(const struct toml_doc *doc, int version)
{
	static const char *const short_p[] = {"plugins", "cri", NULL};
	if (version == 1 && !toml_table_exists(doc, short_p) &&
	    toml_table_exists(doc, containerd_layout_v1_full_id.cri))
		return &containerd_layout_v1_full_id;
	return &containerd_layouts[version];
}

/* The line of the top-level version key, 1-based, or 0. */
int
containerd_version_line(const char *text, size_t len)
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
const char *const containerd_cri_plugin_ids[] = {
        "cri",
        "io.containerd.grpc.v1.cri",
        "io.containerd.cri.v1.runtime",
        "io.containerd.cri.v1.images",
};

bool
containerd_text_is_blank(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (!isspace((unsigned char)s[i]))
			return false;
	return true;
}

/* The major version of the containerd under root, or 0 when it cannot be run. */
int
containerd_installed_major(const char *root)
{
	_cleanup_free_ char *node = runtime_find_program(root, "containerd");
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
int
containerd_check_shape(const struct toml_doc *doc, const char *name,
                       const struct containerd_layout *lay, struct gp_error *err)
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
