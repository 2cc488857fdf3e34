/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * nettle, for the SHA-256 and SHA-512 of the package checks (lib/pkg/digest), loaded on
 * first use: mapping it, and its start (it picks the code for this CPU), cost every command
 * about 0.13 ms, though only install and bundle hash. nettleso_linked.c is the static
 * build's table.
 */
#pragma once

#include <nettle/sha2.h>
#include <nettle/version.h>

#include "error.h"

/* Every nettle function gpuprep calls, without its nettle_ prefix. */
#define NETTLESO_FUNCS(X)                                                                          \
	X(sha256_digest)                                                                           \
	X(sha256_init)                                                                             \
	X(sha256_update)                                                                           \
	X(sha512_digest)                                                                           \
	X(sha512_init)                                                                             \
	X(sha512_update)                                                                           \
	X(version_major)                                                                           \
	X(version_minor)

struct nettleso {
#define NETTLESO_FIELD(name) __typeof__(&nettle_##name) name;
	NETTLESO_FUNCS(NETTLESO_FIELD)
#undef NETTLESO_FIELD
};

/*
 * The loaded library, or NULL with err set (and a hint) when no usable nettle can be
 * loaded. Loads once; later calls return the same table.
 */
const struct nettleso *nettleso_load(struct gp_error *err);
