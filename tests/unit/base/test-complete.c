// SPDX-License-Identifier: GPL-2.0-or-later
#include <string.h>

#include "complete.h"
#include "tap.h"
#include "util.h"

static const char global_usage[] = "usage: gpuprep [--root DIR] [-q] <command>\n"
                                   "       gpuprep help <command>\n"
                                   "\n"
                                   "Global options:\n"
                                   "  --root DIR     the root\n"
                                   "  -q, --quiet    quiet\n";

static const char fix_usage[] = "usage: gpuprep fix [--mode auto|none] [--ids ID,...|all]\n"
                                "                   [-o FILE] [--flag]\n"
                                "\n"
                                "Fix it. With the global --root DIR, elsewhere; see --json.\n"
                                "\n"
                                "Options:\n"
                                "  --mode M          how\n"
                                "  --ids ID,...|all  which\n"
                                "  -o, --output FILE write here\n"
                                "  --format deb      the format\n"
                                "  --name=NAME       a name\n"
                                "  --flag            a flag\n"
                                "  -h, --help        help\n";

static const char kinds_usage[] = "usage: gpuprep kinds one [--a A] [--b]\n"
                                  "       gpuprep kinds two [--c PATH]\n"
                                  "\n"
                                  "  --a A   a\n"
                                  "  --b     b\n"
                                  "  --c PATH  c\n"
                                  "  -h, --help  help\n";

static const struct complete_command commands[] = {
        {"fix", fix_usage},
        {"kinds", kinds_usage},
};
static const char *const ids[] = {"swap", "cgroups", "cdi", NULL};
static const struct complete_spec spec = {global_usage, commands, 2, ids};

/* Complete the space-separated line (a trailing space: an empty last word). */
static char *
comp(const char *line, enum complete_kind *ret_kind)
{
	_cleanup_strv_ char **words = NULL;
	_cleanup_free_ char *copy = xstrdup(line);
	char *p = copy;
	for (char *sp; (sp = strchr(p, ' ')); p = sp + 1) {
		*sp = '\0';
		words = strv_push(words, p);
	}
	words = strv_push(words, p);
	_cleanup_strv_ char **got = NULL;
	*ret_kind = complete_line(&spec, words, strv_length(words), &got);
	struct strbuf b = {0};
	strbuf_puts(&b, "");
	for (char **w = got; w && *w; w++) {
		if (w != got)
			strbuf_puts(&b, " ");
		strbuf_puts(&b, *w);
	}
	return b.s;
}

#define is_comp(line, want)                                                                        \
	do {                                                                                       \
		enum complete_kind _k;                                                             \
		_cleanup_free_ char *_c = comp(line, &_k);                                         \
		ok(_k == COMPLETE_WORDS, "'%s': words", line);                                     \
		is_str(_c, want, "'" line "'");                                                    \
	} while (0)

#define is_kind(line, want)                                                                        \
	do {                                                                                       \
		enum complete_kind _k;                                                             \
		_cleanup_free_ char *_c = comp(line, &_k);                                         \
		is_int(_k, want, "'" line "': kind");                                              \
		is_str(_c, "", "'" line "': no words");                                            \
	} while (0)

int
main(void)
{
	is_comp("", "fix help kinds");
	is_comp("-q --root /x f", "fix");
	is_comp("--", "--quiet --root");
	is_comp("help ", "fix help kinds");
	is_comp("help fix ", "");
	is_comp("nope ", "");
	is_kind("--root ", COMPLETE_DIRS);
	is_kind("--root=", COMPLETE_DIRS);
	is_comp("--quiet=", "");

	/* Option lines and synopsis together; prose that names options adds none. */
	is_comp("fix --", "--flag --format --help --ids --mode --name --output");
	is_comp("fix ", "--flag --format --help --ids --mode --name --output");
	is_comp("fix x", "");
	is_comp("fix --mode ", "auto none");
	is_comp("fix --mode=a", "auto");
	is_comp("fix --flag --mode a", "auto");
	is_comp("fix --format ", "deb");
	is_comp("fix --name ", "");
	is_comp("fix --flag ", "--flag --format --help --ids --mode --name --output");
	is_kind("fix -o ", COMPLETE_FILES);
	is_kind("fix --output ", COMPLETE_FILES);
	is_kind("fix --output=", COMPLETE_FILES);
	is_comp("fix -o x --", "--flag --format --help --ids --mode --name --output");
	is_comp("fix --ids ", "all cdi cgroups swap");
	is_comp("fix --ids c", "cdi cgroups");
	is_comp("fix --ids swap,", "swap,cdi swap,cgroups");
	is_comp("fix --ids swap,cdi,c", "swap,cdi,cgroups");
	is_comp("fix --ids=swap,s", "");

	/* Verbs, each with the options of its synopsis. */
	is_comp("kinds ", "one two");
	is_comp("kinds t", "two");
	is_comp("kinds one ", "--a --b --help");
	is_comp("kinds two --", "--c --help");
	is_comp("kinds --", "--a --b --c --help");
	is_comp("kinds one --a ", "");
	is_kind("kinds two --c ", COMPLETE_FILES);
	return tap_done();
}
