// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The checks of the node itself, which need no GPU: root, cgroups, swap,
 * ip-forward, edgecore-clean.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "noderoot.h"

#include "preflight_check.h"
#include "svc.h"

void
preflight_check_root(struct preflight_ctx *ctx, struct preflight_result *r)
{
	if (ctx->root) {
		preflight_set(r, PREFLIGHT_SKIP,
		              "not checked under --root: the user running gpuprep is not the "
		              "node's");
		return;
	}
	uid_t euid = geteuid();
	if (euid == 0) {
		preflight_set(r, PREFLIGHT_PASS, "running as root");
		return;
	}
	preflight_set(r, PREFLIGHT_FAIL, "not running as root (euid %u)", (unsigned)euid);
	preflight_hint(r, "run it with sudo: keadm join and gpuprep's fixes need root");
}

/* Is word one of the white-space separated words of s? */
static bool
has_word(const char *s, const char *word)
{
	size_t n = strlen(word);
	for (const char *p = s; (p = strstr(p, word)); p += n) {
		bool start = p == s || isspace((unsigned char)p[-1]);
		bool end = p[n] == '\0' || isspace((unsigned char)p[n]);
		if (start && end)
			return true;
	}
	return false;
}

/* In /proc/cgroups (v1), is the controller listed with enabled = 1? */
static bool
v1_controller_enabled(const char *proc_cgroups, const char *name)
{
	const char *line = proc_cgroups;
	while (line && *line) {
		char sub[64];
		unsigned hier, num, enabled;
		if (sscanf(line, "%63s %u %u %u", sub, &hier, &num, &enabled) == 4 &&
		    strcmp(sub, name) == 0)
			return enabled == 1;
		line = strchr(line, '\n');
		if (line)
			line++;
	}
	return false;
}

void
preflight_check_cgroups(struct preflight_ctx *ctx, struct preflight_result *r)
{
	static const char *const required_v2[] = {"cpu", "cpuset", "memory", "pids"};
	static const char *const required_v1[] = {"cpu", "cpuset", "memory", "pids", "devices"};
	_cleanup_free_ char *v2 = gp_path(ctx->root, "/sys/fs/cgroup/cgroup.controllers");
	_cleanup_free_ char *v1 = gp_path(ctx->root, "/proc/cgroups");
	_cleanup_free_ char *data = NULL;
	_cleanup_free_ char *missing = NULL;

	if (noderoot_read_file(ctx->root, "/sys/fs/cgroup/cgroup.controllers", &data, NULL) == 0) {
		for (size_t i = 0; i < GP_ARRAY_SIZE(required_v2); i++)
			if (!has_word(data, required_v2[i]))
				preflight_list_add(&missing, "%s", required_v2[i]);
		if (missing) {
			preflight_set(r, PREFLIGHT_FAIL,
			              "cgroup v2 controllers missing: %s (not in '%s')", missing,
			              v2);
			preflight_hint(r,
			               "enable them on the kernel command line (for example "
			               "cgroup_enable=cpuset cgroup_enable=memory cgroup_memory=1) "
			               "and reboot");
			return;
		}
		preflight_set(r, PREFLIGHT_PASS,
		              "cgroup v2 with the cpu, cpuset, memory and pids "
		              "controllers");
		return;
	}
	int e = noderoot_read_file(ctx->root, "/proc/cgroups", &data, NULL);
	if (e < 0) {
		if (preflight_no_kernel_fs(ctx, "/proc") && preflight_no_kernel_fs(ctx, "/sys")) {
			preflight_set(r, PREFLIGHT_SKIP,
			              "not checked: no /proc or /sys under --root (not a running "
			              "system)");
			return;
		}
		preflight_set(
		        r, PREFLIGHT_FAIL,
		        "cannot tell the cgroup version: neither '%s' nor '%s' can be read (%s)",
		        v2, v1, strerror(-e));
		preflight_hint(r, "mount the cgroup file system on /sys/fs/cgroup");
		return;
	}
	for (size_t i = 0; i < GP_ARRAY_SIZE(required_v1); i++)
		if (!v1_controller_enabled(data, required_v1[i]))
			preflight_list_add(&missing, "%s", required_v1[i]);
	if (missing) {
		preflight_set(r, PREFLIGHT_FAIL,
		              "cgroup v1 controllers missing or disabled: %s (in '%s')", missing,
		              v1);
		preflight_hint(r, "enable them on the kernel command line (for example "
		                  "cgroup_enable=cpuset cgroup_enable=memory cgroup_memory=1) and "
		                  "reboot");
		return;
	}
	preflight_set(r, PREFLIGHT_WARN,
	              "cgroup v1: it works, but Kubernetes keeps it in maintenance mode only");
	preflight_hint(r, "boot with systemd.unified_cgroup_hierarchy=1 on the kernel command line "
	                  "to move to cgroup v2");
}

