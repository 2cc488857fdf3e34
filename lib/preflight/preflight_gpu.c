// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The checks around the GPU's files: dev-char-links, cdi.
 */
#include <dirent.h>
#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "cdispec.h"
#include "devchar.h"
#include "noderoot.h"

#include "preflight_check.h"
#include "rows.h"

/* The NVIDIA character devices' major number; nvidiactl is minor 255, nvidiaN minor N. */
#define NVIDIA_MAJOR    195
#define NVIDIACTL_MINOR 255

/*
 * The device number of a node: from the node itself when it is a character
 * device, else from its name (nvidiaN is 195:N, nvidiactl 195:255), which is
 * what a copied /dev or a test tree holds. False when it cannot be known.
 */
static bool
nvidia_devnum(const char *path, const char *name, unsigned *ret_major, unsigned *ret_minor)
{
	struct stat st;
	if (stat(path, &st) == 0 && S_ISCHR(st.st_mode)) {
		*ret_major = major(st.st_rdev);
		*ret_minor = minor(st.st_rdev);
		return true;
	}
	if (strcmp(name, "nvidiactl") == 0) {
		*ret_major = NVIDIA_MAJOR;
		*ret_minor = NVIDIACTL_MINOR;
		return true;
	}
	const char *n = name + strlen("nvidia");
	if (!str_startswith(name, "nvidia") || !*n || strspn(n, "0123456789") != strlen(n))
		return false;
	*ret_major = NVIDIA_MAJOR;
	*ret_minor = (unsigned)strtoul(n, NULL, 10);
	return true;
}

void
preflight_check_dev_char_links(struct preflight_ctx *ctx, struct preflight_result *r)
{
	if (strcmp(ctx->cgroup_driver, "systemd") != 0) {
		preflight_set(
		        r, PREFLIGHT_SKIP,
		        "not needed with the %s cgroup driver (only systemd re-applies device "
		        "rules from /dev/char)",
		        ctx->cgroup_driver);
		return;
	}
	const struct node_info *n = preflight_node_or_skip(ctx, r);
	if (!n)
		return;
	_cleanup_free_ char *dev = gp_path(ctx->root, "/dev");
	_cleanup_free_ char *missing = NULL, *wrong = NULL;
	size_t nodes = 0;
	for (char *const *p = n->driver.device_nodes; p && *p; p++) {
		const char *name = strrchr(*p, '/') + 1;
		_cleanup_free_ char *node = noderoot_host_path(ctx->root, *p);
		unsigned maj, min;
		if (!nvidia_devnum(node, name, &maj, &min))
			continue;
		nodes++;
		_cleanup_free_ char *link = xasprintf("/dev/char/%u:%u", maj, min);
		if (!noderoot_exists(ctx->root, link)) {
			preflight_list_add(&missing, "%s (%u:%u)", name, maj, min);
			continue;
		}
		_cleanup_free_ char *fault = devchar_link_fault(ctx->root, link, *p);
		if (fault)
			preflight_list_add(&wrong, "%s (%u:%u %s)", name, maj, min, fault);
	}
	if (!nodes) {
		preflight_set(r, PREFLIGHT_SKIP, "no NVIDIA device nodes in '%s'", dev);
		return;
	}
	if (missing && !wrong) {
		preflight_set(r, PREFLIGHT_WARN, "no '%s/char' links for %s", dev, missing);
		preflight_hint(r,
		               "nvidia-ctk system create-dev-char-symlinks --create-all: without "
		               "them, containers lose GPU access after systemctl daemon-reload");
		return;
	}
	if (wrong) {
		_cleanup_free_ char *also =
		        missing ? xasprintf("; no links for %s", missing) : xstrdup("");
		preflight_set(r, PREFLIGHT_WARN,
		              "'%s/char' links that do not lead to their NVIDIA device nodes: %s%s",
		              dev, wrong, also);
		preflight_hint(r,
		               "remove those, then run nvidia-ctk system create-dev-char-symlinks "
		               "--create-all: systemd allows a container the device a link leads "
		               "to, so with these it gets another device or none after systemctl "
		               "daemon-reload");
		return;
	}
	preflight_set(r, PREFLIGHT_PASS, "'%s/char' links for all %zu NVIDIA device nodes", dev,
	              nodes);
}

#define CDI_GPU_KIND "nvidia.com/gpu"

/* The kind of a YAML CDI spec: the top-level "kind:" line. Returns a fresh string or NULL. */
static char *
yaml_kind(char *data)
{
	for (char *line = data; line && *line;) {
		char *next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		if (str_startswith(line, "kind:")) {
			char *v = line + strlen("kind:");
			char *hash = strstr(v, " #");
			if (hash)
				*hash = '\0';
			str_strip(v);
			size_t n = strlen(v);
			if (n >= 2 && (v[0] == '"' || v[0] == '\'') && v[n - 1] == v[0]) {
				v[n - 1] = '\0';
				v++;
			}
			return xstrdup(v);
		}
		line = next;
	}
	return NULL;
}

