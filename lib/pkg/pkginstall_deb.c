// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The deb family: the dpkg database, apt sources, and the online plan (NVIDIA's repository through
 * apt-get).
 */
#include "pkginstall.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/utsname.h>

#include "aptindex.h"
#include "noderoot.h"
#include "proc.h"
#include "tmpfiles.h"
#include "pkginstall_private.h"

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
	/* Read in pieces: the status file of a full node is megabytes (issue 19: peak RSS). */
	_cleanup_close_ int fd = noderoot_open(root, node, O_RDONLY, 0);
	if (fd < 0)
		return gp_error_set(err, "cannot read '%s': %s", path, strerror(-fd));
	_cleanup_free_ char *source = xasprintf("'%s'", path);
	struct apt_stanza *st = NULL;
	size_t n_st = 0;
	if (aptindex_parse_matching_fd(fd, source, "Package", names, &st, &n_st, err) < 0)
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
	char *rest = save ? save + strspn(save, " \t") : NULL;
	if (rest && *rest && *rest != '#') {
		size_t n = strcspn(rest, "#\n");
		while (n && (rest[n - 1] == ' ' || rest[n - 1] == '\t'))
			n--;
		ret->components = n ? xstrndup(rest, n) : NULL;
	}
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
	strv_sort(names);
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

/* --- the online plan ------------------------------------------------------------------- */

/* dpkg from this host can only install the image's architecture when dpkg knows it. */
int
pkg_plan_check_dpkg_arch(const struct pkg_plan *p, struct gp_error *err)
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
	if (pkg_run_keep(argv2, DPKG_HINT, &res, err) < 0)
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

/*
 * A Jetson's L4T apt source (JetPack writes it): the first "deb URI SUITE ..." line in
 * L4T_LIST whose URI ends in /jetson/common, where the toolkit lives beside JetPack's own
 * packages. Returns 1 with the URI and suite, 0 when there is none.
 */
#define L4T_LIST "/etc/apt/sources.list.d/nvidia-l4t-apt-source.list"
#define L4T_KEY  "/etc/apt/trusted.gpg.d/jetson-ota-public.asc"
static int
l4t_source(const char *root, char **ret_uri, char **ret_suite)
{
	_cleanup_free_ char *text = NULL;
	if (noderoot_read_file(root, L4T_LIST, &text, NULL) < 0)
		return 0;
	char *save = NULL;
	for (char *ln = strtok_r(text, "\n", &save); ln; ln = strtok_r(NULL, "\n", &save)) {
		char *s2 = NULL;
		char *deb = strtok_r(ln, " \t", &s2);
		char *uri = deb ? strtok_r(NULL, " \t", &s2) : NULL;
		char *suite = uri ? strtok_r(NULL, " \t", &s2) : NULL;
		if (!suite || strcmp(deb, "deb") != 0 || uri[0] == '[')
			continue;
		size_t n = strlen(uri);
		while (n && uri[n - 1] == '/')
			n--;
		if (n < 14 || strncmp(uri + n - 14, "/jetson/common", 14) != 0)
			continue;
		*ret_uri = xstrndup(uri, n);
		*ret_suite = xstrdup(suite);
		return 1;
	}
	return 0;
}

