// SPDX-License-Identifier: GPL-2.0-or-later
/* yaml_find_top_scalar: the value and where it starts, as k3s's drop-in search reports it. */
#include <string.h>

#include "tap.h"
#include "yamledit.h"

static void
find_is(const char *text, const char *key, int want_r, const char *want, unsigned want_line,
        unsigned want_col, const char *name)
{
	_cleanup_free_ char *value = NULL;
	unsigned line = 0, col = 0;
	_cleanup_error_ struct gp_error err = GP_ERROR_INIT;
	int r = yaml_find_top_scalar(text, strlen(text), key, &value, &line, &col, &err);
	is_int(r, want_r, name);
	if (want_r == 1) {
		is_str(value, want, name);
		is_int(line, want_line, name);
		is_int(col, want_col, name);
	} else if (want_r < 0) {
		is_str(err.msg, want, name);
	}
}

int
main(void)
{
	find_is("default-runtime: nvidia\n", "default-runtime", 1, "nvidia", 1, 18, "first line");
	find_is("# GPU nodes\nnode-label:\n  - a=b\ndefault-runtime:   \"runc\" # x\n",
	        "default-runtime", 1, "runc", 4, 20, "after a comment and a list, quoted");
	find_is("default-runtime: >-\n  crun\n", "default-runtime", 1, "crun", 1, 18,
	        "a folded block: where its indicator is");
	find_is("default-runtime+: nvidia\n", "default-runtime+", 1, "nvidia", 1, 19,
	        "the append spelling is a key of its own");
	find_is("default-runtime+: nvidia\n", "default-runtime", 0, NULL, 0, 0,
	        "the plain key is not the append one");
	find_is("", "default-runtime", 0, NULL, 0, 0, "an empty file");
	find_is("a: [\n", "default-runtime", -1,
	        "2:1: did not find expected node content while parsing a flow node", 0, 0,
	        "not YAML: line and column");
	find_is("default-runtime: a\ndefault-runtime: b\n", "default-runtime", -1,
	        "2:1: the key is there twice; which one counts is unclear", 0, 0, "twice");
	return tap_done();
}
