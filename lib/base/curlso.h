/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libcurl, loaded with dlopen the first time something needs it: commands
 * that never talk HTTP (install --offline, detect, configure) neither load it
 * nor pay for its dozens of dependent libraries at startup. fetch (downloads)
 * and unixhttp (the daemons' APIs) both call libcurl only through here.
 * The static build (meson -Dstatic=true) links libcurl instead and fills the
 * same table from curlso_linked.c.
 */
#pragma once

#include <curl/curl.h>

#include "error.h"

struct curlso {
	CURL *(*easy_init)(void);
	CURLcode (*easy_setopt)(CURL *c, CURLoption opt, ...);
	CURLcode (*easy_perform)(CURL *c);
	CURLcode (*easy_getinfo)(CURL *c, CURLINFO info, ...);
	void (*easy_cleanup)(CURL *c);
	void (*easy_reset)(CURL *c);
	const char *(*easy_strerror)(CURLcode rc);
	struct curl_slist *(*slist_append)(struct curl_slist *l, const char *s);
	void (*slist_free_all)(struct curl_slist *l);
	curl_version_info_data *(*version_info)(CURLversion v);
};

/*
 * The loaded library (initialized with curl_global_init), or NULL with err
 * set when no usable libcurl can be loaded. Loads once; later calls return
 * the same table.
 */
const struct curlso *curlso_load(struct gp_error *err);
