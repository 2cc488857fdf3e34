// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The checks of the GPU and its driver, from one node_detect() scan shared by
 * all of them: gpu-present, nouveau, driver-loaded, device-nodes, nvml,
 * driver-version-match.
 */
#include <errno.h>
#include <string.h>

#include "node.h"
#include "preflight_check.h"

/*
 * The node, when it has a GPU; otherwise r is set to skip (or to fail, when
 * the scan itself failed) and NULL is returned.
 */
static const struct node_info *
gpu_node(struct preflight_ctx *ctx, struct preflight_result *r)
{
	const struct node_info *n = preflight_node_or_skip(ctx, r);
	if (!n)
		return NULL;
	if (node_gpu_count(n) == 0) {
		preflight_set(r, PREFLIGHT_SKIP, "no NVIDIA GPU found (see gpu-present)");
		return NULL;
	}
	return n;
}

void
preflight_check_gpu_present(struct preflight_ctx *ctx, struct preflight_result *r)
{
	const char *error = NULL;
	const struct node_info *n = preflight_node(ctx, &error);
	if (!n) {
		/* The one check that says why; the others skip, pointing here. */
		preflight_set(r, PREFLIGHT_FAIL, "cannot scan the node: %s", error);
		if (ctx->node_err.hint)
			preflight_hint(r, "%s", ctx->node_err.hint);
		return;
	}
	if (n->tegra) {
		preflight_set(r, PREFLIGHT_PASS, "a Jetson/Tegra board%s%s%s",
		              n->tegra->l4t_release ? " (L4T " : "",
		              n->tegra->l4t_release ? n->tegra->l4t_release : "",
		              n->tegra->l4t_release ? ")" : "");
		return;
	}
	if (n->pci.n_gpus == 1) {
		const struct pci_function *g = &n->pci.gpus[0];
		preflight_set(r, PREFLIGHT_PASS, "1 NVIDIA GPU: %s at %s", g->name, g->address);
		return;
	}
	if (n->pci.n_gpus > 1) {
		preflight_set(r, PREFLIGHT_PASS, "%zu NVIDIA GPUs, the first %s at %s",
		              n->pci.n_gpus, n->pci.gpus[0].name, n->pci.gpus[0].address);
		return;
	}
	if (n->pci.n_nvidia_other) {
		_cleanup_free_ char *others = NULL;
		for (size_t i = 0; i < n->pci.n_nvidia_other; i++) {
			const struct pci_function *f = &n->pci.nvidia_other[i];
			const char *label = pci_class_label(f->class_id);
			if (label)
				preflight_list_add(&others, "%s: %s", f->address, label);
			else
				preflight_list_add(&others, "%s: class %04x", f->address,
				                   f->class_id);
		}
		preflight_set(r, PREFLIGHT_FAIL,
		              "no NVIDIA GPU: the NVIDIA PCI functions are none a GPU (%s)",
		              others);
	} else {
		preflight_set(
		        r, PREFLIGHT_FAIL,
		        "no NVIDIA GPU: no NVIDIA VGA or 3D controller among %zu PCI functions, "
		        "and no Jetson/Tegra board",
		        n->pci.n_functions);
	}
	preflight_hint(r, "audio and NVSwitch functions are not GPUs; check that the GPU shows in "
	                  "lspci -d 10de: and is not passed through to a VM");
}

void
preflight_check_nouveau(struct preflight_ctx *ctx, struct preflight_result *r)
{
	const struct node_info *n = gpu_node(ctx, r);
	if (!n)
		return;
	_cleanup_free_ char *bound = NULL;
	for (size_t i = 0; i < n->pci.n_gpus; i++) {
		const struct pci_function *g = &n->pci.gpus[i];
		if (!g->driver || strcmp(g->driver, "nouveau") != 0)
			continue;
		char *b = xasprintf("%s%s%s", bound ? bound : "", bound ? ", " : "", g->address);
		free(bound);
		bound = b;
	}
	if (bound)
		preflight_set(r, PREFLIGHT_FAIL, "nouveau drives the GPU at %s", bound);
	else if (n->driver.nouveau_loaded)
		preflight_set(r, PREFLIGHT_FAIL, "the nouveau module is loaded");
	else {
		preflight_set(r, PREFLIGHT_PASS, "nouveau is not loaded");
		return;
	}
	preflight_hint(r, "blacklist nouveau (blacklist nouveau and options nouveau modeset=0 in "
	                  "/etc/modprobe.d/blacklist-nouveau.conf), rebuild the initramfs "
	                  "(update-initramfs -u or dracut -f), and reboot");
}

