// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The offline sources: a release tarball, a directory of packages or a gpuprep bundle, and the one
 * dpkg -i or rpm -Uvh that installs them.
 */
#include "pkginstall.h"

#include <dirent.h>
#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include "digest.h"
#include "pkgarchive.h"
#include "pkgbundle.h"
#include "pkginstall_private.h"

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
	strv_sort(names);
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
	apt_vercmp_fn cmp = pkg_vercmp(p->family);
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
	_cleanup_strv_ char **common = apt_repo_common_versions(
	        (const char *const *)apt_repo_toolkit, names, vers, n, cmp);
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
			if (cmp(common[i], target) == 0)
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
			    cmp(f->version, want) != 0)
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

/*
 * The checksum files a directory ships (NVIDIA's "*_checksums.txt", or "SHA256SUMS"), read
 * together; *ret_text stays NULL when there is none. *ret_name names them in messages.
 */
static int
dir_sums(const char *dir, char **ret_text, char **ret_name, struct gp_error *err)
{
	DIR *d = opendir(dir);
	if (!d)
		return gp_error_set_errno(err, errno, "cannot read '%s'", dir);
	_cleanup_strv_ char **names = NULL;
	struct dirent *de;
	while ((de = readdir(d)))
		if (str_endswith(de->d_name, "checksums.txt") ||
		    strcmp(de->d_name, "SHA256SUMS") == 0)
			names = strv_push(names, de->d_name);
	closedir(d);
	strv_sort(names);
	struct strbuf text = {0};
	for (size_t i = 0; names && names[i]; i++) {
		_cleanup_free_ char *f = xasprintf("%s/%s", dir, names[i]);
		_cleanup_free_ char *t = NULL;
		int e = read_file(f, &t, NULL);
		if (e < 0) {
			free(text.s);
			return gp_error_set_errno(err, e, "reading '%s'", f);
		}
		strbuf_puts(&text, t);
		strbuf_puts(&text, "\n");
		if (!*ret_name)
			*ret_name = xstrdup(f);
	}
	*ret_text = text.s;
	return 0;
}

/* What to extract from a bundle: its own files (its packages are under repo/). */
static bool
want_bundle_member(const char *norm, void *userdata)
{
	(void)userdata;
	/* A bundle's gpuprep (--with-gpuprep) is checked against manifest.json like the rest. */
	return strcmp(norm, "manifest.json") == 0 || str_startswith(norm, "repo/") ||
	       str_startswith(norm, "keys/") || strcmp(norm, PKG_BUNDLE_GPUPREP) == 0;
}

/* A bundle's member is out: its InRelease's signature may be checked from now on. */
static void
bundle_member_done(const char *norm, void *userdata)
{
	pkg_bundle_ahead_member(userdata, norm);
}

/* What to extract from a release tarball: the entries the plan picked, and no other. */
static bool
want_picked(const char *norm, void *userdata)
{
	char *const *picked = userdata;
	return strv_contains(picked, norm);
}

static const struct pkgarchive_limits offline_limits = {
        .entry = PKG_MAX_FILE_SIZE,
        .total = N_PKGS * PKG_MAX_FILE_SIZE + PKG_MAX_BUNDLE_EXTRA,
};

/*
 * The first pass reads every entry: bound what it reads, so a small archive that says it
 * holds terabytes is refused at the header that says so; what it writes (a bundle's own
 * files) is bounded as any extraction is.
 */
static const struct pkgarchive_limits first_pass_limits = {
        .entry = PKG_MAX_FILE_SIZE,
        .total = N_PKGS * PKG_MAX_FILE_SIZE + PKG_MAX_BUNDLE_EXTRA,
        .listed = PKG_MAX_ARCHIVE_CONTENT,
};

static void
limit_hint(struct gp_error *err)
{
	if (strstr(err->msg, "refusing the archive: ") && strstr(err->msg, " more than "))
		gp_error_hint(err,
		              "the toolkit's packages are a few MiB each: this is not an NVIDIA "
		              "release, or it is damaged; nothing was installed");
}

