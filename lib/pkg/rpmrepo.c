// SPDX-License-Identifier: GPL-2.0-or-later
#include "rpmrepo.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rpmver.h"
#include "digest.h"
#include "tmpfiles.h"
#include "xmlso.h"

#define REPOMD_MAX  (16u << 20)
#define PRIMARY_MAX (512ull << 20)

void
rpm_repo_init(struct rpm_repo *r, const char *repo_url, const char *arch, const char *workdir)
{
	*r = (struct rpm_repo){0};
	size_t n = strlen(repo_url);
	while (n > 1 && repo_url[n - 1] == '/')
		n--;
	r->repo_url = xstrndup(repo_url, n);
	r->arch = xstrdup(arch);
	r->workdir = xstrdup(workdir);
}

void
rpm_packages_free(struct rpm_package *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct rpm_package *p = &v[i];
		free(p->name);
		free(p->arch);
		free(p->evr);
		free(p->href);
		free(p->checksum_type);
		free(p->checksum);
	}
	free(v);
}

void
rpm_repo_release(struct rpm_repo *r)
{
	free(r->repo_url);
	free(r->arch);
	free(r->workdir);
	free(r->fingerprint);
	rpm_md_files_free(r->md, r->n_md);
	rpm_packages_free(r->pkgs, r->n_pkgs);
	*r = (struct rpm_repo){0};
}

/* ---- XML ------------------------------------------------------------------------------ */

static void
xml_quiet(void *ctx, const char *fmt, ...)
{
	(void)ctx;
	(void)fmt;
}

/* libxml2, loaded by xml_read(): every other function here runs on a document it read. */
static const struct xmlso *X;

/* Parse a file (gzip and xz are undone by libxml2 itself); no network, no entities. */
static xmlDoc *
xml_read(const char *path, const char *where, struct gp_error *err)
{
	X = xmlso_load(err);
	if (!X)
		return NULL;
	X->xmlSetGenericErrorFunc(NULL, xml_quiet);
	X->xmlResetLastError();
	xmlDoc *doc = X->xmlReadFile(path, NULL,
	                             XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	if (!doc) {
		const xmlError *e = X->xmlGetLastError();
		if (e && e->message) {
			size_t n = strlen(e->message);
			while (n && e->message[n - 1] == '\n')
				n--;
			gp_error_set(err, "%s:%d:%d: %.*s", where, e->line, e->int2, (int)n,
			             e->message);
		} else {
			gp_error_set(err, "%s: not XML", where);
		}
		gp_error_hint(err, "the repository metadata is damaged; check --repo-url, or "
		                   "fetch the bundle again");
		return NULL;
	}
	return doc;
}

static bool
is_elem(const xmlNode *n, const char *name)
{
	return n->type == XML_ELEMENT_NODE && strcmp((const char *)n->name, name) == 0;
}

static const xmlNode *
child(const xmlNode *parent, const char *name)
{
	for (const xmlNode *c = parent->children; c; c = c->next)
		if (is_elem(c, name))
			return c;
	return NULL;
}

/* An attribute as a fresh string, or NULL. */
static char *
attr(const xmlNode *n, const char *name)
{
	xmlChar *v = X->xmlGetProp(n, (const xmlChar *)name);
	if (!v)
		return NULL;
	char *s = xstrdup((const char *)v);
	X->free(v);
	return s;
}

/* The element's text, trimmed, as a fresh string ("" when empty). */
static char *
text(const xmlNode *n)
{
	xmlChar *v = X->xmlNodeGetContent(n);
	const char *s = v ? (const char *)v : "";
	while (*s == ' ' || *s == '\n' || *s == '\t' || *s == '\r')
		s++;
	size_t len = strlen(s);
	while (len && (s[len - 1] == ' ' || s[len - 1] == '\n' || s[len - 1] == '\t' ||
	               s[len - 1] == '\r'))
		len--;
	char *r = xstrndup(s, len);
	X->free(v);
	return r;
}

static bool
parse_u64(const char *s, uint64_t *ret)
{
	if (!s || !*s)
		return false;
	char *end = NULL;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || *end || s[0] == '-')
		return false;
	*ret = v;
	return true;
}

