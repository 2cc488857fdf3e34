// SPDX-License-Identifier: GPL-2.0-or-later
#include "nvml.h"
#include "util.h"
#include "tap.h"

/* smi TEXT VERSION COUNT ERROR NAME: parse nvidia-smi's CSV; VERSION NULL: it fails with ERROR. */
static void
smi(const char *text, const char *version, unsigned count, const char *error, const char *name)
{
	char *v = NULL, *e = NULL;
	unsigned c = 12345;
	int ret = node_parse_nvidia_smi(text, &v, &c, &e);
	if (!version) {
		is_int(ret, -1, name);
		is_str(e, error, name);
	} else {
		is_int(ret, 0, name);
		is_str(v, version, name);
		is_int(c, count, name);
	}
	free(v);
	free(e);
}

/* The MIG query's output: the GPUs as "ADDRESS=CURRENT/PENDING[:NAME] ...", or "error: MESSAGE". */
static void
smi_mig(const char *text, const char *want, const char *name)
{
	struct node_nvml_gpu *g = NULL;
	size_t n = 0;
	_cleanup_free_ char *e = NULL;
	char got[512] = "";
	if (node_parse_nvidia_smi_mig(text, &g, &n, &e) < 0) {
		snprintf(got, sizeof(got), "error: %s", e);
	} else {
		for (size_t i = 0; i < n; i++) {
			const char *c = node_mig_mode_name(g[i].mig);
			const char *p = node_mig_mode_name(g[i].mig_pending);
			size_t l = strlen(got);
			snprintf(got + l, sizeof(got) - l, "%s%s=%s/%s%s%s", i ? " " : "",
			         g[i].pci_address, c ? c : "?", p ? p : "?", g[i].name ? ":" : "",
			         g[i].name ? g[i].name : "");
			free(g[i].pci_address);
			free(g[i].name);
		}
		free(g);
	}
	is_str(got, want, name);
}

static void
test_mig(void)
{
	/* The MIG user guide's shape, with a T4 ("[N/A]") beside an A100, each GPU's name last. */
	smi_mig("00000000:3B:00.0, [N/A], [N/A], Tesla T4\n"
	        "00000000:86:00.0, Enabled, Enabled, NVIDIA A100-PCIE-40GB\n",
	        "0000:3b:00.0=unsupported/unsupported:Tesla T4 "
	        "0000:86:00.0=enabled/enabled:NVIDIA A100-PCIE-40GB",
	        "mig: two GPUs and their names");
	/* What nvidia-smi 580.159.04 printed on an H200 (tests/fixtures/nodes/h200-ubuntu2404). */
	smi_mig("00000000:00:06.0, Disabled, Disabled, NVIDIA H200\n",
	        "0000:00:06.0=disabled/disabled:NVIDIA H200", "mig: a real H200");
	smi_mig("00000000:86:00.0, Disabled, Enabled, NVIDIA A100-SXM4-40GB\r\n\n",
	        "0000:86:00.0=disabled/enabled:NVIDIA A100-SXM4-40GB",
	        "mig: pending, CRLF, a blank line");
	smi_mig("", "", "mig: no GPU");
	smi_mig("00000000:86:00.0, Enabled, Enabled, [N/A]\n00000000:87:00.0, Enabled, Enabled,\n",
	        "0000:86:00.0=enabled/enabled 0000:87:00.0=enabled/enabled",
	        "mig: no name ([N/A] or nothing) is none");
	smi_mig("00000000:86:00.0, Enabled, Enabled, NVIDIA\rH200\n00000000:87:00.0, Enabled, "
	        "Enabled, \033[2JH200\n",
	        "0000:86:00.0=enabled/enabled 0000:87:00.0=enabled/enabled",
	        "mig: a name with a control character is none");
	smi_mig("00000000:86:00.0, Enabled, Enabled, Board A, rev 2\n",
	        "0000:86:00.0=enabled/enabled:Board A, rev 2", "mig: a comma in the name is kept");
	smi_mig("00000000:86:00.0, Enabled, NVIDIA A100-PCIE-40GB\n",
	        "error: line 1: expected 'BUS_ID, MIG MODE, PENDING MIG MODE, NAME', got "
	        "'00000000:86:00.0, Enabled, NVIDIA A100-PCIE-40GB'",
	        "mig: a missing column");
	smi_mig("00000000:86:00.0, Enabled, Enabled\n",
	        "error: line 1: expected 'BUS_ID, MIG MODE, PENDING MIG MODE, NAME', got "
	        "'00000000:86:00.0, Enabled, Enabled'",
	        "mig: the query without the name (no name column)");
	smi_mig("00000000:3B:00.0, [N/A], [N/A], Tesla T4\n00000000:86:00.0, On, On, A100\n",
	        "error: line 2: expected 'BUS_ID, MIG MODE, PENDING MIG MODE, NAME', got "
	        "'00000000:86:00.0, On, On, A100'",
	        "mig: an unknown mode, the line named");
	smi_mig("Field \"mig.mode.current\" is not a valid field to query.\n",
	        "error: line 1: expected 'BUS_ID, MIG MODE, PENDING MIG MODE, NAME', got 'Field "
	        "\"mig.mode.current\" is not a valid field to query.'",
	        "mig: an old nvidia-smi's answer");
	smi_mig("zz:86:00.0, Enabled, Enabled, A100\n",
	        "error: line 1: expected 'BUS_ID, MIG MODE, PENDING MIG MODE, NAME', got "
	        "'zz:86:00.0, Enabled, Enabled, A100'",
	        "mig: not a bus id");
	struct node_nvml n = {0};
	struct node_nvml_gpu g = {.pci_address = "0000:86:00.0", .mig = NODE_MIG_ENABLED};
	n.gpus = &g;
	n.n_gpus = 1;
	ok(node_nvml_gpu_find(&n, "0000:86:00.0") == &g, "mig: found by PCI address");
	ok(node_nvml_gpu_find(&n, "0000:3b:00.0") == NULL, "mig: another address: none");
	ok(node_mig_mode_name(NODE_MIG_UNKNOWN) == NULL, "mig: unknown has no name");
}

