// SPDX-License-Identifier: GPL-2.0-or-later
#include "buildinfo.h"

#include <dlfcn.h>
#include <stdlib.h>
#include <string.h>

#include "archiveso.h"
#include "curlso.h"
#include "nettleso.h"
#include "nghttp2so.h"
#include "pciso.h"
#include "xmlso.h"
#include "yamlso.h"
#include "util.h"

/* The shared object that holds fn, or null when it is in the binary itself. */
static json_t *
file_of(void *fn)
{
	Dl_info info;
	if (!fn || !dladdr(fn, &info) || !info.dli_fname || !strstr(info.dli_fname, ".so"))
		return json_null();
	return json_string(info.dli_fname);
}

static json_t *
row(const char *name, const char *version, const char *details, bool loaded_on_use, void *fn,
    const char *error)
{
	return json_pack("{s:s, s:s?, s:s?, s:b, s:o, s:s?}", "name", name, "version", version,
	                 "details", details && *details ? details : NULL, "loaded_on_use",
	                 loaded_on_use, "file", version ? file_of(fn) : json_null(), "error",
	                 error);
}

static json_t *
libpci_row(void)
{
	_cleanup_error_ struct gp_error err = GP_ERROR_INIT;
	const struct pciso *lp = pciso_load(&err);
	if (!lp)
		return row("libpci", NULL, NULL, true, NULL, err.msg);
	/* libpci tells no version of its own: the one of the headers gpuprep was built with. */
	_cleanup_free_ char *v = xasprintf("%d.%d.%d", PCI_LIB_VERSION >> 16,
	                                   (PCI_LIB_VERSION >> 8) & 0xff, PCI_LIB_VERSION & 0xff);
	return row("libpci", v, NULL, true, *(void **)&lp->pci_alloc, NULL);
}

static json_t *
jansson_row(void)
{
#if JANSSON_VERSION_HEX >= 0x020d00
	const char *v = jansson_version_str();
#else
	const char *v = JANSSON_VERSION;
#endif
	return row("jansson", v, NULL, false, (void *)json_object, NULL);
}

static json_t *
libarchive_row(void)
{
	_cleanup_error_ struct gp_error err = GP_ERROR_INIT;
	const struct archiveso *la = archiveso_load(&err);
	if (!la)
		return row("libarchive", NULL, NULL, true, NULL, err.msg);
	/* "libarchive 3.6.2 zlib/1.2.13 liblzma/5.4.1 bz2lib/1.0.8 libzstd/1.5.4" */
	_cleanup_free_ char *s = xstrdup(la->archive_version_details());
	char *v = s;
	if (str_startswith(v, "libarchive "))
		v += strlen("libarchive ");
	char *details = strchr(v, ' ');
	if (details)
		*details++ = '\0';
	return row("libarchive", v, details, true, *(void **)&la->archive_read_new, NULL);
}

static json_t *
libcurl_row(void)
{
	_cleanup_error_ struct gp_error err = GP_ERROR_INIT;
	const struct curlso *lc = curlso_load(&err);
	if (!lc)
		return row("libcurl", NULL, NULL, true, NULL, err.msg);
	const curl_version_info_data *d = lc->version_info(CURLVERSION_NOW);
	bool h2 = d->age >= CURLVERSION_FIFTH && d->nghttp2_version;
	_cleanup_free_ char *details =
	        xasprintf("%s%s%s%s%s", d->ssl_version ? d->ssl_version : "",
	                  d->libz_version ? " zlib/" : "", d->libz_version ? d->libz_version : "",
	                  h2 ? " nghttp2/" : "", h2 ? d->nghttp2_version : "");
	const char *dp = details[0] == ' ' ? details + 1 : details;
	return row("libcurl", d->version, dp, true, *(void **)&lc->easy_init, NULL);
}

static json_t *
libnghttp2_row(void)
{
	_cleanup_error_ struct gp_error err = GP_ERROR_INIT;
	const struct nghttp2so *ng = nghttp2so_load(&err);
	if (!ng)
		return row("libnghttp2", NULL, NULL, true, NULL, err.msg);
	return row("libnghttp2", ng->version(0)->version_str, NULL, true,
	           *(void **)&ng->session_client_new, NULL);
}

static json_t *
nettle_row(void)
{
	_cleanup_error_ struct gp_error err = GP_ERROR_INIT;
	const struct nettleso *ln = nettleso_load(&err);
	if (!ln)
		return row("nettle", NULL, NULL, true, NULL, err.msg);
	/* nettle tells its major and minor version only. */
	_cleanup_free_ char *v = xasprintf("%d.%d", ln->version_major(), ln->version_minor());
	return row("nettle", v, NULL, true, *(void **)&ln->version_major, NULL);
}

static json_t *
libxml2_row(void)
{
	_cleanup_error_ struct gp_error err = GP_ERROR_INIT;
	const struct xmlso *lx = xmlso_load(&err);
	if (!lx)
		return row("libxml2", NULL, NULL, true, NULL, err.msg);
	/* xmlParserVersion is "20914" for 2.9.14. */
	long n = strtol(lx->parser_version, NULL, 10);
	_cleanup_free_ char *v = xasprintf("%ld.%ld.%ld", n / 10000, n / 100 % 100, n % 100);
	return row("libxml2", v, NULL, true, *(void **)&lx->xmlReadFile, NULL);
}

static json_t *
libyaml_row(void)
{
	_cleanup_error_ struct gp_error err = GP_ERROR_INIT;
	const struct yamlso *ly = yamlso_load(&err);
	if (!ly)
		return row("libyaml", NULL, NULL, true, NULL, err.msg);
	return row("libyaml", ly->get_version_string(), NULL, true,
	           *(void **)&ly->get_version_string, NULL);
}

json_t *
buildinfo_libraries(void)
{
	json_t *a = json_array();
	json_array_append_new(a, libpci_row());
	json_array_append_new(a, jansson_row());
	json_array_append_new(a, libarchive_row());
	json_array_append_new(a, libcurl_row());
	json_array_append_new(a, libnghttp2_row());
	json_array_append_new(a, nettle_row());
	json_array_append_new(a, libxml2_row());
	json_array_append_new(a, libyaml_row());
	return a;
}
