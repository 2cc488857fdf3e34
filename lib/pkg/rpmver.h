/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * rpm version numbers: [epoch:]version[-release], compared the way rpm >= 4.15 does
 * (rpmvercmp, and rpmverCmp for the whole EVR): the parts are runs of digits or of
 * letters, separators only split them; a number beats letters, numbers compare by value;
 * '~' sorts before everything, even the end ("1.0~rc1" < "1.0"); '^' sorts after the end
 * but before anything else ("1.0" < "1.0^git1" < "1.0.1"). A missing epoch is 0; a
 * missing release sorts before any release, as rpm.vercmp has it (only rpm's dependency
 * ranges let it match any).
 */
#pragma once

#include <stdbool.h>

/* <0, 0 or >0 as version string a is older than, equal to or newer than b (one part). */
int rpmver_segment_compare(const char *a, const char *b);
/* The same for whole [epoch:]version[-release] strings. NULL sorts first. */
int rpmver_compare(const char *a, const char *b);
/*
 * True when s is a well-formed rpm EVR: an optional numeric epoch and ':', a version and an
 * optional '-' and release, each non-empty and of letters, digits and "._+~^" only.
 */
bool rpmver_valid(const char *s);