void
preflight_check_driver_loaded(struct preflight_ctx *ctx, struct preflight_result *r)
{
	const struct node_info *n = gpu_node(ctx, r);
	if (!n)
		return;
	if (n->tegra) {
		preflight_set(
		        r, PREFLIGHT_SKIP,
		        "Jetson: the GPU driver (nvgpu) is part of L4T's kernel, not a module "
		        "to load");
		return;
	}
	if (!n->driver.nvidia_loaded || !n->driver.kernel_module_version) {
		_cleanup_free_ char *why =
		        n->driver.nvidia_loaded ? gp_path(ctx->root, "/proc/driver/nvidia/version")
		                                : gp_path(ctx->root, "/sys/module/nvidia");
		preflight_set(r, PREFLIGHT_FAIL, "the nvidia kernel module is not loaded (no '%s')",
		              why);
		preflight_hint(r, "install the NVIDIA driver, then modprobe nvidia");
		return;
	}
	_cleanup_free_ char *unbound = NULL;
	for (size_t i = 0; i < n->pci.n_gpus; i++) {
		const struct pci_function *g = &n->pci.gpus[i];
		if (g->driver && strcmp(g->driver, "nvidia") == 0)
			continue;
		char *u = xasprintf("%s%s%s (%s)", unbound ? unbound : "", unbound ? ", " : "",
		                    g->address, g->driver ? g->driver : "no driver");
		free(unbound);
		unbound = u;
	}
	if (unbound) {
		preflight_set(
		        r, PREFLIGHT_WARN,
		        "the nvidia module %s is loaded, but not every GPU is bound to it: %s",
		        n->driver.kernel_module_version, unbound);
		preflight_hint(r, "a GPU passed through to a VM (vfio-pci) is not usable here; for "
		                  "one with no driver, look for NVRM errors in dmesg");
		return;
	}
	preflight_set(r, PREFLIGHT_PASS, "the nvidia kernel module %s (%s) is loaded",
	              n->driver.kernel_module_version,
	              n->driver.kernel_module_type ? n->driver.kernel_module_type : "unknown");
}

void
preflight_check_device_nodes(struct preflight_ctx *ctx, struct preflight_result *r)
{
	const struct node_info *n = gpu_node(ctx, r);
	if (!n)
		return;
	if (n->tegra) {
		preflight_set(r, PREFLIGHT_SKIP,
		              "Jetson: its GPU nodes (/dev/nvhost-*, /dev/nvmap) "
		              "come with L4T's kernel");
		return;
	}
	char *const *nodes = n->driver.device_nodes;
	size_t gpus = 0;
	for (size_t i = 0; nodes && nodes[i]; i++) {
		const char *s = nodes[i] + strlen("/dev/nvidia");
		if (str_startswith(nodes[i], "/dev/nvidia") && *s &&
		    strspn(s, "0123456789") == strlen(s))
			gpus++;
	}
	bool ctl = strv_contains(nodes, "/dev/nvidiactl");
	bool uvm = strv_contains(nodes, "/dev/nvidia-uvm");
	_cleanup_free_ char *dev = gp_path(ctx->root, "/dev");
	if (!ctl || gpus < n->pci.n_gpus) {
		_cleanup_free_ char *what = NULL;
		if (!ctl)
			what = xstrdup("nvidiactl");
		if (gpus < n->pci.n_gpus) {
			char *w =
			        xasprintf("%s%s%zu of %zu GPU nodes (nvidiaN)", what ? what : "",
			                  what ? " and " : "", n->pci.n_gpus - gpus, n->pci.n_gpus);
			free(what);
			what = w;
		}
		preflight_set(r, PREFLIGHT_FAIL, "missing in '%s': %s", dev, what);
		preflight_hint(r,
		               "nvidia-modprobe -u -c0 (once per GPU: -c1, -c2, ...), or load the "
		               "driver with modprobe nvidia");
		return;
	}
	if (!uvm) {
		preflight_set(r, PREFLIGHT_WARN, "no '%s/nvidia-uvm': CUDA programs will fail",
		              dev);
		preflight_hint(r, "nvidia-modprobe -u -c0");
		return;
	}
	preflight_set(r, PREFLIGHT_PASS, "'%s' has nvidiactl, nvidia-uvm and %zu GPU node%s", dev,
	              gpus, gpus == 1 ? "" : "s");
}

/*
 * The node, where the driver's userspace can be asked (NVML, else nvidia-smi): not under
 * --root, a GPU, not Jetson. Else r is set.
 */
static const struct node_info *
nvml_node(struct preflight_ctx *ctx, struct preflight_result *r)
{
	if (ctx->root) {
		preflight_set(r, PREFLIGHT_SKIP,
		              "not checked under --root: NVML and nvidia-smi talk to the running "
		              "kernel's driver, not the image's");
		return NULL;
	}
	const struct node_info *n = gpu_node(ctx, r);
	if (n && n->tegra) {
		preflight_set(r, PREFLIGHT_SKIP, "Jetson: there is no NVML on Tegra");
		return NULL;
	}
	return n;
}

