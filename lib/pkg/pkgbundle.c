// SPDX-License-Identifier: GPL-2.0-or-later
#include "pkgbundle.h"
#include "pkgbundle_private.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "debver.h"
#include "digest.h"
#include "elfinfo.h"
#include "pkgarchive.h"
#include "rows.h"
#include "tmpfiles.h"

void
pkg_bundle_largest_first(const uint64_t *sizes, size_t n, size_t *order)
{
	for (size_t k = 0; k < n; k++) {
		size_t at = k;
		while (at > 0 && sizes[order[at - 1]] < sizes[k]) {
			order[at] = order[at - 1];
			at--;
		}
		order[at] = k;
	}
}

char *
pkg_bundle_iso_time(time_t t)
{
	struct tm tm;
	char buf[32];
	gmtime_r(&t, &tm);
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
	return xstrdup(buf);
}

/* SOURCE_DATE_EPOCH makes bundles reproducible; otherwise the current time. */
time_t
pkg_bundle_creation_time(void)
{
	const char *sde = getenv("SOURCE_DATE_EPOCH");
	if (sde && *sde) {
		char *end;
		errno = 0;
		long long v = strtoll(sde, &end, 10);
		if (!errno && !*end && v >= 0)
			return (time_t)v;
	}
	return time(NULL);
}

/* A Packages "Filename" as a safe relative path ("./x.deb" -> "x.deb"), or NULL. */
static char *
safe_relpath(const char *filename)
{
	char *n = pkgarchive_normalize(filename);
	bool bad = !*n || n[0] == '/' || strstr(n, "..") != NULL;
	if (bad) {
		free(n);
		return NULL;
	}
	return n;
}

static int
mismatch(const char *label, uint64_t size, const char *sha256, uint64_t got, const char *hex,
         const char *hint, struct gp_error *err)
{
	gp_error_set(err,
	             "checksum mismatch for %s: expected %llu bytes with SHA256 %s, got %llu "
	             "bytes with SHA256 %s",
	             label, (unsigned long long)size, sha256, (unsigned long long)got, hex);
	return gp_error_hint(err, "%s", hint);
}

static int
check_file(const char *path, const char *label, uint64_t size, const char *sha256, const char *hint,
           struct gp_error *err)
{
	char hex[DIGEST_HEX_MAX];
	uint64_t got;
	if (digest_file_hex(DIGEST_SHA256, path, hex, &got, err) < 0)
		return -1;
	if (got != size || !digest_hex_equal(hex, sha256))
		return mismatch(label, size, sha256, got, hex, hint, err);
	return 0;
}

json_t *
pkg_bundle_file_entry(const char *name, const char *path, struct gp_error *err)
{
	char hex[DIGEST_HEX_MAX];
	uint64_t size;
	if (digest_file_hex(DIGEST_SHA256, path, hex, &size, err) < 0)
		return NULL;
	return json_pack("{s:s, s:I, s:s}", "path", name, "size", (json_int_t)size, "sha256", hex);
}

/* For _cleanup_ on an array of one string per toolkit package. */
static void
free_pkg_strings(char *(*v)[APT_REPO_TOOLKIT_COUNT])
{
	for (size_t k = 0; k < APT_REPO_TOOLKIT_COUNT; k++)
		free((*v)[k]);
}

