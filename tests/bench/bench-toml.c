// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The TOML editor's benchmark program (tests/bench/toml.sh drives it).
 *
 *   bench-toml gen BYTES FILE   write a synthetic containerd-style config of about BYTES
 *   bench-toml run FILE         load FILE, make four edits, write it to /dev/null; print
 *                               "bytes load_us edit_us write_us total_us peak_kb cpu_us" where
 *                               peak_kb is the peak resident memory (VmHWM, started over
 *                               just before) above the resident memory before the load, and
 *                               cpu_us the user and system time of the work
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "error.h"
#include "toml.h"
#include "util.h"

#define CRI "plugins", "io.containerd.grpc.v1.cri"

static int
gen(size_t bytes, const char *path)
{
	FILE *f = fopen(path, "w");
	if (!f)
		return 1;
	size_t n = 0;
	n += (size_t)fprintf(
	        f, "# synthetic containerd config\nversion = 2\nroot = \"/var/lib/containerd\"\n\n"
	           "[plugins]\n\n  [plugins.\"io.containerd.grpc.v1.cri\"]\n"
	           "    sandbox_image = \"registry.k8s.io/pause:3.9\"\n\n"
	           "    [plugins.\"io.containerd.grpc.v1.cri\".containerd]\n"
	           "      default_runtime_name = \"runc\"\n"
	           "      snapshotter = \"overlayfs\" # the default\n");
	for (unsigned i = 0; n < bytes; i++) {
		n += (size_t)fprintf(
		        f,
		        "\n      # runtime %u\n"
		        "      [plugins.\"io.containerd.grpc.v1.cri\".containerd.runtimes.r%u]\n"
		        "        runtime_type = \"io.containerd.runc.v2\"\n"
		        "        privileged_without_host_devices = false\n"
		        "        pod_annotations = [\"io.example/%u\", 'raw']\n"
		        "\n"
		        "        "
		        "[plugins.\"io.containerd.grpc.v1.cri\".containerd.runtimes.r%u.options]\n"
		        "          BinaryName = \"/usr/bin/runtime-%u\" # per runtime\n"
		        "          SystemdCgroup = true\n"
		        "          NoPivotRoot = false\n"
		        "          limits = { cpu = %u, memory = 4_096, burst = 1.5 }\n",
		        i, i, i, i, i, i % 64);
	}
	return fclose(f) == 0 ? 0 : 1;
}

static uint64_t
now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/* A line of /proc/self/status, in KB ("VmRSS:", "VmHWM:"); -1 when missing. */
static long
status_kb(const char *field)
{
	char line[256];
	long kb = -1;
	FILE *f = fopen("/proc/self/status", "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (strncmp(line, field, strlen(field)) == 0)
			kb = strtol(line + strlen(field), NULL, 10);
	fclose(f);
	return kb;
}

/* Start the peak resident memory (VmHWM) over from the current one. */
static bool
reset_peak(void)
{
	FILE *f = fopen("/proc/self/clear_refs", "w");
	if (!f)
		return false;
	bool ok = fputs("5", f) >= 0;
	return fclose(f) == 0 && ok;
}

/* Load, edit, write: the timed work. Returns 0, or 1 with a message. */
static int
work(const char *path, uint64_t t[4])
{
	struct gp_error err = GP_ERROR_INIT;
	struct toml_doc *doc = NULL;
	t[0] = now_us();
	if (toml_doc_load(path, &doc, &err) < 0) {
		fprintf(stderr, "bench-toml: %s\n", err.msg);
		return 1;
	}
	t[1] = now_us();
	int r = 0;
	r |= toml_set_string(doc, TOML_PATH(CRI, "containerd", "default_runtime_name"), "nvidia",
	                     &err) < 0;
	r |= toml_table_create(doc, TOML_PATH(CRI, "containerd", "runtimes", "nvidia", "options"),
	                       &err) < 0;
	r |= toml_set_string(
	             doc,
	             TOML_PATH(CRI, "containerd", "runtimes", "nvidia", "options", "BinaryName"),
	             "/usr/bin/nvidia-container-runtime", &err) < 0;
	r |= toml_delete(doc, TOML_PATH(CRI, "containerd", "snapshotter"), &err) < 0;
	if (r) {
		fprintf(stderr, "bench-toml: edit failed: %s\n", err.msg);
		return 1;
	}
	t[2] = now_us();
	size_t len;
	const char *text = toml_doc_text(doc, &len);
	int fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
	for (size_t off = 0; off < len;) {
		ssize_t w = write(fd, text + off, len - off);
		if (w <= 0)
			return 1;
		off += (size_t)w;
	}
	close(fd);
	t[3] = now_us();
	toml_doc_free(doc);
	return 0;
}

static int
run(const char *path)
{
	/*
	 * Warm up on a small config first, so that the baseline holds the code and the
	 * allocator's own pages: what is measured is the memory for this document.
	 */
	char small[] = "/tmp/bench-toml-warmup-XXXXXX";
	int fd = mkstemp(small);
	if (fd < 0)
		return 1;
	close(fd);
	uint64_t t[4];
	if (gen(4096, small) != 0 || work(small, t) != 0) {
		unlink(small);
		return 1;
	}
	unlink(small);
	if (!reset_peak()) {
		fprintf(stderr,
		        "bench-toml: cannot reset the peak memory (/proc/self/clear_refs)\n");
		return 1;
	}
	long base = status_kb("VmRSS:");
	struct rusage r0, r1;
	getrusage(RUSAGE_SELF, &r0);
	if (work(path, t) != 0)
		return 1;
	getrusage(RUSAGE_SELF, &r1);
	long peak = status_kb("VmHWM:");
	long long cpu_us = (r1.ru_utime.tv_sec - r0.ru_utime.tv_sec + r1.ru_stime.tv_sec -
	                    r0.ru_stime.tv_sec) *
	                           1000000LL +
	                   (r1.ru_utime.tv_usec - r0.ru_utime.tv_usec + r1.ru_stime.tv_usec -
	                    r0.ru_stime.tv_usec);
	struct stat st;
	if (stat(path, &st) < 0)
		return 1;
	printf("%lld %llu %llu %llu %llu %ld %lld\n", (long long)st.st_size,
	       (unsigned long long)(t[1] - t[0]), (unsigned long long)(t[2] - t[1]),
	       (unsigned long long)(t[3] - t[2]), (unsigned long long)(t[3] - t[0]), peak - base,
	       cpu_us);
	return 0;
}

int
main(int argc, char **argv)
{
	if (argc == 4 && strcmp(argv[1], "gen") == 0)
		return gen(strtoull(argv[2], NULL, 10), argv[3]);
	if (argc == 3 && strcmp(argv[1], "run") == 0)
		return run(argv[2]);
	fprintf(stderr, "usage: bench-toml gen BYTES FILE | bench-toml run FILE\n");
	return 2;
}
