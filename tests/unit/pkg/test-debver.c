// SPDX-License-Identifier: GPL-2.0-or-later
#include <stdio.h>
#include <stdlib.h>

#include "debver.h"
#include "util.h"
#include "tap.h"

static const struct {
	const char *a, *b;
	int want;
} cases[] = {
        {"1.17.8-1", "1.17.8-1", 0},
        {"1.17.8-1", "1.17.7-1", 1},
        {"1.17.10-1", "1.17.9-1", 1},
        {"1.18.0~rc.1-1", "1.18.0-1", -1},
        {"1.18.0~rc.1-1", "1.17.8-1", 1},
        {"1.0~", "1.0", -1},
        {"1.0~~", "1.0~", -1},
        {"1.0~~a", "1.0~~", 1},
        {"1:1.0-1", "2.0-1", 1},
        {"0:1.0-1", "1.0-1", 0},
        {"1.0", "1.0-0", 0},
        {"1.0-1", "1.0", 1},
        {"1.0a", "1.0", 1},
        {"1.0+b1", "1.0", 1},
        {"1.0.", "1.0", 1},
        {"1.0-1ubuntu1", "1.0-1", 1},
        {"1.0-1.1", "1.0-1", 1},
        {"2.36-9", "2.36-9+deb12u4", -1},
        {"1.00", "1.0", 0},
        {"10", "9", 1},
        {"1.2.3-a-b", "1.2.3-a-c", -1},
};

int
main(void)
{
	for (size_t i = 0; i < GP_ARRAY_SIZE(cases); i++) {
		int got = debver_compare(cases[i].a, cases[i].b);
		ok(got == cases[i].want, "'%s' vs '%s' is %d", cases[i].a, cases[i].b,
		   cases[i].want);
		ok(debver_compare(cases[i].b, cases[i].a) == -cases[i].want, "and the reverse");
	}
	ok(debver_compare(NULL, "1") < 0 && debver_compare("1", NULL) > 0 &&
	           debver_compare(NULL, NULL) == 0,
	   "NULL sorts first");

	/* dpkg itself agrees, where it is installed. */
	if (system("dpkg --version >/dev/null 2>&1") == 0) {
		for (size_t i = 0; i < GP_ARRAY_SIZE(cases); i++) {
			char cmd[300];
			const char *op = cases[i].want < 0 ? "lt" : cases[i].want > 0 ? "gt" : "eq";
			snprintf(cmd, sizeof(cmd), "dpkg --compare-versions '%s' %s '%s'",
			         cases[i].a, op, cases[i].b);
			ok(system(cmd) == 0, "dpkg agrees: %s %s %s", cases[i].a, op, cases[i].b);
		}
	} else {
		printf("ok %d - dpkg agrees # SKIP dpkg is not installed\n", ++tap_n);
	}

	ok(debver_valid("1.17.8"), "1.17.8 is valid");
	ok(debver_valid("1.17.8-1"), "1.17.8-1 is valid");
	ok(debver_valid("1:1.17.8-1"), "an epoch is valid");
	ok(debver_valid("1.18.0~rc.1"), "a tilde is valid");
	ok(!debver_valid(""), "empty is not");
	ok(!debver_valid("v1.17.8"), "a leading letter is not");
	ok(!debver_valid("1.17.8 "), "a space is not");
	ok(!debver_valid("1.17.8-"), "an empty revision is not");
	ok(!debver_valid("a:1.0"), "a non-numeric epoch is not");
	ok(!debver_valid("1.0;rm"), "a semicolon is not");

	char *u = debver_upstream("1:1.17.8-1");
	is_str(u, "1.17.8", "upstream of 1:1.17.8-1");
	free(u);
	u = debver_upstream("1.18.0~rc.1-1");
	is_str(u, "1.18.0~rc.1", "upstream of an rc");
	free(u);
	return tap_done();
}