static int
missing(const char *where, const xmlNode *n, const char *what, struct gp_error *err)
{
	gp_error_set(err, "%s:%ld: <%s> has no %s", where, X->xmlGetLineNo(n),
	             (const char *)n->name, what);
	return gp_error_hint(err, "the repository metadata is not what createrepo writes; "
	                          "check --repo-url");
}

void
rpm_md_files_free(struct rpm_md_file *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].type);
		free(v[i].href);
		free(v[i].checksum);
	}
	free(v);
}

static bool
safe_href(const char *href)
{
	return *href && href[0] != '/' && !strstr(href, "..");
}

int
rpmmd_parse_repomd(const char *path, const char *where, struct rpm_md_file **ret, size_t *ret_n,
                   size_t *ret_primary, struct gp_error *err)
{
	xmlDoc *doc = xml_read(path, where, err);
	if (!doc)
		return -1;
	int rc = -1;
	struct rpm_md_file *v = NULL;
	size_t n = 0, primary = SIZE_MAX;
	const xmlNode *root = X->xmlDocGetRootElement(doc);
	if (!root || !is_elem(root, "repomd")) {
		gp_error_set(err, "%s: the root element is not <repomd>", where);
		gp_error_hint(err, "check --repo-url: it should name the directory that holds "
		                   "repodata/");
		goto out;
	}
	for (const xmlNode *d = root->children; d; d = d->next) {
		if (!is_elem(d, "data"))
			continue;
		const xmlNode *loc = child(d, "location");
		const xmlNode *sum = child(d, "checksum");
		const xmlNode *size = child(d, "size");
		_cleanup_free_ char *type = attr(d, "type");
		_cleanup_free_ char *href = loc ? attr(loc, "href") : NULL;
		_cleanup_free_ char *stype = sum ? attr(sum, "type") : NULL;
		_cleanup_free_ char *ssize = size ? text(size) : NULL;
		if (!type || !href) {
			missing(where, d, "type=... or <location href=...>", err);
			goto out;
		}
		if (!safe_href(href)) {
			gp_error_set(err, "%s:%ld: the location '%s' leaves the repository", where,
			             X->xmlGetLineNo(loc), href);
			goto out;
		}
		uint64_t sz = 0;
		if (ssize && !parse_u64(ssize, &sz)) {
			gp_error_set(err, "%s:%ld: <size> is not a number: '%s'", where,
			             X->xmlGetLineNo(size), ssize);
			goto out;
		}
		bool sha256 = stype && strcmp(stype, "sha256") == 0;
		if (strcmp(type, "primary") == 0) {
			if (!sum || !stype) {
				missing(where, d, "<checksum type=...>", err);
				goto out;
			}
			if (!sha256) {
				gp_error_set(err,
				             "%s:%ld: the primary metadata's checksum is %s; only "
				             "sha256 is accepted",
				             where, X->xmlGetLineNo(sum), stype);
				goto out;
			}
			primary = n;
		}
		v = xrealloc(v, (n + 1) * sizeof(*v));
		v[n++] = (struct rpm_md_file){.type = TAKE_PTR(type),
		                              .href = TAKE_PTR(href),
		                              .checksum = sha256 ? text(sum) : NULL,
		                              .size = sz};
	}
	if (primary == SIZE_MAX) {
		gp_error_set(err, "%s: no <data type=\"primary\">", where);
		gp_error_hint(
		        err,
		        "the repository metadata is not what createrepo writes; check --repo-url");
		goto out;
	}
	*ret = TAKE_PTR(v);
	*ret_n = n;
	*ret_primary = primary;
	rc = 0;
out:
	if (rc < 0)
		rpm_md_files_free(v, n);
	X->xmlFreeDoc(doc);
	return rc;
}