int
pkg_bundle_create(const struct pkg_bundle_opts *o, json_t **ret_manifest, char **ret_output,
                  struct gp_error *err)
{
	_cleanup_tmpdir_ char *tmp = NULL;
	if (tmpfiles_mkdtemp("bundle", &tmp, err) < 0)
		return -1;
	struct apt_repo r;
	apt_repo_init(&r,
	              o->repo_url ? o->repo_url
	              : o->l4t    ? APT_REPO_L4T_URL
	                          : NULL,
	              o->arch, tmp);
	if (o->l4t)
		apt_repo_set_suite(&r, o->l4t, "main");
	/* The bundle keeps the repository's layout: repo/InRelease and repo/Packages (flat), or
	 * repo/dists/<suite>/InRelease and .../main/binary-<arch>/Packages (L4T's). */
	_cleanup_free_ char *in_name =
	        r.suite ? xasprintf("repo/dists/%s/InRelease", r.suite) : xstrdup("repo/InRelease");
	_cleanup_free_ char *pk_name =
	        r.suite ? xasprintf("repo/dists/%s/%s", r.suite, r.packages_name)
	                : xstrdup("repo/Packages");
	_cleanup_fetch_ struct fetch *f = fetch_new(&o->fetch);
	_cleanup_free_ char *target = o->version ? apt_repo_version_target(o->version) : NULL;
	_cleanup_free_ char *output = NULL;
	_cleanup_free_ char *dl = NULL;
	_cleanup_json_ json_t *manifest = NULL;
	struct pkgarchive_source src[5 + APT_REPO_TOOLKIT_COUNT];
	_cleanup_(free_pkg_strings) char *paths[APT_REPO_TOOLKIT_COUNT] = {0};
	_cleanup_(free_pkg_strings) char *names[APT_REPO_TOOLKIT_COUNT] = {0};
	_cleanup_free_ char *upstream = NULL;
	_cleanup_free_ char *in_path = xasprintf("%s/InRelease", tmp);
	_cleanup_free_ char *pk_path = xasprintf("%s/Packages", tmp);
	_cleanup_free_ char *created = NULL;
	_cleanup_free_ char *mtext = NULL;
	int ret = -1;

	/* Before any download: a wrong --with-gpuprep costs nothing and writes nothing. */
	if (o->gpuprep && elf_check_static(o->gpuprep, o->arch, "--with-gpuprep", err) < 0)
		goto out;
	if (apt_repo_load_key(&r, f, o->keyring, err) < 0)
		goto out;
	if (apt_repo_fetch_index(&r, f, err) < 0)
		goto out;
	const struct apt_package *sel[APT_REPO_TOOLKIT_COUNT];
	if (apt_repo_select(&r, target, sel, err) < 0)
		goto out;
	upstream = debver_upstream(sel[3]->version);

	if (!o->to_stdout)
		output = o->output ? xstrdup(o->output)
		                   : xasprintf("nvidia-container-toolkit_%s_deb_%s.bundle.tar.gz",
		                               upstream, o->arch);
	dl = output ? xasprintf("%s.download", output) : xasprintf("%s/download", tmp);
	if (mkdir_p(dl, 0755) < 0) {
		gp_error_set_errno(err, errno, "creating '%s'", dl);
		goto out;
	}

	json_t *pkgs = json_array();
	for (size_t k = 0; k < APT_REPO_TOOLKIT_COUNT; k++) {
		const struct apt_package *p = sel[k];
		_cleanup_free_ char *rel = p->filename ? safe_relpath(p->filename) : NULL;
		if (!rel || !p->sha256 || !p->size) {
			json_decref(pkgs);
			gp_error_set(
			        err,
			        "'%s': Packages: %u:1: '%s' lacks a safe Filename, a Size or a "
			        "SHA256",
			        r.dist_url, p->line, p->name);
			gp_error_hint(err, "the repository index is incomplete; check --repo-url");
			goto out;
		}
		_cleanup_free_ char *url = xasprintf("%s/%s", r.pool_url, rel);
		const char *base = strrchr(rel, '/') ? strrchr(rel, '/') + 1 : rel;
		paths[k] = xasprintf("%s/%s", dl, base);
		char got[DIGEST_HEX_MAX];
		if (fetch_to_file(f, url, paths[k], p->size, base, got, err) < 0) {
			json_decref(pkgs);
			goto out;
		}
		struct stat st;
		if (stat(paths[k], &st) < 0 || (uint64_t)st.st_size != p->size ||
		    !digest_hex_equal(got, p->sha256)) {
			gp_error_set(
			        err,
			        "checksum mismatch for '%s': expected %llu bytes with SHA256 %s, "
			        "got %llu bytes with SHA256 %s",
			        url, (unsigned long long)p->size, p->sha256,
			        (unsigned long long)st.st_size, got);
			gp_error_hint(
			        err, "the download does not match the signed repository index; "
			             "it was corrupted or tampered with; run gpuprep bundle again");
			unlink(paths[k]);
			json_decref(pkgs);
			goto out;
		}
		names[k] = xasprintf("repo/%s", rel);
		json_array_append_new(pkgs,
		                      json_pack("{s:s, s:s, s:s, s:I, s:s}", "name", p->name,
		                                "version", p->version, "file", names[k], "size",
		                                (json_int_t)p->size, "sha256", p->sha256));
	}

