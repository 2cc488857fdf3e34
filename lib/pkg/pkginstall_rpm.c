// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The rpm family: the rpm database, and the online plan (NVIDIA's repository through dnf or yum).
 */
#include "pkginstall.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "gpgverify.h"
#include "noderoot.h"
#include "osinfo.h"
#include "proc.h"
#include "pkginstall_private.h"
#include "rpmrepo.h"
#include "tmpfiles.h"

const char *
pkg_rpm_dbpath(const char *root)
{
	static const char *const dirs[] = {"/usr/lib/sysimage/rpm", "/var/lib/rpm"};
	static const char *const dbs[] = {"rpmdb.sqlite", "Packages", "Packages.db"};
	for (size_t i = 0; i < GP_ARRAY_SIZE(dirs); i++)
		for (size_t j = 0; j < GP_ARRAY_SIZE(dbs); j++) {
			_cleanup_free_ char *f = xasprintf("%s/%s", dirs[i], dbs[j]);
			if (noderoot_access(root, f, F_OK) == 0)
				return dirs[i];
		}
	for (size_t i = 0; i < GP_ARRAY_SIZE(dirs); i++) {
		struct stat st;
		if (noderoot_stat(root, dirs[i], &st) == 0 && S_ISDIR(st.st_mode))
			return dirs[i];
	}
	return dirs[1];
}

/*
 * The installed versions of names (ret has a slot for each, NULL when not
 * installed), from rpm -q --root. Its exit status is the count of names it
 * does not know; their complaints are skipped.
 */
int
pkg_rpm_installed(const char *root, const char *const *names, char **ret, struct gp_error *err)
{
	char **argv = NULL;
	argv = strv_push(argv, "rpm");
	argv = strv_push(argv, "-q");
	if (gp_root_is_set(root)) {
		argv = strv_push(argv, "--root");
		argv = strv_push(argv, root);
	}
	argv = strv_push(argv, "--dbpath");
	argv = strv_push(argv, pkg_rpm_dbpath(root));
	argv = strv_push(argv, "--qf");
	/* the epoch only where there is one, as repositories write the EVR */
	argv = strv_push(argv, "%{NAME}\t%|EPOCH?{%{EPOCH}:}:{}|%{VERSION}-%{RELEASE}\n");
	for (size_t i = 0; names[i]; i++)
		argv = strv_push(argv, names[i]);
	struct proc_result res = {0};
	int r = pkg_run_keep(argv, RPM_HINT, &res, err);
	_cleanup_free_ char *shown = proc_argv_string(argv);
	strv_free(argv);
	if (r < 0)
		return -1;
	if (res.status > 255) {
		gp_error_set(err, "'%s' failed: %.*s", shown, (int)strcspn(res.output, "\n"),
		             res.output);
		proc_result_release(&res);
		return -1;
	}
	char *save = NULL;
	for (char *ln = strtok_r(res.output, "\n", &save); ln; ln = strtok_r(NULL, "\n", &save)) {
		char *tab = strchr(ln, '\t');
		if (!tab)
			continue;
		*tab = '\0';
		for (size_t i = 0; names[i]; i++)
			if (strcmp(names[i], ln) == 0 && !ret[i])
				ret[i] = xstrdup(tab + 1);
	}
	proc_result_release(&res);
	return 0;
}

static bool
have_program_under(const char *root, const char *name)
{
	static const char *const dirs[] = {"/usr/bin", "/bin", "/usr/sbin", "/sbin"};
	for (size_t i = 0; i < GP_ARRAY_SIZE(dirs); i++) {
		_cleanup_free_ char *sys = xasprintf("%s/%s", dirs[i], name);
		if (noderoot_access(root, sys, X_OK) == 0)
			return true;
	}
	return false;
}

/* The release's major version ("9" from VERSION_ID="9.3"), for dnf --releasever; or NULL. */
static char *
releasever(const char *root)
{
	struct os_info os = {0};
	struct gp_error ignored = GP_ERROR_INIT;
	char *v = NULL;
	if (os_info_read(root, &os, &ignored) == 0 && os.version_id)
		v = xstrndup(os.version_id, strcspn(os.version_id, "."));
	os_info_release(&os);
	gp_error_release(&ignored);
	return v;
}

/*
 * dnf and yum take no --dbpath: they read rpm's macros, and a host's rpm may keep its database
 * elsewhere (Debian's: ~/.rpmdb, which under --installroot is ROOT/root/.rpmdb). rpm reads
 * ~/.rpmmacros last, so HOME set to a private directory whose .rpmmacros names the node's
 * database makes both use it, on an image as on the node itself.
 */
static int
rpm_macros_env(struct pkg_plan *p, struct pkg_command *c, struct gp_error *err)
{
	_cleanup_free_ char *home = xasprintf("%s/rpm-home", p->tmpdir);
	_cleanup_free_ char *file = xasprintf("%s/.rpmmacros", home);
	_cleanup_free_ char *text = xasprintf("%%_dbpath %s\n", p->rpm_dbpath);
	if (mkdir_p(home, 0700) < 0)
		return gp_error_set_errno(err, errno, "creating '%s'", home);
	if (tmpfiles_write(file, text, strlen(text), 0600, err) < 0)
		return -1;
	_cleanup_free_ char *env = xasprintf("HOME=%s", home);
	c->env = strv_push(c->env, env);
	return 0;
}

