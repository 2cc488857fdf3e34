// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * lib/pkg/dpkgstatus against dpkg's --status-fd lines: the install and the upgrade below are
 * what dpkg 1.21.22 wrote for `dpkg -i` of the four toolkit packages (fresh, and over
 * 1.17.7); the others are turns that must not count.
 */
#include <stdlib.h>

#include "dpkgstatus.h"
#include "tap.h"

static char *const names[] = {"libnvidia-container1", "libnvidia-container-tools",
                              "nvidia-container-toolkit-base", "nvidia-container-toolkit", NULL};

/* Feed lines; the index of the line that completed the set, or -1. */
static int
feed(const char *const *lines)
{
	struct dpkg_unpack_watch w;
	dpkg_unpack_watch_init(&w, names);
	int at = -1;
	for (int i = 0; lines[i]; i++)
		if (dpkg_unpack_watch_line(&w, lines[i])) {
			if (at < 0)
				at = i;
			else
				at = -2; /* told twice */
		}
	dpkg_unpack_watch_release(&w);
	return at;
}

int
main(void)
{
	/* dpkg --root=R --status-fd 3 -i (the four, fresh). */
	const char *const install[] = {"processing: install: libnvidia-container-tools",
	                               "status: libnvidia-container-tools: half-installed",
	                               "status: libnvidia-container-tools: unpacked",
	                               "processing: install: libnvidia-container1",
	                               "status: libnvidia-container1: half-installed",
	                               "status: libnvidia-container1: unpacked",
	                               "processing: install: nvidia-container-toolkit-base",
	                               "status: nvidia-container-toolkit-base: half-installed",
	                               "status: nvidia-container-toolkit-base: unpacked",
	                               "processing: install: nvidia-container-toolkit",
	                               "status: nvidia-container-toolkit: half-installed",
	                               "status: nvidia-container-toolkit: unpacked",
	                               "processing: configure: libnvidia-container1",
	                               "status: libnvidia-container1: half-configured",
	                               "status: libnvidia-container1: installed",
	                               NULL};
	is_int(feed(install), 11, "install: told at the fourth archive's unpacked, once");

	/*
	 * An upgrade over 1.17.7 (dpkg 1.21.22): each package is first reported unpacked with
	 * its old version deconfigured, before its archive is read. Multiarch names.
	 */
	const char *const upgrade[] = {"processing: upgrade: libnvidia-container1:amd64",
	                               "status: libnvidia-container1:amd64: half-configured",
	                               "status: libnvidia-container1:amd64: unpacked",
	                               "status: libnvidia-container1:amd64: half-installed",
	                               "status: libnvidia-container1:amd64: unpacked",
	                               "processing: upgrade: nvidia-container-toolkit-base",
	                               "status: nvidia-container-toolkit-base: half-configured",
	                               "status: nvidia-container-toolkit-base: unpacked",
	                               "status: nvidia-container-toolkit-base: half-installed",
	                               "status: nvidia-container-toolkit-base: unpacked",
	                               "processing: upgrade: libnvidia-container-tools",
	                               "status: libnvidia-container-tools: half-installed",
	                               "status: libnvidia-container-tools: unpacked",
	                               "processing: upgrade: nvidia-container-toolkit",
	                               "status: nvidia-container-toolkit: half-configured",
	                               "status: nvidia-container-toolkit: unpacked",
	                               "status: nvidia-container-toolkit: half-installed",
	                               "status: nvidia-container-toolkit: unpacked",
	                               "processing: configure: libnvidia-container1",
	                               NULL};
	is_int(feed(upgrade), 17,
	       "upgrade: the old version's unpacked does not count; told at the last archive's");

	/*
	 * While it unpacks the first archive, dpkg deconfigures the installed toolkit (it
	 * depends on the old tools): reported unpacked, but its archive not read yet.
	 */
	const char *const deconfigure[] = {"processing: install: libnvidia-container-tools",
	                                   "status: nvidia-container-toolkit: half-installed",
	                                   "status: nvidia-container-toolkit: unpacked",
	                                   "status: libnvidia-container-tools: half-installed",
	                                   "status: libnvidia-container-tools: unpacked",
	                                   "processing: install: libnvidia-container1",
	                                   "status: libnvidia-container1: half-installed",
	                                   "status: libnvidia-container1: unpacked",
	                                   "processing: install: nvidia-container-toolkit-base",
	                                   "status: nvidia-container-toolkit-base: half-installed",
	                                   "status: nvidia-container-toolkit-base: unpacked",
	                                   "processing: deconfigure: nvidia-container-toolkit",
	                                   "status: nvidia-container-toolkit: half-installed",
	                                   "status: nvidia-container-toolkit: unpacked",
	                                   NULL};
	is_int(feed(deconfigure), -1,
	       "a package reported unpacked outside its own install step does not count");

	const char *const failed[] = {"processing: install: libnvidia-container1",
	                              "status: libnvidia-container1: half-installed",
	                              "status: libnvidia-container1: unpacked",
	                              "processing: install: libnvidia-container-tools",
	                              "status: libnvidia-container-tools: half-installed",
	                              "status: /tmp/t/libnvidia-container-tools_1.17.8-1_amd64.deb "
	                              ": error : unpacking failed",
	                              "status: libnvidia-container-tools: not-installed",
	                              "processing: install: nvidia-container-toolkit-base",
	                              "status: nvidia-container-toolkit-base: half-installed",
	                              "status: nvidia-container-toolkit-base: unpacked",
	                              "processing: install: nvidia-container-toolkit",
	                              "status: nvidia-container-toolkit: half-installed",
	                              "status: nvidia-container-toolkit: unpacked",
	                              NULL};
	is_int(feed(failed), -1, "an archive dpkg failed to unpack: never told");

	const char *const other[] = {"processing: install: nvidia-container-toolkit-basement",
	                             "status: nvidia-container-toolkit-basement: half-installed",
	                             "status: nvidia-container-toolkit-basement: unpacked",
	                             "processing: install: libnvidia-container1",
	                             "status: libnvidia-container1: half-installed",
	                             "status: libnvidia-container1: unpackedx",
	                             "status: libnvidia-container1: unpacked",
	                             "processing: install: libnvidia-container-tools",
	                             "status: libnvidia-container-tools: half-installed",
	                             "status: libnvidia-container-tools: unpacked",
	                             "processing: install: nvidia-container-toolkit-base",
	                             "status: nvidia-container-toolkit-base: half-installed",
	                             "status: nvidia-container-toolkit-base: unpacked",
	                             "processing: install: nvidia-container-toolkit",
	                             "status: nvidia-container-toolkit: half-installed",
	                             "status: nvidia-container-toolkit: unpacked",
	                             "processing: install: nvidia-container-toolkit",
	                             "status: nvidia-container-toolkit: half-installed",
	                             "status: nvidia-container-toolkit: unpacked",
	                             NULL};
	is_int(feed(other), 15,
	       "names match whole; other states and packages ignored; told once only");
	return tap_done();
}