	if (tmpfiles_write(pk_path, r.packages, r.packages_len, 0644, err) < 0) {
		json_decref(pkgs);
		goto out;
	}
	json_t *files = json_array();
	const char *const fnames[] = {in_name, pk_name, PKG_BUNDLE_KEY_FILE};
	const char *const fpaths[] = {in_path, pk_path, r.key.keyring};
	for (size_t i = 0; i < GP_ARRAY_SIZE(fnames); i++) {
		json_t *fe = pkg_bundle_file_entry(fnames[i], fpaths[i], err);
		if (!fe) {
			json_decref(pkgs);
			json_decref(files);
			goto out;
		}
		json_array_append_new(files, fe);
	}
	if (o->gpuprep) {
		json_t *fe = pkg_bundle_file_entry(PKG_BUNDLE_GPUPREP, o->gpuprep, err);
		if (!fe) {
			json_decref(pkgs);
			json_decref(files);
			goto out;
		}
		json_array_append_new(files, fe);
	}

	time_t now = pkg_bundle_creation_time();
	created = pkg_bundle_iso_time(now);
	manifest = json_pack("{s:i, s:s, s:s, s:s, s:s, s:s, s:s, s:o, s:o}", "format_version",
	                     PKG_BUNDLE_FORMAT_VERSION, "toolkit_version", upstream,
	                     "package_family", "deb", "architecture", o->arch, "source_url",
	                     r.dist_url, "key_fingerprint", r.fingerprint, "created", created,
	                     "packages", pkgs, "files", files);
	if (r.suite) {
		json_object_set_new(manifest, "suite", json_string(r.suite));
		json_object_set_new(manifest, "component", json_string(r.component));
	}
	mtext = rows_format_json(manifest);

	/* The key and InRelease come before the packages: an install verifies InRelease's
	 * signature while it extracts them (pkg_bundle_ahead). */
	size_t n = 0;
	src[n++] = (struct pkgarchive_source){
	        .name = "manifest.json", .data = mtext, .len = strlen(mtext)};
	src[n++] =
	        (struct pkgarchive_source){.name = PKG_BUNDLE_KEY_FILE, .disk_path = r.key.keyring};
	src[n++] = (struct pkgarchive_source){.name = in_name, .disk_path = in_path};
	src[n++] = (struct pkgarchive_source){.name = pk_name, .disk_path = pk_path};
	/* The largest package first. */
	uint64_t sizes[APT_REPO_TOOLKIT_COUNT];
	size_t order[APT_REPO_TOOLKIT_COUNT];
	for (size_t k = 0; k < APT_REPO_TOOLKIT_COUNT; k++)
		sizes[k] = sel[k]->size;
	pkg_bundle_largest_first(sizes, APT_REPO_TOOLKIT_COUNT, order);
	for (size_t i = 0; i < APT_REPO_TOOLKIT_COUNT; i++)
		src[n++] = (struct pkgarchive_source){.name = names[order[i]],
		                                      .disk_path = paths[order[i]]};
	if (o->gpuprep)
		src[n++] = (struct pkgarchive_source){
		        .name = PKG_BUNDLE_GPUPREP, .disk_path = o->gpuprep, .mode = 0755};
	if ((output ? pkgarchive_write_tar_gz(output, src, n, (int64_t)now, err)
	            : pkgarchive_write_tar_gz_fd(STDOUT_FILENO, "standard output", src, n,
	                                         (int64_t)now, err)) < 0)
		goto out;
	tmpfiles_rm_rf(dl);
	*ret_manifest = TAKE_PTR(manifest);
	*ret_output = TAKE_PTR(output);
	ret = 0;
out:
	apt_repo_release(&r);
	return ret;
}

bool
pkg_bundle_detect(const struct pkgarchive_listing *l)
{
	for (size_t i = 0; i < l->n; i++) {
		_cleanup_free_ char *n = pkgarchive_normalize(l->entries[i].path);
		if (strcmp(n, "manifest.json") == 0)
			return true;
	}
	return false;
}

