// SPDX-License-Identifier: GPL-2.0-or-later
#include "node.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "noderoot.h"

/* ---- parsers ------------------------------------------------------------------------------ */

static const char *
skip_spaces(const char *p)
{
	while (*p == ' ' || *p == '\t')
		p++;
	return p;
}

int
node_parse_tegra_release(const char *text, char **ret_release, char **ret_board)
{
	/* "# R35 (release), REVISION: 4.1, GCID: 33958178, BOARD: t186ref, EABI: aarch64, ..." */
	const char *p = skip_spaces(text);
	while (*p == '#')
		p = skip_spaces(p + 1);
	if (*p != 'R' || !isdigit((unsigned char)p[1]))
		return -1;
	size_t nmajor = strspn(p + 1, "0123456789");
	const char *eol = p + strcspn(p, "\n");

	_cleanup_free_ char *release = NULL;
	const char *rev = strstr(p, "REVISION:");
	if (rev && rev < eol) {
		rev = skip_spaces(rev + strlen("REVISION:"));
		size_t nrev = strspn(rev, "0123456789.");
		while (nrev > 0 && rev[nrev - 1] == '.')
			nrev--;
		if (nrev > 0)
			release = xasprintf("R%.*s.%.*s", (int)nmajor, p + 1, (int)nrev, rev);
	}
	if (!release)
		release = xasprintf("R%.*s", (int)nmajor, p + 1);

	if (ret_board) {
		*ret_board = NULL;
		const char *b = strstr(p, "BOARD:");
		if (b && b < eol) {
			b = skip_spaces(b + strlen("BOARD:"));
			size_t nb = strcspn(b, ", \t\r\n");
			if (nb > 0)
				*ret_board = xstrndup(b, nb);
		}
	}
	*ret_release = TAKE_PTR(release);
	return 0;
}

static bool
is_version_token(const char *s, size_t n)
{
	bool dot = false;
	if (n == 0 || !isdigit((unsigned char)s[0]) || !isdigit((unsigned char)s[n - 1]))
		return false;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '.')
			dot = true;
		else if (!isdigit((unsigned char)s[i]))
			return false;
	}
	return dot;
}

int
node_parse_nvidia_version(const char *text, char **ret_version, bool *ret_open)
{
	/* "NVRM version: NVIDIA UNIX x86_64 Kernel Module  535.129.03  Thu Oct 19 ..." or
	 * "NVRM version: NVIDIA UNIX Open Kernel Module for x86_64  535.129.03  Release Build ..."
	 */
	const char *line = text;
	while (line && *line) {
		const char *eol = line + strcspn(line, "\n");
		if (strncmp(line, "NVRM version:", strlen("NVRM version:")) == 0) {
			const char *p = line + strlen("NVRM version:");
			while (p < eol) {
				p = skip_spaces(p);
				size_t n = strcspn(p, " \t\n");
				if (p + n > eol)
					n = (size_t)(eol - p);
				if (is_version_token(p, n)) {
					_cleanup_free_ char *l =
					        xstrndup(line, (size_t)(eol - line));
					*ret_version = xstrndup(p, n);
					if (ret_open)
						*ret_open = strstr(l, "Open Kernel Module") != NULL;
					return 0;
				}
				if (n == 0)
					break;
				p += n;
			}
		}
		line = *eol ? eol + 1 : NULL;
	}
	return -1;
}

char **
node_parse_dt_strings(const char *data, size_t len)
{
	char **v = NULL;
	size_t i = 0;
	while (i < len) {
		const char *s = data + i;
		const char *nul = memchr(s, '\0', len - i);
		size_t n = nul ? (size_t)(nul - s) : len - i;
		if (n > 0) {
			_cleanup_free_ char *one = xstrndup(s, n);
			v = strv_push(v, one);
		}
		i += n + 1;
	}
	return v;
}

/* ---- files under the root ----------------------------------------------------------------- */

/* Read a small file under the root; NULL when it is missing or unreadable. */
static char *
read_under(const char *root, const char *path, size_t *ret_len)
{
	char *data = NULL;
	if (noderoot_read_file(root, path, &data, ret_len) < 0)
		return NULL;
	return data;
}

static bool
exists_under(const char *root, const char *path)
{
	return noderoot_exists(root, path);
}

/*
 * stat() a path under the root, following symbolic links inside the root: an
 * image's /usr/bin/docker -> /usr/libexec/... must not resolve on the host.
 */
static int
stat_under(const char *root, const char *path, struct stat *st)
{
	return noderoot_stat(root, path, st);
}

/* ---- Tegra -------------------------------------------------------------------------------- */

