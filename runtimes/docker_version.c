// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Docker Engine's version, from the running daemon, the package database or the binary, and
 * what it means for NVIDIA's runtime. Every dockerd gpuprep meets takes the runtime route
 * configure writes ("runtimes" and "default-runtime" in daemon.json); `docker run --gpus`
 * (the Engine API's DeviceRequests) came with 19.03, and CDI devices with 25.0.
 */
#include "docker_version.h"

#include <stdio.h>
#include <string.h>

#include "osinfo.h"
#include "pkginstall.h"
#include "proc.h"

int
docker_version_number(const char *s)
{
	if (!s)
		return 0;
	/* a package's epoch ("5:") */
	size_t d = strspn(s, "0123456789");
	if (d && s[d] == ':')
		s += d + 1;
	int major = 0, minor = 0, n = 0;
	if (sscanf(s, "%3d.%3d%n", &major, &minor, &n) != 2 || major <= 0 || minor < 0 ||
	    minor > 99)
		return 0;
	return major * 100 + minor;
}

const char *
docker_version_label(int number, char buf[16])
{
	int major = number / 100, minor = number % 100;
	snprintf(buf, 16, major >= 17 && major <= 22 ? "%d.%02d" : "%d.%d", major, minor);
	return buf;
}

/* The packages Docker Engine comes in, in each family's database. */
static const char *const docker_pkgs_deb[] = {"docker-ce",     "docker-ee",   "docker.io",
                                              "docker-engine", "moby-engine", NULL};
static const char *const docker_pkgs_rpm[] = {"docker-ce",     "docker-ee",   "docker",
                                              "docker-engine", "moby-engine", NULL};

/* From the package database under root: 0 when no Docker package is installed. */
static int
from_packages(const char *root, char **ret_version, char **ret_source)
{
	struct os_info os = {0};
	_cleanup_error_ struct gp_error e = GP_ERROR_INIT;
	int number = 0;
	if (os_info_read(root, &os, &e) < 0 || os.family == OS_FAMILY_UNKNOWN)
		goto out;
	const char *const *names = os.family == OS_FAMILY_RPM ? docker_pkgs_rpm : docker_pkgs_deb;
	char *have[6] = {0};
	if (pkg_installed_versions(root, os.family, names, have, &e) < 0)
		goto out;
	for (size_t i = 0; names[i]; i++) {
		if (!number && (number = docker_version_number(have[i]))) {
			if (ret_version)
				*ret_version = xstrdup(have[i]);
			if (ret_source)
				*ret_source =
				        xasprintf("package %s (%s)", names[i],
				                  os.family == OS_FAMILY_RPM ? "rpm" : "dpkg");
		}
		free(have[i]);
	}
out:
	os_info_release(&os);
	return number;
}

/* From `dockerd --version` of the binary under root: 0 when there is none or it says nothing. */
static int
from_binary(const char *root, char **ret_version, char **ret_source)
{
	/* runtime_docker's binary, looked up the same way (docker.c is not called from here) */
	static const struct runtime_ops dockerd = {.binary = "dockerd"};
	_cleanup_free_ char *node = runtime_find_binary(root, &dockerd);
	if (!node)
		return 0;
	_cleanup_free_ char *host = gp_path(root, node);
	char *const argv[] = {host, (char *)"--version", NULL};
	struct proc_opts po = {.timeout_ms = 5000, .keep_output = true};
	struct proc_result pr = {0};
	_cleanup_error_ struct gp_error e = GP_ERROR_INIT;
	int number = 0;
	/* "Docker version 20.10.24+dfsg1, build 297e128" */
	if (proc_run(argv, &po, &pr, &e) == 0 && pr.status == 0 && pr.output) {
		const char *v = strstr(pr.output, "version ");
		if (v && (number = docker_version_number(v + 8))) {
			if (ret_version)
				*ret_version = xstrndup(v + 8, strcspn(v + 8, ", \n"));
			if (ret_source)
				*ret_source = xasprintf("'%s --version'", node);
		}
	}
	proc_result_release(&pr);
	return number;
}

int
docker_node_version(const char *root, char **ret_version, char **ret_source)
{
	int n = from_packages(root, ret_version, ret_source);
	return n ? n : from_binary(root, ret_version, ret_source);
}

void
docker_version_judge(int number, struct runtime_version *ret)
{
	if (number >= DOCKER_GPUS_SINCE) {
		ret->said = xstrdup("docker run --gpus (19.03 and later) and NVIDIA's runtime both "
		                    "work");
		return;
	}
	ret->limited = true;
	ret->said = xstrdup("older than 19.03, it has no docker run --gpus: containers get GPUs "
	                    "only through NVIDIA's runtime, every container when it is the "
	                    "default runtime (as gpuprep configure sets it) or those run with "
	                    "--runtime=nvidia, and NVIDIA_VISIBLE_DEVICES picks the GPUs");
	ret->hint = xstrdup("Kubernetes and KubeEdge need nothing more (the device plugin sets "
	                    "NVIDIA_VISIBLE_DEVICES); for docker run --gpus, upgrade Docker "
	                    "Engine to 19.03 or later");
}
