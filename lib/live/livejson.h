/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Type checks on the JSON a daemon answers (dockerd's GET /info, the CRI
 * plugin's config): a field of the wrong type is a peer that is not the
 * daemon, or a broken one, and is refused in words, never read as absent.
 */
#pragma once

#include <jansson.h>
#include <stdbool.h>

#include "error.h"

/* "a number (5)", "an array", "null": what v is, for a message. Fresh string. */
char *livejson_describe(const json_t *v);

/*
 * 0 when v is absent (NULL), of type want (JSON_TRUE stands for either
 * boolean), or null with null_ok; else -1 with err set to "<field> is a number
 * (5), not a string".
 */
int livejson_check(const json_t *v, const char *field, json_type want, bool null_ok,
                   struct gp_error *err);
