// SPDX-License-Identifier: GPL-2.0-or-later
#include "runtime.h"

#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "noderoot.h"
#include "safefile.h"

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

/* The node path as an executable under root: 0 or -errno (see runtime_program_check). */
static int
program_at(const char *root, const char *node)
{
	/* Symlinks followed inside the root (an image's absolute link is not the host's). */
	struct stat st;
	int r = noderoot_stat(root, node, &st);
	if (r < 0)
		return r;
	if (S_ISDIR(st.st_mode))
		return -EISDIR;
	if (!S_ISREG(st.st_mode) || !(st.st_mode & 0111))
		return -EACCES;
	return 0;
}

const char *
runtime_embedded_containerd(const char *root)
{
	static const char *const owners[] = {"k3s", "rke2"};
	_cleanup_free_ char *own = runtime_find_program(root, "containerd");
	if (own)
		return NULL;
	for (size_t i = 0; i < GP_ARRAY_SIZE(owners); i++) {
		_cleanup_free_ char *bin = runtime_find_program(root, owners[i]);
		if (bin)
			return owners[i];
	}
	return NULL;
}

char *
runtime_find_program(const char *root, const char *name)
{
	for (size_t i = 0; i < GP_ARRAY_SIZE(bin_dirs); i++) {
		_cleanup_free_ char *node = xasprintf("%s/%s", bin_dirs[i], name);
		if (program_at(root, node) == 0)
			return TAKE_PTR(node);
	}
	return NULL;
}

int
runtime_program_check(const char *root, const char *path, char **ret_node)
{
	_cleanup_free_ char *node = NULL;
	if (path[0] != '/') {
		node = runtime_find_program(root, path);
		if (!node)
			return -ENOENT;
	} else {
		int r = program_at(root, path);
		if (r < 0)
			return r;
		node = xstrdup(path);
	}
	if (ret_node)
		*ret_node = TAKE_PTR(node);
	return 0;
}

void
runtime_version_release(struct runtime_version *v)
{
	if (!v)
		return;
	free(v->daemon);
	free(v->source);
	free(v->said);
	free(v->hint);
	*v = (struct runtime_version){0};
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
	free(v->default_source);
	for (size_t i = 0; i < v->n_runtimes; i++) {
		free(v->runtimes[i].name);
		free(v->runtimes[i].path);
	}
	free(v->runtimes);
	free(v->by_name);
	*v = (struct runtime_config_view){0};
}

/* FNV-1a: names are short and few collide. */
static size_t
name_hash(const char *name)
{
	size_t h = (size_t)14695981039346656037ULL;
	for (const unsigned char *p = (const unsigned char *)name; *p; p++)
		h = (h ^ *p) * (size_t)1099511628211ULL;
	return h;
}

/* The slot of name in v->by_name: the one that holds it, or the empty one it would go to. */
static size_t
name_slot(const struct runtime_config_view *v, const char *name)
{
	size_t mask = v->by_name_size - 1;
	size_t i = name_hash(name) & mask;
	while (v->by_name[i] && strcmp(v->runtimes[v->by_name[i] - 1].name, name) != 0)
		i = (i + 1) & mask;
	return i;
}

const struct runtime_config_entry *
runtime_config_view_find(const struct runtime_config_view *v, const char *name)
{
	if (!name || !v->by_name_size)
		return NULL;
	size_t i = name_slot(v, name);
	return v->by_name[i] ? &v->runtimes[v->by_name[i] - 1] : NULL;
}

struct runtime_config_entry *
runtime_config_view_add(struct runtime_config_view *v, const char *name, const char *path)
{
	if (v->n_runtimes == v->runtimes_cap) {
		v->runtimes_cap = v->runtimes_cap ? 2 * v->runtimes_cap : 8;
		v->runtimes = xrealloc(v->runtimes, v->runtimes_cap * sizeof(*v->runtimes));
	}
	if (2 * (v->n_runtimes + 1) > v->by_name_size) {
		free(v->by_name);
		v->by_name_size = v->by_name_size ? 2 * v->by_name_size : 16;
		v->by_name = xcalloc(v->by_name_size, sizeof(*v->by_name));
		for (size_t k = 0; k < v->n_runtimes; k++) {
			size_t i = name_slot(v, v->runtimes[k].name);
			if (!v->by_name[i]) /* a name given twice: its first entry */
				v->by_name[i] = k + 1;
		}
	}
	struct runtime_config_entry *e = &v->runtimes[v->n_runtimes++];
	*e = (struct runtime_config_entry){
	        .name = xstrdup(name), .path = path ? xstrdup(path) : NULL, .systemd_cgroup = -1};
	/* A name given twice keeps its first entry for find, as the list's search did. */
	size_t i = name_slot(v, e->name);
	if (!v->by_name[i])
		v->by_name[i] = v->n_runtimes;
	return e;
}

