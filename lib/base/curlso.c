// SPDX-License-Identifier: GPL-2.0-or-later
#include "curlso.h"

#include <dlfcn.h>
#include <stdbool.h>

#include "soload.h"

static struct curlso lc;
static bool loaded;

const struct curlso *
curlso_load(struct gp_error *err)
{
	if (loaded)
		return &lc;
	static const char *const names[] = {"libcurl.so.4", "libcurl-gnutls.so.4", "libcurl.so"};
	void *h = soload_open("libcurl", names, GP_ARRAY_SIZE(names), RTLD_NOW | RTLD_LOCAL,
	                      "install libcurl (the Debian package 'libcurl4', or 'libcurl' on "
	                      "rpm systems)",
	                      err);
	if (!h)
		return NULL;
	CURLcode (*global_init)(long flags);
#define SYM(field, name)                                                                           \
	do {                                                                                       \
		if (!(*(void **)&(field) = soload_sym(h, "libcurl", name, "7.61", err)))           \
			return NULL;                                                               \
	} while (0)
	SYM(global_init, "curl_global_init");
	SYM(lc.easy_init, "curl_easy_init");
	SYM(lc.easy_setopt, "curl_easy_setopt");
	SYM(lc.easy_perform, "curl_easy_perform");
	SYM(lc.easy_getinfo, "curl_easy_getinfo");
	SYM(lc.easy_cleanup, "curl_easy_cleanup");
	SYM(lc.easy_reset, "curl_easy_reset");
	SYM(lc.easy_strerror, "curl_easy_strerror");
	SYM(lc.slist_append, "curl_slist_append");
	SYM(lc.slist_free_all, "curl_slist_free_all");
	SYM(lc.version_info, "curl_version_info");
#undef SYM
	if (global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		gp_error_set(err, "cannot initialize libcurl");
		return NULL;
	}
	loaded = true;
	return &lc;
}