void
pkg_bundle_release(struct pkg_bundle *b)
{
	if (!b)
		return;
	json_decref(b->manifest);
	free(b->toolkit_version);
	free(b->family);
	free(b->arch);
	free(b->fingerprint);
	free(b->source_url);
	for (size_t k = 0; k < APT_REPO_TOOLKIT_COUNT; k++) {
		free(b->versions[k]);
		free(b->files[k]);
	}
	*b = (struct pkg_bundle){0};
}

const char *
pkg_bundle_jstr(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);
	return json_is_string(v) ? json_string_value(v) : NULL;
}

static bool
safe_member(const char *name)
{
	_cleanup_free_ char *n = pkgarchive_normalize(name);
	return *n && n[0] != '/' && !strstr(n, "..") && strcmp(n, name) == 0;
}

/* Check one {path|file, size, sha256} object against the extracted file. */
static int
check_member(const char *archive, const char *dir, const struct pkgarchive_listing *l, json_t *o,
             const char *pathkey, char ***listed, struct gp_error *err)
{
	const char *name = pkg_bundle_jstr(o, pathkey);
	const char *sha = pkg_bundle_jstr(o, "sha256");
	json_t *size = json_object_get(o, "size");
	if (!name || !sha || !json_is_integer(size) || json_integer_value(size) < 0 ||
	    !safe_member(name)) {
		gp_error_set(err,
		             "bundle '%s': manifest.json: an entry lacks a safe '%s', a 'size' "
		             "or a 'sha256'",
		             archive, pathkey);
		return gp_error_hint(err,
		                     "the bundle is damaged or was not made by gpuprep bundle");
	}
	_cleanup_free_ char *p = xasprintf("%s/%s", dir, name);
	struct stat st;
	if (lstat(p, &st) < 0 || !S_ISREG(st.st_mode)) {
		gp_error_set(err, "bundle '%s': '%s' is listed in manifest.json but missing",
		             archive, name);
		return gp_error_hint(err, "the bundle is incomplete; make it again with gpuprep "
		                          "bundle");
	}
	_cleanup_free_ char *label = xasprintf("'%s' in bundle '%s'", name, archive);
	static const char *const changed = "the bundle was changed after it was made; make it "
	                                   "again with gpuprep bundle";
	/* The extraction hashed what it wrote (the last entry of that name is the file). */
	const struct pkgarchive_entry *written = NULL;
	for (size_t i = l->n; i-- > 0 && !written;) {
		_cleanup_free_ char *n = pkgarchive_normalize(l->entries[i].path);
		if (l->entries[i].type == PKGARCHIVE_FILE && strcmp(n, name) == 0)
			written = &l->entries[i];
	}
	if (written && written->sha256 && (uint64_t)st.st_size == written->size) {
		if (written->size != (uint64_t)json_integer_value(size) ||
		    !digest_hex_equal(written->sha256, sha))
			return mismatch(label, (uint64_t)json_integer_value(size), sha,
			                written->size, written->sha256, changed, err);
	} else if (check_file(p, label, (uint64_t)json_integer_value(size), sha, changed, err) <
	           0) {
		return -1;
	}
	*listed = strv_push(*listed, name);
	return 0;
}

int
pkg_bundle_load_key(struct apt_repo *r, const char *src, const char *dir, const char *keyring,
                    struct gp_error *err)
{
	if (keyring)
		return apt_repo_load_key(r, NULL, keyring, err);
	_cleanup_free_ char *kd = xasprintf("%s/key", r->workdir);
	_cleanup_free_ char *keyfile = xasprintf("%s/%s", dir, PKG_BUNDLE_KEY_FILE);
	mkdir_p(kd, 0700);
	r->key_source = xasprintf("'%s' in %s", PKG_BUNDLE_KEY_FILE, src);
	int e = read_file(keyfile, &r->key_data, &r->key_len);
	if (e < 0)
		return gp_error_set_errno(err, e, "%s: reading '%s'", src, PKG_BUNDLE_KEY_FILE);
	if (gpg_key_load(r->key_data, r->key_len, r->key_source, kd, &r->key, err) < 0)
		return -1;
	/* Nothing from the bundle is trusted by itself: the signature must be NVIDIA's. */
	gpg_key_pin(&r->key, GPG_NVIDIA_FINGERPRINT);
	return 0;
}

