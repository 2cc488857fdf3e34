/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * complete: shell completion computed from the usage texts themselves, so it
 * follows every command and option as soon as its usage names it.
 *
 * What is read from a usage text:
 * - option lines, "  -o, --output FILE  description" or "  --dry-run  ...":
 *   the option, its short form, and its argument (one space after the option,
 *   then one word; two spaces mean it takes none);
 * - the synopsis (up to the first blank line): "[--runtime docker|containerd]"
 *   gives the argument of --runtime there, and "gpuprep manifest test-pod [...]"
 *   makes test-pod a verb of manifest, with the options in its brackets.
 *
 * An argument completes to: its words, where it is a set ("docker|containerd",
 * or one lowercase word); check ids for "ID" (a comma-separated list for
 * "ID,..."); files for FILE and PATH; directories for DIR; nothing otherwise.
 */
#pragma once

#include <stddef.h>

struct complete_command {
	const char *name;
	const char *usage;
};

struct complete_spec {
	const char *usage; /* the global usage: its option lines are the global options */
	const struct complete_command *commands;
	size_t n_commands;
	const char *const
	        *ids; /* what ID completes to (the preflight check ids); NULL-terminated */
};

enum complete_kind {
	COMPLETE_WORDS, /* the words in ret_words */
	COMPLETE_FILES, /* the shell completes file names */
	COMPLETE_DIRS,  /* the shell completes directory names */
};

/*
 * Complete the command line words[0..n-1] (the words after "gpuprep"; the last
 * one is the word being completed, possibly ""). "--opt=" in the last word
 * completes the value after '='. Returns the kind; with COMPLETE_WORDS,
 * *ret_words is the sorted list of candidates that start with the word (or the
 * value), without duplicates, NULL-terminated (possibly empty), else NULL.
 */
enum complete_kind complete_line(const struct complete_spec *spec, char *const *words, size_t n,
                                 char ***ret_words);