/* The CDI spec the caller generated joins the change set: backed up, journaled, undone. */
static int
add_cdi_spec(const struct configure_opts *opts, struct configure_result *ret, struct gp_error *err)
{
	if (!opts->cdi_spec)
		return 0;
	struct file_change *fc = NULL;
	if (changeset_read(&ret->changes, opts->root, opts->cdi_spec_path, &fc, err) < 0)
		return -1;
	if (!fc->existed)
		fc->mode = 0644;
	file_change_set_new(fc, opts->cdi_spec, opts->cdi_spec_len);
	return 0;
}

/* The /dev/char links and their udev rule join it the same way (lib/detect/devchar.h). */
static int
add_dev_char(const struct configure_opts *opts, struct configure_result *ret, struct gp_error *err)
{
	struct file_change *fc = NULL;
	for (size_t i = 0; opts->links && opts->links[i]; i++) {
		if (changeset_read_symlink(&ret->changes, opts->root, opts->links[i], &fc, err) < 0)
			return -1;
		/* Only where none is: a link already there is the node's, whatever it says. */
		if (!fc->existed)
			file_change_set_new(fc, opts->link_targets[i],
			                    strlen(opts->link_targets[i]));
	}
	if (!opts->udev_rule)
		return 0;
	if (changeset_read(&ret->changes, opts->root, opts->udev_rule_path, &fc, err) < 0)
		return -1;
	if (!fc->existed)
		fc->mode = 0644;
	file_change_set_new(fc, opts->udev_rule, strlen(opts->udev_rule));
	return 0;
}

/* Read the runtime's input and plan every change: its config, the CDI spec, the /dev/char links. */
static int
plan(const struct runtime_ops *ops, const struct configure_opts *opts, struct configure_result *ret,
     struct gp_error *err)
{
	configure_result_release(ret);
	if (ops->configure(opts, ret, err) < 0 || add_cdi_spec(opts, ret, err) < 0 ||
	    add_dev_char(opts, ret, err) < 0)
		return -1;
	return 0;
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
	if (opts->template && !ops->takes_template) {
		gp_error_set_code(err, GP_EXIT_USAGE, "--template does not apply to %s", ops->name);
		return gp_error_hint(err, "only k3s and RKE2 render their containerd config "
		                          "from a template");
	}
	bool dry = flags & RUNTIME_CONFIGURE_DRY_RUN;
	_cleanup_close_ int lock = -1;
	/*
	 * A refused file must leave the node as it was, without even the lock or
	 * /run created. So the lock comes first only where it is there already
	 * (every run after the first since boot), and the input is read once,
	 * under it; else the input is read and checked before the lock is made,
	 * and read again under it: another run may have changed the files meanwhile.
	 */
	if (!dry && (lock = safefile_lock_present(opts->root, lock_timeout_ms, err)) < 0 &&
	    gp_error_is_set(err))
		goto fail;
	if (plan(ops, opts, ret, err) < 0)
		goto fail;
	if (dry)
		return 0;
	if (lock < 0) {
		lock = safefile_lock(opts->root, lock_timeout_ms, err);
		if (lock < 0 || plan(ops, opts, ret, err) < 0)
			goto fail;
	}
	if (changeset_apply(&ret->changes, opts->root, "configure", ops->name, &ret->backup_dir,
	                    err) < 0)
		goto fail;
	return 0;
fail:
	gp_error_prefix(err, "configuring %s", ops->name);
	configure_result_release(ret);
	return -1;
}

char **
runtime_dir_files(const char *root, const char *dir, bool (*want)(const char *name))
{
	DIR *d = noderoot_opendir(root, dir);
	if (!d)
		return NULL;
	char **out = NULL;
	for (struct dirent *de; (de = readdir(d));) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0 ||
		    (want && !want(de->d_name)))
			continue;
		_cleanup_free_ char *p = xasprintf("%s/%s", dir, de->d_name);
		struct stat st;
		if (noderoot_stat(root, p, &st) == 0 && S_ISDIR(st.st_mode))
			continue;
		out = strv_push(out, p);
	}
	closedir(d);
	return strv_sort(out);
}