/* "repo/InRelease", or "repo/dists/SUITE/InRelease" (a bundle of L4T's dists/ layout). */
static bool
inrelease_member(const char *norm)
{
	if (strcmp(norm, "repo/InRelease") == 0)
		return true;
	if (!str_startswith(norm, "repo/dists/") || !str_endswith(norm, "/InRelease"))
		return false;
	const char *suite = norm + strlen("repo/dists/");
	return strchr(suite, '/') == norm + strlen(norm) - strlen("/InRelease");
}

void
pkg_bundle_ahead_init(struct pkg_bundle_ahead *a, const char *archive, const char *dir,
                      const char *keyring)
{
	*a = (struct pkg_bundle_ahead){
	        .archive = xstrdup(archive), .dir = xstrdup(dir), .keyring = keyring};
}

/* Wait for gpgv if it runs, and forget it and its key. */
static void
ahead_drop(struct pkg_bundle_ahead *a)
{
	apt_repo_release(&a->repo);
}

void
pkg_bundle_ahead_release(struct pkg_bundle_ahead *a)
{
	if (!a)
		return;
	ahead_drop(a);
	free(a->archive);
	free(a->dir);
	free(a->inrelease);
	*a = (struct pkg_bundle_ahead){0};
}

/*
 * Load the key the check would load (pkg_bundle_load_key) and start gpgv on InRelease. Any
 * failure just leaves it to the check, which meets the same failure and says so.
 */
static void
ahead_start(struct pkg_bundle_ahead *a)
{
	a->started = true;
	_cleanup_free_ char *work = xasprintf("%s/.verify/ahead", a->dir);
	_cleanup_free_ char *src = xasprintf("bundle '%s'", a->archive);
	_cleanup_free_ char *path = xasprintf("%s/%s", a->dir, a->inrelease);
	struct gp_error ignored = {0};
	apt_repo_init(&a->repo, NULL, "", work);
	if (pkg_bundle_load_key(&a->repo, src, a->dir, a->keyring, &ignored) == 0)
		a->repo.verify_job = gpg_verify_clearsigned_start(&a->repo.key, path, &ignored);
	if (a->repo.verify_job)
		return;
	gp_error_release(&ignored);
	ahead_drop(a);
}

void
pkg_bundle_ahead_member(struct pkg_bundle_ahead *a, const char *norm)
{
	bool is_key = strcmp(norm, PKG_BUNDLE_KEY_FILE) == 0;
	bool is_inrelease = inrelease_member(norm);
	if (!is_key && !is_inrelease)
		return;
	if (a->started) {
		/* A second copy of what gpgv was given: the check verifies the last one. */
		if (is_inrelease ? strcmp(norm, a->inrelease) == 0 : !a->keyring)
			ahead_drop(a);
		return;
	}
	if (is_key)
		a->key_out = true;
	else if (!a->inrelease)
		a->inrelease = xstrdup(norm);
	else
		a->started = true; /* two InRelease files (two suites): the manifest picks */
	if (!a->started && a->inrelease && (a->keyring || a->key_out))
		ahead_start(a);
}

int
pkg_bundle_check(const char *archive, const char *dir, const struct pkgarchive_listing *l,
                 const char *keyring, struct pkg_bundle_ahead *ahead, struct pkg_bundle *ret,
                 struct gp_error *err)
{
	struct pkg_bundle b = {0};
	struct apt_repo r = {0};
	_cleanup_strv_ char **listed = NULL;
	_cleanup_free_ char *src = xasprintf("bundle '%s'", archive);
	_cleanup_free_ char *mpath = xasprintf("%s/manifest.json", dir);
	_cleanup_free_ char *work = xasprintf("%s/.verify", dir);
	_cleanup_free_ char *inp = NULL;
	_cleanup_free_ char *pkp = NULL;
	_cleanup_free_ char *in_member = NULL;
	int ret_code = -1;

