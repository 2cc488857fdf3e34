/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What the loaders of the libraries gpuprep loads on first use share (lib/base/archiveso,
 * curlso, nettleso, nghttp2so, pciso, xmlso, yamlso): opening the library, and looking up
 * its functions, each failure an error with a hint.
 */
#pragma once

#include <stddef.h>

#include "error.h"

/*
 * dlopen the first of names[0..n) that loads, with flags; NULL with "cannot load LIB:
 * <dlerror>" and hint set when none does.
 */
void *soload_open(const char *lib, const char *const *names, size_t n, int flags, const char *hint,
                  struct gp_error *err);

/*
 * The symbol name in h; NULL with "cannot load LIB: no symbol 'NAME'" and the hint "install
 * LIB MIN_VERSION or later" set when it is not there.
 */
void *soload_sym(void *h, const char *lib, const char *name, const char *min_version,
                 struct gp_error *err);
