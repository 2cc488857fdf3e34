// SPDX-License-Identifier: GPL-2.0-or-later
#include "devchar.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cdispec.h"
#include "noderoot.h"
#include "rows.h"
#include "tmpfiles.h"
#include "util.h"

#define DEVCHAR_ARGS  "system create-dev-char-symlinks --create-all"
#define TEGRA_RELEASE "/etc/nv_tegra_release"

bool
devchar_wanted(const char *root, const struct runtime_ops *ops, const char *config_path,
               enum cgroup_driver cgroup_driver, enum devchar_mode mode)
{
	if (mode != DEVCHAR_AUTO)
		return mode == DEVCHAR_ON;
	/* Jetson's GPU nodes are not /dev/nvidia*: nvidia-ctk makes no links for them. */
	if (noderoot_exists(root, TEGRA_RELEASE))
		return false;
	if (cgroup_driver)
		return cgroup_driver == CGROUP_DRIVER_SYSTEMD;
	struct runtime_config_view v = {0};
	struct gp_error e = GP_ERROR_INIT;
	bool systemd = ops && ops->inspect && ops->inspect(root, config_path, &v, &e) == 0 &&
	               v.cgroup_driver == CGROUP_DRIVER_SYSTEMD;
	runtime_config_view_release(&v);
	gp_error_release(&e);
	return systemd;
}

void
devchar_plan_release(struct devchar_plan *p)
{
	if (!p)
		return;
	free(p->tool);
	free(p->command);
	strv_free(p->links);
	strv_free(p->targets);
	strv_free(p->wrong);
	free(p->rule);
	free(p->skipped);
	*p = (struct devchar_plan){0};
}

void
devchar_plan_to_opts(const struct devchar_plan *p, struct configure_opts *opts)
{
	opts->links = p->links;
	opts->link_targets = p->targets;
	opts->udev_rule_path = DEVCHAR_UDEV_RULE;
	opts->udev_rule = p->rule;
}

/* NVIDIA's rule (NVIDIA/nvidia-container-toolkit#48), running the node's own nvidia-ctk. */
static char *
rule_text(const char *tool)
{
	return xasprintf("# Written by gpuprep: recreate the /dev/char links to the NVIDIA device "
	                 "nodes when the\n"
	                 "# driver binds, so that containers keep their GPUs with the systemd "
	                 "cgroup driver (see\n"
	                 "# NVIDIA/nvidia-container-toolkit#48). 'gpuprep undo' removes it.\n"
	                 "ACTION==\"add\", DEVPATH==\"/bus/pci/drivers/nvidia\", "
	                 "RUN+=\"%s " DEVCHAR_ARGS "\"\n",
	                 tool);
}

/* The rule file unless the node already has one that runs the command. */
static char *
rule_needed(const char *root, const char *tool)
{
	_cleanup_free_ char *old = NULL;
	size_t len = 0;
	if (noderoot_read_file(root, DEVCHAR_UDEV_RULE, &old, &len) == 0 &&
	    strstr(old, "create-dev-char-symlinks"))
		return NULL;
	return rule_text(tool);
}

/* The links nvidia-ctk made in dir that the node's /dev/char lacks. */
static int
collect(const char *root, const char *dir, struct devchar_plan *p, struct gp_error *err)
{
	DIR *d = opendir(dir);
	if (!d) {
		/* No GPU, no link: nvidia-ctk makes the directory only for a link. */
		if (errno == ENOENT)
			return 0;
		return gp_error_set_errno(err, errno, "cannot read '%s'", dir);
	}
	_cleanup_strv_ char **names = NULL;
	for (struct dirent *de; (de = readdir(d));)
		if (de->d_name[0] != '.')
			names = strv_push(names, de->d_name);
	closedir(d);
	strv_sort(names);
	for (size_t i = 0; names && names[i]; i++) {
		_cleanup_free_ char *path = xasprintf("%s/%s", dir, names[i]);
		char buf[PATH_MAX];
		ssize_t n = readlink(path, buf, sizeof(buf) - 1);
		if (n < 0)
			continue;
		buf[n] = '\0';
		_cleanup_free_ char *node = xasprintf(DEVCHAR_DIR "/%s", names[i]);
		struct stat st;
		if (noderoot_lstat(root, node, &st) == 0) {
			p->n_existing++;
			/* The node's own, left as it is; one that leads elsewhere is told. */
			_cleanup_free_ char *to =
			        buf[0] == '/' ? xstrdup(buf) : xasprintf(DEVCHAR_DIR "/%s", buf);
			_cleanup_free_ char *fault = devchar_link_fault(root, node, to);
			if (fault) {
				_cleanup_free_ char *host = gp_path(root, node);
				_cleanup_free_ char *w =
				        xasprintf("'%s' %s, where nvidia-ctk's link leads to %s",
				                  host, fault, buf);
				p->wrong = strv_push(p->wrong, w);
			}
			continue;
		}
		p->links = strv_push(p->links, node);
		p->targets = strv_push(p->targets, buf);
	}
	return 0;
}

