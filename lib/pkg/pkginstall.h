/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * lib/pkg/ owns packages: apt repositories, signatures, versions, digests, downloads, bundles,
 * installs. It may include from lib/base, lib/files, lib/node (README "Architecture"; the folder's
 * meson.build sets the include path that enforces it).
 */
/*
 * Installing the NVIDIA container toolkit: a plan (the source, the versions,
 * the files to write and the commands to run), made once and then either
 * shown (--dry-run) or carried out. Online, the plan sets up NVIDIA's
 * repository (or a mirror) and runs apt-get or dnf; offline, it runs one
 * dpkg -i or rpm -Uvh on the four packages from a release tarball, a
 * directory or a gpuprep bundle.
 */
#pragma once

#include <jansson.h>
#include <stdbool.h>

#include "aptrepo.h"
#include "fetch.h"
#include "osinfo.h"

#define PKG_APT_LIST    "/etc/apt/sources.list.d/nvidia-container-toolkit.list"
#define PKG_APT_KEYRING "/usr/share/keyrings/nvidia-container-toolkit-keyring.gpg"
#define PKG_YUM_REPO    "/etc/yum.repos.d/nvidia-container-toolkit.repo"
#define PKG_RPM_KEY     "/etc/pki/rpm-gpg/RPM-GPG-KEY-nvidia-container-toolkit"

enum pkg_source {
	PKG_SOURCE_REPOSITORY,
	PKG_SOURCE_RELEASE_TARBALL,
	PKG_SOURCE_DIRECTORY,
	PKG_SOURCE_BUNDLE,
};

struct pkg_install_opts {
	const char *root;     /* --root, or NULL */
	const char *version;  /* --version, or NULL for the newest */
	const char *repo_url; /* --repo-url, or NULL for NVIDIA's */
	const char *keyring;  /* --keyring, or NULL for the pinned key */
	const char *offline;  /* --offline PATH, or NULL */
	struct fetch_opts fetch;
};

/* A file the plan writes, under the root. */
struct pkg_write {
	char *path; /* the path in the node's system: "/etc/apt/..." */
	char *full; /* the same under --root */
	char *data;
	size_t len;
	unsigned mode;
};

struct pkg_command {
	char **argv;
	char **env; /* extra "KEY=VALUE", or NULL */
	/*
	 * dpkg -i of copies in gpuprep's temp dir: they are removed as soon as dpkg reports
	 * (--status-fd; lib/pkg/dpkgstatus) that it unpacked every one, so that freeing them
	 * overlaps dpkg's configuring rather than following it. drop_files[i] is the archive
	 * of package drop_names[i]; both NULL-terminated, or NULL.
	 */
	char **drop_names;
	char **drop_files;
};

struct pkg_plan {
	char *root; /* NULL for the real root */
	enum os_family family;
	char *arch; /* in the family's spelling */
	enum pkg_source source;
	char *location;     /* URL or path */
	char *fingerprint;  /* the key that vouched for the packages, or NULL */
	char *reused;       /* an existing source entry that is used instead of writing one */
	char *missing_deps; /* OS packages the toolkit needs that are not installed, or NULL */
	char *version;      /* the version all four get: "1.17.8-1"; NULL when dnf picks */
	char *installed[APT_REPO_TOOLKIT_COUNT]; /* NULL when not installed */
	char *files[APT_REPO_TOOLKIT_COUNT];     /* offline: the package files */
	/* offline: a signed index (a bundle's) vouches for each file's name, version,
	 * architecture, size and SHA-256, so dpkg-deb or rpm need not read them first */
	bool vouched;
	struct pkg_write *writes;
	size_t n_writes;
	struct pkg_command *cmds;
	size_t n_cmds;
	bool up_to_date;  /* nothing to do */
	char *tmpdir;     /* private; removed by pkg_plan_release() */
	char *rpm_dbpath; /* the rpm family: the node's rpm database, pkg_rpm_dbpath() */
};

/*
 * Where the rpm database of the system at root (NULL: this one) lives, as a path inside it:
 * the first of /usr/lib/sysimage/rpm (Fedora 36 and later, RHEL 10) and /var/lib/rpm (CentOS 7,
 * RHEL 8 and 9) that holds a database (rpmdb.sqlite, Packages or Packages.db), else the first
 * that is a directory, else /var/lib/rpm. Every rpm, dnf and yum gpuprep runs gets it
 * explicitly: a host's rpm may keep its own database elsewhere (Debian's: ~/.rpmdb).
 */
const char *pkg_rpm_dbpath(const char *root);

/* Make the plan. This reads and verifies the source (online: the key and the
 * signed index), but changes nothing on the system. */
int pkg_plan_make(const struct pkg_install_opts *o, struct pkg_plan *ret, struct gp_error *err);
void pkg_plan_release(struct pkg_plan *p);

const char *pkg_source_name(enum pkg_source s);

/* The plan as a JSON object (schema_version 1). */
json_t *pkg_plan_to_json(const struct pkg_plan *p);

/* One line of a package manager's output; tool is "apt-get", "dpkg", ... */
typedef void (*pkg_output_fn)(const char *tool, const char *line, void *userdata);
/* Called before each command with its shell form. */
typedef void (*pkg_step_fn)(const char *what, void *userdata);

/*
 * Carry out the plan: write the files (atomically), run the commands, relaying
 * their output. On failure every file this run wrote is put back as it was.
 */
int pkg_plan_execute(struct pkg_plan *p, pkg_step_fn on_step, pkg_output_fn on_output,
                     void *userdata, struct gp_error *err);

/*
 * The installed versions of the four packages (NULL when not installed), from
 * dpkg's database under root (pkg_dpkg_installed()) or rpm -q --root.
 */
int pkg_query_installed(const char *root, enum os_family family, char *ret[APT_REPO_TOOLKIT_COUNT],
                        struct gp_error *err);

/*
 * The installed versions of any packages (names NULL-terminated; ret, one slot per name, is
 * set to NULL first and stays NULL for what is not installed) in the family's database under
 * root: pkg_dpkg_installed(), or rpm -q with the node's --dbpath ("EPOCH:" where there is one).
 */
int pkg_installed_versions(const char *root, enum os_family family, const char *const *names,
                           char **ret, struct gp_error *err);

/*
 * The installed versions of names (NULL-terminated; ret, one slot per name,
 * starts all NULL and stays NULL for what is not installed), read straight
 * from <root>/var/lib/dpkg/status and dpkg's journal of updates beside it, as
 * dpkg-query would answer, without running it. Installed means the state
 * installed, triggers-pending or triggers-awaited, whatever the selection
 * (install, hold, deinstall). Only the named packages' stanzas are parsed.
 */
int pkg_dpkg_installed(const char *root, const char *const *names, char **ret,
                       struct gp_error *err);

/* The line for the apt source list: "deb [signed-by=KEYRING] URL/stable/deb/$(ARCH) /". */
char *pkg_apt_source_line(const char *base_url, const char *keyring);

/*
 * Find an existing apt source (one-line or deb822) under root that names
 * base_url, in a file other than PKG_APT_LIST. Returns 1 with the file and its
 * signed-by (NULL when none) and the entry's URI and suite, 0 when there is none.
 */
struct pkg_apt_entry {
	char *file; /* in the node's system: "/etc/apt/sources.list.d/x.list" */
	char *signed_by;
	char *uri;
	char *suite;
	char *components; /* "main" (one-line format), or NULL */
	bool deb822;
};
int pkg_apt_find_entry(const char *root, const char *base_url, struct pkg_apt_entry *ret);
void pkg_apt_entry_release(struct pkg_apt_entry *e);