void
preflight_check_swap(struct preflight_ctx *ctx, struct preflight_result *r)
{
	_cleanup_free_ char *path = gp_path(ctx->root, "/proc/swaps");
	_cleanup_free_ char *data = NULL;
	_cleanup_free_ char *on = NULL;

	int e = noderoot_read_file(ctx->root, "/proc/swaps", &data, NULL);
	if (e == -ENOENT) {
		if (preflight_no_kernel_fs(ctx, "/proc"))
			preflight_set(r, PREFLIGHT_SKIP,
			              "not checked: no /proc under --root (not a running system)");
		else
			preflight_set(r, PREFLIGHT_PASS, "swap is off (the kernel has no '%s')",
			              path);
		return;
	}
	if (e < 0) {
		preflight_set(r, PREFLIGHT_FAIL, "cannot read '%s': %s", path, strerror(-e));
		return;
	}
	/* The first line is the header: "Filename Type Size Used Priority". */
	char *save = NULL;
	bool header = true;
	for (char *line = strtok_r(data, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (header) {
			header = false;
			continue;
		}
		char name[4096];
		if (sscanf(line, "%4095s", name) == 1)
			preflight_list_add(&on, "%s", name);
	}
	if (on) {
		preflight_set(r, PREFLIGHT_WARN, "swap is on: %s", on);
		preflight_hint(r, "run swapoff -a and remove the swap entries from /etc/fstab: "
		                  "kubelet refuses to start with swap on unless told otherwise");
		return;
	}
	preflight_set(r, PREFLIGHT_PASS, "swap is off");
}

void
preflight_check_ip_forward(struct preflight_ctx *ctx, struct preflight_result *r)
{
	_cleanup_free_ char *path = gp_path(ctx->root, "/proc/sys/net/ipv4/ip_forward");
	_cleanup_free_ char *line = NULL;

	int e = noderoot_read_file(ctx->root, "/proc/sys/net/ipv4/ip_forward", &line, NULL);
	if (e == 0)
		line[strcspn(line, "\n")] = '\0';
	if (e < 0) {
		if (preflight_no_kernel_fs(ctx, "/proc")) {
			preflight_set(r, PREFLIGHT_SKIP,
			              "not checked: no /proc under --root (not a running system)");
			return;
		}
		preflight_set(r, PREFLIGHT_FAIL, "cannot read '%s': %s", path, strerror(-e));
		/* No file: sysctl -w could not set it either. */
		if (e == -ENOENT)
			preflight_hint(
			        r, "the kernel makes this file when /proc/sys is mounted and it "
			           "has IPv4 networking: mount /proc/sys (a container may hide "
			           "it), or run on a kernel with IPv4");
		else
			preflight_hint(r, "run gpuprep as root, or check that sysctl "
			                  "net.ipv4.ip_forward reads 1");
		return;
	}
	str_strip(line);
	if (strcmp(line, "1") == 0) {
		preflight_set(r, PREFLIGHT_PASS, "IPv4 forwarding is on");
		return;
	}
	preflight_set(r, PREFLIGHT_FAIL, "IPv4 forwarding is off (net.ipv4.ip_forward = %s)", line);
	preflight_hint(r, "sysctl -w net.ipv4.ip_forward=1, and keep it in a file under "
	                  "/etc/sysctl.d/");
}

/* Does the directory exist with something in it? A file in its place counts too. */
static bool
dir_not_empty(const char *root, const char *path)
{
	struct stat st;
	if (noderoot_stat(root, path, &st) < 0)
		return false;
	if (!S_ISDIR(st.st_mode))
		return true;
	DIR *d = noderoot_opendir(root, path);
	if (!d)
		return true;
	bool found = false;
	struct dirent *de;
	while (!found && (de = readdir(d)))
		found = strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0;
	closedir(d);
	return found;
}

void
preflight_check_edgecore_clean(struct preflight_ctx *ctx, struct preflight_result *r)
{
	_cleanup_free_ char *etc = gp_path(ctx->root, "/etc/kubeedge");
	long pid = svc_find_process(ctx->root, "edgecore", NULL);
	bool leftover = dir_not_empty(ctx->root, "/etc/kubeedge");

	if (pid && leftover)
		preflight_set(r, PREFLIGHT_FAIL,
		              "edgecore is running (pid %ld) and '%s' is not empty", pid, etc);
	else if (pid)
		preflight_set(r, PREFLIGHT_FAIL, "edgecore is running (pid %ld)", pid);
	else if (leftover)
		preflight_set(r, PREFLIGHT_FAIL,
		              "'%s' is not empty: this node has joined a cluster before", etc);
	else {
		preflight_set(r, PREFLIGHT_PASS, "no edgecore running and no '%s' left over", etc);
		return;
	}
	preflight_hint(r, "run keadm reset first (it stops edgecore and empties /etc/kubeedge)");
}
