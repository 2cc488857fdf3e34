// SPDX-License-Identifier: GPL-2.0-or-later
#include "node.h"
#include "tap.h"

static void
tegra(const char *text, const char *release, const char *board, const char *name)
{
	char *r = NULL, *b = NULL;
	int ret = node_parse_tegra_release(text, &r, &b);
	if (!release) {
		is_int(ret, -1, name);
	} else {
		is_int(ret, 0, name);
		is_str(r, release, name);
		is_str(b, board, name);
	}
	free(r);
	free(b);
}

static void
nvidia(const char *text, const char *version, bool open, const char *name)
{
	char *v = NULL;
	bool o = !open;
	int ret = node_parse_nvidia_version(text, &v, &o);
	if (!version) {
		is_int(ret, -1, name);
	} else {
		is_int(ret, 0, name);
		is_str(v, version, name);
		ok(o == open, "%s: %s", name, open ? "open" : "proprietary");
	}
	free(v);
}

int
main(void)
{
	tegra("# R35 (release), REVISION: 4.1, GCID: 33958178, BOARD: t186ref, EABI: aarch64, "
	      "DATE: Tue Aug  1 19:57:35 UTC 2023\n# KERNEL_VARIANT: oot\n",
	      "R35.4.1", "t186ref", "L4T R35.4.1");
	tegra("# R32 (release), REVISION: 7.1, GCID: 29818004, BOARD: t210ref, EABI: aarch64, "
	      "DATE: Sat Feb 19 17:05:08 UTC 2022\n",
	      "R32.7.1", "t210ref", "L4T R32.7.1 (Nano)");
	tegra("# R36 (release), REVISION: 3.0, GCID: 36923193, BOARD: generic, EABI: aarch64, "
	      "DATE: Fri Jul 19 23:24:25 UTC 2024\n",
	      "R36.3.0", "generic", "L4T R36.3.0 (Orin)");
	tegra("# R35 (release)\n", "R35", NULL, "no revision");
	tegra("# R35 (release), REVISION: , BOARD: t186ref\n", "R35", "t186ref", "empty revision");
	tegra("R34 (release), REVISION: 1.1.\n", "R34.1.1", NULL, "no '#', trailing dot");
	tegra("# R35 (release)\n# REVISION: 4.1\n", "R35", NULL, "revision on another line");
	tegra("", NULL, NULL, "empty file");
	tegra("# Rx (release)\n", NULL, NULL, "no major number");
	tegra("hello\n", NULL, NULL, "not a release");

	nvidia("NVRM version: NVIDIA UNIX x86_64 Kernel Module  535.129.03  Thu Oct 19 18:56:32 "
	       "UTC 2023\nGCC version:  gcc version 11.4.0\n",
	       "535.129.03", false, "proprietary 535");
	nvidia("NVRM version: NVIDIA UNIX Open Kernel Module for x86_64  550.54.15  Release Build  "
	       "(dvs-builder@U16-I3-D08-1-2)  Tue Mar  5 22:15:33 UTC 2024\n",
	       "550.54.15", true, "open 550");
	nvidia("NVRM version: NVIDIA UNIX aarch64 Kernel Module  470.82.01  Tue Oct 26 "
	       "UTC 2021\n",
	       "470.82.01", false, "aarch64");
	nvidia("GCC version: 12\nNVRM version: NVIDIA UNIX x86_64 Kernel Module  390.157\n",
	       "390.157", false, "NVRM on the second line");
	nvidia("NVRM version: NVIDIA UNIX x86_64 Kernel Module\n", NULL, false, "no version");
	nvidia("", NULL, false, "empty");

	static const char compat[] = "nvidia,p3509-0000+p3668-0001\0nvidia,jetson-xavier-nx\0"
	                             "nvidia,tegra194\0";
	char **v = node_parse_dt_strings(compat, sizeof(compat) - 1);
	is_int(strv_length(v), 3, "three compatible strings");
	is_str(v ? v[2] : NULL, "nvidia,tegra194", "the third one");
	strv_free(v);
	v = node_parse_dt_strings("a\0\0b", 4);
	is_int(strv_length(v), 2, "empty strings are skipped, the last needs no NUL");
	strv_free(v);
	ok(node_parse_dt_strings("", 0) == NULL, "no strings");

	is_str(node_nvml_status_name(NODE_NVML_SKIPPED), "skipped", "nvml status names");
	is_str(node_nvml_status_name(NODE_NVML_OK), "ok", "nvml ok");
	return tap_done();
}
