// SPDX-License-Identifier: GPL-2.0-or-later
#include "runtime.h"

#include <stdarg.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "safefile.h"

const struct runtime_ops *const runtime_all[] = {
        &runtime_docker, &runtime_containerd, &runtime_cri_dockerd, &runtime_k3s, NULL,
};

const struct runtime_ops *
runtime_find(const char *name)
{
	for (size_t i = 0; runtime_all[i]; i++)
		if (strcmp(runtime_all[i]->name, name) == 0)
			return runtime_all[i];
	return NULL;
}

const char *
cgroup_driver_name(enum cgroup_driver d)
{
	switch (d) {
	case CGROUP_DRIVER_SYSTEMD:
		return "systemd";
	case CGROUP_DRIVER_CGROUPFS:
		return "cgroupfs";
	case CGROUP_DRIVER_UNSET:
	default:
		return NULL;
	}
}

bool
cgroup_driver_from_name(const char *s, enum cgroup_driver *ret)
{
	if (strcmp(s, "systemd") == 0)
		*ret = CGROUP_DRIVER_SYSTEMD;
	else if (strcmp(s, "cgroupfs") == 0)
		*ret = CGROUP_DRIVER_CGROUPFS;
	else
		return false;
	return true;
}

void
configure_result_release(struct configure_result *r)
{
	if (!r)
		return;
	changeset_release(&r->changes);
	strv_free(r->warnings);
	free(r->backup_dir);
	*r = (struct configure_result){0};
}

void
configure_result_warn(struct configure_result *r, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	_cleanup_free_ char *w = xvasprintf(fmt, ap);
	va_end(ap);
	r->warnings = strv_push(r->warnings, w);
}

static const char *const bin_dirs[] = {
        "/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin",
};

char *
runtime_find_binary(const char *root, const struct runtime_ops *ops)
{
	return ops->binary ? runtime_find_program(root, ops->binary) : NULL;
}

char *
runtime_find_program(const char *root, const char *name)
{
	for (size_t i = 0; i < GP_ARRAY_SIZE(bin_dirs); i++) {
		_cleanup_free_ char *node = xasprintf("%s/%s", bin_dirs[i], name);
		_cleanup_free_ char *host = gp_path(root, node);
		struct stat st;
		/* Under a root, an absolute symlink points into the host: lstat is enough. */
		if (lstat(host, &st) == 0 &&
		    (S_ISLNK(st.st_mode) || (S_ISREG(st.st_mode) && (st.st_mode & 0111))))
			return TAKE_PTR(node);
	}
	return NULL;
}

void
runtime_config_view_release(struct runtime_config_view *v)
{
	if (!v)
		return;
	free(v->path);
	free(v->default_runtime);
	free(v->default_path);
	free(v->cri_disabled_by);
	free(v->cgroup_driver_source);
	*v = (struct runtime_config_view){0};
}

const struct runtime_ops **
runtime_detect_installed(const char *root)
{
	size_t n = 0;
	const struct runtime_ops **v = xcalloc(GP_ARRAY_SIZE(runtime_all), sizeof(*v));
	for (size_t i = 0; runtime_all[i]; i++) {
		if (!runtime_all[i]->config_path)
			continue;
		_cleanup_free_ char *bin = runtime_find_binary(root, runtime_all[i]);
		if (bin)
			v[n++] = runtime_all[i];
	}
	return v;
}

int
runtime_configure(const struct runtime_ops *ops, const struct configure_opts *opts, unsigned flags,
                  int lock_timeout_ms, struct configure_result *ret, struct gp_error *err)
{
	*ret = (struct configure_result){0};
	if (!ops->configure) {
		gp_error_set(err, "configuring %s is not supported yet", ops->name);
		return -1;
	}
	bool dry = flags & RUNTIME_CONFIGURE_DRY_RUN;
	_cleanup_close_ int lock = -1;
	if (!dry) {
		lock = safefile_lock(opts->root, lock_timeout_ms, err);
		if (lock < 0)
			return -1;
	}
	if (ops->configure(opts, ret, err) < 0)
		goto fail;
	if (!dry && changeset_apply(&ret->changes, opts->root, "configure", ops->name,
	                            &ret->backup_dir, err) < 0)
		goto fail;
	return 0;
fail:
	gp_error_prefix(err, "configuring %s", ops->name);
	configure_result_release(ret);
	return -1;
}
