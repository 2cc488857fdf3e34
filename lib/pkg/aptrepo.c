// SPDX-License-Identifier: GPL-2.0-or-later
#include "aptrepo.h"

#include <errno.h>
#include <string.h>

#include "debver.h"
#include "digest.h"
#include "tmpfiles.h"

const char *const apt_repo_toolkit[APT_REPO_TOOLKIT_COUNT + 1] = {
        "libnvidia-container1",
        "libnvidia-container-tools",
        "nvidia-container-toolkit-base",
        "nvidia-container-toolkit",
        NULL,
};

/* Index files are small; refuse anything absurd. */
#define INDEX_MAX (64u << 20)
#define KEY_MAX   (1u << 20)

void
apt_repo_init(struct apt_repo *r, const char *base_url, const char *arch, const char *workdir)
{
	*r = (struct apt_repo){0};
	r->base_url = xstrdup(base_url ? base_url : APT_REPO_DEFAULT_URL);
	size_t n = strlen(r->base_url);
	while (n > 0 && r->base_url[n - 1] == '/')
		r->base_url[--n] = '\0';
	r->arch = xstrdup(arch);
	r->dist_url = xasprintf("%s/stable/deb/%s", r->base_url, arch);
	r->packages_name = xstrdup("Packages");
	r->pool_url = xstrdup(r->dist_url);
	r->workdir = xstrdup(workdir);
}

void
apt_repo_set_suite(struct apt_repo *r, const char *suite, const char *component)
{
	free(r->dist_url);
	free(r->suite);
	free(r->component);
	free(r->packages_name);
	free(r->pool_url);
	r->suite = xstrdup(suite);
	r->component = xstrdup(component);
	r->dist_url = xasprintf("%s/dists/%s", r->base_url, suite);
	r->packages_name = xasprintf("%s/binary-%s/Packages", component, r->arch);
	r->pool_url = xstrdup(r->base_url);
}

void
apt_repo_release(struct apt_repo *r)
{
	if (!r)
		return;
	free(r->base_url);
	free(r->dist_url);
	free(r->suite);
	free(r->component);
	free(r->packages_name);
	free(r->pool_url);
	free(r->arch);
	free(r->workdir);
	free(r->key_source);
	free(r->key_data);
	gpg_job_release(r->verify_job);
	gpg_key_release(&r->key);
	free(r->fingerprint);
	free(r->inrelease);
	free(r->packages);
	apt_packages_free(r->pkgs, r->n_pkgs);
	*r = (struct apt_repo){0};
}

int
apt_repo_load_key(struct apt_repo *r, struct fetch *f, const char *keyring_file,
                  struct gp_error *err)
{
	_cleanup_free_ char *keydir = xasprintf("%s/key", r->workdir);
	if (mkdir_p(keydir, 0700) < 0)
		return gp_error_set_errno(err, errno, "creating '%s'", keydir);
	if (keyring_file) {
		r->key_source = xasprintf("'%s'", keyring_file);
		int e = read_file(keyring_file, &r->key_data, &r->key_len);
		if (e < 0) {
			gp_error_set_errno(err, e, "reading the keyring '%s'", keyring_file);
			return gp_error_hint(err, "--keyring takes the repository's public key, "
			                          "ASCII-armored or binary");
		}
		return gpg_key_load(r->key_data, r->key_len, r->key_source, keydir, &r->key, err);
	}
	_cleanup_free_ char *url = xasprintf("%s/gpgkey", r->base_url);
	r->key_source = xasprintf("'%s'", url);
	if (fetch_to_memory(f, url, KEY_MAX, &r->key_data, &r->key_len, err) < 0)
		return gp_error_prefix(err, "fetching the repository key");
	if (gpg_key_load(r->key_data, r->key_len, r->key_source, keydir, &r->key, err) < 0)
		return -1;
	/* This key may be written to the system as apt's keyring: it must be NVIDIA's alone. */
	return gpg_key_require(&r->key, GPG_NVIDIA_FINGERPRINT, err);
}

