/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The node's operating system: /etc/os-release, its package family, and the
 * architecture in Debian and RPM spelling.
 */
#pragma once

#include "error.h"

enum os_family {
	OS_FAMILY_UNKNOWN = 0,
	OS_FAMILY_DEB,
	OS_FAMILY_RPM,
};

struct os_info {
	char *id;         /* "ubuntu"; NULL when os-release is missing */
	char *version_id; /* "22.04", or NULL */
	char *id_like;    /* "debian", or NULL */
	char *pretty_name;
	enum os_family family;
	char *arch_deb; /* "amd64", "arm64", ...; NULL when unknown */
	char *arch_rpm; /* "x86_64", "aarch64", ... */
};

/*
 * Read <root>/etc/os-release (falling back to <root>/usr/lib/os-release) and
 * the architecture. With no root, the architecture is the running kernel's
 * (uname); under a root it comes from the SoC on a Jetson/Tegra board
 * (/etc/nv_tegra_release, /proc/device-tree/compatible, /sys/devices/soc0/family:
 * arm64 whatever dpkg says), else from the ELF header of the image's own /bin/sh
 * (then dpkg's database), so preparing an arm64 image on an amd64 host is right.
 * A missing os-release is not an error (id stays NULL, family unknown).
 */
int os_info_read(const char *root, struct os_info *ret, struct gp_error *err);
void os_info_release(struct os_info *info);

/* "deb", "rpm" or "unknown". */
const char *os_family_name(enum os_family f);

/* Parse os-release text into info (without touching the arch fields). Exposed for tests. */
void os_release_parse(const char *text, struct os_info *info);

/* Map uname -m / ELF machine names: "x86_64" -> "amd64"; NULL when unknown. */
const char *os_arch_deb_from_rpm(const char *rpm);
/* "amd64" -> "x86_64"; NULL when unknown. */
const char *os_arch_rpm_from_deb(const char *deb);

/*
 * The node's hostname: the first word of <root>/etc/hostname; with no root
 * and no /etc/hostname, gethostname(2). NULL when none is known. Free it.
 */
char *os_hostname(const char *root);
