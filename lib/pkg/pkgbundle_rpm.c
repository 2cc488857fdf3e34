// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * rpm bundles: the four packages from NVIDIA's yum repository (or a mirror), with
 * repo/repodata/ exactly as the repository serves it (repomd.xml, its signature and the
 * metadata it lists), so the bundle is also a yum repository, and the key. The chain is
 * checked when the bundle is made and again when it is installed: repomd.xml's signature
 * by the key, the primary metadata's SHA-256 from repomd.xml, each package's from primary.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "digest.h"
#include "elfinfo.h"
#include "pkgarchive.h"
#include "pkgbundle.h"
#include "pkgbundle_private.h"
#include "rows.h"
#include "rpmrepo.h"
#include "tmpfiles.h"

int
pkg_bundle_create_rpm(const struct pkg_bundle_opts *o, json_t **ret_manifest, char **ret_output,
                      struct gp_error *err)
{
	_cleanup_tmpdir_ char *tmp = NULL;
	if (tmpfiles_mkdtemp("bundle", &tmp, err) < 0)
		return -1;
	struct apt_repo keyr;
	struct rpm_repo r;
	_cleanup_free_ char *keywork = xasprintf("%s/key", tmp);
	_cleanup_free_ char *mdwork = xasprintf("%s/md", tmp);
	mkdir_p(keywork, 0700);
	mkdir_p(mdwork, 0700);
	apt_repo_init(&keyr, o->repo_url, o->arch, keywork);
	_cleanup_free_ char *repo_url = xasprintf("%s/stable/rpm/%s", keyr.base_url, o->arch);
	rpm_repo_init(&r, repo_url, o->arch, mdwork);
	_cleanup_fetch_ struct fetch *f = fetch_new(&o->fetch);
	_cleanup_free_ char *target = o->version ? apt_repo_version_target(o->version) : NULL;
	_cleanup_free_ char *output = NULL;
	_cleanup_free_ char *dl = NULL;
	_cleanup_free_ char *upstream = NULL;
	_cleanup_free_ char *created = NULL;
	_cleanup_free_ char *mtext = NULL;
	_cleanup_json_ json_t *manifest = NULL;
	_cleanup_json_ json_t *head = NULL;
	_cleanup_free_ char *mddir = NULL;
	char **names = NULL, **paths = NULL;
	size_t n = 0;
	int ret = -1;

