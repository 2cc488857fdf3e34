// SPDX-License-Identifier: GPL-2.0-or-later
#include "pkginstall.h"

#include <dirent.h>
#include <errno.h>
#include <libgen.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/utsname.h>

#include "aptindex.h"
#include "debver.h"
#include "digest.h"
#include "noderoot.h"
#include "pkgarchive.h"
#include "pkgbundle.h"
#include "proc.h"
#include "safefile.h"
#include "tmpfiles.h"

#define N_PKGS APT_REPO_TOOLKIT_COUNT

/* Run a program, keeping its output (stdout and stderr together). */
static int
run_keep(char *const argv[], const char *missing_hint, struct proc_result *ret,
         struct gp_error *err)
{
	struct proc_opts o = {.keep_output = true};
	if (proc_run(argv, &o, ret, err) < 0)
		return gp_error_hint(err, "%s", missing_hint);
	return 0;
}

static const char *const os_deps_deb[] = {"libc6", "libcap2", "libseccomp2", NULL};
static const char *const os_deps_rpm[] = {"glibc", "libcap", "libseccomp", NULL};

#define DPKG_HINT "install dpkg (it comes with every Debian and Ubuntu system)"
#define APT_HINT  "install apt"
#define RPM_HINT  "install rpm"

const char *
pkg_source_name(enum pkg_source s)
{
	switch (s) {
	case PKG_SOURCE_REPOSITORY:
		return "repository";
	case PKG_SOURCE_RELEASE_TARBALL:
		return "release-tarball";
	case PKG_SOURCE_DIRECTORY:
		return "directory";
	case PKG_SOURCE_BUNDLE:
		return "bundle";
	}
	return "?";
}

void
pkg_apt_entry_release(struct pkg_apt_entry *e)
{
	if (!e)
		return;
	free(e->file);
	free(e->signed_by);
	free(e->uri);
	free(e->suite);
	*e = (struct pkg_apt_entry){0};
}

void
pkg_plan_release(struct pkg_plan *p)
{
	if (!p)
		return;
	free(p->root);
	free(p->arch);
	free(p->location);
	free(p->fingerprint);
	free(p->reused);
	free(p->missing_deps);
	free(p->version);
	for (size_t k = 0; k < N_PKGS; k++) {
		free(p->installed[k]);
		free(p->files[k]);
	}
	for (size_t i = 0; i < p->n_writes; i++) {
		free(p->writes[i].path);
		free(p->writes[i].full);
		free(p->writes[i].data);
	}
	free(p->writes);
	for (size_t i = 0; i < p->n_cmds; i++) {
		strv_free(p->cmds[i].argv);
		strv_free(p->cmds[i].env);
	}
	free(p->cmds);
	tmpfiles_rm_rf(p->tmpdir);
	free(p->tmpdir);
	*p = (struct pkg_plan){0};
}

/* --- what is installed ----------------------------------------------------------------- */

/*
 * Whether a dpkg Status field ("install ok installed") leaves the package
 * there to use: installed, or installed with triggers still to run. Half
 * installed, unpacked, half configured and config-files are not.
 */
static bool
dpkg_state_installed(const char *status)
{
	const char *state = status ? strrchr(status, ' ') : NULL;
	if (!state)
		return false;
	state++;
	return strcmp(state, "installed") == 0 || strcmp(state, "triggers-pending") == 0 ||
	       strcmp(state, "triggers-awaited") == 0;
}

/* What one package (of one architecture) is in the database: version NULL when not installed. */
struct dpkg_entry {
	char *name, *arch, *version;
};

/* Read one file of the database (status, or a journal entry) into the entries; later wins. */
static int
dpkg_read(const char *root, const char *node, const char *const *names, struct dpkg_entry **entries,
          size_t *n, struct gp_error *err)
{
	_cleanup_free_ char *path = gp_path(root, node);
	_cleanup_free_ char *text = NULL;
	size_t len = 0;
	int r = noderoot_read_file(root, node, &text, &len);
	if (r < 0)
		return gp_error_set(err, "cannot read '%s': %s", path, strerror(-r));
	_cleanup_free_ char *source = xasprintf("'%s'", path);
	struct apt_stanza *st = NULL;
	size_t n_st = 0;
	if (aptindex_parse_matching(text, len, source, "Package", names, &st, &n_st, err) < 0)
		return -1;
	for (size_t i = 0; i < n_st; i++) {
		const char *name = apt_stanza_get(&st[i], "Package");
		const char *arch = apt_stanza_get(&st[i], "Architecture");
		const char *version = apt_stanza_get(&st[i], "Version");
		bool installed = version && dpkg_state_installed(apt_stanza_get(&st[i], "Status"));
		if (!arch)
			arch = "";
		struct dpkg_entry *e = NULL;
		for (size_t k = 0; k < *n && !e; k++)
			if (strcmp((*entries)[k].name, name) == 0 &&
			    strcmp((*entries)[k].arch, arch) == 0)
				e = &(*entries)[k];
		if (!e) {
			*entries = xrealloc(*entries, (*n + 1) * sizeof(**entries));
			e = &(*entries)[(*n)++];
			*e = (struct dpkg_entry){.name = xstrdup(name), .arch = xstrdup(arch)};
		}
		free(e->version);
		e->version = installed ? xstrdup(version) : NULL;
	}
	apt_stanzas_free(st, n_st);
	return 0;
}

int
pkg_dpkg_installed(const char *root, const char *const *names, char **ret, struct gp_error *err)
{
	_cleanup_free_ char *status = gp_path(root, "/var/lib/dpkg/status");
	if (!noderoot_exists(root, "/var/lib/dpkg/status")) {
		gp_error_set(err, "there is no dpkg database at '%s'", status);
		return gp_error_hint(err, "%s",
		                     gp_root_is_set(root)
		                             ? "--root must be a mounted Debian or Ubuntu "
		                               "system"
		                             : "this does not look like a Debian or Ubuntu "
		                               "system");
	}
	/* dpkg's journal: updates not yet folded into status, applied in their numeric order. */
	_cleanup_strv_ char **journal = NULL;
	DIR *d = noderoot_opendir(root, "/var/lib/dpkg/updates");
	for (struct dirent *de; d && (de = readdir(d));)
		if (de->d_name[0] && strspn(de->d_name, "0123456789") == strlen(de->d_name))
			journal = strv_push(journal, de->d_name);
	if (d)
		closedir(d);
	strv_sort(journal);

	struct dpkg_entry *entries = NULL;
	size_t n = 0;
	int r = dpkg_read(root, "/var/lib/dpkg/status", names, &entries, &n, err);
	for (size_t j = 0; r == 0 && journal && journal[j]; j++) {
		_cleanup_free_ char *p = xasprintf("/var/lib/dpkg/updates/%s", journal[j]);
		r = dpkg_read(root, p, names, &entries, &n, err);
	}
	for (size_t k = 0; k < n; k++) {
		for (size_t i = 0; r == 0 && names[i]; i++)
			if (!ret[i] && entries[k].version && strcmp(names[i], entries[k].name) == 0)
				ret[i] = xstrdup(entries[k].version);
		free(entries[k].name);
		free(entries[k].arch);
		free(entries[k].version);
	}
	free(entries);
	return r;
}

