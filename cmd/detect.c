// SPDX-License-Identifier: GPL-2.0-or-later
/* gpuprep detect: what a provisioning run needs to know about the node. */
#include <getopt.h>
#include <stdarg.h>
#include <string.h>

#include "cmd.h"
#include "node.h"

const char cmd_detect_summary[] = "report the node's GPUs, driver, OS and container runtimes";

const char cmd_detect_usage[] =
        "usage: gpuprep detect [--pci-dump FILE] [--pci-ids FILE]\n"
        "\n"
        "Report the node's NVIDIA GPUs (on PCI, or a Jetson/Tegra board), the NVIDIA\n"
        "driver's state, the OS and the container runtimes present: as a table, or as\n"
        "one JSON object with the global --json.\n"
        "\n"
        "Options:\n"
        "  --pci-dump FILE  read PCI devices from an 'lspci -x' dump instead of /sys\n"
        "  --pci-ids FILE   name GPUs from this pci.ids alone (not the node's, udev's\n"
        "                   hwdb or the built-in NVIDIA names)\n"
        "  -h, --help       print this help and exit\n"
        "\n"
        "Exit status: 0 when an NVIDIA GPU was found, 3 when none was, 1 on an error.\n";

static const struct rows_column gpu_columns[] = {
        {"ADDRESS", "pci_address"}, {"VENDOR", "vendor_id"}, {"DEVICE", "device_id"},
        {"CLASS", "class"},         {"NAME", "name"},        {"DRIVER", "driver"},
        {"VF", "virtual_function"}, {"MIG", "mig_mode"},
};

/* What each runtime has; the paths of what is there follow the table (100 columns). */
static const struct rows_column runtime_columns[] = {
        {"RUNTIME", "name"},
        {"BINARY", "binary"},
        {"CONFIG", "config_exists"},
        {"SOCKET", "socket_state"},
};

static void out_line(struct gp_ctx *ctx, const char *label, const char *fmt, ...) _printf_(3, 4);

static void
out_line(struct gp_ctx *ctx, const char *label, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	_cleanup_free_ char *v = xvasprintf(fmt, ap);
	va_end(ap);
	_cleanup_free_ char *line = xasprintf("%-9s %s\n", label, v);
	cmd_out(ctx, line);
}

/* The NVML line, naming its source: NVML, nvidia-smi, or the root's /proc/driver/nvidia. */
static void
print_nvml(struct gp_ctx *ctx, const struct node_nvml *n)
{
	const char *s = n->device_count == 1 ? "" : "s";
	switch (n->status) {
	case NODE_NVML_OK:
		if (n->source == NODE_NVML_SOURCE_NVIDIA_SMI)
			out_line(ctx, "NVML:", "driver %s, %u device%s, from '%s' (no NVML: %s)",
			         n->driver_version, n->device_count, s, n->nvidia_smi,
			         n->nvml_error);
		else
			out_line(ctx, "NVML:", "driver %s, %u device%s, from libnvidia-ml.so.1",
			         n->driver_version, n->device_count, s);
		break;
	case NODE_NVML_SKIPPED:
		if (n->source == NODE_NVML_SOURCE_PROC && n->has_count)
			out_line(ctx, "NVML:",
			         "skipped (--root); the root's /proc/driver/nvidia has driver %s, "
			         "%u GPU%s",
			         n->driver_version, n->device_count,
			         n->device_count == 1 ? "" : "s");
		else if (n->source == NODE_NVML_SOURCE_PROC)
			out_line(ctx, "NVML:",
			         "skipped (--root); the root's /proc/driver/nvidia has driver %s",
			         n->driver_version);
		else
			out_line(ctx, "NVML:",
			         "skipped (--root); the root has no /proc/driver/nvidia/version");
		break;
	default:
		out_line(ctx, "NVML:", "%s: %s", node_nvml_status_name(n->status),
		         n->error ? n->error : "unknown error");
		break;
	}
	/* The MIG column's gaps, and modes that change at the next GPU reset. */
	if (n->mig_error)
		out_line(ctx, "MIG:", "unknown: %s", n->mig_error);
	for (size_t i = 0; i < n->n_gpus; i++)
		if (n->gpus[i].mig && n->gpus[i].mig_pending &&
		    n->gpus[i].mig_pending != n->gpus[i].mig)
			out_line(ctx, "MIG:", "%s: %s, %s after the next GPU reset or reboot",
			         n->gpus[i].pci_address, node_mig_mode_name(n->gpus[i].mig),
			         node_mig_mode_name(n->gpus[i].mig_pending));
}

