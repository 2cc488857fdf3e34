// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The static build's lib/curlso: libcurl is linked into the binary, so the
 * table holds its functions themselves. meson picks this file or curlso.c.
 */
#include "curlso.h"

#include <stdbool.h>

static const struct curlso lc = {
        .easy_init = curl_easy_init,
        .easy_setopt = curl_easy_setopt,
        .easy_perform = curl_easy_perform,
        .easy_getinfo = curl_easy_getinfo,
        .easy_cleanup = curl_easy_cleanup,
        .easy_reset = curl_easy_reset,
        .easy_strerror = curl_easy_strerror,
        .slist_append = curl_slist_append,
        .slist_free_all = curl_slist_free_all,
        .version_info = curl_version_info,
};
static bool initialized;

const struct curlso *
curlso_load(struct gp_error *err)
{
	if (initialized)
		return &lc;
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		gp_error_set(err, "cannot initialize libcurl");
		return NULL;
	}
	initialized = true;
	return &lc;
}