static void
tegra_release(struct node_tegra *t)
{
	free(t->l4t_release);
	free(t->board);
	free(t->soc_family);
	free(t->model);
	strv_free(t->compatible);
	*t = (struct node_tegra){0};
}

static void
tegra_free(struct node_tegra *t)
{
	if (!t)
		return;
	tegra_release(t);
	free(t);
}

static struct node_tegra *
tegra_detect(const char *root)
{
	struct node_tegra t = {0};
	bool found = false;

	_cleanup_free_ char *rel = read_under(root, "/etc/nv_tegra_release", NULL);
	if (rel && node_parse_tegra_release(rel, &t.l4t_release, &t.board) == 0)
		found = true;

	_cleanup_free_ char *fam = read_under(root, "/sys/devices/soc0/family", NULL);
	if (fam) {
		str_strip(fam);
		if (*fam)
			t.soc_family = xstrdup(fam);
		if (strncasecmp(fam, "tegra", 5) == 0)
			found = true;
	}

	size_t len = 0;
	_cleanup_free_ char *compat = read_under(root, "/proc/device-tree/compatible", &len);
	if (compat) {
		t.compatible = node_parse_dt_strings(compat, len);
		for (size_t i = 0; t.compatible && t.compatible[i]; i++)
			if (str_startswith(t.compatible[i], "nvidia,tegra"))
				found = true;
	}

	if (!found) {
		tegra_release(&t);
		return NULL;
	}
	_cleanup_free_ char *model = read_under(root, "/proc/device-tree/model", &len);
	if (model) {
		char **m = node_parse_dt_strings(model, len);
		if (m && m[0])
			t.model = xstrdup(m[0]);
		strv_free(m);
	}
	struct node_tegra *ret = xmalloc(sizeof(*ret));
	*ret = t;
	return ret;
}

/* ---- driver ------------------------------------------------------------------------------- */

static int
uint_cmp(const void *a, const void *b)
{
	unsigned x = *(const unsigned *)a, y = *(const unsigned *)b;
	return x < y ? -1 : x > y;
}

static char **
device_nodes(const char *root)
{
	char **v = NULL;
	if (exists_under(root, "/dev/nvidiactl"))
		v = strv_push(v, "/dev/nvidiactl");

	DIR *d = noderoot_opendir(root, "/dev");
	_cleanup_free_ unsigned *nums = NULL;
	size_t n = 0, cap = 0;
	if (d) {
		struct dirent *e;
		while ((e = readdir(d))) {
			const char *s = e->d_name;
			if (strncmp(s, "nvidia", 6) != 0 || !s[6] ||
			    strspn(s + 6, "0123456789") != strlen(s + 6) || strlen(s + 6) > 6)
				continue;
			if (n == cap) {
				cap = cap ? cap * 2 : 8;
				nums = xrealloc(nums, cap * sizeof(*nums));
			}
			nums[n++] = (unsigned)strtoul(s + 6, NULL, 10);
		}
		closedir(d);
	}
	if (n > 1)
		qsort(nums, n, sizeof(*nums), uint_cmp);
	for (size_t i = 0; i < n; i++) {
		_cleanup_free_ char *p = xasprintf("/dev/nvidia%u", nums[i]);
		v = strv_push(v, p);
	}
	static const char *const tail[] = {"/dev/nvidia-uvm", "/dev/nvidia-uvm-tools"};
	for (size_t i = 0; i < GP_ARRAY_SIZE(tail); i++)
		if (exists_under(root, tail[i]))
			v = strv_push(v, tail[i]);
	return v;
}

static void
driver_detect(const struct node_detect_options *opts, struct node_driver *d)
{
	const char *root = opts->root;
	_cleanup_free_ char *text = read_under(root, "/proc/driver/nvidia/version", NULL);
	bool open = false;
	if (text && node_parse_nvidia_version(text, &d->kernel_module_version, &open) == 0)
		d->kernel_module_type = xstrdup(open ? "open" : "proprietary");
	_cleanup_free_ char *proc_version =
	        d->kernel_module_version ? xstrdup(d->kernel_module_version) : NULL;
	d->nvidia_loaded = exists_under(root, "/sys/module/nvidia");
	d->nouveau_loaded = exists_under(root, "/sys/module/nouveau");
	if (!d->kernel_module_version && d->nvidia_loaded) {
		_cleanup_free_ char *v = read_under(root, "/sys/module/nvidia/version", NULL);
		if (v && *str_strip(v))
			d->kernel_module_version = xstrdup(v);
	}
	d->device_nodes = device_nodes(root);
	node_nvml_detect(root, opts->skip_nvml, proc_version, &d->nvml);
}