/* The kind of a JSON CDI spec. Returns a fresh string or NULL. */
static char *
json_kind(const char *data, size_t len)
{
	json_error_t jerr;
	_cleanup_json_ json_t *doc = json_loadb(data, len, 0, &jerr);
	const char *kind = json_string_value(json_object_get(doc, "kind"));
	return kind ? xstrdup(kind) : NULL;
}

/* The first spec file in the node dir whose kind is nvidia.com/gpu; a fresh host path or NULL. */
static char *
find_gpu_spec(const char *root, const char *dir, char **ret_data)
{
	DIR *d = noderoot_opendir(root, dir);
	if (!d)
		return NULL;
	char *found = NULL;
	struct dirent *de;
	while (!found && (de = readdir(d))) {
		bool json = str_endswith(de->d_name, ".json");
		if (!json && !str_endswith(de->d_name, ".yaml") &&
		    !str_endswith(de->d_name, ".yml"))
			continue;
		_cleanup_free_ char *node = xasprintf("%s/%s", dir, de->d_name);
		_cleanup_free_ char *data = NULL;
		size_t len = 0;
		if (noderoot_read_file(root, node, &data, &len) < 0)
			continue;
		_cleanup_free_ char *kind = json ? json_kind(data, len) : yaml_kind(data);
		if (kind && strcmp(kind, CDI_GPU_KIND) == 0) {
			/* yaml_kind() split the text: read it again, whole. */
			size_t n = 0;
			if (noderoot_read_file(root, node, ret_data, &n) == 0)
				found = noderoot_host_path(root, node);
		}
	}
	closedir(d);
	return found;
}

void
preflight_check_cdi(struct preflight_ctx *ctx, struct preflight_result *r)
{
	_cleanup_free_ char *etc = preflight_path(ctx, "/etc/cdi");
	_cleanup_free_ char *run = preflight_path(ctx, "/var/run/cdi");
	_cleanup_free_ char *data = NULL;
	_cleanup_free_ char *spec = find_gpu_spec(ctx->root, "/etc/cdi", &data);
	if (!spec)
		spec = find_gpu_spec(ctx->root, "/var/run/cdi", &data);
	if (spec) {
		/* A spec names the driver's libraries by version: after a driver update it is
		 * stale. */
		_cleanup_free_ char *made = cdispec_driver_version(data);
		_cleanup_free_ char *loaded = cdispec_loaded_driver(ctx->root);
		if (made && loaded && strcmp(made, loaded) != 0) {
			preflight_set(
			        r, PREFLIGHT_FAIL,
			        "CDI spec '%s' is stale: made for driver %s, the loaded driver "
			        "is %s",
			        spec, made, loaded);
			preflight_hint(r, "gpuprep configure --cdi (or nvidia-ctk cdi generate "
			                  "--output=/etc/cdi/nvidia.yaml) regenerates it");
			return;
		}
		preflight_set(r, PREFLIGHT_PASS, "CDI spec for %s: '%s'%s%s%s", CDI_GPU_KIND, spec,
		              made ? " (driver " : "", made ? made : "", made ? ")" : "");
		return;
	}
	/* Needed where the runtime enables CDI, and on Jetson, whose toolkit works through CDI. */
	const struct node_info *n = preflight_node_or_skip(ctx, r);
	if (!n)
		return;
	const struct runtime_config_view *v = preflight_runtime_view_quiet(ctx);
	/* JetPack 4 and 5 (L4T R32 to R35) run the runtime in CSV mode: jetson-mode checks that. */
	const char *l4t = n->tegra ? n->tegra->l4t_release : NULL;
	if (n->tegra && l4t && l4t[0] == 'R' && atoi(l4t + 1) < 36 && !(v && v->cdi == 1)) {
		preflight_set(
		        r, PREFLIGHT_SKIP,
		        "no CDI spec, and none needed: L4T %s (JetPack 4 or 5) runs the NVIDIA "
		        "runtime in CSV mode (see jetson-mode)",
		        l4t);
		return;
	}
	if (!n->tegra && !(v && v->cdi == 1)) {
		if (ctx->runtime->inspect)
			preflight_set(
			        r, PREFLIGHT_SKIP,
			        "no CDI spec, and none needed: %s's config does not enable CDI and "
			        "this is not a Jetson board",
			        ctx->runtime->name);
		else
			preflight_set(
			        r, PREFLIGHT_SKIP,
			        "no CDI spec, and not a Jetson board (whether %s's config enables "
			        "CDI is not read yet)",
			        ctx->runtime->name);
		return;
	}
	preflight_set(r, PREFLIGHT_FAIL, "no CDI spec for %s in '%s' or '%s' (%s)", CDI_GPU_KIND,
	              etc, run,
	              n->tegra ? "a Jetson board on JetPack 6 needs one"
	                       : "the runtime's config enables CDI");
	preflight_hint(r, "nvidia-ctk cdi generate%s --output=/etc/cdi/nvidia.yaml",
	               n->tegra ? " --mode=csv" : "");
}