int
apt_repo_fetch_index(struct apt_repo *r, struct fetch *f, struct gp_error *err)
{
	_cleanup_free_ char *in_url = xasprintf("%s/InRelease", r->dist_url);
	_cleanup_free_ char *pk_url = xasprintf("%s/%s", r->dist_url, r->packages_name);
	if (fetch_to_memory(f, in_url, INDEX_MAX, &r->inrelease, &r->inrelease_len, err) < 0) {
		if (strstr(err->msg, "HTTP 404"))
			gp_error_hint(err,
			              "the repository has no index for '%s'; check --repo-url "
			              "and the architecture",
			              r->arch);
		return -1;
	}
	if (fetch_to_memory(f, pk_url, INDEX_MAX, &r->packages, &r->packages_len, err) < 0)
		return -1;
	_cleanup_free_ char *where = xasprintf("'%s'", r->dist_url);
	return apt_repo_check_index(r, where, err);
}

int
apt_repo_check_index(struct apt_repo *r, const char *where, struct gp_error *err)
{
	_cleanup_free_ char *src = xasprintf("%s: InRelease", where);
	_cleanup_free_ char *text = NULL;
	size_t len = 0;
	free(r->fingerprint);
	r->fingerprint = NULL;
	/* What is checked below is the text gpgv verified and wrote out, never r->inrelease. */
	if (r->verify_job) {
		struct gpg_job *j = TAKE_PTR(r->verify_job);
		if (gpg_verify_clearsigned_finish(j, &r->key, src, &text, &len, &r->fingerprint,
		                                  err) < 0)
			return -1;
	} else {
		_cleanup_free_ char *path = xasprintf("%s/InRelease", r->workdir);
		if (tmpfiles_write(path, r->inrelease, r->inrelease_len, 0600, err) < 0)
			return -1;
		if (gpg_verify_clearsigned(&r->key, path, src, &text, &len, &r->fingerprint, err) <
		    0)
			return -1;
	}
	struct apt_release rel = {0};
	if (aptindex_release(text, len, src, &rel, err) < 0)
		return -1;
	const struct apt_release_file *pf = apt_release_find(&rel, r->packages_name);
	if (!pf || !pf->sha512) {
		apt_release_release(&rel);
		gp_error_set(err, "%s: InRelease lists no SHA512 for '%s'", where,
		             r->packages_name);
		return gp_error_hint(err, "the repository is not an apt repository that gpuprep "
		                          "can check (flat, or dists/ with an uncompressed "
		                          "Packages); check --repo-url");
	}
	if (digest_load(err) < 0) {
		apt_release_release(&rel);
		return -1;
	}
	char hex[DIGEST_HEX_MAX];
	digest_buffer_hex(DIGEST_SHA512, r->packages, r->packages_len, hex);
	if (pf->size != r->packages_len || !digest_hex_equal(hex, pf->sha512)) {
		gp_error_set(err,
		             "%s: checksum mismatch for '%s': InRelease lists %llu bytes with "
		             "SHA512 %.16s..., got %zu bytes with SHA512 %.16s...",
		             where, r->packages_name, (unsigned long long)pf->size, pf->sha512,
		             r->packages_len, hex);
		apt_release_release(&rel);
		return gp_error_hint(err, "the index changed while it was fetched, or was tampered "
		                          "with; try again, or use another mirror");
	}
	apt_release_release(&rel);
	_cleanup_free_ char *psrc = xasprintf("%s: Packages", where);
	apt_packages_free(r->pkgs, r->n_pkgs);
	r->pkgs = NULL;
	r->n_pkgs = 0;
	return aptindex_packages(r->packages, r->packages_len, psrc, &r->pkgs, &r->n_pkgs, err);
}

char *
apt_repo_version_target(const char *v)
{
	if (strchr(v, '-'))
		return xstrdup(v);
	return xasprintf("%s-1", v);
}

/* Sort v newest first (a handful of versions: insertion sort, stable). */
static void
sort_newest_first(char **v, apt_vercmp_fn vercmp)
{
	for (size_t i = 1; v && v[i]; i++) {
		char *x = v[i];
		size_t j = i;
		for (; j > 0 && vercmp(v[j - 1], x) < 0; j--)
			v[j] = v[j - 1];
		v[j] = x;
	}
}