	json_error_t jerr;
	b.manifest = json_load_file(mpath, JSON_REJECT_DUPLICATES, &jerr);
	if (!b.manifest || !json_is_object(b.manifest)) {
		gp_error_set(err, "%s: manifest.json: %d:%d: %s", src, jerr.line, jerr.column,
		             b.manifest ? "not a JSON object" : jerr.text);
		gp_error_hint(err, "the bundle is damaged or was not made by gpuprep bundle");
		goto out;
	}
	json_t *fv = json_object_get(b.manifest, "format_version");
	if (!json_is_integer(fv) || json_integer_value(fv) != PKG_BUNDLE_FORMAT_VERSION) {
		gp_error_set(err, "%s: manifest.json: unsupported format_version", src);
		gp_error_hint(err, "make the bundle with this version of gpuprep");
		goto out;
	}
	static const char *const req[] = {"toolkit_version", "package_family", "architecture",
	                                  "source_url", "key_fingerprint"};
	for (size_t i = 0; i < GP_ARRAY_SIZE(req); i++)
		if (!pkg_bundle_jstr(b.manifest, req[i])) {
			gp_error_set(err, "%s: manifest.json: '%s' is missing", src, req[i]);
			gp_error_hint(err,
			              "the bundle is damaged or was not made by gpuprep bundle");
			goto out;
		}
	b.toolkit_version = xstrdup(pkg_bundle_jstr(b.manifest, "toolkit_version"));
	b.family = xstrdup(pkg_bundle_jstr(b.manifest, "package_family"));
	b.arch = xstrdup(pkg_bundle_jstr(b.manifest, "architecture"));
	b.source_url = xstrdup(pkg_bundle_jstr(b.manifest, "source_url"));
	json_t *pkgs = json_object_get(b.manifest, "packages");
	json_t *files = json_object_get(b.manifest, "files");
	if (!json_is_array(pkgs) || json_array_size(pkgs) != APT_REPO_TOOLKIT_COUNT ||
	    !json_is_array(files)) {
		gp_error_set(err, "%s: manifest.json: expected four packages and a file list", src);
		gp_error_hint(err, "the bundle is damaged or was not made by gpuprep bundle");
		goto out;
	}
	size_t i;
	json_t *o;
	json_array_foreach (files, i, o) {
		if (check_member(archive, dir, l, o, "path", &listed, err) < 0)
			goto out;
	}
	json_array_foreach (pkgs, i, o) {
		if (check_member(archive, dir, l, o, "file", &listed, err) < 0)
			goto out;
	}
	/* Nothing may be in the bundle that the manifest does not vouch for. */
	for (size_t e = 0; e < l->n; e++) {
		_cleanup_free_ char *n = pkgarchive_normalize(l->entries[e].path);
		if (l->entries[e].type == PKGARCHIVE_DIR || !*n ||
		    strcmp(n, "manifest.json") == 0 || strv_contains(listed, n))
			continue;
		gp_error_set(err, "%s: '%s' is not listed in manifest.json", src, n);
		gp_error_hint(err, "the bundle was changed after it was made; make it again with "
		                   "gpuprep bundle");
		goto out;
	}
	if (strcmp(b.family, "rpm") == 0) {
		/* Its chain (key -> repomd.xml -> primary -> each .rpm) is pkg_bundle_check_rpm's.
		 */
		*ret = b;
		b = (struct pkg_bundle){0};
		ret_code = 0;
		goto out;
	}
	if (strcmp(b.family, "deb") != 0) {
		gp_error_set(err, "%s: a '%s' bundle; this gpuprep installs deb and rpm bundles",
		             src, b.family);
		goto out;
	}