static int
parse_package(const xmlNode *pk, const char *where, struct rpm_package *p, struct gp_error *err)
{
	const xmlNode *name = child(pk, "name");
	const xmlNode *arch = child(pk, "arch");
	const xmlNode *ver = child(pk, "version");
	const xmlNode *sum = child(pk, "checksum");
	const xmlNode *loc = child(pk, "location");
	const xmlNode *size = child(pk, "size");
	if (!name || !arch || !ver || !sum || !loc)
		return missing(where, pk, "<name>, <arch>, <version>, <checksum> or <location>",
		               err);
	_cleanup_free_ char *epoch = attr(ver, "epoch");
	_cleanup_free_ char *v = attr(ver, "ver");
	_cleanup_free_ char *rel = attr(ver, "rel");
	_cleanup_free_ char *psize = size ? attr(size, "package") : NULL;
	p->name = text(name);
	p->arch = text(arch);
	p->href = attr(loc, "href");
	p->checksum_type = attr(sum, "type");
	p->checksum = text(sum);
	if (!v || !rel || !p->href || !p->checksum_type)
		return missing(where, pk, "version ver/rel, location href or checksum type", err);
	if (psize && !parse_u64(psize, &p->size)) {
		gp_error_set(err, "%s:%ld: <size package='%s'> is not a number", where,
		             X->xmlGetLineNo(size), psize);
		return -1;
	}
	if (strstr(p->href, "..") || p->href[0] == '/') {
		gp_error_set(err, "%s:%ld: the package location '%s' leaves the repository", where,
		             X->xmlGetLineNo(loc), p->href);
		return -1;
	}
	p->evr = epoch && strcmp(epoch, "0") != 0 ? xasprintf("%s:%s-%s", epoch, v, rel)
	                                          : xasprintf("%s-%s", v, rel);
	return 0;
}

int
rpmmd_parse_primary(const char *path, const char *where, struct rpm_package **ret, size_t *ret_n,
                    struct gp_error *err)
{
	xmlDoc *doc = xml_read(path, where, err);
	if (!doc)
		return -1;
	struct rpm_package *v = NULL;
	size_t n = 0;
	int r = -1;
	const xmlNode *root = X->xmlDocGetRootElement(doc);
	if (!root || !is_elem(root, "metadata")) {
		gp_error_set(err, "%s: the root element is not <metadata>", where);
		goto out;
	}
	for (const xmlNode *pk = root->children; pk; pk = pk->next) {
		if (!is_elem(pk, "package"))
			continue;
		v = xrealloc(v, (n + 1) * sizeof(*v));
		v[n] = (struct rpm_package){0};
		n++;
		if (parse_package(pk, where, &v[n - 1], err) < 0)
			goto out;
	}
	*ret = TAKE_PTR(v);
	*ret_n = n;
	r = 0;
out:
	if (r < 0)
		rpm_packages_free(v, n);
	X->xmlFreeDoc(doc);
	return r;
}

/* ---- the chain ------------------------------------------------------------------------ */

static int
check_file(const char *path, const char *what, const char *want_hex, uint64_t want_size,
           struct gp_error *err)
{
	char hex[DIGEST_HEX_MAX];
	uint64_t size = 0;
	if (digest_file_hex(DIGEST_SHA256, path, hex, &size, err) < 0)
		return -1;
	if (want_size && size != want_size) {
		gp_error_set(err, "%s is %" PRIu64 " bytes, but the metadata says %" PRIu64, what,
		             size, want_size);
		return gp_error_hint(err, "the file is damaged or was tampered with; fetch it "
		                          "again from a trusted mirror");
	}
	if (!digest_hex_equal(hex, want_hex)) {
		gp_error_set(err, "%s: SHA-256 %s does not match the metadata's %s", what, hex,
		             want_hex);
		return gp_error_hint(err, "the file is damaged or was tampered with; fetch it "
		                          "again from a trusted mirror");
	}
	return 0;
}