/* The one query: "VERSION COUNT | ADDRESS=CURRENT/PENDING[:NAME] ...", or "error: MESSAGE". */
static void
smi_all(const char *text, const char *want, const char *name)
{
	char *v = NULL, *e = NULL;
	unsigned c = 0;
	struct node_nvml_gpu *g = NULL;
	size_t n = 0;
	char got[512] = "";
	if (node_parse_nvidia_smi_all(text, &v, &c, &g, &n, &e) < 0) {
		ok(v == NULL && g == NULL, "%s: nothing returned with the error", name);
		snprintf(got, sizeof(got), "error: %s", e);
	} else {
		snprintf(got, sizeof(got), "%s %u |", v, c);
		for (size_t i = 0; i < n; i++) {
			const char *cm = node_mig_mode_name(g[i].mig);
			const char *p = node_mig_mode_name(g[i].mig_pending);
			size_t l = strlen(got);
			snprintf(got + l, sizeof(got) - l, " %s=%s/%s%s%s", g[i].pci_address,
			         cm ? cm : "?", p ? p : "?", g[i].name ? ":" : "",
			         g[i].name ? g[i].name : "");
			free(g[i].pci_address);
			free(g[i].name);
		}
		free(g);
	}
	free(v);
	free(e);
	is_str(got, want, name);
}

static void
test_all(void)
{
	/* What nvidia-smi 580.159.04 printed on the H200 node. */
	smi_all("580.159.04, 1, 00000000:00:06.0, Disabled, Disabled, NVIDIA H200\n",
	        "580.159.04 1 | 0000:00:06.0=disabled/disabled:NVIDIA H200", "all: a real H200");
	smi_all("535.129.03, 2, 00000000:3B:00.0, [N/A], [N/A], Tesla T4\r\n\n"
	        "535.129.03, 2, 00000000:86:00.0, Enabled, Disabled, NVIDIA A100-PCIE-40GB\n",
	        "535.129.03 2 | 0000:3b:00.0=unsupported/unsupported:Tesla T4 "
	        "0000:86:00.0=enabled/disabled:NVIDIA A100-PCIE-40GB",
	        "all: two GPUs, CRLF and a blank line");
	smi_all("Field \"mig.mode.current\" is not a valid field to query.\n\n",
	        "error: expected 'VERSION, COUNT, BUS_ID, ...', got 'Field \"mig.mode.current\" is "
	        "not a valid field to query.'",
	        "all: a driver before R450");
	smi_all("535.129.03, 2, 00000000:86:00.0, Enabled, Enabled, A100\n",
	        "error: 1 GPU lines, but the count column says 2", "all: the count disagrees");
	smi_all("535.129.03, 1, 00000000:86:00.0, Enabled, A100\n",
	        "error: line 1: expected 'BUS_ID, MIG MODE, PENDING MIG MODE, NAME', got "
	        "'00000000:86:00.0, Enabled, A100'",
	        "all: a MIG column missing");
	smi_all("", "error: no GPU lines", "all: nothing");
	smi_all("535.129.03, 1,\n", "error: 0 GPU lines with a bus id, but the count column says 1",
	        "all: no bus id");
}