char *
devchar_link_fault(const char *root, const char *link, const char *node)
{
	struct stat st;
	if (noderoot_lstat(root, link, &st) < 0)
		return NULL;
	if (!S_ISLNK(st.st_mode))
		return xstrdup(S_ISDIR(st.st_mode) ? "is a directory" : "is not a link");
	_cleanup_free_ char *got = NULL, *want = NULL;
	if (noderoot_resolve(root, link, &got) < 0 || noderoot_resolve(root, node, &want) < 0)
		return xstrdup("cannot be followed");
	if (strcmp(got, want) == 0)
		return NULL;
	if (!noderoot_exists(root, got))
		return xasprintf("leads to %s, which is not there", got);
	return xasprintf("leads to %s", got);
}

static int
run_tool(const char *root, struct devchar_plan *p, bool required, struct gp_error *err)
{
	_cleanup_(tmpfiles_rm_rf_freep) char *dir = NULL;
	if (tmpfiles_mkdtemp("devchar", &dir, err) < 0)
		return -1;
	_cleanup_free_ char *out = xasprintf("%s/char", dir);
	_cleanup_free_ char *out_arg = xasprintf("--dev-char-path=%s", out);
	char *args[] = {"system", "create-dev-char-symlinks", "--create-all", out_arg, NULL};
	if (cdispec_run_root_tool(root, p->tool, p->command, args, err) < 0) {
		if (required)
			return gp_error_hint(err,
			                     "is the NVIDIA driver loaded? run '%s' by hand to see "
			                     "why; nothing was changed",
			                     p->command);
		/* Not asked for by name: the rest of configure goes on, and says why not. */
		p->skipped = xasprintf("%s; is the NVIDIA driver loaded? run '%s' once it is",
		                       err->msg, p->command);
		free(p->rule);
		p->rule = NULL;
		gp_error_release(err);
		return 0;
	}
	p->ran = true;
	return collect(root, out, p, err);
}

int
devchar_plan(const char *root, bool exec_root, bool generate, bool required,
             struct devchar_plan *ret, struct gp_error *err)
{
	*ret = (struct devchar_plan){0};
	ret->command = xstrdup(CDISPEC_TOOL " " DEVCHAR_ARGS);
	if (noderoot_exists(root, TEGRA_RELEASE)) {
		ret->skipped = xstrdup("a Jetson board: its GPU nodes (/dev/nvhost-*, /dev/nvmap) "
		                       "are not /dev/nvidia*, and nvidia-ctk makes no links for "
		                       "them");
		return 0;
	}
	ret->tool = runtime_find_program(root, CDISPEC_TOOL);
	if (!ret->tool) {
		ret->skipped = xstrdup("the node has no " CDISPEC_TOOL " (the NVIDIA Container "
		                       "Toolkit): install it first ('gpuprep install'); 'up' "
		                       "creates them after its install step");
		return 0;
	}
	if (!(!root || strcmp(root, "/") == 0) && !exec_root) {
		ret->skipped = xasprintf("not running the root's '%s' on this machine: pass "
		                         "--exec-root-tools to allow it, or run '%s' on the node",
		                         ret->tool, ret->command);
		return 0;
	}
	ret->rule = rule_needed(root, ret->tool);
	if (!generate)
		return 0;
	return run_tool(root, ret, required, err);
}