	/* The signed chain: key -> InRelease -> Packages -> each .deb. */
	if (mkdir_p(work, 0700) < 0) {
		gp_error_set_errno(err, errno, "creating '%s'", work);
		goto out;
	}
	apt_repo_init(&r, NULL, b.arch, work);
	/* A bundle from L4T's dists/ repository keeps that layout. */
	const char *suite = pkg_bundle_jstr(b.manifest, "suite");
	const char *component = pkg_bundle_jstr(b.manifest, "component");
	if (suite && (!component || !safe_member(suite) || !safe_member(component))) {
		gp_error_set(err, "%s: manifest.json: a bad 'suite' or 'component'", src);
		gp_error_hint(err, "the bundle is damaged or was not made by gpuprep bundle");
		goto out;
	}
	if (suite)
		apt_repo_set_suite(&r, suite, component);
	inp = suite ? xasprintf("%s/repo/dists/%s/InRelease", dir, suite)
	            : xasprintf("%s/repo/InRelease", dir);
	pkp = suite ? xasprintf("%s/repo/dists/%s/%s", dir, suite, r.packages_name)
	            : xasprintf("%s/repo/Packages", dir);
	in_member = suite ? xasprintf("repo/dists/%s/InRelease", suite) : xstrdup("repo/InRelease");
	if (ahead && ahead->repo.verify_job && strcmp(ahead->inrelease, in_member) == 0) {
		/* gpgv has been checking this InRelease, with this key, since it was
		 * extracted. */
		r.key = ahead->repo.key;
		ahead->repo.key = (struct gpg_key){0};
		r.key_source = TAKE_PTR(ahead->repo.key_source);
		r.key_data = TAKE_PTR(ahead->repo.key_data);
		r.key_len = ahead->repo.key_len;
		r.verify_job = TAKE_PTR(ahead->repo.verify_job);
	} else if (pkg_bundle_load_key(&r, src, dir, keyring, err) < 0) {
		goto out;
	}
	int e1 = read_file(inp, &r.inrelease, &r.inrelease_len);
	int e2 = e1 < 0 ? 0 : read_file(pkp, &r.packages, &r.packages_len);
	if (e1 < 0 || e2 < 0) {
		gp_error_set_errno(err, e1 < 0 ? e1 : e2, "%s: reading '%s'", src,
		                   e1 < 0 ? inp : pkp);
		goto out;
	}
	if (apt_repo_check_index(&r, src, err) < 0) {
		if (!keyring && str_startswith(err->msg, "wrong key fingerprint"))
			gp_error_hint(err,
			              "a bundle made from a private mirror needs that mirror's "
			              "key: give it with --keyring FILE");
		goto out;
	}
	const char *want_fpr = pkg_bundle_jstr(b.manifest, "key_fingerprint");
	if (!digest_hex_equal(want_fpr, r.fingerprint)) {
		gp_error_set(err, "%s: manifest.json names key %s, but InRelease is signed by %s",
		             src, want_fpr, r.fingerprint);
		gp_error_hint(err, "the bundle was changed after it was made; make it again with "
		                   "gpuprep bundle");
		goto out;
	}
	b.fingerprint = xstrdup(r.fingerprint);
	for (size_t k = 0; k < APT_REPO_TOOLKIT_COUNT; k++) {
		json_t *po = json_array_get(pkgs, k);
		const char *name = pkg_bundle_jstr(po, "name");
		const char *ver = pkg_bundle_jstr(po, "version");
		const char *file = pkg_bundle_jstr(po, "file");
		const struct apt_package *match = NULL;
		for (size_t p = 0; p < r.n_pkgs && !match; p++) {
			const struct apt_package *ap = &r.pkgs[p];
			_cleanup_free_ char *rel = ap->filename ? safe_relpath(ap->filename) : NULL;
			_cleanup_free_ char *member = rel ? xasprintf("repo/%s", rel) : NULL;
			if (name && ver && file && member && strcmp(ap->name, name) == 0 &&
			    strcmp(ap->name, apt_repo_toolkit[k]) == 0 &&
			    strcmp(ap->version, ver) == 0 && strcmp(member, file) == 0 &&
			    (strcmp(ap->arch, b.arch) == 0 || strcmp(ap->arch, "all") == 0) &&
			    ap->sha256 &&
			    digest_hex_equal(ap->sha256, pkg_bundle_jstr(po, "sha256")) &&
			    (json_int_t)ap->size == json_integer_value(json_object_get(po, "size")))
				match = ap;
		}
		if (!match) {
			gp_error_set(err,
			             "%s: package '%s' in manifest.json does not match the "
			             "signed Packages index",
			             src, name ? name : "?");
			gp_error_hint(err, "the bundle was changed after it was made; make it "
			                   "again with gpuprep bundle");
			goto out;
		}
		b.versions[k] = xstrdup(match->version);
		b.files[k] = xasprintf("%s/%s", dir, file);
	}
	*ret = b;
	b = (struct pkg_bundle){0};
	ret_code = 0;
out:
	apt_repo_release(&r);
	pkg_bundle_release(&b);
	return ret_code;
}