char **
apt_repo_common_versions(const char *const *names, const char *const *cand_names,
                         const char *const *cand_versions, size_t n, apt_vercmp_fn vercmp)
{
	char **out = NULL;
	for (size_t i = 0; i < n; i++) {
		if (strcmp(cand_names[i], names[0]) != 0)
			continue;
		const char *v = cand_versions[i];
		bool dup = false;
		for (size_t k = 0; out && out[k]; k++)
			if (vercmp(out[k], v) == 0)
				dup = true;
		if (dup)
			continue;
		bool all = true;
		for (size_t j = 1; names[j] && all; j++) {
			bool found = false;
			for (size_t c = 0; c < n && !found; c++)
				found = strcmp(cand_names[c], names[j]) == 0 &&
				        vercmp(cand_versions[c], v) == 0;
			all = found;
		}
		if (all)
			out = strv_push(out, v);
	}
	sort_newest_first(out, vercmp);
	return out;
}

char *
apt_repo_join(char *const *v, const char *sep)
{
	struct strbuf b = {0};
	strbuf_puts(&b, "");
	for (size_t i = 0; v && v[i]; i++) {
		if (i)
			strbuf_puts(&b, sep);
		strbuf_puts(&b, v[i]);
	}
	return b.s;
}

int
apt_repo_pick_version(const char *const *names, const char *const *vers, size_t n,
                      char *const *archs, const char *url, const char *arch, const char *target,
                      apt_vercmp_fn vercmp, char ***ret_common, const char **ret_want,
                      struct gp_error *err)
{
	_cleanup_strv_ char **common = apt_repo_common_versions(
	        (const char *const *)apt_repo_toolkit, names, vers, n, vercmp);
	if (!common) {
		if (archs) {
			_cleanup_free_ char *a = apt_repo_join(archs, ", ");
			gp_error_set(err, "'%s' has no toolkit packages for %s, only for %s", url,
			             arch, a);
		} else {
			gp_error_set(err,
			             "'%s' does not have all four toolkit packages at any one "
			             "version",
			             url);
		}
		return gp_error_hint(err, "check --repo-url and the architecture");
	}
	const char *want = common[0];
	if (target) {
		want = NULL;
		for (size_t i = 0; common[i]; i++)
			if (vercmp(common[i], target) == 0)
				want = common[i];
		if (!want) {
			_cleanup_free_ char *list = apt_repo_join(common, ", ");
			gp_error_set(err, "version %s is not in '%s'; it has %s", target, url,
			             list);
			return gp_error_hint(err, "pick one of those with --version, or leave "
			                          "--version out for the newest");
		}
	}
	*ret_want = want;
	*ret_common = TAKE_PTR(common);
	return 0;
}

int
apt_repo_select(const struct apt_repo *r, const char *target,
                const struct apt_package *ret[APT_REPO_TOOLKIT_COUNT], struct gp_error *err)
{
	size_t n = 0;
	const char **names = xcalloc(r->n_pkgs + 1, sizeof(char *));
	const char **vers = xcalloc(r->n_pkgs + 1, sizeof(char *));
	_cleanup_strv_ char **archs = NULL;
	for (size_t i = 0; i < r->n_pkgs; i++) {
		const struct apt_package *p = &r->pkgs[i];
		if (strcmp(p->arch, r->arch) != 0 && strcmp(p->arch, "all") != 0) {
			if (!strv_contains(archs, p->arch))
				archs = strv_push(archs, p->arch);
			continue;
		}
		names[n] = p->name;
		vers[n] = p->version;
		n++;
	}
	_cleanup_strv_ char **common = NULL;
	const char *want = NULL;
	int r_pick = apt_repo_pick_version(names, vers, n, archs, r->dist_url, r->arch, target,
	                                   debver_compare, &common, &want, err);
	free(names);
	free(vers);
	if (r_pick < 0)
		return -1;
	for (size_t k = 0; k < APT_REPO_TOOLKIT_COUNT; k++) {
		ret[k] = NULL;
		for (size_t i = 0; i < r->n_pkgs && !ret[k]; i++) {
			const struct apt_package *p = &r->pkgs[i];
			if (strcmp(p->name, apt_repo_toolkit[k]) == 0 &&
			    (strcmp(p->arch, r->arch) == 0 || strcmp(p->arch, "all") == 0) &&
			    debver_compare(p->version, want) == 0)
				ret[k] = p;
		}
	}
	return 0;
}
