/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The libraries behind this build of gpuprep, for --version: libpci, jansson,
 * libarchive, libcurl, libnghttp2, nettle, libxml2 and libyaml, with the versions that run (the
 * ones linked in, or those the dynamic build links at start or loads on use).
 */
#pragma once

#include <jansson.h>

/*
 * One row per library, in the order above:
 *   name           "libcurl"
 *   version        "7.88.1", or null when the library cannot be loaded
 *   details        what it was built with ("mbedTLS/2.28.3 zlib/1.2.13
 *                  nghttp2/1.52.0"), or null
 *   loaded_on_use  true for those the dynamic build loads with dlopen when
 *                  first needed (libarchive, libcurl, libnghttp2, libxml2);
 *                  asking for their
 *                  versions loads them
 *   file           the shared object the code runs from, or null when it is
 *                  linked into the binary
 *   error          why it cannot be loaded, or null
 * libpci has no run-time version query: its version is the one gpuprep was
 * compiled against. nettle gives its major and minor version only.
 */
json_t *buildinfo_libraries(void);