int
pkg_plan_online_deb(const struct pkg_install_opts *o, struct pkg_plan *p, struct gp_error *err)
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
	/* On a Jetson, L4T's own repository, unless --repo-url names another. */
	_cleanup_free_ char *l4t_uri = NULL;
	_cleanup_free_ char *l4t_suite = NULL;
	bool l4t = !o->repo_url && l4t_source(p->root, &l4t_uri, &l4t_suite) > 0;
	apt_repo_init(&r, l4t ? l4t_uri : o->repo_url, p->arch, work);
	if (l4t)
		apt_repo_set_suite(&r, l4t_suite, "main");
	p->location = xstrdup(r.dist_url);

	/* Pinned and already there: nothing to fetch. */
	if (target) {
		const char *want[N_PKGS] = {target, target, target, target};
		if (pkg_plan_all_installed_at(p, want)) {
			p->version = xstrdup(p->installed[N_PKGS - 1]);
			p->up_to_date = true;
			ret = 0;
			goto out;
		}
	}

	f = fetch_new(&o->fetch);
	if (l4t && !o->keyring) {
		/* The key apt on the node already trusts for L4T's repository. */
		_cleanup_free_ char *kd = xasprintf("%s/key", work);
		_cleanup_free_ char *kp = gp_path(p->root, L4T_KEY);
		r.key_source = xasprintf("'%s'", kp);
		if (mkdir_p(kd, 0700) < 0) {
			gp_error_set_errno(err, errno, "creating '%s'", kd);
			goto out;
		}
		int e = noderoot_read_file(p->root, L4T_KEY, &r.key_data, &r.key_len);
		if (e < 0) {
			gp_error_set_errno(err, e, "reading L4T's repository key '%s'", kp);
			gp_error_hint(err,
			              "the node's '%s' names L4T's repository; give its key with "
			              "--keyring FILE, or use --repo-url for NVIDIA's",
			              L4T_LIST);
			goto out;
		}
		if (gpg_key_load(r.key_data, r.key_len, r.key_source, kd, &r.key, err) < 0)
			goto out;
	} else if (apt_repo_load_key(&r, f, o->keyring, err) < 0) {
		goto out;
	}
	if (apt_repo_fetch_index(&r, f, err) < 0)
		goto out;
	if (apt_repo_select(&r, target, sel, err) < 0)
		goto out;
	p->fingerprint = xstrdup(r.fingerprint);
	p->version = xstrdup(sel[N_PKGS - 1]->version);
	for (size_t k = 0; k < N_PKGS; k++)
		versions[k] = sel[k]->version;
	if (pkg_plan_all_installed_at(p, versions)) {
		p->up_to_date = true;
		ret = 0;
		goto out;
	}

	/* The source: reuse an entry that already names the repository, or write ours. */
	if (pkg_apt_find_entry(p->root, r.base_url, &existing) > 0) {
		p->reused = xstrdup(existing.file);
		const char *comp = existing.components ? existing.components : "";
		const char *sp = existing.components ? " " : "";
		if (existing.signed_by && gp_root_is_set(p->root)) {
			_cleanup_free_ char *sb = gp_path(p->root, existing.signed_by);
			line = xasprintf("deb [signed-by=%s] %s %s%s%s\n", sb, existing.uri,
			                 existing.suite, sp, comp);
		} else if (existing.signed_by) {
			line = xasprintf("deb [signed-by=%s] %s %s%s%s\n", existing.signed_by,
			                 existing.uri, existing.suite, sp, comp);
		} else {
			line = xasprintf("deb %s %s%s%s\n", existing.uri, existing.suite, sp, comp);
		}
	} else {
		int e = read_file(r.key.keyring, &keyring_data, &keyring_len);
		if (e < 0) {
			gp_error_set_errno(err, e, "reading '%s'", r.key.keyring);
			goto out;
		}
		pkg_plan_write(p, PKG_APT_KEYRING, keyring_data, keyring_len, 0644);
		_cleanup_free_ char *text = pkg_apt_source_line(r.base_url, PKG_APT_KEYRING);
		_cleanup_free_ char *content = xasprintf(
		        "# NVIDIA container toolkit, written by gpuprep install\n%s", text);
		pkg_plan_write(p, PKG_APT_LIST, content, strlen(content), 0644);
		if (gp_root_is_set(p->root)) {
			_cleanup_free_ char *kr = gp_path(p->root, PKG_APT_KEYRING);
			line = pkg_apt_source_line(r.base_url, kr);
		}
	}

	if (gp_root_is_set(p->root) && write_root_apt_conf(p, line, &conf, err) < 0)
		goto out;

	struct pkg_command *c = pkg_plan_command(p);
	add_apt_env(c, conf);
	pkg_command_add(c, "apt-get");
	pkg_command_add(c, "-q");
	pkg_command_add(c, "update");
	if (!conf) {
		const char *list = p->reused ? p->reused : PKG_APT_LIST;
		if (!existing.deb822) {
			pkg_command_add2(c, "-o=Dir::Etc::sourcelist=", list);
			pkg_command_add(c, "-o=Dir::Etc::sourceparts=-");
			pkg_command_add(c, "-o=APT::Get::List-Cleanup=0");
		}
		pkg_command_add(c, "-o=APT::Update::Error-Mode=any");
	}
	c = pkg_plan_command(p);
	add_apt_env(c, conf);
	pkg_command_add(c, "apt-get");
	pkg_command_add(c, "-q");
	pkg_command_add(c, "install");
	pkg_command_add(c, "-y");
	if (pkg_plan_any_newer(p, versions))
		pkg_command_add(c, "--allow-downgrades");
	for (size_t k = 0; k < N_PKGS; k++) {
		_cleanup_free_ char *a = xasprintf("%s=%s", sel[k]->name, sel[k]->version);
		pkg_command_add(c, a);
	}
	ret = 0;
out:
	pkg_apt_entry_release(&existing);
	apt_repo_release(&r);
	return ret;
}