static void
driver_release(struct node_driver *d)
{
	free(d->kernel_module_version);
	free(d->kernel_module_type);
	strv_free(d->device_nodes);
	node_nvml_release(&d->nvml);
}

/* ---- runtimes ----------------------------------------------------------------------------- */

static const char *const bin_dirs[] = {
        "/usr/bin", "/usr/local/bin", "/usr/sbin", "/bin", "/sbin", "/usr/local/sbin",
};

static void
runtime_detect(const char *root, const struct runtime_ops *ops, struct node_runtime *r)
{
	r->ops = ops;
	for (size_t i = 0; i < GP_ARRAY_SIZE(bin_dirs) && !r->binary; i++) {
		_cleanup_free_ char *p = xasprintf("%s/%s", bin_dirs[i], ops->binary);
		struct stat st;
		if (stat_under(root, p, &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & 0111))
			r->binary = TAKE_PTR(p);
	}
	r->config_exists = ops->config_path && exists_under(root, ops->config_path);
	/* One rule with preflight's cri-socket and verify: a socket, not just a path. */
	struct stat st;
	if (ops->socket_path && stat_under(root, ops->socket_path, &st) == 0) {
		r->socket_exists = S_ISSOCK(st.st_mode);
		r->socket_other = !r->socket_exists;
	}
}

/* ---- the whole node ----------------------------------------------------------------------- */

/*
 * A GPU newer than every pci.ids gpuprep reads (the built-in list is the build's, Debian 12's
 * is from April 2023: no H200) is "unknown" there; the driver knows its product name.
 */
static void
name_from_driver(struct pci_scan *pci, const struct node_nvml *nvml)
{
	for (size_t i = 0; i < pci->n_gpus; i++) {
		struct pci_function *f = &pci->gpus[i];
		const struct node_nvml_gpu *g = node_nvml_gpu_find(nvml, f->address);
		if (!g || !g->name || pci_function_named(f))
			continue;
		free(f->name);
		f->name = xstrdup(g->name);
		f->name_from_driver = true;
	}
}

int
node_detect(const struct node_detect_options *opts, struct node_info *ret, struct gp_error *err)
{
	struct node_info info = {0};
	struct pci_scan_options po = {
	        .root = opts->root,
	        .dump = opts->pci_dump,
	        .ids_file = opts->pci_ids,
	};
	if (pci_scan_gpus(&po, &info.pci, err) < 0)
		return -1;
	if (os_info_read(opts->root, &info.os, err) < 0) {
		node_info_release(&info);
		return -1;
	}
	info.tegra = tegra_detect(opts->root);
	driver_detect(opts, &info.driver);
	name_from_driver(&info.pci, &info.driver.nvml);

	size_t n = 0;
	while (runtime_all[n])
		n++;
	info.runtimes = xcalloc(n ? n : 1, sizeof(*info.runtimes));
	info.n_runtimes = n;
	for (size_t i = 0; i < n; i++)
		runtime_detect(opts->root, runtime_all[i], &info.runtimes[i]);

	*ret = info;
	return 0;
}

void
node_info_release(struct node_info *info)
{
	if (!info)
		return;
	pci_scan_release(&info->pci);
	tegra_free(info->tegra);
	driver_release(&info->driver);
	os_info_release(&info->os);
	for (size_t i = 0; i < info->n_runtimes; i++)
		free(info->runtimes[i].binary);
	free(info->runtimes);
	*info = (struct node_info){0};
}

size_t
node_gpu_count(const struct node_info *info)
{
	return info->pci.n_gpus + (info->tegra ? 1 : 0);
}

/* ---- JSON --------------------------------------------------------------------------------- */

static json_t *
str_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

static json_t *
strv_json(char *const *v)
{
	json_t *a = json_array();
	for (size_t i = 0; v && v[i]; i++)
		json_array_append_new(a, json_string(v[i]));
	return a;
}

static json_t *
hex4(unsigned v)
{
	char b[8];
	snprintf(b, sizeof(b), "%04x", v & 0xffff);
	return json_string(b);
}