static void
print_runtimes(struct gp_ctx *ctx, const json_t *runtimes)
{
	_cleanup_free_ char *rt = rows_format_table(runtime_columns, GP_ARRAY_SIZE(runtime_columns),
	                                            runtimes, ctx->color);
	cmd_out(ctx, rt);
	struct strbuf b = {0};
	size_t i;
	json_t *r;
	json_array_foreach (runtimes, i, r) {
		const char *name = json_string_value(json_object_get(r, "name"));
		const char *state = json_string_value(json_object_get(r, "socket_state"));
		if (json_is_true(json_object_get(r, "config_exists")))
			strbuf_printf(&b, "%s config: '%s'\n", name,
			              json_string_value(json_object_get(r, "config_path")));
		if (state && strcmp(state, "absent") != 0)
			strbuf_printf(&b, "%s socket: '%s'%s\n", name,
			              json_string_value(json_object_get(r, "socket_path")),
			              strcmp(state, "socket") == 0 ? "" : " (not a socket)");
	}
	if (b.s) {
		cmd_out(ctx, "\n");
		cmd_out(ctx, b.s);
	}
	free(b.s);
}

/* The driver's state; on Tegra what preflight says too: nvgpu, no nvidia module. */
static void
print_driver(struct gp_ctx *ctx, const struct node_info *info)
{
	const struct node_driver *d = &info->driver;
	bool tegra = info->tegra && !d->nvidia_loaded;
	if (tegra)
		out_line(ctx,
		         "Driver:", "nvgpu, part of L4T's kernel (Jetson has no nvidia module)");
	else if (d->kernel_module_version)
		out_line(ctx, "Driver:", "nvidia %s (%s)%s", d->kernel_module_version,
		         d->kernel_module_type, d->nvidia_loaded ? ", loaded" : "");
	else
		out_line(ctx, "Driver:", "%s",
		         d->nvidia_loaded ? "nvidia loaded, version unknown" : "nvidia not loaded");
	out_line(ctx, "Nouveau:", "%s", d->nouveau_loaded ? "loaded" : "not loaded");
	if (tegra && !d->device_nodes) {
		out_line(ctx, "Devices:",
		         "Jetson's GPU nodes are /dev/nvhost-* and /dev/nvmap (from L4T)");
		return;
	}
	struct strbuf nodes = {0};
	strbuf_puts(&nodes, d->device_nodes ? "" : "none");
	for (size_t i = 0; d->device_nodes && d->device_nodes[i]; i++) {
		strbuf_puts(&nodes, i ? ", " : "");
		strbuf_puts(&nodes, d->device_nodes[i]);
	}
	out_line(ctx, "Devices:", "%s", nodes.s);
	free(nodes.s);
}

static void
print_table(struct gp_ctx *ctx, const struct node_info *info, const json_t *doc)
{
	if (info->pci.n_gpus > 0) {
		_cleanup_free_ char *t =
		        rows_format_table(gpu_columns, GP_ARRAY_SIZE(gpu_columns),
		                          json_object_get(doc, "gpus"), ctx->color);
		cmd_out(ctx, t);
	} else if (info->tegra) {
		cmd_out(ctx, "No NVIDIA GPU on PCI: the GPU is part of the Tegra SoC.\n");
	} else {
		cmd_out(ctx, "No NVIDIA GPU on PCI.\n");
	}
	cmd_out(ctx, "\n");

	const struct node_tegra *t = info->tegra;
	if (t)
		out_line(ctx, "Tegra:", "L4T %s%s%s",
		         t->l4t_release ? t->l4t_release : "release unknown",
		         t->board ? ", board " : "", t->board ? t->board : "");
	else
		out_line(ctx, "Tegra:", "no");
	if (t && t->model)
		out_line(ctx, "Board:", "%s", t->model);

	print_driver(ctx, info);
	const struct node_driver *d = &info->driver;
	print_nvml(ctx, &d->nvml);

	const struct os_info *os = &info->os;
	out_line(ctx, "OS:", "%s %s (%s packages, %s)", os->id ? os->id : "unknown",
	         os->version_id ? os->version_id : "-", os_family_name(os->family),
	         os->arch_deb ? os->arch_deb : "arch unknown");
	cmd_out(ctx, "\n");

	print_runtimes(ctx, json_object_get(doc, "runtimes"));
}