	/* Before any download: a wrong --with-gpuprep costs nothing and writes nothing. */
	if (o->gpuprep && elf_check_static(o->gpuprep, o->arch, "--with-gpuprep", err) < 0)
		goto out;
	if (apt_repo_load_key(&keyr, f, o->keyring, err) < 0)
		goto out;
	if (rpm_repo_fetch(&r, &keyr.key, f, err) < 0)
		goto out;
	const struct rpm_package *sel[APT_REPO_TOOLKIT_COUNT];
	if (rpm_repo_select(&r, target, sel, err) < 0)
		goto out;
	upstream = xstrndup(sel[3]->evr, strcspn(sel[3]->evr, "-"));
	if (!o->to_stdout)
		output = o->output ? xstrdup(o->output)
		                   : xasprintf("nvidia-container-toolkit_%s_rpm_%s.bundle.tar.gz",
		                               upstream, o->arch);
	dl = output ? xasprintf("%s.download", output) : xasprintf("%s/download", tmp);
	if (mkdir_p(dl, 0755) < 0) {
		gp_error_set_errno(err, errno, "creating '%s'", dl);
		goto out;
	}
	/* The metadata, untouched: repomd.xml, its signature, and every file it lists. */
	mddir = xasprintf("%s/repodata", dl);
	if (mkdir_p(mddir, 0755) < 0) {
		gp_error_set_errno(err, errno, "creating '%s'", mddir);
		goto out;
	}
	if (rpm_repo_fetch_md(&r, f, dl, err) < 0)
		goto out;
	size_t cap = 4 + r.n_md + APT_REPO_TOOLKIT_COUNT;
	names = xcalloc(cap + 1, sizeof(char *));
	paths = xcalloc(cap + 1, sizeof(char *));
	json_t *files = json_array();
	json_t *pkgs = json_array();
	manifest = json_pack("{s:o, s:o}", "packages", pkgs, "files", files);
	static const char *const signed_md[] = {"repodata/repomd.xml", "repodata/repomd.xml.asc"};
	for (size_t i = 0; i < GP_ARRAY_SIZE(signed_md); i++) {
		names[n] = xasprintf("repo/%s", signed_md[i]);
		paths[n++] = xasprintf("%s/%s", mdwork, signed_md[i]);
	}
	for (size_t i = 0; i < r.n_md; i++) {
		names[n] = xasprintf("repo/%s", r.md[i].href);
		paths[n++] = xasprintf("%s/%s", dl, r.md[i].href);
	}
	names[n] = xstrdup(PKG_BUNDLE_KEY_FILE);
	paths[n++] = xstrdup(keyr.key.keyring);
	/* The static gpuprep, listed like every file (install --offline checks it too); it goes
	 * last in the archive. */
	size_t gp = o->gpuprep ? n : SIZE_MAX;
	if (o->gpuprep) {
		names[n] = xstrdup(PKG_BUNDLE_GPUPREP);
		paths[n++] = xstrdup(o->gpuprep);
	}
	for (size_t i = 0; i < n; i++) {
		json_t *e = pkg_bundle_file_entry(names[i], paths[i], err);
		if (!e)
			goto out;
		json_array_append_new(files, e);
	}
	/* The packages, each checked against the primary metadata. */
	size_t pkg0 = n;
	for (size_t k = 0; k < APT_REPO_TOOLKIT_COUNT; k++) {
		const struct rpm_package *p = sel[k];
		_cleanup_free_ char *url = xasprintf("%s/%s", r.repo_url, p->href);
		const char *base = strrchr(p->href, '/') ? strrchr(p->href, '/') + 1 : p->href;
		names[n] = xasprintf("repo/%s", p->href);
		paths[n] = xasprintf("%s/%s", dl, base);
		if (fetch_to_file(f, url, paths[n], p->size, base, NULL, err) < 0 ||
		    rpm_repo_check_package(p, paths[n], err) < 0) {
			unlink(paths[n]);
			gp_error_hint(err,
			              "the download does not match the signed repository "
			              "metadata; it was corrupted or tampered with; run gpuprep "
			              "bundle again");
			n++;
			goto out;
		}
		json_array_append_new(pkgs, json_pack("{s:s, s:s, s:s, s:I, s:s}", "name", p->name,
		                                      "version", p->evr, "file", names[n], "size",
		                                      (json_int_t)p->size, "sha256", p->checksum));
		n++;
	}
	time_t now = pkg_bundle_creation_time();
	created = pkg_bundle_iso_time(now);
	head = json_pack("{s:i, s:s, s:s, s:s, s:s, s:s, s:s}", "format_version",
	                 PKG_BUNDLE_FORMAT_VERSION, "toolkit_version", upstream, "package_family",
	                 "rpm", "architecture", o->arch, "source_url", r.repo_url,
	                 "key_fingerprint", r.fingerprint, "created", created);
	json_object_update(head, manifest);
	json_decref(manifest);
	manifest = json_incref(head);
	mtext = rows_format_json(manifest);
	/*
	 * In the archive: the manifest, the metadata and the key, then the packages largest
	 * first (their hashes are an install's long pole, and each starts as its package is
	 * written: pkgarchive_extract), then the static gpuprep, as in a deb bundle.
	 */
	uint64_t sizes[APT_REPO_TOOLKIT_COUNT];
	size_t order[APT_REPO_TOOLKIT_COUNT];
	for (size_t k = 0; k < APT_REPO_TOOLKIT_COUNT; k++)
		sizes[k] = sel[k]->size;
	pkg_bundle_largest_first(sizes, APT_REPO_TOOLKIT_COUNT, order);
	struct pkgarchive_source *all = xcalloc(n + 1, sizeof(*all));
	size_t m = 0;
	all[m++] = (struct pkgarchive_source){
	        .name = "manifest.json", .data = mtext, .len = strlen(mtext)};
	for (size_t i = 0; i < pkg0; i++)
		if (i != gp)
			all[m++] =
			        (struct pkgarchive_source){.name = names[i], .disk_path = paths[i]};
	for (size_t k = 0; k < APT_REPO_TOOLKIT_COUNT; k++)
		all[m++] = (struct pkgarchive_source){.name = names[pkg0 + order[k]],
		                                      .disk_path = paths[pkg0 + order[k]]};
	if (gp != SIZE_MAX)
		all[m++] = (struct pkgarchive_source){
		        .name = names[gp], .disk_path = paths[gp], .mode = 0755};
	int w = output ? pkgarchive_write_tar_gz(output, all, m, (int64_t)now, err)
	               : pkgarchive_write_tar_gz_fd(STDOUT_FILENO, "standard output", all, m,
	                                            (int64_t)now, err);
	free(all);
	if (w < 0)
		goto out;
	tmpfiles_rm_rf(dl);
	*ret_manifest = TAKE_PTR(manifest);
	*ret_output = TAKE_PTR(output);
	ret = 0;
out:
	for (size_t i = 0; names && i < n; i++) {
		free(names[i]);
		free(paths[i]);
	}
	free(names);
	free(paths);
	rpm_repo_release(&r);
	apt_repo_release(&keyr);
	return ret;
}

