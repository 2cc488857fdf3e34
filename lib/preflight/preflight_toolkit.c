// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The toolkit check: NVIDIA's container toolkit programs in the usual bin
 * dirs, and its four packages installed, at one version, from the package
 * database under the root (dpkg's status file, read directly; or rpm -q).
 */
#include <string.h>

#include "aptrepo.h"
#include "debver.h"
#include "rpmver.h"
#include "noderoot.h"
#include "pkginstall.h"
#include "preflight_check.h"

#define N_PKGS APT_REPO_TOOLKIT_COUNT

/* The programs the runtimes and the other checks' hints need. */
static const char *const toolkit_programs[] = {
        "nvidia-container-runtime",
        "nvidia-ctk",
        "nvidia-container-cli",
};

/*
 * The oldest toolkit a Jetson board can use: CSV-mode CDI specs (nvidia-ctk
 * cdi generate --mode=csv) and the runtime's csv mode came with 1.11.
 */
#define TOOLKIT_TEGRA_MIN "1.11"

/*
 * The package database to ask, by the root's os-release as install decides:
 * dpkg's on a deb system, rpm's on an rpm system; dpkg's also when the family
 * is unknown but the database is there. Unknown when there is none to read.
 */
static enum os_family
package_db(const struct preflight_ctx *ctx, const struct node_info *n)
{
	enum os_family family = OS_FAMILY_UNKNOWN;
	if (n)
		family = n->os.family;
	else {
		struct os_info os = {0};
		struct gp_error ignored = GP_ERROR_INIT;
		if (os_info_read(ctx->root, &os, &ignored) == 0)
			family = os.family;
		os_info_release(&os);
		gp_error_release(&ignored);
	}
	if (family == OS_FAMILY_RPM)
		return family;
	return noderoot_exists(ctx->root, "/var/lib/dpkg/status") ? OS_FAMILY_DEB
	                                                          : OS_FAMILY_UNKNOWN;
}

/* Where the programs are, for the pass message: "in /usr/bin", or each one's path. */
static char *
programs_where(char *const found[GP_ARRAY_SIZE(toolkit_programs)])
{
	const size_t n = GP_ARRAY_SIZE(toolkit_programs);
	bool one_dir = true;
	size_t dir_len = strrchr(found[0], '/') - found[0];
	for (size_t i = 1; i < n; i++)
		one_dir = one_dir && strrchr(found[i], '/') - found[i] == (ptrdiff_t)dir_len &&
		          strncmp(found[i], found[0], dir_len) == 0;
	if (one_dir)
		return xasprintf("%s, %s and %s in %.*s", toolkit_programs[0], toolkit_programs[1],
		                 toolkit_programs[2], (int)dir_len, found[0]);
	return xasprintf("%s, %s and %s", found[0], found[1], found[2]);
}

void
preflight_check_toolkit(struct preflight_ctx *ctx, struct preflight_result *r)
{
	const size_t n_progs = GP_ARRAY_SIZE(toolkit_programs);
	char *found[GP_ARRAY_SIZE(toolkit_programs)] = {0};
	_cleanup_free_ char *missing_progs = NULL, *problems = NULL, *where = NULL;
	for (size_t i = 0; i < n_progs; i++) {
		found[i] = runtime_find_program(ctx->root, toolkit_programs[i]);
		if (!found[i])
			preflight_list_add(&missing_progs, "%s", toolkit_programs[i]);
	}

	/* A Jetson board needs a newer toolkit; without a node scan, that rule is left out. */
	const char *scan_error = NULL;
	const struct node_info *n = preflight_node(ctx, &scan_error);
	bool tegra = n && n->tegra;

	enum os_family family = package_db(ctx, n);
	char *ver[N_PKGS] = {0};
	struct gp_error qerr = GP_ERROR_INIT;
	bool queried = family != OS_FAMILY_UNKNOWN &&
	               pkg_query_installed(ctx->root, family, ver, &qerr) == 0;

	/* The toolkit's version: nvidia-container-toolkit's, else the newest installed. */
	const char *version = NULL, *newest = NULL;
	_cleanup_free_ char *missing_pkgs = NULL, *all_versions = NULL;
	bool mixed = false;
	for (size_t k = 0; queried && k < N_PKGS; k++) {
		if (!ver[k]) {
			preflight_list_add(&missing_pkgs, "%s", apt_repo_toolkit[k]);
			continue;
		}
		preflight_list_add(&all_versions, "%s %s", apt_repo_toolkit[k], ver[k]);
		if (newest && strcmp(newest, ver[k]) != 0)
			mixed = true;
		int (*cmp)(const char *, const char *) =
		        family == OS_FAMILY_RPM ? rpmver_compare : debver_compare;
		if (!newest || cmp(ver[k], newest) > 0)
			newest = ver[k];
	}
	for (size_t k = 0; queried && k < N_PKGS; k++)
		if (strcmp(apt_repo_toolkit[k], "nvidia-container-toolkit") == 0)
			version = ver[k];
	if (!version)
		version = newest;
	_cleanup_free_ char *upstream = version ? debver_upstream(version) : NULL;
	bool too_old = tegra && upstream && debver_compare(upstream, TOOLKIT_TEGRA_MIN) < 0;

	if (!queried && family != OS_FAMILY_UNKNOWN) {
		preflight_set(r, PREFLIGHT_FAIL, "cannot read the package database: %s%s%s",
		              qerr.msg ? qerr.msg : "unknown error",
		              missing_progs ? "; not in any bin dir: " : "",
		              missing_progs ? missing_progs : "");
		if (qerr.hint)
			preflight_hint(r, "%s", qerr.hint);
		goto out;
	}

	if (too_old)
		preflight_problem_add(&problems,
		                      "toolkit %s is older than " TOOLKIT_TEGRA_MIN
		                      ", which a Jetson board needs (CSV mode)",
		                      version);
	if (missing_progs)
		preflight_problem_add(&problems, "not in any bin dir: %s", missing_progs);
	if (missing_pkgs && !newest)
		preflight_problem_add(&problems, "none of the four packages is installed");
	else if (missing_pkgs)
		preflight_problem_add(&problems, "not installed: %s", missing_pkgs);
	if (mixed)
		preflight_problem_add(&problems, "the packages are not at one version: %s",
		                      all_versions);

	if (problems) {
		preflight_set(r, PREFLIGHT_FAIL, "%s", problems);
		if (too_old)
			preflight_hint(r,
			               "gpuprep install (the newest toolkit; a Jetson board needs "
			               "%s or newer)",
			               TOOLKIT_TEGRA_MIN);
		else if (mixed || (missing_pkgs && newest))
			preflight_hint(r,
			               "gpuprep install --version %s puts all four packages at one "
			               "version",
			               newest);
		else if (missing_pkgs || family == OS_FAMILY_UNKNOWN)
			preflight_hint(r, "gpuprep install");
		else
			preflight_hint(
			        r,
			        "the packages are installed but a program is gone: reinstall "
			        "them (%s %s %s %s %s)",
			        family == OS_FAMILY_RPM ? "dnf reinstall"
			                                : "apt-get install --reinstall",
			        apt_repo_toolkit[0], apt_repo_toolkit[1], apt_repo_toolkit[2],
			        apt_repo_toolkit[3]);
		goto out;
	}

	where = programs_where(found);
	if (family == OS_FAMILY_UNKNOWN) {
		_cleanup_free_ char *dpkg = gp_path(ctx->root, "/var/lib/dpkg/status");
		preflight_set(r, PREFLIGHT_WARN,
		              "%s, but no package database (no '%s', and not an rpm system) to "
		              "tell the toolkit's version%s",
		              where, dpkg, tegra ? " (a Jetson board needs 1.11 or newer)" : "");
		preflight_hint(r, "gpuprep install, so the packages are known");
		goto out;
	}
	preflight_set(r, PREFLIGHT_PASS, "NVIDIA Container Toolkit %s: the four packages, and %s%s",
	              version, where, tegra ? " (1.11 or newer, as a Jetson board needs)" : "");
out:
	for (size_t i = 0; i < n_progs; i++)
		free(found[i]);
	for (size_t k = 0; k < N_PKGS; k++)
		free(ver[k]);
	gp_error_release(&qerr);
}