/* "NVML" or "nvidia-smi": who answered. */
static const char *
nvml_who(const struct node_nvml *nv)
{
	return nv->source == NODE_NVML_SOURCE_NVIDIA_SMI ? "nvidia-smi" : "NVML";
}

void
preflight_check_nvml(struct preflight_ctx *ctx, struct preflight_result *r)
{
	const struct node_info *n = nvml_node(ctx, r);
	if (!n)
		return;
	const struct node_nvml *nv = &n->driver.nvml;
	bool smi = nv->source == NODE_NVML_SOURCE_NVIDIA_SMI;
	const char *why = smi ? " (libnvidia-ml.so.1 cannot be loaded)" : "";
	switch (nv->status) {
	case NODE_NVML_SKIPPED:
		preflight_set(r, PREFLIGHT_SKIP, "NVML was not loaded");
		return;
	case NODE_NVML_UNAVAILABLE:
		preflight_set(r, PREFLIGHT_FAIL, "%s",
		              nv->error ? nv->error : "libnvidia-ml.so.1 not found");
		preflight_hint(r, "install the driver's userspace (libnvidia-ml.so.1 and "
		                  "nvidia-smi: Ubuntu's nvidia-utils-VERSION), then run ldconfig");
		return;
	case NODE_NVML_FAILED:
		preflight_set(r, PREFLIGHT_FAIL, "%s fails%s: %s", nvml_who(nv), why,
		              nv->error ? nv->error : "unknown error");
		preflight_hint(r,
		               "reboot after a driver upgrade: the library and the kernel module "
		               "must be the same version");
		return;
	case NODE_NVML_OK:
		break;
	}
	if (nv->device_count != n->pci.n_gpus) {
		preflight_set(r, PREFLIGHT_WARN, "%s %s sees %u GPU%s, PCI has %zu%s", nvml_who(nv),
		              nv->driver_version, nv->device_count,
		              nv->device_count == 1 ? "" : "s", n->pci.n_gpus, why);
		preflight_hint(r, "a GPU the driver could not bring up: look for NVRM errors in "
		                  "dmesg, or reboot after a driver upgrade");
		return;
	}
	preflight_set(r, PREFLIGHT_PASS, "%s %s sees %u GPU%s%s", nvml_who(nv), nv->driver_version,
	              nv->device_count, nv->device_count == 1 ? "" : "s", why);
}

void
preflight_check_driver_version_match(struct preflight_ctx *ctx, struct preflight_result *r)
{
	const struct node_info *n = nvml_node(ctx, r);
	if (!n)
		return;
	const struct node_nvml *nv = &n->driver.nvml;
	const char *kmod = n->driver.kernel_module_version;
	const char *lib = nv->status == NODE_NVML_OK ? nv->driver_version : NULL;
	if (!kmod || !lib) {
		preflight_set(r, PREFLIGHT_SKIP, "no %s version to compare (see %s)",
		              kmod ? "NVML" : "kernel module", kmod ? "nvml" : "driver-loaded");
		return;
	}
	bool smi = nv->source == NODE_NVML_SOURCE_NVIDIA_SMI;
	if (strcmp(kmod, lib) != 0) {
		preflight_set(r, PREFLIGHT_FAIL, "the kernel module is %s but %s %s", kmod,
		              smi ? "nvidia-smi reports" : "the NVML library is", lib);
		preflight_hint(r, "reboot after a driver upgrade, so the new module is loaded");
		return;
	}
	preflight_set(r, PREFLIGHT_PASS, "the kernel module and %s are both %s",
	              smi ? "nvidia-smi" : "NVML", kmod);
}

/* A value after "KEY:" or "KEY=" on a line, unquoted; fresh, or NULL. */
static char *
value_after(const char *p)
{
	p += strspn(p, " \t");
	if (*p == '"' || *p == '\'') {
		const char *end = strchr(p + 1, *p);
		return end && end > p + 1 ? xstrndup(p + 1, (size_t)(end - p - 1)) : NULL;
	}
	size_t n = strcspn(p, " \t\r#\"',]}");
	return n ? xstrndup(p, n) : NULL;
}

char *
preflight_mig_strategy_in(const char *text, unsigned *ret_line)
{
	bool env = false; /* the line before named MIG_STRATEGY: its value follows */
	unsigned lineno = 0;
	for (const char *line = text; line && *line;) {
		const char *eol = line + strcspn(line, "\n");
		_cleanup_free_ char *l = xstrndup(line, (size_t)(eol - line));
		line = *eol ? eol + 1 : NULL;
		lineno++;
		char *t = str_strip(l);
		if (*t == '#')
			continue;
		if (str_startswith(t, "- "))
			t = str_strip(t + 2);
		const char *hit = NULL;
		if (env && str_startswith(t, "value:"))
			hit = t + strlen("value:");
		else if (str_startswith(t, "migStrategy:"))
			hit = t + strlen("migStrategy:");
		else if ((hit = strstr(t, "--mig-strategy=")))
			hit += strlen("--mig-strategy=");
		env = str_startswith(t, "name:") && strstr(t, "MIG_STRATEGY");
		if (hit) {
			char *v = value_after(hit);
			if (v) {
				*ret_line = lineno;
				return v;
			}
		}
	}
	return NULL;
}

