/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What the pieces of pkginstall share, and nothing outside them uses:
 *   pkginstall.c          the plan (model, builders, JSON) and carrying it out; calls no piece
 *   pkginstall_deb.c      the dpkg database, apt sources, the online deb plan
 *   pkginstall_rpm.c      the rpm database, the online rpm plan
 *   pkginstall_offline.c  a release tarball, a directory or a bundle, either family
 *   pkginstall_check.c    the offline package files, checked before anything runs
 *   pkginstall_plan.c     pkg_plan_make: the system, then the family's or the source's piece
 * The calls go down that list's arrows only (plan -> deb, rpm, offline -> check ->
 * pkginstall.c), so no two pieces reach each other. Include it after pkginstall.h.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#define N_PKGS APT_REPO_TOOLKIT_COUNT

/*
 * The largest package file an offline source may have (the toolkit's are a few MiB), and what
 * a bundle may hold beside its four packages (its index, signature, key and manifest, and a
 * static gpuprep of under 4 MiB with --with-gpuprep).
 */
#define PKG_MAX_FILE_SIZE    (128ull << 20)
#define PKG_MAX_BUNDLE_EXTRA (16ull << 20)
/* What an offline archive's files may come to in all (NVIDIA's release: about 30 MiB). */
#define PKG_MAX_ARCHIVE_CONTENT (1ull << 30)

#define DPKG_HINT "install dpkg (it comes with every Debian and Ubuntu system)"
#define APT_HINT  "install apt"
#define RPM_HINT  "install rpm"

struct gp_error;
struct pkg_command;
struct pkg_install_opts;
struct pkg_plan;
struct proc_result;

/* pkginstall.c: the family's version order (dpkg's or rpm's): <0, 0 or >0. */
apt_vercmp_fn pkg_vercmp(enum os_family family);

/* pkginstall.c: run a program, keeping its output (stdout and stderr together). */
int pkg_run_keep(char *const argv[], const char *missing_hint, struct proc_result *ret,
                 struct gp_error *err);

/* pkginstall.c: building a plan. */
/* Write data to path (under the root) when it carries it out, unless it is there already. */
void pkg_plan_write(struct pkg_plan *p, const char *path, const void *data, size_t len,
                    unsigned mode);
/* A new empty command at the end of the plan. */
struct pkg_command *pkg_plan_command(struct pkg_plan *p);
void pkg_command_add(struct pkg_command *c, const char *arg);
/* One argument, prefix and arg joined ("--root=" and the root). */
void pkg_command_add2(struct pkg_command *c, const char *prefix, const char *arg);
/* Every package installed at exactly versions[k]. */
bool pkg_plan_all_installed_at(const struct pkg_plan *p, const char *const *versions);
/* Some package installed newer than versions[k] (the install is a downgrade). */
bool pkg_plan_any_newer(const struct pkg_plan *p, const char *const *versions);
/* An error naming the OS packages the toolkit needs that are missing, if any. */
int pkg_plan_check_os_deps(const struct pkg_plan *p, struct gp_error *err);

/* pkginstall_deb.c */
int pkg_plan_check_dpkg_arch(const struct pkg_plan *p, struct gp_error *err);
int pkg_plan_online_deb(const struct pkg_install_opts *o, struct pkg_plan *p, struct gp_error *err);

/* pkginstall_rpm.c: the installed versions of names from rpm -q (ret: a slot for each). */
int pkg_rpm_installed(const char *root, const char *const *names, char **ret, struct gp_error *err);
int pkg_plan_online_rpm(const struct pkg_install_opts *o, struct pkg_plan *p, struct gp_error *err);

/* pkginstall_check.c: the SHA256 that sha256sum-style text lists for name, or NULL. */
char *pkg_checksum_for(const char *text, const char *name);
/* Compare file's SHA256 with want (from the checksum file sums). */
int pkg_verify_sum(const char *file, const char *want, const char *sums, struct gp_error *err);
/*
 * Check p->files before anything runs: well-formed, the plan's name, version and
 * architecture, at most PKG_MAX_FILE_SIZE, and the SHA256 that sums_text (may be NULL;
 * sums_name names it) lists for each, if any.
 */
int pkg_plan_check_files(const struct pkg_plan *p, const char *sums_text, const char *sums_name,
                         struct gp_error *err);

/* pkginstall_offline.c: the four files from o->offline, then the command that installs them. */
int pkg_plan_offline(const struct pkg_install_opts *o, struct pkg_plan *p, struct gp_error *err);
int pkg_plan_offline_commands(struct pkg_plan *p, struct gp_error *err);