/* A package the plan picked, over the limit by the archive's own header: refused unread. */
static int
check_picked_size(const struct pkgarchive_listing *l, const char *norm, const char *archive,
                  struct gp_error *err)
{
	for (size_t i = 0; i < l->n; i++) {
		_cleanup_free_ char *n = pkgarchive_normalize(l->entries[i].path);
		if (strcmp(n, norm) != 0 || l->entries[i].size <= PKG_MAX_FILE_SIZE)
			continue;
		_cleanup_free_ char *size = pkgarchive_size_str(l->entries[i].size);
		_cleanup_free_ char *max = pkgarchive_size_str(PKG_MAX_FILE_SIZE);
		gp_error_set(err,
		             "'%s': refusing the archive: '%s' is %s, more than the %s a toolkit "
		             "package may be",
		             archive, norm, size, max);
		limit_hint(err);
		return -1;
	}
	return 0;
}

/* Extract from the archive at path into dir; an archive over the limits gets a hint. */
static int
extract(const char *path, const char *dir, pkgarchive_want_fn want, void *data,
        struct gp_error *err)
{
	if (pkgarchive_extract(path, dir, want, data, &offline_limits, NULL, err) < 0) {
		limit_hint(err);
		return -1;
	}
	return 0;
}

int
pkg_plan_offline(const struct pkg_install_opts *o, struct pkg_plan *p, struct gp_error *err)
{
	const char *path = o->offline;
	struct stat st;
	struct cands c = {0};
	struct pkgarchive_listing l = {0};
	struct pkg_bundle_ahead ahead = {0};
	int ret = -1;
	_cleanup_free_ char *where = xasprintf("'%s'", path);
	size_t idx[N_PKGS];
	_cleanup_free_ char *sums = NULL;
	_cleanup_free_ char *sums_text = NULL;
	_cleanup_free_ char *tar_sum = NULL;
	_cleanup_free_ char *dir = NULL;
	_cleanup_strv_ char **picked = NULL;

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
		if (dir_sums(path, &sums_text, &sums, err) < 0)
			goto out;
		goto check;
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
	/* A pipe, a FIFO or a device is read once, as it comes: a bundle needs no more. */
	bool stream = !S_ISREG(st.st_mode);
	if (sums_text) {
		const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
		tar_sum = pkg_checksum_for(sums_text, base);
		if (tar_sum && stream) {
			gp_error_set(err,
			             "cannot check '%s' against '%s' and then read it: it is not a "
			             "regular file (a pipe, a FIFO or a device), which can be read "
			             "only once",
			             path, sums);
			gp_error_hint(err,
			              "save it to a file and pass that; nothing was installed");
			goto out;
		}
		if (tar_sum && pkg_verify_sum(path, tar_sum, sums, err) < 0)
			goto out;
	}
	/*
	 * One pass lists the archive (every entry checked, every file bounded by its header)
	 * and extracts a bundle's own members, within limits, hashing them as they are
	 * written; a release tarball's packages come out in a second pass, once the plan
	 * has picked them (a package it might pick refused at its header when over the limit).
	 */
	dir = xasprintf("%s/archive", p->tmpdir);
	if (mkdir_p(dir, 0700) < 0) {
		gp_error_set_errno(err, errno, "creating '%s'", dir);
		goto out;
	}
	pkg_bundle_ahead_init(&ahead, path, dir, o->keyring);
	if (pkgarchive_extract_each(path, dir, want_bundle_member, bundle_member_done, &ahead,
	                            &first_pass_limits, &l, err) < 0) {
		limit_hint(err);
		goto out;
	}
	if (pkg_bundle_detect(&l)) {
		p->source = PKG_SOURCE_BUNDLE;
		struct pkg_bundle b = {0};
		if (pkg_bundle_check(path, dir, &l, o->keyring, &ahead, &b, err) < 0)
			goto out;
		_cleanup_free_ char *bsrc = xasprintf("bundle '%s'", path);
		if (strcmp(b.family, "rpm") == 0 &&
		    pkg_bundle_check_rpm(bsrc, dir, o->keyring, &b, err) < 0) {
			pkg_bundle_release(&b);
			goto out;
		}
		if (strcmp(b.family, os_family_name(p->family)) != 0 ||
		    strcmp(b.arch, p->arch) != 0) {
			gp_error_set(err, "bundle '%s' is for %s %s; this system is %s %s", path,
			             b.family, b.arch, os_family_name(p->family), p->arch);
			gp_error_hint(err,
			              "make a bundle for this system with gpuprep bundle "
			              "--format %s --arch %s",
			              os_family_name(p->family), p->arch);
			pkg_bundle_release(&b);
			goto out;
		}
		if (o->version) {
			_cleanup_free_ char *target = apt_repo_version_target(o->version);
			if (pkg_vercmp(p->family)(target, b.versions[N_PKGS - 1]) != 0) {
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
		/* Its signed index vouches for each package's bytes and identity already. */
		p->vouched = true;
		goto check;
	}

	p->source = PKG_SOURCE_RELEASE_TARBALL;
	if (stream) {
		/* Its packages come out in a second pass, and what was read is gone. */
		gp_error_set(err,
		             "'%s' is not a regular file (a pipe, a FIFO or a device), and an "
		             "archive that is not a gpuprep bundle is read twice: once to pick "
		             "the packages, once to extract them",
		             path);
		gp_error_hint(err, "save it to a file and pass that (a bundle made by gpuprep "
		                   "bundle is read once, and installs from a pipe too); nothing "
		                   "was installed");
		goto out;
	}
	for (size_t i = 0; i < l.n; i++)
		if (l.entries[i].type == PKGARCHIVE_FILE) {
			_cleanup_free_ char *n = pkgarchive_normalize(l.entries[i].path);
			cands_add(&c, n);
		}
	if (select_offline(p, &c, o->version, where, idx, err) < 0)
		goto out;
	for (size_t k = 0; k < N_PKGS; k++) {
		picked = strv_push(picked, c.v[idx[k]].path);
		if (check_picked_size(&l, c.v[idx[k]].path, path, err) < 0)
			goto out;
	}
	if (extract(path, dir, want_picked, picked, err) < 0)
		goto out;
	for (size_t k = 0; k < N_PKGS; k++) {
		p->files[k] = xasprintf("%s/%s", dir, c.v[idx[k]].path);
		if (!path_exists(p->files[k])) {
			gp_error_set(err, "extracting '%s' from '%s' produced no file",
			             c.v[idx[k]].path, path);
			goto out;
		}
	}
	if (tar_sum) {
		/* The tarball's own checksum covers its packages. */
		free(TAKE_PTR(sums_text));
	} else if (sums_text) {
		bool any = false;
		for (size_t k = 0; k < N_PKGS && !any; k++) {
			_cleanup_free_ char *want =
			        pkg_checksum_for(sums_text, strrchr(p->files[k], '/') + 1);
			any = want != NULL;
		}
		if (!any) {
			gp_error_set(err, "'%s' lists neither '%s' nor its packages", sums, path);
			gp_error_hint(err, "use the checksums file that came with this tarball, or "
			                   "remove it to install without the check");
			goto out;
		}
	}
check:
	/* Every package checked before dpkg or rpm runs: one bad file, nothing installed. */
	if (pkg_plan_check_files(p, sums_text, sums, err) < 0)
		goto out;
	ret = 0;
out:
	pkg_bundle_ahead_release(&ahead);
	pkgarchive_listing_release(&l);
	cands_release(&c);
	return ret;
}

int
pkg_plan_offline_commands(struct pkg_plan *p, struct gp_error *err)
{
	if (pkg_plan_check_os_deps(p, err) < 0)
		return -1;
	struct pkg_command *c = pkg_plan_command(p);
	if (p->family == OS_FAMILY_RPM) {
		pkg_command_add(c, "rpm");
		if (gp_root_is_set(p->root)) {
			pkg_command_add(c, "--root");
			pkg_command_add(c, p->root);
		}
		pkg_command_add(c, "--dbpath");
		pkg_command_add(c, p->rpm_dbpath);
		pkg_command_add(c, "-Uvh");
		const char *versions[N_PKGS] = {p->version, p->version, p->version, p->version};
		if (pkg_plan_any_newer(p, versions))
			pkg_command_add(c, "--oldpackage");
	} else {
		c->env = strv_push(c->env, "DEBIAN_FRONTEND=noninteractive");
		pkg_command_add(c, "dpkg");
		if (gp_root_is_set(p->root))
			pkg_command_add2(c, "--root=", p->root);
		pkg_command_add(c, "-i");
		/* The copies extracted into the temp dir go as soon as dpkg has unpacked them
		 * (a directory's packages are the user's, and stay). */
		_cleanup_free_ char *mine = xasprintf("%s/", p->tmpdir);
		for (size_t k = 0; k < N_PKGS; k++)
			if (str_startswith(p->files[k], mine)) {
				c->drop_names = strv_push(c->drop_names, apt_repo_toolkit[k]);
				c->drop_files = strv_push(c->drop_files, p->files[k]);
			}
	}
	for (size_t k = 0; k < N_PKGS; k++)
		pkg_command_add(c, p->files[k]);
	return 0;
}