int
main(void)
{
	test_mig();
	test_all();
	/* What nvidia-smi 535 prints on a two-GPU node: one line per GPU. */
	smi("535.129.03, 2\n535.129.03, 2\n", "535.129.03", 2, NULL, "two GPUs");
	smi("470.82.01, 1\n", "470.82.01", 1, NULL, "one GPU");
	smi("550.54.15, 1", "550.54.15", 1, NULL, "no final newline");
	smi("550.54.15, 1\r\n\n", "550.54.15", 1, NULL, "CRLF and a blank line");
	smi("", NULL, 0, "no GPU lines", "empty output");
	smi("No devices were found\n", NULL, 0,
	    "line 1: expected 'VERSION, COUNT', got 'No devices were found'", "no devices");
	smi("NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver.\n", NULL,
	    0,
	    "line 1: expected 'VERSION, COUNT', got 'NVIDIA-SMI has failed because it couldn't "
	    "communicate with the NVIDIA driver.'",
	    "driver not loaded");
	smi("535.129.03, 2\n", NULL, 0, "1 GPU lines, but the count column says 2",
	    "count column disagrees with the lines");
	smi("535.129.03, 1\n550.54.15, 1\n", NULL, 0, "line 2: '550.54.15, 1' differs from line 1",
	    "two versions");
	smi("535.129.03,\n", NULL, 0, "line 1: expected 'VERSION, COUNT', got '535.129.03,'",
	    "no count");
	smi("535.129.03, two\n", NULL, 0,
	    "line 1: expected 'VERSION, COUNT', got '535.129.03, two'", "count not a number");
	smi("[N/A], 1\n", NULL, 0, "line 1: expected 'VERSION, COUNT', got '[N/A], 1'",
	    "version not a number");
	smi("driver_version, count\n535.129.03, 1\n", NULL, 0,
	    "line 1: expected 'VERSION, COUNT', got 'driver_version, count'", "a header line");

	is_str(node_nvml_source_name(NODE_NVML_SOURCE_NVIDIA_SMI), "nvidia-smi", "source names");
	is_str(node_nvml_source_name(NODE_NVML_SOURCE_PROC), "proc", "source proc");
	ok(node_nvml_source_name(NODE_NVML_SOURCE_NONE) == NULL, "no source: NULL");

	/* Under a root nothing is run: the root's /proc/driver/nvidia (read by node.c) answers. */
	const char *src = getenv("TESTS_SRC");
	if (!src) {
		ok(1, "# SKIP TESTS_SRC is not set");
		return tap_done();
	}
	_cleanup_free_ char *sample = xasprintf("%s/fixtures/nodes/sample", src);
	_cleanup_free_ char *t4 = xasprintf("%s/fixtures/nodes/t4-a100", src);
	_cleanup_free_ char *amd = xasprintf("%s/fixtures/nodes/amd-aspeed", src);
	struct node_nvml n;
	node_nvml_detect(sample, false, "535.129.03", &n);
	is_int(n.status, NODE_NVML_SKIPPED, "root: skipped");
	is_int(n.source, NODE_NVML_SOURCE_PROC, "root: from proc");
	is_str(n.driver_version, "535.129.03", "root: version");
	ok(n.has_count && n.device_count == 1, "root: one GPU in gpus/");
	ok(n.nvidia_smi == NULL, "root: nvidia-smi is not run");
	node_nvml_release(&n);
	node_nvml_detect(t4, false, "535.129.03", &n);
	is_int(n.source, NODE_NVML_SOURCE_PROC, "t4-a100: from proc");
	ok(!n.has_count, "t4-a100: no gpus/, no count");
	ok(n.nvidia_smi == NULL, "t4-a100: its nvidia-smi is not run under a root");
	node_nvml_release(&n);
	node_nvml_detect(amd, false, NULL, &n);
	is_int(n.source, NODE_NVML_SOURCE_NONE, "no driver: no source");
	ok(n.driver_version == NULL, "no driver: no version");
	node_nvml_release(&n);
	node_nvml_release(NULL);
	return tap_done();
}