/* The GPUs with MIG on now or after the next reset, as "0000:86:00.0, ..."; NULL: none. */
static char *
mig_on_list(const struct node_nvml *nv)
{
	char *list = NULL;
	for (size_t i = 0; i < nv->n_gpus; i++) {
		const struct node_nvml_gpu *g = &nv->gpus[i];
		if (g->mig == NODE_MIG_ENABLED)
			preflight_list_add(&list, "%s", g->pci_address);
		else if (g->mig_pending == NODE_MIG_ENABLED)
			preflight_list_add(&list, "%s (after the next GPU reset)", g->pci_address);
	}
	return list;
}

void
preflight_check_mig(struct preflight_ctx *ctx, struct preflight_result *r)
{
	const struct node_info *n = nvml_node(ctx, r);
	if (!n)
		return;
	const struct node_nvml *nv = &n->driver.nvml;
	if (nv->status != NODE_NVML_OK) {
		preflight_set(r, PREFLIGHT_SKIP, "no MIG modes without NVML (see nvml)");
		return;
	}
	if (!nv->n_gpus) {
		preflight_set(r, PREFLIGHT_SKIP, "the GPUs' MIG modes cannot be read: %s",
		              nv->mig_error ? nv->mig_error : "no GPU listed");
		return;
	}
	_cleanup_free_ char *on = mig_on_list(nv);
	if (!on) {
		size_t capable = 0;
		for (size_t i = 0; i < nv->n_gpus; i++)
			capable += nv->gpus[i].mig != NODE_MIG_UNSUPPORTED;
		preflight_set(r, PREFLIGHT_PASS, "%s",
		              capable ? "MIG is off on every GPU" : "no GPU here has MIG");
		return;
	}
	/* The strategy the device plugin will run with: --mig-strategy, else its manifest's. */
	_cleanup_free_ char *from_file = NULL;
	_cleanup_free_ char *where = NULL;
	const char *strategy = ctx->mig_strategy;
	if (!strategy && ctx->device_plugin) {
		_cleanup_free_ char *text = NULL;
		if (read_file(ctx->device_plugin, &text, NULL) < 0) {
			preflight_set(r, PREFLIGHT_FAIL,
			              "MIG is on for %s, and the device plugin "
			              "manifest '%s' cannot be read: %s",
			              on, ctx->device_plugin, strerror(errno));
			preflight_hint(
			        r, "give the manifest you will apply with --device-plugin FILE");
			return;
		}
		unsigned line = 0;
		from_file = preflight_mig_strategy_in(text, &line);
		if (from_file)
			where = xasprintf("'%s':%u", ctx->device_plugin, line);
		strategy = from_file;
	}
	if (strategy && (strcmp(strategy, "single") == 0 || strcmp(strategy, "mixed") == 0)) {
		preflight_set(r, PREFLIGHT_PASS,
		              "MIG is on for %s; the device plugin's MIG strategy "
		              "is %s%s%s",
		              on, strategy, where ? ", " : " (--mig-strategy)", where ? where : "");
		return;
	}
	if (strategy && strcmp(strategy, "none") != 0) {
		preflight_set(r, PREFLIGHT_WARN,
		              "MIG is on for %s, and %s sets an unknown MIG "
		              "strategy '%s'",
		              on, where ? where : "--mig-strategy", strategy);
	} else if (strategy) {
		preflight_set(r, PREFLIGHT_WARN,
		              "MIG is on for %s, but the device plugin's MIG "
		              "strategy is none (%s): it advertises no GPU in MIG mode",
		              on, where ? where : "--mig-strategy");
	} else if (ctx->device_plugin) {
		preflight_set(r, PREFLIGHT_WARN,
		              "MIG is on for %s, but the device plugin manifest "
		              "'%s' has no MIG strategy: it advertises no GPU in MIG mode",
		              on, ctx->device_plugin);
	} else {
		preflight_set(
		        r, PREFLIGHT_WARN,
		        "MIG is on for %s, and the device plugin's MIG "
		        "strategy is not known (pass --device-plugin FILE or --mig-strategy): "
		        "without one it advertises no GPU in MIG mode",
		        on);
	}
	preflight_hint(r, "gpuprep manifest device-plugin --mig-strategy single|mixed (single: "
	                  "every GPU has the same MIG layout; mixed: each MIG profile is its own "
	                  "resource)");
}