/* repomd.xml and its signature are in dir/repodata/: verify and parse them. */
static int
check_repomd(struct rpm_repo *r, const struct gpg_key *key, const char *dir, const char *where,
             struct gp_error *err)
{
	_cleanup_free_ char *md = xasprintf("%s/repodata/repomd.xml", dir);
	_cleanup_free_ char *asc = xasprintf("%s/repodata/repomd.xml.asc", dir);
	_cleanup_free_ char *src = xasprintf("%s: repodata/repomd.xml", where);
	free(r->fingerprint);
	r->fingerprint = NULL;
	if (access(asc, F_OK) != 0) {
		gp_error_set(err, "%s has no signature (repodata/repomd.xml.asc)", src);
		return gp_error_hint(err, "gpuprep installs only from a signed repository, as dnf "
		                          "does with repo_gpgcheck=1");
	}
	if (gpg_verify_detached(key, md, asc, src, &r->fingerprint, err) < 0)
		return -1;
	rpm_md_files_free(r->md, r->n_md);
	r->md = NULL;
	r->n_md = 0;
	return rpmmd_parse_repomd(md, src, &r->md, &r->n_md, &r->primary, err);
}

static int
check_primary(struct rpm_repo *r, const char *path, const char *where, struct gp_error *err)
{
	const struct rpm_md_file *pm = &r->md[r->primary];
	_cleanup_free_ char *what = xasprintf("%s: %s", where, pm->href);
	if (check_file(path, what, pm->checksum, pm->size, err) < 0)
		return -1;
	rpm_packages_free(r->pkgs, r->n_pkgs);
	r->pkgs = NULL;
	r->n_pkgs = 0;
	return rpmmd_parse_primary(path, what, &r->pkgs, &r->n_pkgs, err);
}

int
rpm_repo_check_dir(struct rpm_repo *r, const struct gpg_key *key, const char *dir,
                   const char *where, struct gp_error *err)
{
	if (check_repomd(r, key, dir, where, err) < 0)
		return -1;
	_cleanup_free_ char *primary = xasprintf("%s/%s", dir, r->md[r->primary].href);
	return check_primary(r, primary, where, err);
}

int
rpm_repo_fetch(struct rpm_repo *r, const struct gpg_key *key, struct fetch *f, struct gp_error *err)
{
	_cleanup_free_ char *where = xasprintf("'%s'", r->repo_url);
	_cleanup_free_ char *mddir = xasprintf("%s/repodata", r->workdir);
	if (mkdir_p(mddir, 0700) < 0)
		return gp_error_set_errno(err, errno, "creating '%s'", mddir);
	static const char *const names[] = {"repomd.xml", "repomd.xml.asc"};
	for (size_t i = 0; i < GP_ARRAY_SIZE(names); i++) {
		_cleanup_free_ char *url = xasprintf("%s/repodata/%s", r->repo_url, names[i]);
		_cleanup_free_ char *path = xasprintf("%s/%s", mddir, names[i]);
		_cleanup_free_ char *data = NULL;
		size_t len = 0;
		if (fetch_to_memory(f, url, REPOMD_MAX, &data, &len, err) < 0) {
			if (strstr(err->msg, "HTTP 404"))
				gp_error_hint(
				        err,
				        i == 0 ? "the repository has no metadata for '%s'; check "
				                 "--repo-url and the architecture"
				               : "the repository's metadata is not signed "
				                 "(no repomd.xml.asc for '%s'); gpuprep installs "
				                 "only from a signed repository",
				        r->arch);
			return -1;
		}
		if (tmpfiles_write(path, data, len, 0600, err) < 0)
			return -1;
	}
	if (check_repomd(r, key, r->workdir, where, err) < 0)
		return -1;
	const struct rpm_md_file *pm = &r->md[r->primary];
	const char *base = strrchr(pm->href, '/');
	_cleanup_free_ char *local = xasprintf("%s/%s", mddir, base ? base + 1 : pm->href);
	_cleanup_free_ char *url = xasprintf("%s/%s", r->repo_url, pm->href);
	if (fetch_to_file(f, url, local, pm->size ? pm->size : PRIMARY_MAX, "primary metadata",
	                  NULL, err) < 0)
		return -1;
	return check_primary(r, local, where, err);
}