/* For -v: where GPU names came from (gpuprep-detect(1), GPU names). */
static void
debug_names(struct gp_ctx *ctx, const struct pci_scan *s)
{
	struct strbuf b = {0};
	if (s->ids_file)
		strbuf_printf(&b, "'%s' (version %s)", s->ids_file,
		              *s->ids_version ? s->ids_version : "unknown");
	if (s->ids_builtin)
		strbuf_printf(&b, "%sthe built-in NVIDIA list (version %s)", b.len ? " and " : "",
		              pci_builtin_version());
	if (b.s)
		cmd_debug(ctx, "names: %s", b.s);
	free(b.s);
}

/* Say on stderr why nothing counted, and what to look at. */
static void
explain_none(struct gp_ctx *ctx, const struct node_info *info)
{
	cmd_note(ctx, "note: no NVIDIA GPU found");
	const struct pci_scan *s = &info->pci;
	for (size_t i = 0; i < s->n_nvidia_other; i++) {
		const struct pci_function *f = &s->nvidia_other[i];
		const char *label = pci_class_label(f->class_id);
		cmd_note(ctx,
		         "note: %s (10de:%04x, class %04x%s%s) is an NVIDIA function, not a GPU",
		         f->address, f->device_id, f->class_id, label ? ", " : "",
		         label ? label : "");
	}
	if (s->n_nvidia_other > 0)
		cmd_note(ctx, "hint: only VGA (0300) and 3D controller (0302) functions are GPUs; "
		              "an HDMI audio function or an NVSwitch alone means the GPU itself "
		              "is not visible (passed through elsewhere, or fallen off the bus)");
	else if (s->n_functions == 0 && s->from_dump)
		cmd_note(ctx, "hint: the dump lists no PCI devices at all");
	else if (s->n_functions == 0)
		cmd_note(ctx, "hint: no PCI devices at all were found; in a container, the "
		              "host's /sys must be visible (or use --pci-dump)");
	else
		cmd_note(ctx, "hint: no NVIDIA function is on PCI; is the GPU passed through to "
		              "this VM or container? 'lspci -nn -d 10de:' lists what the kernel "
		              "sees");
}

int
cmd_detect(struct gp_ctx *ctx, int argc, char **argv, struct gp_error *err)
{
	enum { OPT_PCI_DUMP = 256, OPT_PCI_IDS };
	static const struct option opts[] = {
	        {"pci-dump", required_argument, NULL, OPT_PCI_DUMP},
	        {"pci-ids", required_argument, NULL, OPT_PCI_IDS},
	        CMD_COMMON_OPTIONS,
	        {0},
	};
	struct node_detect_options o = {0};
	int c;
	while ((c = cmd_getopt(ctx, argc, argv, "", opts, 0, err)) > 0) {
		switch (c) {
		case OPT_PCI_DUMP:
			o.pci_dump = optarg;
			break;
		case OPT_PCI_IDS:
			o.pci_ids = optarg;
			break;
		}
	}
	if (c < 0)
		return cmd_opt_exit(c);
	o.root = ctx->root; /* --root may come after the command */

	struct node_info info;
	if (node_detect(&o, &info, err) < 0)
		return -1;
	for (size_t i = 0; info.pci.warnings && info.pci.warnings[i]; i++)
		cmd_debug(ctx, "libpci: %s", info.pci.warnings[i]);
	debug_names(ctx, &info.pci);

	_cleanup_json_ json_t *doc = node_info_to_json(&info);
	if (ctx->json)
		cmd_out_json(ctx, doc);
	else
		print_table(ctx, &info, doc);

	for (size_t i = 0; i < info.pci.n_gpus; i++)
		if (info.pci.gpus[i].driver && strcmp(info.pci.gpus[i].driver, "nouveau") == 0)
			cmd_note(ctx,
			         "note: %s is bound to nouveau; the NVIDIA driver needs nouveau "
			         "unloaded and blacklisted",
			         info.pci.gpus[i].address);

	int r = GP_EXIT_OK;
	if (node_gpu_count(&info) == 0) {
		explain_none(ctx, &info);
		r = GP_EXIT_NO_GPU;
	}
	node_info_release(&info);
	return r;
}
