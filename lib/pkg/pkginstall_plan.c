// SPDX-License-Identifier: GPL-2.0-or-later
/* Making a plan: what the system is and has, then the family's and the source's piece. */
#include "pkginstall.h"

#include <string.h>

#include "debver.h"
#include "rpmver.h"
#include "tmpfiles.h"
#include "pkginstall_private.h"

static const char *const os_deps_deb[] = {"libc6", "libcap2", "libseccomp2", NULL};
static const char *const os_deps_rpm[] = {"glibc", "libcap", "libseccomp", NULL};

int
pkg_query_installed(const char *root, enum os_family family, char *ret[N_PKGS],
                    struct gp_error *err)
{
	for (size_t k = 0; k < N_PKGS; k++)
		ret[k] = NULL;
	if (family == OS_FAMILY_RPM)
		return pkg_rpm_installed(root, apt_repo_toolkit, ret, err);
	return pkg_dpkg_installed(root, apt_repo_toolkit, ret, err);
}

int
pkg_installed_versions(const char *root, enum os_family family, const char *const *names,
                       char **ret, struct gp_error *err)
{
	for (size_t i = 0; names[i]; i++)
		ret[i] = NULL;
	if (family == OS_FAMILY_RPM)
		return pkg_rpm_installed(root, names, ret, err);
	return pkg_dpkg_installed(root, names, ret, err);
}

/*
 * One query for the four packages and the OS packages they need: the
 * installed versions, and the needed packages that are missing (NULL when none).
 */
static int
query_all(const char *root, enum os_family family, char *ret[N_PKGS], char **ret_missing,
          struct gp_error *err)
{
	const char *const *deps = family == OS_FAMILY_RPM ? os_deps_rpm : os_deps_deb;
	const char *names[N_PKGS + 4] = {0};
	char *have[N_PKGS + 4] = {0};
	size_t n = 0;
	for (size_t k = 0; k < N_PKGS; k++)
		names[n++] = apt_repo_toolkit[k];
	for (size_t i = 0; deps[i]; i++)
		names[n++] = deps[i];
	int r = family == OS_FAMILY_RPM ? pkg_rpm_installed(root, names, have, err)
	                                : pkg_dpkg_installed(root, names, have, err);
	if (r < 0)
		return -1;
	char *missing = NULL;
	for (size_t i = 0; i < n; i++) {
		if (i < N_PKGS) {
			ret[i] = have[i];
			continue;
		}
		if (!have[i]) {
			char *m = xasprintf("%s%s%s", missing ? missing : "", missing ? ", " : "",
			                    names[i]);
			free(missing);
			missing = m;
		}
		free(have[i]);
	}
	*ret_missing = missing;
	return 0;
}

int
pkg_plan_make(const struct pkg_install_opts *o, struct pkg_plan *ret, struct gp_error *err)
{
	struct pkg_plan p = {0};
	struct os_info os = {0};
	_cleanup_free_ char *osr = gp_path(o->root, "/etc/os-release");
	if (gp_root_is_set(o->root))
		p.root = xstrdup(o->root);
	/* Well-formed in dpkg's or rpm's terms, whichever the system turns out to be. */
	if (o->version && !debver_valid(o->version) && !rpmver_valid(o->version)) {
		gp_error_set_code(err, 2, "--version '%s' is not a version number", o->version);
		gp_error_hint(err, "give the toolkit's version as NVIDIA writes it: 1.17.8");
		goto fail;
	}
	if (os_info_read(p.root, &os, err) < 0)
		goto fail;
	if (os.family == OS_FAMILY_UNKNOWN) {
		gp_error_set(err, "cannot tell whether '%s' is a deb or an rpm system (ID=%s)", osr,
		             os.id ? os.id : "?");
		gp_error_hint(err, "gpuprep installs on Debian, Ubuntu, RHEL and their relatives");
		goto fail;
	}
	if (o->version && !(os.family == OS_FAMILY_RPM ? rpmver_valid : debver_valid)(o->version)) {
		gp_error_set_code(err, 2, "--version '%s' is not a version number for %s",
		                  o->version, os_family_name(os.family));
		gp_error_hint(err, "give the toolkit's version as NVIDIA writes it: 1.17.8");
		goto fail;
	}
	p.family = os.family;
	const char *arch = p.family == OS_FAMILY_RPM ? os.arch_rpm : os.arch_deb;
	if (!arch) {
		gp_error_set(err, "cannot tell the architecture of the system at '%s'",
		             p.root ? p.root : "/");
		gp_error_hint(
		        err, "%s",
		        p.root ? "gpuprep reads it from the root's /bin/sh (an ELF program) or "
		                 "from the dpkg package in /var/lib/dpkg/status; a root with "
		                 "neither is not a whole system: mount the complete image"
		               : "this machine's architecture is not one NVIDIA ships the "
		                 "toolkit for (amd64, arm64, ...)");
		goto fail;
	}
	p.arch = xstrdup(arch);
	if (p.family == OS_FAMILY_RPM)
		p.rpm_dbpath = xstrdup(pkg_rpm_dbpath(p.root));
	if (tmpfiles_mkdtemp("install", &p.tmpdir, err) < 0)
		goto fail;
	if (query_all(p.root, p.family, p.installed, &p.missing_deps, err) < 0)
		goto fail;
	if (p.family == OS_FAMILY_DEB && pkg_plan_check_dpkg_arch(&p, err) < 0)
		goto fail;

	if (o->offline) {
		if (pkg_plan_offline(o, &p, err) < 0)
			goto fail;
		const char *versions[N_PKGS] = {p.version, p.version, p.version, p.version};
		if (pkg_plan_all_installed_at(&p, versions))
			p.up_to_date = true;
		else if (pkg_plan_offline_commands(&p, err) < 0)
			goto fail;
	} else {
		p.source = PKG_SOURCE_REPOSITORY;
		int r = p.family == OS_FAMILY_RPM ? pkg_plan_online_rpm(o, &p, err)
		                                  : pkg_plan_online_deb(o, &p, err);
		if (r < 0)
			goto fail;
	}
	os_info_release(&os);
	*ret = p;
	return 0;
fail:
	os_info_release(&os);
	pkg_plan_release(&p);
	return -1;
}
