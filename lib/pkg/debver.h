/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Debian version numbers: [epoch:]upstream[-revision], compared the way dpkg
 * does (deb-version(7)): '~' sorts before everything, even the end.
 */
#pragma once

#include <stdbool.h>

/* <0, 0 or >0 as a is older than, equal to or newer than b. NULL sorts first. */
int debver_compare(const char *a, const char *b);
/* True when s is a well-formed version: an optional numeric epoch, an upstream part starting
 * with a digit, and only the characters dpkg allows. */
bool debver_valid(const char *s);
/* The upstream part of a version: "1:1.17.8-1" gives "1.17.8". Returns a fresh string. */
char *debver_upstream(const char *v);