/*
 * The installed versions of names (ret has a slot for each, NULL when not
 * installed), from rpm -q --root. Its exit status is the count of names it
 * does not know; their complaints are skipped.
 */
static int
query_rpm(const char *root, const char *const *names, char **ret, struct gp_error *err)
{
	char **argv = NULL;
	argv = strv_push(argv, "rpm");
	argv = strv_push(argv, "-q");
	if (gp_root_is_set(root)) {
		argv = strv_push(argv, "--root");
		argv = strv_push(argv, root);
	}
	argv = strv_push(argv, "--qf");
	argv = strv_push(argv, "%{NAME}\t%{VERSION}-%{RELEASE}\n");
	for (size_t i = 0; names[i]; i++)
		argv = strv_push(argv, names[i]);
	struct proc_result res = {0};
	int r = run_keep(argv, RPM_HINT, &res, err);
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

int
pkg_query_installed(const char *root, enum os_family family, char *ret[N_PKGS],
                    struct gp_error *err)
{
	for (size_t k = 0; k < N_PKGS; k++)
		ret[k] = NULL;
	if (family == OS_FAMILY_RPM)
		return query_rpm(root, apt_repo_toolkit, ret, err);
	return pkg_dpkg_installed(root, apt_repo_toolkit, ret, err);
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
	int r = family == OS_FAMILY_RPM ? query_rpm(root, names, have, err)
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

static int
check_os_deps(const struct pkg_plan *p, struct gp_error *err)
{
	if (!p->missing_deps)
		return 0;
	gp_error_set(err, "the toolkit needs packages that are not installed: %s", p->missing_deps);
	return gp_error_hint(err, "install them from the distribution's own media first "
	                          "(they are part of every standard installation)");
}

/* --- apt sources ----------------------------------------------------------------------- */

char *
pkg_apt_source_line(const char *base_url, const char *keyring)
{
	return xasprintf("deb [signed-by=%s] %s/stable/deb/$(ARCH) /\n", keyring, base_url);
}

static bool
uri_matches(const char *uri, const char *base_url)
{
	size_t n = strlen(base_url);
	while (n > 0 && base_url[n - 1] == '/')
		n--;
	return strncmp(uri, base_url, n) == 0 && (uri[n] == '\0' || uri[n] == '/');
}

/* One-line format: "deb [opt=v ...] uri suite [component...]". */
static bool
parse_list_line(char *line, const char *base_url, struct pkg_apt_entry *ret)
{
	char *p = line + strspn(line, " \t");
	if (strncmp(p, "deb", 3) != 0 || (p[3] != ' ' && p[3] != '\t'))
		return false;
	p += 3;
	p += strspn(p, " \t");
	_cleanup_free_ char *signed_by = NULL;
	if (*p == '[') {
		char *close = strchr(p, ']');
		if (!close)
			return false;
		*close = '\0';
		char *save = NULL;
		for (char *o = strtok_r(p + 1, " \t", &save); o; o = strtok_r(NULL, " \t", &save))
			if (str_startswith(o, "signed-by=")) {
				free(signed_by);
				signed_by = xstrdup(o + 10);
			}
		p = close + 1;
	}
	char *save = NULL;
	char *uri = strtok_r(p, " \t", &save);
	char *suite = uri ? strtok_r(NULL, " \t", &save) : NULL;
	if (!uri || !suite || !uri_matches(uri, base_url))
		return false;
	ret->uri = xstrdup(uri);
	ret->suite = xstrdup(suite);
	ret->signed_by = TAKE_PTR(signed_by);
	return true;
}

static bool
scan_list_file(const char *root, const char *node, const char *base_url, struct pkg_apt_entry *ret)
{
	_cleanup_free_ char *text = NULL;
	if (noderoot_read_file(root, node, &text, NULL) < 0)
		return false;
	char *save = NULL;
	for (char *ln = strtok_r(text, "\n", &save); ln; ln = strtok_r(NULL, "\n", &save)) {
		ln[strcspn(ln, "#")] = '\0';
		if (parse_list_line(ln, base_url, ret))
			return true;
	}
	return false;
}

static bool
scan_sources_file(const char *root, const char *node, const char *base_url,
                  struct pkg_apt_entry *ret)
{
	_cleanup_free_ char *full = gp_path(root, node);
	_cleanup_free_ char *text = NULL;
	size_t len;
	if (noderoot_read_file(root, node, &text, &len) < 0)
		return false;
	struct apt_stanza *st = NULL;
	size_t n = 0;
	struct gp_error ignored = GP_ERROR_INIT;
	if (aptindex_parse(text, len, full, &st, &n, &ignored) < 0) {
		gp_error_release(&ignored);
		return false;
	}
	bool found = false;
	for (size_t i = 0; i < n && !found; i++) {
		const char *types = apt_stanza_get(&st[i], "Types");
		const char *uris = apt_stanza_get(&st[i], "URIs");
		const char *suites = apt_stanza_get(&st[i], "Suites");
		const char *enabled = apt_stanza_get(&st[i], "Enabled");
		if (!types || !uris || !suites || !strstr(types, "deb") ||
		    (enabled && strcasecmp(enabled, "no") == 0))
			continue;
		_cleanup_free_ char *u = xstrdup(uris);
		char *save = NULL;
		for (char *w = strtok_r(u, " \t\n", &save); w && !found;
		     w = strtok_r(NULL, " \t\n", &save)) {
			if (!uri_matches(w, base_url))
				continue;
			found = true;
			ret->uri = xstrdup(w);
			ret->suite = xstrndup(suites, strcspn(suites, " \t\n"));
			const char *sb = apt_stanza_get(&st[i], "Signed-By");
			if (sb && sb[0] == '/')
				ret->signed_by = xstrndup(sb, strcspn(sb, " \t\n"));
			ret->deb822 = true;
		}
	}
	apt_stanzas_free(st, n);
	return found;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int
pkg_apt_find_entry(const char *root, const char *base_url, struct pkg_apt_entry *ret)
{
	*ret = (struct pkg_apt_entry){0};
	if (scan_list_file(root, "/etc/apt/sources.list", base_url, ret)) {
		ret->file = xstrdup("/etc/apt/sources.list");
		return 1;
	}
	DIR *d = noderoot_opendir(root, "/etc/apt/sources.list.d");
	if (!d)
		return 0;
	char **names = NULL;
	struct dirent *de;
	while ((de = readdir(d)))
		if (str_endswith(de->d_name, ".list") || str_endswith(de->d_name, ".sources"))
			names = strv_push(names, de->d_name);
	closedir(d);
	if (names)
		qsort(names, strv_length(names), sizeof(char *), cmp_str);
	int found = 0;
	for (size_t i = 0; names && names[i] && !found; i++) {
		_cleanup_free_ char *sys = xasprintf("/etc/apt/sources.list.d/%s", names[i]);
		if (strcmp(sys, PKG_APT_LIST) == 0)
			continue;
		bool hit = str_endswith(names[i], ".list")
		                   ? scan_list_file(root, sys, base_url, ret)
		                   : scan_sources_file(root, sys, base_url, ret);
		if (hit) {
			ret->file = TAKE_PTR(sys);
			found = 1;
		}
	}
	strv_free(names);
	return found;
}

/* --- building plans -------------------------------------------------------------------- */

static void
plan_write(struct pkg_plan *p, const char *path, const void *data, size_t len, unsigned mode)
{
	_cleanup_free_ char *full = gp_path(p->root, path);
	/* Writing what is already there is no change. */
	_cleanup_free_ char *old = NULL;
	size_t old_len;
	if (noderoot_read_file(p->root, path, &old, &old_len) == 0 && old_len == len &&
	    memcmp(old, data, len) == 0)
		return;
	p->writes = xrealloc(p->writes, (p->n_writes + 1) * sizeof(*p->writes));
	char *copy = xmalloc(len + 1);
	memcpy(copy, data, len);
	copy[len] = '\0';
	p->writes[p->n_writes++] = (struct pkg_write){
	        .path = xstrdup(path),
	        .full = TAKE_PTR(full),
	        .data = copy,
	        .len = len,
	        .mode = mode,
	};
}

static struct pkg_command *
plan_cmd(struct pkg_plan *p)
{
	p->cmds = xrealloc(p->cmds, (p->n_cmds + 1) * sizeof(*p->cmds));
	p->cmds[p->n_cmds] = (struct pkg_command){0};
	return &p->cmds[p->n_cmds++];
}

static void
cmd_add(struct pkg_command *c, const char *arg)
{
	c->argv = strv_push(c->argv, arg);
}

static void
cmd_add2(struct pkg_command *c, const char *prefix, const char *arg)
{
	_cleanup_free_ char *s = xasprintf("%s%s", prefix, arg);
	c->argv = strv_push(c->argv, s);
}

static bool
all_installed_at(const struct pkg_plan *p, const char *const *versions)
{
	for (size_t k = 0; k < N_PKGS; k++)
		if (!p->installed[k] || !versions[k] ||
		    debver_compare(p->installed[k], versions[k]))
			return false;
	return true;
}

static bool
any_newer(const struct pkg_plan *p, const char *const *versions)
{
	for (size_t k = 0; k < N_PKGS; k++)
		if (p->installed[k] && versions[k] &&
		    debver_compare(p->installed[k], versions[k]) > 0)
			return true;
	return false;
}

/* dpkg from this host can only install the image's architecture when dpkg knows it. */
static int
check_dpkg_arch(const struct pkg_plan *p, struct gp_error *err)
{
	if (!gp_root_is_set(p->root))
		return 0;
	/* This host's dpkg is built for the machine it runs on. */
	struct utsname u;
	const char *host = uname(&u) == 0 ? os_arch_deb_from_rpm(u.machine) : NULL;
	if (host && strcmp(host, p->arch) == 0)
		return 0;
	bool ok = false;
	struct proc_result res = {0};
	_cleanup_free_ char *rootopt = xasprintf("--root=%s", p->root);
	char *argv2[] = {"dpkg", rootopt, "--print-foreign-architectures", NULL};
	if (run_keep(argv2, DPKG_HINT, &res, err) < 0)
		return -1;
	char *save = NULL;
	for (char *w = strtok_r(res.output, "\n", &save); w && !ok; w = strtok_r(NULL, "\n", &save))
		ok = strcmp(w, p->arch) == 0;
	proc_result_release(&res);
	if (ok)
		return 0;
	gp_error_set(err, "the system at '%s' is %s, but this host's dpkg is %s", p->root, p->arch,
	             host ? host : u.machine);
	return gp_error_hint(err, "run gpuprep on the node itself, or inside the image (a chroot "
	                          "with qemu-user-static)");
}

static void
add_apt_env(struct pkg_command *c, const char *apt_conf)
{
	if (apt_conf) {
		_cleanup_free_ char *e = xasprintf("APT_CONFIG=%s", apt_conf);
		c->env = strv_push(c->env, e);
	}
	c->env = strv_push(c->env, "DEBIAN_FRONTEND=noninteractive");
}

/*
 * apt pointed at a mounted system: the image's status and sources, its own
 * dpkg --root, and nothing from this host's /etc/apt (whose hooks would run
 * here). Lists, the download cache and logs stay in the private temp dir.
 */
static int
write_root_apt_conf(struct pkg_plan *p, const char *source_line, char **ret_conf,
                    struct gp_error *err)
{
	_cleanup_free_ char *conf = xasprintf("%s/apt/apt.conf", p->tmpdir);
	_cleanup_free_ char *list = xasprintf("%s/apt/sources.list", p->tmpdir);
	static const char *const dirs[] = {"apt/lists/partial", "apt/cache/archives/partial",
	                                   "apt/log"};
	for (size_t i = 0; i < GP_ARRAY_SIZE(dirs); i++) {
		_cleanup_free_ char *d = xasprintf("%s/%s", p->tmpdir, dirs[i]);
		if (mkdir_p(d, 0700) < 0)
			return gp_error_set_errno(err, errno, "creating '%s'", d);
	}
	_cleanup_free_ char *text =
	        xasprintf("// Written by gpuprep: apt acting on the system at %1$s\n"
	                  "Dir \"%1$s/\";\n"
	                  "Dir::State::status \"%1$s/var/lib/dpkg/status\";\n"
	                  "Dir::State::lists \"%2$s/apt/lists/\";\n"
	                  "Dir::Cache \"%2$s/apt/cache/\";\n"
	                  "Dir::Log \"%2$s/apt/log/\";\n"
	                  "Dir::Etc::main \"/dev/null\";\n"
	                  "Dir::Etc::parts \"/dev/null\";\n"
	                  "Dir::Etc::sourcelist \"%2$s/apt/sources.list\";\n"
	                  "Dir::Etc::sourceparts \"-\";\n"
	                  "APT::Architecture \"%3$s\";\n"
	                  "APT::Architectures { \"%3$s\"; };\n"
	                  "APT::Update::Error-Mode \"any\";\n"
	                  "Acquire::Languages \"none\";\n"
	                  "APT::Sandbox::User \"root\";\n"
	                  "DPkg::Use-Pty \"0\";\n"
	                  "DPkg::Options { \"--root=%1$s\"; \"--log=%2$s/apt/log/dpkg.log\"; };\n",
	                  p->root, p->tmpdir, p->arch);
	if (tmpfiles_write(conf, text, strlen(text), 0600, err) < 0 ||
	    tmpfiles_write(list, source_line, strlen(source_line), 0600, err) < 0)
		return -1;
	*ret_conf = TAKE_PTR(conf);
	return 0;
}

static int
plan_online_deb(const struct pkg_install_opts *o, struct pkg_plan *p, struct gp_error *err)
{
	struct apt_repo r;
	_cleanup_free_ char *work = xasprintf("%s/repo", p->tmpdir);
	_cleanup_free_ char *target = o->version ? apt_repo_version_target(o->version) : NULL;
	struct pkg_apt_entry existing = {0};
	_cleanup_fetch_ struct fetch *f = NULL;
	_cleanup_free_ char *line = NULL;
	_cleanup_free_ char *keyring_data = NULL;
	size_t keyring_len = 0;
	_cleanup_free_ char *conf = NULL;
	const struct apt_package *sel[N_PKGS];
	const char *versions[N_PKGS];
	int ret = -1;

	if (mkdir_p(work, 0700) < 0)
		return gp_error_set_errno(err, errno, "creating '%s'", work);
	apt_repo_init(&r, o->repo_url, p->arch, work);
	p->location = xstrdup(r.dist_url);

	/* Pinned and already there: nothing to fetch. */
	if (target) {
		const char *want[N_PKGS] = {target, target, target, target};
		if (all_installed_at(p, want)) {
			p->version = xstrdup(p->installed[N_PKGS - 1]);
			p->up_to_date = true;
			ret = 0;
			goto out;
		}
	}

	f = fetch_new(&o->fetch);
	if (apt_repo_load_key(&r, f, o->keyring, err) < 0)
		goto out;
	if (apt_repo_fetch_index(&r, f, err) < 0)
		goto out;
	if (apt_repo_select(&r, target, sel, err) < 0)
		goto out;
	p->fingerprint = xstrdup(r.fingerprint);
	p->version = xstrdup(sel[N_PKGS - 1]->version);
	for (size_t k = 0; k < N_PKGS; k++)
		versions[k] = sel[k]->version;
	if (all_installed_at(p, versions)) {
		p->up_to_date = true;
		ret = 0;
		goto out;
	}

	/* The source: reuse an entry that already names the repository, or write ours. */
	if (pkg_apt_find_entry(p->root, r.base_url, &existing) > 0) {
		p->reused = xstrdup(existing.file);
		if (existing.signed_by && gp_root_is_set(p->root)) {
			_cleanup_free_ char *sb = gp_path(p->root, existing.signed_by);
			line = xasprintf("deb [signed-by=%s] %s %s\n", sb, existing.uri,
			                 existing.suite);
		} else if (existing.signed_by) {
			line = xasprintf("deb [signed-by=%s] %s %s\n", existing.signed_by,
			                 existing.uri, existing.suite);
		} else {
			line = xasprintf("deb %s %s\n", existing.uri, existing.suite);
		}
	} else {
		int e = read_file(r.key.keyring, &keyring_data, &keyring_len);
		if (e < 0) {
			gp_error_set_errno(err, e, "reading '%s'", r.key.keyring);
			goto out;
		}
		plan_write(p, PKG_APT_KEYRING, keyring_data, keyring_len, 0644);
		_cleanup_free_ char *text = pkg_apt_source_line(r.base_url, PKG_APT_KEYRING);
		_cleanup_free_ char *content = xasprintf(
		        "# NVIDIA container toolkit, written by gpuprep install\n%s", text);
		plan_write(p, PKG_APT_LIST, content, strlen(content), 0644);
		if (gp_root_is_set(p->root)) {
			_cleanup_free_ char *kr = gp_path(p->root, PKG_APT_KEYRING);
			line = pkg_apt_source_line(r.base_url, kr);
		}
	}

	if (gp_root_is_set(p->root) && write_root_apt_conf(p, line, &conf, err) < 0)
		goto out;

	struct pkg_command *c = plan_cmd(p);
	add_apt_env(c, conf);
	cmd_add(c, "apt-get");
	cmd_add(c, "-q");
	cmd_add(c, "update");
	if (!conf) {
		const char *list = p->reused ? p->reused : PKG_APT_LIST;
		if (!existing.deb822) {
			cmd_add2(c, "-o=Dir::Etc::sourcelist=", list);
			cmd_add(c, "-o=Dir::Etc::sourceparts=-");
			cmd_add(c, "-o=APT::Get::List-Cleanup=0");
		}
		cmd_add(c, "-o=APT::Update::Error-Mode=any");
	}
	c = plan_cmd(p);
	add_apt_env(c, conf);
	cmd_add(c, "apt-get");
	cmd_add(c, "-q");
	cmd_add(c, "install");
	cmd_add(c, "-y");
	if (any_newer(p, versions))
		cmd_add(c, "--allow-downgrades");
	for (size_t k = 0; k < N_PKGS; k++) {
		_cleanup_free_ char *a = xasprintf("%s=%s", sel[k]->name, sel[k]->version);
		cmd_add(c, a);
	}
	ret = 0;
out:
	pkg_apt_entry_release(&existing);
	apt_repo_release(&r);
	return ret;
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

static int
plan_online_rpm(const struct pkg_install_opts *o, struct pkg_plan *p, struct gp_error *err)
{
	struct apt_repo r;
	_cleanup_free_ char *work = xasprintf("%s/repo", p->tmpdir);
	_cleanup_free_ char *target = o->version ? apt_repo_version_target(o->version) : NULL;
	int ret = -1;
	if (mkdir_p(work, 0700) < 0)
		return gp_error_set_errno(err, errno, "creating '%s'", work);
	apt_repo_init(&r, o->repo_url, p->arch, work);
	p->location = xasprintf("%s/stable/rpm/$basearch", r.base_url);
	_cleanup_fetch_ struct fetch *f = NULL;
	_cleanup_free_ char *armored = NULL;
	_cleanup_free_ char *repo = NULL;
	if (target) {
		const char *want[N_PKGS] = {target, target, target, target};
		if (all_installed_at(p, want)) {
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
	p->fingerprint = xstrdup(r.key.fingerprints[0]);
	p->version = target ? xstrdup(target) : NULL;

	if (gpg_key_armor(&r.key, &armored, err) < 0)
		goto out;
	plan_write(p, PKG_RPM_KEY, armored, strlen(armored), 0644);
	static const char repo_fmt[] = "[nvidia-container-toolkit]\n"
	                               "name=nvidia-container-toolkit\n"
	                               "baseurl=%s/stable/rpm/$basearch\n"
	                               "repo_gpgcheck=1\n"
	                               "gpgcheck=0\n"
	                               "enabled=1\n"
	                               "gpgkey=file://%s\n"
	                               "sslverify=1\n";
	repo = xasprintf(repo_fmt, r.base_url, PKG_RPM_KEY);
	plan_write(p, PKG_YUM_REPO, repo, strlen(repo), 0644);

	const char *tool = have_program_under(p->root, "dnf") || !have_program_under(p->root, "yum")
	                           ? "dnf"
	                           : "yum";
	struct pkg_command *c = plan_cmd(p);
	cmd_add(c, tool);
	cmd_add(c, "-y");
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
		cmd_add2(c, "--installroot=", p->root);
		cmd_add2(c, "--setopt=reposdir=", tdir);
	}
	cmd_add(c, "install");
	for (size_t k = 0; k < N_PKGS; k++) {
		if (target) {
			_cleanup_free_ char *a = xasprintf("%s-%s", apt_repo_toolkit[k], target);
			cmd_add(c, a);
		} else {
			cmd_add(c, apt_repo_toolkit[k]);
		}
	}
	ret = 0;
out:
	apt_repo_release(&r);
	return ret;
}

/* --- offline sources ------------------------------------------------------------------- */

struct cands {
	struct pkg_file *v;
	size_t n;
};

static void
cands_release(struct cands *c)
{
	for (size_t i = 0; i < c->n; i++)
		pkg_file_release(&c->v[i]);
	free(c->v);
	*c = (struct cands){0};
}

static void
cands_add(struct cands *c, const char *path)
{
	struct pkg_file f;
	if (pkg_file_parse(path, &f) <= 0)
		return;
	c->v = xrealloc(c->v, (c->n + 1) * sizeof(*c->v));
	c->v[c->n++] = f;
}

static void
scan_dir(const char *dir, int depth, struct cands *c)
{
	if (depth > 8)
		return;
	DIR *d = opendir(dir);
	if (!d)
		return;
	struct dirent *de;
	char **names = NULL;
	while ((de = readdir(d)))
		if (de->d_name[0] != '.')
			names = strv_push(names, de->d_name);
	closedir(d);
	if (names)
		qsort(names, strv_length(names), sizeof(char *), cmp_str);
	for (size_t i = 0; names && names[i]; i++) {
		_cleanup_free_ char *p = xasprintf("%s/%s", dir, names[i]);
		struct stat st;
		if (lstat(p, &st) < 0)
			continue;
		if (S_ISDIR(st.st_mode))
			scan_dir(p, depth + 1, c);
		else if (S_ISREG(st.st_mode))
			cands_add(c, p);
	}
	strv_free(names);
}

static bool
arch_fits(const struct pkg_plan *p, const struct pkg_file *f)
{
	if (f->family != p->family)
		return false;
	if (strcmp(f->arch, p->arch) == 0)
		return true;
	return strcmp(f->arch, p->family == OS_FAMILY_RPM ? "noarch" : "all") == 0;
}

static bool
is_toolkit(const char *name)
{
	for (size_t k = 0; k < N_PKGS; k++)
		if (strcmp(apt_repo_toolkit[k], name) == 0)
			return true;
	return false;
}

/* Pick the four from candidates; sets p->version and ret_idx. */
static int
select_offline(struct pkg_plan *p, const struct cands *c, const char *version, const char *where,
               size_t ret_idx[N_PKGS], struct gp_error *err)
{
	const char **names = xcalloc(c->n + 1, sizeof(char *));
	const char **vers = xcalloc(c->n + 1, sizeof(char *));
	size_t n = 0;
	_cleanup_strv_ char **other = NULL;
	bool any_pkg = false;
	for (size_t i = 0; i < c->n; i++) {
		any_pkg = true;
		if (!is_toolkit(c->v[i].name))
			continue;
		if (arch_fits(p, &c->v[i])) {
			names[n] = c->v[i].name;
			vers[n] = c->v[i].version;
			n++;
		} else {
			_cleanup_free_ char *s =
			        xasprintf("%s %s", os_family_name(c->v[i].family), c->v[i].arch);
			if (!strv_contains(other, s))
				other = strv_push(other, s);
		}
	}
	_cleanup_strv_ char **common =
	        apt_repo_common_versions((const char *const *)apt_repo_toolkit, names, vers, n);
	free(names);
	free(vers);
	if (!common) {
		if (!any_pkg) {
			gp_error_set(err, "%s has no .deb or .rpm packages", where);
			return gp_error_hint(err, "--offline takes NVIDIA's release tarball, a "
			                          "directory of packages, or a bundle made by "
			                          "gpuprep bundle");
		}
		if (other) {
			_cleanup_free_ char *o = apt_repo_join(other, ", ");
			gp_error_set(err, "%s has no %s packages for %s; it has packages for: %s",
			             where, os_family_name(p->family), p->arch, o);
		} else {
			gp_error_set(err,
			             "%s does not have all four toolkit packages (%s, %s, %s, %s) "
			             "at one version",
			             where, apt_repo_toolkit[0], apt_repo_toolkit[1],
			             apt_repo_toolkit[2], apt_repo_toolkit[3]);
		}
		return gp_error_hint(err, "get the archive for this system: %s %s",
		                     os_family_name(p->family), p->arch);
	}
	const char *want = common[0];
	if (version) {
		_cleanup_free_ char *target = apt_repo_version_target(version);
		want = NULL;
		for (size_t i = 0; common[i]; i++)
			if (debver_compare(common[i], target) == 0)
				want = common[i];
		if (!want) {
			_cleanup_free_ char *list = apt_repo_join(common, ", ");
			gp_error_set(err, "version %s is not in %s; it has %s", target, where,
			             list);
			return gp_error_hint(err, "pick one of those with --version, or leave "
			                          "--version out");
		}
	}
	p->version = xstrdup(want);
	for (size_t k = 0; k < N_PKGS; k++) {
		ret_idx[k] = SIZE_MAX;
		/* Prefer the node's own architecture over "all"/"noarch". */
		for (size_t i = 0; i < c->n; i++) {
			const struct pkg_file *f = &c->v[i];
			if (strcmp(f->name, apt_repo_toolkit[k]) != 0 || !arch_fits(p, f) ||
			    debver_compare(f->version, want) != 0)
				continue;
			if (ret_idx[k] == SIZE_MAX || strcmp(f->arch, p->arch) == 0)
				ret_idx[k] = i;
		}
	}
	return 0;
}

/* "nvidia-container-toolkit_1.17.8_deb_amd64.tar.gz" ->
 * ".../nvidia-container-toolkit_1.17.8_checksums.txt" */
static char *
checksums_path(const char *tarball)
{
	_cleanup_free_ char *copy = xstrdup(tarball);
	char *base = strrchr(copy, '/') ? strrchr(copy, '/') + 1 : copy;
	char *cut = NULL;
	for (char *s = base; (s = strstr(s, "_")); s++)
		if (str_startswith(s, "_deb_") || str_startswith(s, "_rpm_"))
			cut = s;
	if (!cut)
		return NULL;
	*cut = '\0';
	return xasprintf("%s_checksums.txt", copy);
}

/* sha256sum lines: "<hex>  <name>" or "<hex> *<name>". Returns the hex for name, or NULL. */
static char *
checksum_for(const char *text, const char *name)
{
	_cleanup_free_ char *copy = xstrdup(text);
	char *save = NULL;
	for (char *ln = strtok_r(copy, "\n", &save); ln; ln = strtok_r(NULL, "\n", &save)) {
		char *sp = strpbrk(ln, " \t");
		if (!sp)
			continue;
		*sp = '\0';
		char *n = sp + 1;
		n += strspn(n, " \t");
		if (*n == '*')
			n++;
		str_strip(n);
		const char *nb = strrchr(n, '/') ? strrchr(n, '/') + 1 : n;
		if (strcmp(nb, name) == 0 && strlen(ln) == 64)
			return xstrdup(ln);
	}
	return NULL;
}

static int
verify_sum(const char *file, const char *want, const char *sums, struct gp_error *err)
{
	char hex[DIGEST_HEX_MAX];
	if (digest_file_hex(DIGEST_SHA256, file, hex, NULL, err) < 0)
		return -1;
	if (digest_hex_equal(hex, want))
		return 0;
	const char *base = strrchr(file, '/') ? strrchr(file, '/') + 1 : file;
	gp_error_set(err, "checksum mismatch for '%s': '%s' lists SHA256 %s, the file has %s", base,
	             sums, want, hex);
	return gp_error_hint(err, "the archive is damaged or was changed; download it again");
}

/*
 * What to extract from an archive: a bundle's own files, and the toolkit's
 * packages (not -dev, -dbg and the rest of a release tarball).
 */
static bool
want_member(const char *norm, void *userdata)
{
	(void)userdata;
	if (strcmp(norm, "manifest.json") == 0 || str_startswith(norm, "repo/") ||
	    str_startswith(norm, "keys/"))
		return true;
	struct pkg_file f;
	if (pkg_file_parse(norm, &f) <= 0)
		return false;
	bool want = is_toolkit(f.name);
	pkg_file_release(&f);
	return want;
}

static int
plan_offline(const struct pkg_install_opts *o, struct pkg_plan *p, struct gp_error *err)
{
	const char *path = o->offline;
	struct stat st;
	struct cands c = {0};
	struct pkgarchive_listing l = {0};
	int ret = -1;
	_cleanup_free_ char *where = xasprintf("'%s'", path);
	size_t idx[N_PKGS];
	_cleanup_free_ char *sums = NULL;
	_cleanup_free_ char *sums_text = NULL;
	_cleanup_free_ char *tar_sum = NULL;
	_cleanup_free_ char *dir = NULL;

	p->location = xstrdup(path);
	if (stat(path, &st) < 0) {
		gp_error_set_errno(err, errno, "cannot use --offline '%s'", path);
		gp_error_hint(err, "--offline takes NVIDIA's release tarball, a directory of "
		                   "packages, or a bundle made by gpuprep bundle");
		goto out;
	}
	if (S_ISDIR(st.st_mode)) {
		p->source = PKG_SOURCE_DIRECTORY;
		scan_dir(path, 0, &c);
		if (select_offline(p, &c, o->version, where, idx, err) < 0)
			goto out;
		for (size_t k = 0; k < N_PKGS; k++)
			p->files[k] = xstrdup(c.v[idx[k]].path);
		ret = 0;
		goto out;
	}

	/* A tarball's own checksum is checked before it is read at all. */
	sums = checksums_path(path);
	if (sums) {
		int e = read_file(sums, &sums_text, NULL);
		if (e < 0 && e != -ENOENT) {
			gp_error_set_errno(err, e, "reading '%s'", sums);
			goto out;
		}
		if (e == -ENOENT) {
			free(sums);
			sums = NULL;
		}
	}
	if (sums_text) {
		const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
		tar_sum = checksum_for(sums_text, base);
		if (tar_sum && verify_sum(path, tar_sum, sums, err) < 0)
			goto out;
	}
	/* One pass: every entry checked, every regular file extracted. */
	dir = xasprintf("%s/archive", p->tmpdir);
	if (mkdir_p(dir, 0700) < 0) {
		gp_error_set_errno(err, errno, "creating '%s'", dir);
		goto out;
	}
	if (pkgarchive_extract(path, dir, want_member, NULL, &l, err) < 0)
		goto out;

	if (pkg_bundle_detect(&l)) {
		p->source = PKG_SOURCE_BUNDLE;
		struct pkg_bundle b = {0};
		if (pkg_bundle_check(path, dir, &l, o->keyring, &b, err) < 0)
			goto out;
		if (p->family != OS_FAMILY_DEB || strcmp(b.arch, p->arch) != 0) {
			gp_error_set(err, "bundle '%s' is for deb %s; this system is %s %s", path,
			             b.arch, os_family_name(p->family), p->arch);
			gp_error_hint(err,
			              "make a bundle for this system with gpuprep bundle "
			              "--format deb --arch %s",
			              p->arch);
			pkg_bundle_release(&b);
			goto out;
		}
		if (o->version) {
			_cleanup_free_ char *target = apt_repo_version_target(o->version);
			if (debver_compare(target, b.versions[N_PKGS - 1]) != 0) {
				gp_error_set(err, "version %s is not in bundle '%s'; it has %s",
				             target, path, b.versions[N_PKGS - 1]);
				gp_error_hint(err, "leave --version out, or make a bundle with "
				                   "that version");
				pkg_bundle_release(&b);
				goto out;
			}
		}
		p->version = xstrdup(b.versions[N_PKGS - 1]);
		p->fingerprint = xstrdup(b.fingerprint);
		for (size_t k = 0; k < N_PKGS; k++)
			p->files[k] = TAKE_PTR(b.files[k]);
		pkg_bundle_release(&b);
		ret = 0;
		goto out;
	}

	p->source = PKG_SOURCE_RELEASE_TARBALL;
	for (size_t i = 0; i < l.n; i++)
		if (l.entries[i].type == PKGARCHIVE_FILE) {
			_cleanup_free_ char *n = pkgarchive_normalize(l.entries[i].path);
			cands_add(&c, n);
		}
	if (select_offline(p, &c, o->version, where, idx, err) < 0)
		goto out;
	for (size_t k = 0; k < N_PKGS; k++) {
		p->files[k] = xasprintf("%s/%s", dir, c.v[idx[k]].path);
		if (!path_exists(p->files[k])) {
			gp_error_set(err, "extracting '%s' from '%s' produced no file",
			             c.v[idx[k]].path, path);
			goto out;
		}
	}
	if (sums_text && !tar_sum) {
		bool any = false;
		for (size_t k = 0; k < N_PKGS; k++) {
			const char *b = strrchr(p->files[k], '/') + 1;
			_cleanup_free_ char *want = checksum_for(sums_text, b);
			if (!want)
				continue;
			any = true;
			if (verify_sum(p->files[k], want, sums, err) < 0)
				goto out;
		}
		if (!any) {
			gp_error_set(err, "'%s' lists neither '%s' nor its packages", sums, path);
			gp_error_hint(err, "use the checksums file that came with this tarball, or "
			                   "remove it to install without the check");
			goto out;
		}
	}
	ret = 0;
out:
	pkgarchive_listing_release(&l);
	cands_release(&c);
	return ret;
}

static int
plan_offline_commands(struct pkg_plan *p, struct gp_error *err)
{
	if (check_os_deps(p, err) < 0)
		return -1;
	struct pkg_command *c = plan_cmd(p);
	if (p->family == OS_FAMILY_RPM) {
		cmd_add(c, "rpm");
		if (gp_root_is_set(p->root)) {
			cmd_add(c, "--root");
			cmd_add(c, p->root);
		}
		cmd_add(c, "-Uvh");
		const char *versions[N_PKGS] = {p->version, p->version, p->version, p->version};
		if (any_newer(p, versions))
			cmd_add(c, "--oldpackage");
	} else {
		c->env = strv_push(c->env, "DEBIAN_FRONTEND=noninteractive");
		cmd_add(c, "dpkg");
		if (gp_root_is_set(p->root))
			cmd_add2(c, "--root=", p->root);
		cmd_add(c, "-i");
	}
	for (size_t k = 0; k < N_PKGS; k++)
		cmd_add(c, p->files[k]);
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
	if (o->version && !debver_valid(o->version)) {
		gp_error_set_code(err, 2, "--version '%s' is not a version number", o->version);
		return -1;
	}
	if (os_info_read(p.root, &os, err) < 0)
		goto fail;
	if (os.family == OS_FAMILY_UNKNOWN) {
		gp_error_set(err, "cannot tell whether '%s' is a deb or an rpm system (ID=%s)", osr,
		             os.id ? os.id : "?");
		gp_error_hint(err, "gpuprep installs on Debian, Ubuntu, RHEL and their relatives");
		goto fail;
	}
	p.family = os.family;
	const char *arch = p.family == OS_FAMILY_RPM ? os.arch_rpm : os.arch_deb;
	if (!arch) {
		gp_error_set(err, "cannot tell the architecture of the system at '%s'",
		             p.root ? p.root : "/");
		goto fail;
	}
	p.arch = xstrdup(arch);
	if (tmpfiles_mkdtemp("install", &p.tmpdir, err) < 0)
		goto fail;
	if (query_all(p.root, p.family, p.installed, &p.missing_deps, err) < 0)
		goto fail;
	if (p.family == OS_FAMILY_DEB && check_dpkg_arch(&p, err) < 0)
		goto fail;

	if (o->offline) {
		if (plan_offline(o, &p, err) < 0)
			goto fail;
		const char *versions[N_PKGS] = {p.version, p.version, p.version, p.version};
		if (all_installed_at(&p, versions))
			p.up_to_date = true;
		else if (plan_offline_commands(&p, err) < 0)
			goto fail;
	} else {
		p.source = PKG_SOURCE_REPOSITORY;
		int r = p.family == OS_FAMILY_RPM ? plan_online_rpm(o, &p, err)
		                                  : plan_online_deb(o, &p, err);
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

json_t *
pkg_plan_to_json(const struct pkg_plan *p)
{
	json_t *pk = json_array();
	for (size_t k = 0; k < N_PKGS; k++) {
		const char *target = p->version;
		json_array_append_new(
		        pk,
		        json_pack("{s:s, s:o, s:o, s:o}", "name", apt_repo_toolkit[k], "installed",
		                  p->installed[k] ? json_string(p->installed[k]) : json_null(),
		                  "target", target ? json_string(target) : json_null(), "file",
		                  p->files[k] ? json_string(p->files[k]) : json_null()));
	}
	json_t *files = json_array();
	for (size_t i = 0; i < p->n_writes; i++)
		json_array_append_new(files, json_pack("{s:s, s:s}", "path", p->writes[i].path,
		                                       "full_path", p->writes[i].full));
	json_t *cmds = json_array();
	for (size_t i = 0; i < p->n_cmds; i++) {
		_cleanup_free_ char *line = proc_argv_string(p->cmds[i].argv);
		_cleanup_free_ char *env = apt_repo_join(p->cmds[i].env, " ");
		_cleanup_free_ char *full =
		        p->cmds[i].env ? xasprintf("%s %s", env, line) : xstrdup(line);
		json_array_append_new(cmds, json_string(full));
	}
	json_t *src = json_pack("{s:s, s:s, s:o, s:o}", "kind", pkg_source_name(p->source),
	                        "location", p->location ? p->location : "", "key_fingerprint",
	                        p->fingerprint ? json_string(p->fingerprint) : json_null(),
	                        "reused_entry", p->reused ? json_string(p->reused) : json_null());
	return json_pack("{s:i, s:s, s:s, s:s, s:s, s:o, s:o, s:o, s:o, s:o}", "schema_version", 1,
	                 "action", p->up_to_date ? "none" : "install", "root",
	                 p->root ? p->root : "/", "package_family", os_family_name(p->family),
	                 "architecture", p->arch, "version",
	                 p->version ? json_string(p->version) : json_null(), "source", src,
	                 "packages", pk, "files", files, "commands", cmds);
}

/* --- carrying it out ------------------------------------------------------------------- */

struct saved {
	char *data; /* NULL: the file did not exist */
	size_t len;
	unsigned mode;
	bool written;
};

/* Put back every file this run wrote, as it was. */
static void
rollback(struct pkg_plan *p, struct saved *s)
{
	for (size_t i = p->n_writes; i-- > 0;) {
		if (!s[i].written)
			continue;
		struct gp_error ignored = GP_ERROR_INIT;
		if (s[i].data)
			safefile_write(p->root, p->writes[i].path, s[i].data, s[i].len, s[i].mode,
			               &ignored);
		else
			safefile_remove(p->root, p->writes[i].path, &ignored);
		gp_error_release(&ignored);
	}
}

struct relay {
	pkg_output_fn fn;
	void *ud;
	const char *tool;
};

/* Progress redrawn with carriage returns shows as its last state. */
static void
relay_line(const char *line, void *ud)
{
	struct relay *r = ud;
	const char *shown = line;
	for (const char *c = line; *c; c++)
		if (*c == '\r' && c[1] && c[1] != '\r')
			shown = c + 1;
	_cleanup_free_ char *copy = xstrndup(shown, strcspn(shown, "\r"));
	if (r->fn && *copy)
		r->fn(r->tool, copy, r->ud);
}

static const char *
failure_hint(const char *tool, const char *output)
{
	if (strstr(output, "NO_PUBKEY") || strstr(output, "is not signed") ||
	    strstr(output, "GPG error"))
		return "the repository's signature does not verify with its keyring; check "
		       "--keyring and --repo-url";
	if (strstr(output, "Hash Sum mismatch") || strstr(output, "File has unexpected size"))
		return "a downloaded package does not match the repository index; the mirror may "
		       "be "
		       "mid-update or tampered with: try again later";
	if (strstr(output, "Conflicting values set for option Signed-By"))
		return "two apt sources name NVIDIA's repository with different keyrings; remove "
		       "one of them";
	if (strstr(output, "Could not resolve") || strstr(output, "Failed to fetch") ||
	    strstr(output, "Could not connect"))
		return "check the network and the proxy variables, or use --offline";
	if (strstr(output, "dependency problems") || strstr(output, "Unmet dependencies"))
		return "install the missing dependencies from the distribution first";
	if (strcmp(tool, "dpkg") == 0)
		return "fix what dpkg reports, then run gpuprep install again";
	return "fix what the package manager reports, then run gpuprep install again";
}

/* apt-get update may exit 0 on fetch failures with old apt; look at what it said. */
static bool
update_failed(const char *output)
{
	_cleanup_free_ char *copy = xstrdup(output);
	char *save = NULL;
	for (char *ln = strtok_r(copy, "\n", &save); ln; ln = strtok_r(NULL, "\n", &save))
		if (str_startswith(ln, "E: ") || str_startswith(ln, "Err:") ||
		    (str_startswith(ln, "W: ") &&
		     (strstr(ln, "Failed to fetch") || strstr(ln, "GPG error") ||
		      strstr(ln, "failed to download"))))
			return true;
	return false;
}

static int
run_command(struct pkg_command *c, pkg_step_fn on_step, pkg_output_fn on_output, void *userdata,
            struct gp_error *err)
{
	_cleanup_free_ char *line = proc_argv_string(c->argv);
	if (on_step) {
		_cleanup_free_ char *what = xasprintf("running %s", line);
		on_step(what, userdata);
	}
	const char *tool = strrchr(c->argv[0], '/') ? strrchr(c->argv[0], '/') + 1 : c->argv[0];
	struct relay rl = {on_output, userdata, tool};
	struct proc_opts o = {
	        .env = c->env, .on_line = relay_line, .userdata = &rl, .keep_output = true};
	struct proc_result res = {0};
	if (proc_run(c->argv, &o, &res, err) < 0)
		return gp_error_hint(err, "%s",
		                     strcmp(tool, "apt-get") == 0 ? APT_HINT
		                     : strcmp(tool, "rpm") == 0   ? RPM_HINT
		                                                  : DPKG_HINT);
	bool is_update = strcmp(tool, "apt-get") == 0 && strv_contains(c->argv, "update");
	if (res.status == 0 && !(is_update && update_failed(res.output))) {
		proc_result_release(&res);
		return 0;
	}
	_cleanup_free_ char *tail = proc_tail_lines(res.output, 12);
	_cleanup_free_ char *indented = xstrdup("");
	char *save = NULL;
	for (char *ln = strtok_r(tail, "\n", &save); ln; ln = strtok_r(NULL, "\n", &save)) {
		char *m = xasprintf("%s\n    %s", indented, ln);
		free(indented);
		indented = m;
	}
	gp_error_set(err, "'%s' failed (exit status %d); its last lines:%s", line, res.status,
	             indented);
	gp_error_hint(err, "%s", failure_hint(tool, res.output));
	proc_result_release(&res);
	return -1;
}

int
pkg_plan_execute(struct pkg_plan *p, pkg_step_fn on_step, pkg_output_fn on_output, void *userdata,
                 struct gp_error *err)
{
	if (p->up_to_date)
		return 0;
	/* One gpuprep at a time changes a system. */
	_cleanup_close_ int lock = safefile_lock(p->root, safefile_lock_timeout_ms(), err);
	if (lock < 0)
		return -1;
	struct saved *s = xcalloc(p->n_writes + 1, sizeof(*s));
	int ret = -1;
	for (size_t i = 0; i < p->n_writes; i++) {
		struct stat st;
		if (noderoot_stat(p->root, p->writes[i].path, &st) == 0) {
			int e = noderoot_read_file(p->root, p->writes[i].path, &s[i].data,
			                           &s[i].len);
			if (e < 0) {
				gp_error_set_errno(err, e, "reading '%s'", p->writes[i].full);
				goto out;
			}
			s[i].mode = st.st_mode & 07777;
		}
		if (safefile_check_writable(p->root, p->writes[i].path, err) < 0)
			goto out;
	}
	for (size_t i = 0; i < p->n_writes; i++) {
		if (on_step) {
			_cleanup_free_ char *what = xasprintf("writing %s", p->writes[i].full);
			on_step(what, userdata);
		}
		_cleanup_free_ char *dir = xstrdup(p->writes[i].path);
		*strrchr(dir, '/') = '\0';
		int e = noderoot_mkdir_p(p->root, *dir ? dir : "/", 0755);
		if (e < 0) {
			_cleanup_free_ char *host = gp_path(p->root, dir);
			gp_error_set_errno(err, e, "creating '%s'", host);
			goto fail;
		}
		if (safefile_write(p->root, p->writes[i].path, p->writes[i].data, p->writes[i].len,
		                   p->writes[i].mode, err) < 0)
			goto fail;
		s[i].written = true;
	}
	for (size_t i = 0; i < p->n_cmds; i++)
		if (run_command(&p->cmds[i], on_step, on_output, userdata, err) < 0)
			goto fail;
	ret = 0;
	goto out;
fail:
	rollback(p, s);
out:
	for (size_t i = 0; i < p->n_writes; i++)
		free(s[i].data);
	free(s);
	return ret;
}