static json_t *
gpu_json(const struct pci_function *f, const struct node_nvml *nvml)
{
	const struct node_nvml_gpu *g = node_nvml_gpu_find(nvml, f->address);
	json_t *o = json_object();
	json_object_set_new(o, "pci_address", json_string(f->address));
	json_object_set_new(o, "vendor_id", hex4(f->vendor_id));
	json_object_set_new(o, "device_id", hex4(f->device_id));
	json_object_set_new(o, "class", hex4(f->class_id));
	bool unknown = !pci_function_named(f);
	json_object_set_new(o, "name", json_string(unknown ? "unknown" : f->name));
	/* pci.ids (the node's, the built-in list or udev's hwdb, made from pci.ids), else the
	 * driver: "nvml" or "nvidia-smi"; null for "unknown". */
	json_object_set_new(o, "name_source",
	                    str_or_null(unknown               ? NULL
	                                : f->name_from_driver ? node_nvml_source_name(nvml->source)
	                                                      : "pci.ids"));
	json_object_set_new(o, "driver", str_or_null(f->driver));
	json_object_set_new(o, "virtual_function", json_boolean(f->virtual_function));
	/* From NVML or nvidia-smi; null when not asked (under --root) or not answered. */
	json_object_set_new(o, "mig_mode", str_or_null(g ? node_mig_mode_name(g->mig) : NULL));
	json_object_set_new(o, "mig_mode_pending",
	                    str_or_null(g ? node_mig_mode_name(g->mig_pending) : NULL));
	return o;
}

static json_t *
tegra_json(const struct node_tegra *t)
{
	if (!t)
		return json_null();
	json_t *o = json_object();
	json_object_set_new(o, "l4t_release", str_or_null(t->l4t_release));
	json_object_set_new(o, "board", str_or_null(t->board));
	json_object_set_new(o, "soc_family", str_or_null(t->soc_family));
	json_object_set_new(o, "model", str_or_null(t->model));
	json_object_set_new(o, "compatible", strv_json(t->compatible));
	return o;
}

static json_t *
driver_json(const struct node_driver *d)
{
	json_t *o = json_object();
	json_object_set_new(o, "kernel_module_version", str_or_null(d->kernel_module_version));
	json_object_set_new(o, "kernel_module_type", str_or_null(d->kernel_module_type));
	json_object_set_new(o, "nvidia_loaded", json_boolean(d->nvidia_loaded));
	json_object_set_new(o, "nouveau_loaded", json_boolean(d->nouveau_loaded));
	json_object_set_new(o, "device_nodes", strv_json(d->device_nodes));
	json_object_set_new(o, "nvml", node_nvml_to_json(&d->nvml));
	return o;
}

static json_t *
os_json(const struct os_info *os)
{
	json_t *o = json_object();
	json_object_set_new(o, "id", str_or_null(os->id));
	json_object_set_new(o, "version_id", str_or_null(os->version_id));
	json_object_set_new(o, "id_like", str_or_null(os->id_like));
	json_object_set_new(o, "pretty_name", str_or_null(os->pretty_name));
	json_object_set_new(o, "package_family", json_string(os_family_name(os->family)));
	json_object_set_new(o, "arch", str_or_null(os->arch_deb));
	json_object_set_new(o, "arch_rpm", str_or_null(os->arch_rpm));
	return o;
}

static json_t *
runtime_json(const struct node_runtime *r)
{
	json_t *o = json_object();
	json_object_set_new(o, "name", json_string(r->ops->name));
	json_object_set_new(o, "binary", str_or_null(r->binary));
	json_object_set_new(o, "config_path", str_or_null(r->ops->config_path));
	json_object_set_new(o, "config_exists", json_boolean(r->config_exists));
	json_object_set_new(o, "socket_path", str_or_null(r->ops->socket_path));
	json_object_set_new(o, "socket_exists", json_boolean(r->socket_exists));
	json_object_set_new(o, "socket_state",
	                    json_string(r->socket_exists  ? "socket"
	                                : r->socket_other ? "not a socket"
	                                                  : "absent"));
	return o;
}

json_t *
node_info_to_json(const struct node_info *info)
{
	json_t *doc = json_object();
	json_object_set_new(doc, "schema_version", json_integer(NODE_SCHEMA_VERSION));
	json_object_set_new(doc, "gpu_count", json_integer((json_int_t)node_gpu_count(info)));
	json_object_set_new(doc, "pci_source", json_string(info->pci.from_dump ? "dump" : "sysfs"));
	json_t *gpus = json_array();
	for (size_t i = 0; i < info->pci.n_gpus; i++)
		json_array_append_new(gpus, gpu_json(&info->pci.gpus[i], &info->driver.nvml));
	json_object_set_new(doc, "gpus", gpus);
	json_object_set_new(doc, "tegra", tegra_json(info->tegra));
	json_object_set_new(doc, "driver", driver_json(&info->driver));
	json_object_set_new(doc, "os", os_json(&info->os));
	json_t *rts = json_array();
	for (size_t i = 0; i < info->n_runtimes; i++)
		json_array_append_new(rts, runtime_json(&info->runtimes[i]));
	json_object_set_new(doc, "runtimes", rts);
	return doc;
}