int
pkg_bundle_check_rpm(const char *src, const char *dir, const char *keyring, struct pkg_bundle *b,
                     struct gp_error *err)
{
	struct apt_repo keyr;
	struct rpm_repo r;
	_cleanup_free_ char *work = xasprintf("%s/.verify", dir);
	_cleanup_free_ char *kd = xasprintf("%s/key", work);
	_cleanup_free_ char *md = xasprintf("%s/md", work);
	_cleanup_free_ char *repo = xasprintf("%s/repo", dir);
	int ret = -1;
	if (mkdir_p(kd, 0700) < 0 || mkdir_p(md, 0700) < 0)
		return gp_error_set_errno(err, errno, "creating '%s'", work);
	apt_repo_init(&keyr, NULL, b->arch, kd);
	rpm_repo_init(&r, repo, b->arch, md);
	if (pkg_bundle_load_key(&keyr, src, dir, keyring, err) < 0)
		goto out;
	/* The signed chain: key -> repomd.xml -> primary -> each .rpm. */
	if (rpm_repo_check_dir(&r, &keyr.key, repo, src, err) < 0) {
		if (!keyring && str_startswith(err->msg, "wrong key fingerprint"))
			gp_error_hint(err,
			              "a bundle made from a private mirror needs that mirror's "
			              "key: give it with --keyring FILE");
		goto out;
	}
	const char *want_fpr = pkg_bundle_jstr(b->manifest, "key_fingerprint");
	if (!want_fpr || !digest_hex_equal(want_fpr, r.fingerprint)) {
		gp_error_set(err, "%s: manifest.json names key %s, but repomd.xml is signed by %s",
		             src, want_fpr ? want_fpr : "(none)", r.fingerprint);
		gp_error_hint(err, "the bundle was changed after it was made; make it again with "
		                   "gpuprep bundle");
		goto out;
	}
	json_t *pkgs = json_object_get(b->manifest, "packages");
	for (size_t k = 0; k < APT_REPO_TOOLKIT_COUNT; k++) {
		json_t *po = json_array_get(pkgs, k);
		const char *name = pkg_bundle_jstr(po, "name");
		const char *ver = pkg_bundle_jstr(po, "version");
		const char *file = pkg_bundle_jstr(po, "file");
		const struct rpm_package *match = NULL;
		for (size_t i = 0; i < r.n_pkgs && !match; i++) {
			const struct rpm_package *p = &r.pkgs[i];
			_cleanup_free_ char *member = xasprintf("repo/%s", p->href);
			if (name && ver && file && strcmp(p->name, name) == 0 &&
			    strcmp(p->name, apt_repo_toolkit[k]) == 0 && strcmp(p->evr, ver) == 0 &&
			    (strcmp(p->arch, b->arch) == 0 || strcmp(p->arch, "noarch") == 0) &&
			    strcmp(member, file) == 0 && strcmp(p->checksum_type, "sha256") == 0 &&
			    digest_hex_equal(p->checksum, pkg_bundle_jstr(po, "sha256")) &&
			    (json_int_t)p->size == json_integer_value(json_object_get(po, "size")))
				match = p;
		}
		if (!match) {
			gp_error_set(err,
			             "%s: package '%s' in manifest.json does not match the signed "
			             "primary metadata",
			             src, name ? name : "?");
			gp_error_hint(err,
			              "the bundle was changed after it was made; make it again "
			              "with gpuprep bundle");
			goto out;
		}
		b->versions[k] = xstrdup(match->evr);
		b->files[k] = xasprintf("%s/%s", dir, file);
	}
	b->fingerprint = xstrdup(r.fingerprint);
	ret = 0;
out:
	rpm_repo_release(&r);
	apt_repo_release(&keyr);
	return ret;
}