int
pkg_plan_online_rpm(const struct pkg_install_opts *o, struct pkg_plan *p, struct gp_error *err)
{
	struct apt_repo r;
	struct rpm_repo md;
	_cleanup_free_ char *work = xasprintf("%s/repo", p->tmpdir);
	_cleanup_free_ char *mdwork = xasprintf("%s/rpmmd", p->tmpdir);
	_cleanup_free_ char *target = o->version ? apt_repo_version_target(o->version) : NULL;
	int ret = -1;
	if (mkdir_p(work, 0700) < 0)
		return gp_error_set_errno(err, errno, "creating '%s'", work);
	if (mkdir_p(mdwork, 0700) < 0)
		return gp_error_set_errno(err, errno, "creating '%s'", mdwork);
	apt_repo_init(&r, o->repo_url, p->arch, work);
	p->location = xasprintf("%s/stable/rpm/$basearch", r.base_url);
	_cleanup_free_ char *repo_url = xasprintf("%s/stable/rpm/%s", r.base_url, p->arch);
	rpm_repo_init(&md, repo_url, p->arch, mdwork);
	_cleanup_fetch_ struct fetch *f = NULL;
	_cleanup_free_ char *armored = NULL;
	_cleanup_free_ char *repo = NULL;
	_cleanup_free_ char *relver = NULL;
	if (target) {
		const char *want[N_PKGS] = {target, target, target, target};
		if (pkg_plan_all_installed_at(p, want)) {
			p->version = xstrdup(target);
			p->up_to_date = true;
			ret = 0;
			goto out;
		}
	}
	f = fetch_new(&o->fetch);
	if (apt_repo_load_key(&r, f, o->keyring, err) < 0)
		goto out;
	if (!r.key.fingerprints && gpg_key_list(&r.key, err) < 0)
		goto out;
	/* The chain dnf checks with repo_gpgcheck=1, checked here first: a bad signature, a
	 * damaged index or a version the repository lacks stops the plan before dnf runs. */
	const struct rpm_package *pick[N_PKGS];
	if (rpm_repo_fetch(&md, &r.key, f, err) < 0 || rpm_repo_select(&md, target, pick, err) < 0)
		goto out;
	p->fingerprint = xstrdup(md.fingerprint ? md.fingerprint : r.key.fingerprints[0]);
	p->version = xstrdup(pick[0]->evr);
	const char *want[N_PKGS] = {p->version, p->version, p->version, p->version};
	if (pkg_plan_all_installed_at(p, want)) {
		p->up_to_date = true;
		ret = 0;
		goto out;
	}

	if (gpg_key_armor(&r.key, &armored, err) < 0)
		goto out;
	pkg_plan_write(p, PKG_RPM_KEY, armored, strlen(armored), 0644);
	static const char repo_fmt[] = "[nvidia-container-toolkit]\n"
	                               "name=nvidia-container-toolkit\n"
	                               "baseurl=%s/stable/rpm/$basearch\n"
	                               "repo_gpgcheck=1\n"
	                               "gpgcheck=0\n"
	                               "enabled=1\n"
	                               "gpgkey=file://%s\n"
	                               "sslverify=1\n";
	repo = xasprintf(repo_fmt, r.base_url, PKG_RPM_KEY);
	pkg_plan_write(p, PKG_YUM_REPO, repo, strlen(repo), 0644);

	/*
	 * yum on CentOS 7 (no dnf): the same repo file, and the same flags: yum 3.4.3 has -y,
	 * --installroot, --releasever and --setopt, which it applies to [main] (reposdir too)
	 * before it reads any repository (yum's cli.py, getOptionsConfig).
	 */
	const char *tool = have_program_under(p->root, "dnf") || !have_program_under(p->root, "yum")
	                           ? "dnf"
	                           : "yum";
	struct pkg_command *c = pkg_plan_command(p);
	if (rpm_macros_env(p, c, err) < 0)
		goto out;
	pkg_command_add(c, tool);
	pkg_command_add(c, "-y");
	if (gp_root_is_set(p->root)) {
		/* The repo file as the image will see it, with the key path under the root. */
		_cleanup_free_ char *kr = gp_path(p->root, PKG_RPM_KEY);
		_cleanup_free_ char *trepo = xasprintf(repo_fmt, r.base_url, kr);
		_cleanup_free_ char *tdir = xasprintf("%s/yum.repos.d", p->tmpdir);
		_cleanup_free_ char *tfile = xasprintf("%s/nvidia-container-toolkit.repo", tdir);
		if (mkdir_p(tdir, 0700) < 0) {
			gp_error_set_errno(err, errno, "creating '%s'", tdir);
			goto out;
		}
		if (tmpfiles_write(tfile, trepo, strlen(trepo), 0600, err) < 0)
			goto out;
		pkg_command_add2(c, "--installroot=", p->root);
		pkg_command_add2(c, "--setopt=reposdir=", tdir);
		/* An image's release is not what the host runs: say it, from its os-release. */
		relver = releasever(p->root);
		if (relver)
			pkg_command_add2(c, "--releasever=", relver);
	}
	/* The versions checked above, all four pinned. */
	pkg_command_add(c, "install");
	for (size_t k = 0; k < N_PKGS; k++) {
		_cleanup_free_ char *a = xasprintf("%s-%s", apt_repo_toolkit[k], p->version);
		pkg_command_add(c, a);
	}
	ret = 0;
out:
	rpm_repo_release(&md);
	apt_repo_release(&r);
	return ret;
}