int
rpm_repo_fetch_md(struct rpm_repo *r, struct fetch *f, const char *dir, struct gp_error *err)
{
	_cleanup_free_ char *where = xasprintf("'%s'", r->repo_url);
	for (size_t i = 0; i < r->n_md; i++) {
		const struct rpm_md_file *m = &r->md[i];
		_cleanup_free_ char *path = xasprintf("%s/%s", dir, m->href);
		_cleanup_free_ char *parent = xstrdup(path);
		*strrchr(parent, '/') = '\0';
		if (mkdir_p(parent, 0755) < 0)
			return gp_error_set_errno(err, errno, "creating '%s'", parent);
		_cleanup_free_ char *url = xasprintf("%s/%s", r->repo_url, m->href);
		if (fetch_to_file(f, url, path, m->size ? m->size : PRIMARY_MAX, m->type, NULL,
		                  err) < 0)
			return -1;
		if (!m->checksum) {
			gp_error_set(err, "%s: repomd.xml's checksum of '%s' is not sha256", where,
			             m->href);
			return gp_error_hint(err, "gpuprep bundles only metadata it can check");
		}
		_cleanup_free_ char *what = xasprintf("%s: %s", where, m->href);
		if (check_file(path, what, m->checksum, m->size, err) < 0)
			return -1;
	}
	return 0;
}

int
rpm_repo_check_package(const struct rpm_package *p, const char *path, struct gp_error *err)
{
	if (strcmp(p->checksum_type, "sha256") != 0) {
		gp_error_set(err, "'%s': the metadata's checksum is %s; only sha256 is accepted",
		             p->href, p->checksum_type);
		return -1;
	}
	_cleanup_free_ char *what = xasprintf("'%s'", path);
	return check_file(path, what, p->checksum, p->size, err);
}

int
rpm_repo_select(const struct rpm_repo *r, const char *target,
                const struct rpm_package *ret[APT_REPO_TOOLKIT_COUNT], struct gp_error *err)
{
	size_t n = 0;
	const char **names = xcalloc(r->n_pkgs + 1, sizeof(char *));
	const char **vers = xcalloc(r->n_pkgs + 1, sizeof(char *));
	_cleanup_strv_ char **archs = NULL;
	for (size_t i = 0; i < r->n_pkgs; i++) {
		const struct rpm_package *p = &r->pkgs[i];
		if (strcmp(p->arch, r->arch) != 0 && strcmp(p->arch, "noarch") != 0) {
			if (!strv_contains(archs, p->arch) && strcmp(p->arch, "src") != 0)
				archs = strv_push(archs, p->arch);
			continue;
		}
		names[n] = p->name;
		vers[n] = p->evr;
		n++;
	}
	_cleanup_strv_ char **common = NULL;
	const char *want = NULL;
	int r_pick = apt_repo_pick_version(names, vers, n, archs, r->repo_url, r->arch, target,
	                                   rpmver_compare, &common, &want, err);
	free(names);
	free(vers);
	if (r_pick < 0)
		return -1;
	for (size_t k = 0; k < APT_REPO_TOOLKIT_COUNT; k++) {
		ret[k] = NULL;
		for (size_t i = 0; i < r->n_pkgs && !ret[k]; i++) {
			const struct rpm_package *p = &r->pkgs[i];
			if (strcmp(p->name, apt_repo_toolkit[k]) == 0 &&
			    rpmver_compare(p->evr, want) == 0 &&
			    (strcmp(p->arch, r->arch) == 0 || strcmp(p->arch, "noarch") == 0))
				ret[k] = p;
		}
	}
	return 0;
}
