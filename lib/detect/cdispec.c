// SPDX-License-Identifier: GPL-2.0-or-later
#include "cdispec.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "node.h"
#include "noderoot.h"
#include "proc.h"
#include "runtime.h"
#include "tmpfiles.h"
#include "util.h"

/* The version after "/LIB.so." on a hostPath line, up to the end of the path. */
static char *
version_after(const char *text, const char *lib)
{
	_cleanup_free_ char *needle = xasprintf("/%s.so.", lib);
	for (const char *p = strstr(text, needle); p; p = strstr(p + 1, needle)) {
		const char *v = p + strlen(needle);
		size_t n = strspn(v, "0123456789.");
		/* libcuda.so.1 is the soname link; the version has at least one dot. */
		if (n == 0 || !memchr(v, '.', n) || v[n - 1] == '.')
			continue;
		if (v[n] && !strchr(" \t\r\n\"',]", v[n]))
			continue;
		return xstrndup(v, n);
	}
	return NULL;
}

char *
cdispec_driver_version(const char *text)
{
	char *v = version_after(text, "libcuda");
	return v ? v : version_after(text, "libnvidia-ml");
}

char *
cdispec_loaded_driver(const char *root)
{
	_cleanup_free_ char *text = NULL;
	size_t len = 0;
	if (noderoot_read_file(root, "/proc/driver/nvidia/version", &text, &len) < 0)
		return NULL;
	char *v = NULL;
	bool open_module = false;
	if (node_parse_nvidia_version(text, &v, &open_module) < 0)
		return NULL;
	return v;
}

void
cdispec_plan_release(struct cdispec_plan *p)
{
	if (!p)
		return;
	free(p->spec_version);
	free(p->driver_version);
	free(p->tool);
	free(p->command);
	free(p->data);
	free(p->skipped);
	*p = (struct cdispec_plan){0};
}

static bool
root_is_host(const char *root)
{
	return !root || strcmp(root, "/") == 0;
}

int
cdispec_run_root_tool(const char *root, const char *tool, const char *command, char *const *args,
                      struct gp_error *err)
{
	_cleanup_close_ int fd = noderoot_open(root, tool, O_RDONLY, 0);
	if (fd < 0)
		return gp_error_set_errno(err, -fd, "cannot open '%s'", tool);
	/* Inherited by the child: it runs this very file, also a script (its interpreter). */
	int flags = fcntl(fd, F_GETFD);
	if (flags < 0 || fcntl(fd, F_SETFD, flags & ~FD_CLOEXEC) < 0)
		return gp_error_set_errno(err, errno, "cannot pass '%s' on", tool);
	_cleanup_free_ char *self = xasprintf("/proc/self/fd/%d", fd);
	size_t n = 0;
	while (args[n])
		n++;
	_cleanup_free_ char **argv = xcalloc(n + 2, sizeof(*argv));
	argv[0] = self;
	for (size_t i = 0; i < n; i++)
		argv[i + 1] = args[i];
	struct proc_opts po = {.timeout_ms = 120000, .keep_output = true};
	struct proc_result pr = {0};
	int r = proc_run(argv, &po, &pr, err);
	if (r == 0 && pr.status != 0) {
		_cleanup_free_ char *tail = proc_tail_lines(pr.output ? pr.output : "", 5);
		gp_error_set(err, "'%s' exited with status %d%s%s", command, pr.status,
		             *tail ? ": " : "", tail);
		r = -1;
	}
	proc_result_release(&pr);
	return r;
}

/* Run the root's own tool (opened inside the root) with args; the spec comes back in ret. */
static int
run_tool(const char *root, struct cdispec_plan *p, bool csv, struct gp_error *err)
{
	_cleanup_(tmpfiles_rm_rf_freep) char *dir = NULL;
	if (tmpfiles_mkdtemp("cdi", &dir, err) < 0)
		return -1;
	_cleanup_free_ char *out = xasprintf("%s/nvidia.yaml", dir);
	_cleanup_free_ char *out_arg = xasprintf("--output=%s", out);
	char *args[] = {"cdi", "generate", csv ? "--mode=csv" : out_arg, csv ? out_arg : NULL,
	                NULL};
	if (cdispec_run_root_tool(root, p->tool, p->command, args, err) < 0)
		return gp_error_hint(err, "run '%s' by hand to see why; the spec was not changed",
		                     p->command);
	if (read_file(out, &p->data, &p->len) < 0)
		return gp_error_set_errno(err, errno, "'%s' wrote no spec to '%s'", p->command,
		                          out);
	_cleanup_free_ char *made_for = cdispec_driver_version(p->data);
	if (!made_for && !csv)
		return gp_error_set(err, "the spec '%s' wrote names no driver library", p->command);
	return 0;
}

int
cdispec_plan(const char *root, bool exec_root, bool generate, struct cdispec_plan *ret,
             struct gp_error *err)
{
	*ret = (struct cdispec_plan){0};
	bool csv = noderoot_exists(root, "/etc/nv_tegra_release");
	ret->driver_version = cdispec_loaded_driver(root);
	_cleanup_free_ char *old = NULL;
	size_t old_len = 0;
	if (noderoot_read_file(root, CDISPEC_PATH, &old, &old_len) == 0) {
		ret->exists = true;
		ret->spec_version = cdispec_driver_version(old);
		ret->current = ret->spec_version && ret->driver_version &&
		               strcmp(ret->spec_version, ret->driver_version) == 0;
		/* Jetson's CSV specs name no driver library: one there is kept. */
		if (csv && !ret->spec_version)
			ret->current = true;
	}
	ret->command = xasprintf(CDISPEC_TOOL " cdi generate%s --output=" CDISPEC_PATH,
	                         csv ? " --mode=csv" : "");
	if (ret->current)
		return 0;
	ret->tool = runtime_find_program(root, CDISPEC_TOOL);
	if (!ret->tool) {
		ret->skipped = xstrdup("the node has no " CDISPEC_TOOL " (the NVIDIA Container "
		                       "Toolkit): install it first ('gpuprep install'); 'up' "
		                       "generates the spec after its install step");
		return 0;
	}
	if (!root_is_host(root) && !exec_root) {
		ret->skipped = xasprintf("not running the root's '%s' on this machine: pass "
		                         "--exec-root-tools to allow it, or run '%s' on the node",
		                         ret->tool, ret->command);
		return 0;
	}
	if (!generate)
		return 0;
	return run_tool(root, ret, csv, err);
}
