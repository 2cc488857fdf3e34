// SPDX-License-Identifier: GPL-2.0-or-later
/* Docker Engine versions as dockerd, /info and the package databases write them. */
#include <stdio.h>

#include "docker_version.h"
#include "util.h"
#include "tap.h"

static const struct {
	const char *s;
	int want;
} cases[] = {
        {"18.09.6", 1809},                         /* /info ServerVersion */
        {"5:18.09.6~3-0~ubuntu-bionic", 1809},     /* docker-ce from download.docker.com */
        {"3:18.09.6-3.el7", 1809},                 /* docker-ce rpm, with its epoch */
        {"18.06.1~ce~3-0~ubuntu", 1806},           /* before the epoch */
        {"1.13.1-209.git7d71120.el7.centos", 113}, /* CentOS 7's own docker */
        {"20.10.24+dfsg1-1+deb12u1", 2010},        /* Debian's docker.io */
        {"28.1.1", 2801},
        {"19.03.0", 1903},
        {"", 0},
        {"docker", 0},
        {"5:", 0},
        {"18", 0},
        {"0.9", 0},
        {"18.100", 0},
};

int
main(void)
{
	for (size_t i = 0; i < GP_ARRAY_SIZE(cases); i++)
		is_int(docker_version_number(cases[i].s), cases[i].want, cases[i].s);
	is_int(docker_version_number(NULL), 0, "NULL");

	char b[16];
	is_str(docker_version_label(1809, b), "18.09", "18.09 keeps its two-digit month");
	is_str(docker_version_label(2010, b), "20.10", "20.10");
	is_str(docker_version_label(113, b), "1.13", "1.13");
	is_str(docker_version_label(2300, b), "23.0", "23.0: semantic versions since");
	is_str(docker_version_label(2801, b), "28.1", "28.1");

	struct runtime_version v = {0};
	docker_version_judge(1809, &v);
	ok(v.limited && v.hint && strstr(v.said, "no docker run --gpus"), "18.09: limited");
	runtime_version_release(&v);
	docker_version_judge(1903, &v);
	ok(!v.limited && !v.hint && strstr(v.said, "both work"), "19.03: not limited");
	runtime_version_release(&v);
	docker_version_judge(1810, &v);
	ok(v.limited, "18.10 (no such release, but older): limited");
	runtime_version_release(&v);
	return tap_done();
}
