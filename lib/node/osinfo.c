// SPDX-License-Identifier: GPL-2.0-or-later
#include "osinfo.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <strings.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "aptindex.h"
#include "noderoot.h"

static const struct {
	const char *deb, *rpm;
} arch_map[] = {
        {"amd64", "x86_64"},    {"arm64", "aarch64"}, {"armhf", "armv7hl"},   {"i386", "i686"},
        {"ppc64el", "ppc64le"}, {"s390x", "s390x"},   {"riscv64", "riscv64"},
};

const char *
os_arch_deb_from_rpm(const char *rpm)
{
	for (size_t i = 0; i < GP_ARRAY_SIZE(arch_map); i++)
		if (strcmp(arch_map[i].rpm, rpm) == 0)
			return arch_map[i].deb;
	if (strcmp(rpm, "armv7l") == 0)
		return "armhf";
	return NULL;
}

const char *
os_arch_rpm_from_deb(const char *deb)
{
	for (size_t i = 0; i < GP_ARRAY_SIZE(arch_map); i++)
		if (strcmp(arch_map[i].deb, deb) == 0)
			return arch_map[i].rpm;
	return NULL;
}

const char *
os_family_name(enum os_family f)
{
	switch (f) {
	case OS_FAMILY_DEB:
		return "deb";
	case OS_FAMILY_RPM:
		return "rpm";
	default:
		return "unknown";
	}
}

/* Unquote an os-release value in place: "..." with \ escapes, or '...'. */
static char *
unquote(char *v)
{
	size_t n = strlen(v);
	if (n >= 2 && (v[0] == '"' || v[0] == '\'') && v[n - 1] == v[0]) {
		char q = v[0];
		char *w = v;
		for (size_t i = 1; i < n - 1; i++) {
			if (q == '"' && v[i] == '\\' && i + 1 < n - 1)
				i++;
			*w++ = v[i];
		}
		*w = '\0';
	}
	return v;
}

static enum os_family
family_of(const char *id)
{
	static const char *const deb[] = {"debian", "ubuntu", NULL};
	static const char *const rpm[] = {"rhel",   "centos", "rocky", "almalinux",
	                                  "fedora", "amzn",   "ol",    NULL};
	for (size_t i = 0; deb[i]; i++)
		if (strcmp(id, deb[i]) == 0)
			return OS_FAMILY_DEB;
	for (size_t i = 0; rpm[i]; i++)
		if (strcmp(id, rpm[i]) == 0)
			return OS_FAMILY_RPM;
	return OS_FAMILY_UNKNOWN;
}

void
os_release_parse(const char *text, struct os_info *info)
{
	_cleanup_free_ char *copy = xstrdup(text);
	char *save = NULL;
	for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		str_strip(line);
		if (!*line || *line == '#')
			continue;
		char *eq = strchr(line, '=');
		if (!eq)
			continue;
		*eq = '\0';
		char *val = unquote(eq + 1);
		char **slot = NULL;
		if (strcmp(line, "ID") == 0)
			slot = &info->id;
		else if (strcmp(line, "VERSION_ID") == 0)
			slot = &info->version_id;
		else if (strcmp(line, "ID_LIKE") == 0)
			slot = &info->id_like;
		else if (strcmp(line, "PRETTY_NAME") == 0)
			slot = &info->pretty_name;
		if (slot) {
			free(*slot);
			*slot = xstrdup(val);
		}
	}
	info->family = OS_FAMILY_UNKNOWN;
	if (info->id)
		info->family = family_of(info->id);
	if (info->family == OS_FAMILY_UNKNOWN && info->id_like) {
		_cleanup_free_ char *like = xstrdup(info->id_like);
		char *s2 = NULL;
		for (char *w = strtok_r(like, " ", &s2); w && info->family == OS_FAMILY_UNKNOWN;
		     w = strtok_r(NULL, " ", &s2))
			info->family = family_of(w);
	}
}

/* The architecture of an ELF executable, in RPM spelling, or NULL. */
static const char *
elf_arch(const char *root, const char *node)
{
	_cleanup_close_ int fd = noderoot_open(root, node, O_RDONLY, 0);
	if (fd < 0)
		return NULL;
	unsigned char h[20];
	if (read(fd, h, sizeof(h)) != (ssize_t)sizeof(h) || memcmp(h, ELFMAG, SELFMAG) != 0)
		return NULL;
	bool le = h[EI_DATA] == ELFDATA2LSB;
	unsigned machine = le ? (unsigned)(h[18] | h[19] << 8) : (unsigned)(h[18] << 8 | h[19]);
	bool is64 = h[EI_CLASS] == ELFCLASS64;
	switch (machine) {
	case EM_X86_64:
		return "x86_64";
	case EM_AARCH64:
		return "aarch64";
	case EM_ARM:
		return "armv7hl";
	case EM_386:
		return "i686";
	case EM_PPC64:
		return le ? "ppc64le" : NULL;
	case EM_S390:
		return is64 ? "s390x" : NULL;
	case EM_RISCV:
		return is64 ? "riscv64" : NULL;
	default:
		return NULL;
	}
}

/*
 * The architecture of a Jetson/Tegra board, from the SoC rather than the image: the
 * "EABI:" field of /etc/nv_tegra_release ("aarch64"; "hf" on the 32-bit TK1), else the
 * device tree's "nvidia,tegraNNN" compatible (tegra20/30/114/124 are 32-bit, every
 * later one 64-bit), else soc0's family "Tegra" (every board L4T still supports is
 * 64-bit). NULL when the root is not a Tegra board.
 */
static const char *
tegra_arch(const char *root)
{
	_cleanup_free_ char *rel = NULL;
	if (noderoot_read_file(root, "/etc/nv_tegra_release", &rel, NULL) == 0) {
		const char *e = strstr(rel, "EABI: ");
		if (e) {
			e += strlen("EABI: ");
			if (str_startswith(e, "aarch64"))
				return "aarch64";
			if (str_startswith(e, "hf"))
				return "armv7hl";
		}
	}
	_cleanup_free_ char *dt = NULL;
	size_t len = 0;
	if (noderoot_read_file(root, "/proc/device-tree/compatible", &dt, &len) == 0) {
		static const char *const arm32[] = {"nvidia,tegra20", "nvidia,tegra30",
		                                    "nvidia,tegra114", "nvidia,tegra124"};
		/* NUL-separated strings. */
		for (size_t off = 0; off < len; off += strlen(dt + off) + 1) {
			const char *c = dt + off;
			if (!str_startswith(c, "nvidia,tegra"))
				continue;
			for (size_t i = 0; i < GP_ARRAY_SIZE(arm32); i++)
				if (strcmp(c, arm32[i]) == 0)
					return "armv7hl";
			return "aarch64";
		}
	}
	_cleanup_free_ char *fam = NULL;
	if (noderoot_read_file(root, "/sys/devices/soc0/family", &fam, NULL) == 0 &&
	    strncasecmp(fam, "tegra", 5) == 0)
		return "aarch64";
	return NULL;
}

/*
 * The native architecture of a deb system, in RPM spelling, from its dpkg
 * database: the Architecture of the installed dpkg package, which is always
 * native. For a root with no ELF shell to probe. NULL when unknown.
 */
static const char *
dpkg_native_arch(const char *root)
{
	_cleanup_free_ char *p = gp_path(root, "/var/lib/dpkg/status");
	_cleanup_close_ int fd = noderoot_open(root, "/var/lib/dpkg/status", O_RDONLY, 0);
	if (fd < 0)
		return NULL;
	static const char *const dpkg[] = {"dpkg", NULL};
	struct apt_stanza *st = NULL;
	size_t n = 0;
	struct gp_error ignored = GP_ERROR_INIT;
	if (aptindex_parse_matching_fd(fd, p, "Package", dpkg, &st, &n, &ignored) < 0) {
		gp_error_release(&ignored);
		return NULL;
	}
	const char *a = n ? apt_stanza_get(&st[0], "Architecture") : NULL;
	const char *rpm = NULL;
	for (size_t i = 0; a && i < GP_ARRAY_SIZE(arch_map) && !rpm; i++)
		if (strcmp(arch_map[i].deb, a) == 0)
			rpm = arch_map[i].rpm;
	apt_stanzas_free(st, n);
	return rpm;
}

int
os_info_read(const char *root, struct os_info *ret, struct gp_error *err)
{
	struct os_info info = {0};
	static const char *const candidates[] = {"/etc/os-release", "/usr/lib/os-release"};

	for (size_t i = 0; i < GP_ARRAY_SIZE(candidates); i++) {
		_cleanup_free_ char *p = gp_path(root, candidates[i]);
		_cleanup_free_ char *text = NULL;
		int r = noderoot_read_file(root, candidates[i], &text, NULL);
		if (r == -ENOENT)
			continue;
		if (r < 0) {
			os_info_release(&info);
			return gp_error_set_errno(err, r, "reading '%s'", p);
		}
		os_release_parse(text, &info);
		break;
	}

	const char *rpm = NULL;
	if (gp_root_is_set(root)) {
		static const char *const probes[] = {"/bin/sh", "/usr/bin/sh", "/bin/busybox",
		                                     "/usr/bin/env"};
		/* A Tegra board is what its SoC is, whatever the image's files say. */
		rpm = tegra_arch(root);
		for (size_t i = 0; i < GP_ARRAY_SIZE(probes) && !rpm; i++)
			rpm = elf_arch(root, probes[i]);
		if (!rpm)
			rpm = dpkg_native_arch(root);
	} else {
		struct utsname u;
		if (uname(&u) == 0) {
			if (os_arch_deb_from_rpm(u.machine))
				rpm = os_arch_rpm_from_deb(os_arch_deb_from_rpm(u.machine));
		}
	}
	if (rpm) {
		info.arch_rpm = xstrdup(rpm);
		info.arch_deb = xstrdup(os_arch_deb_from_rpm(rpm));
	}
	*ret = info;
	return 0;
}

void
os_info_release(struct os_info *info)
{
	if (!info)
		return;
	free(info->id);
	free(info->version_id);
	free(info->id_like);
	free(info->pretty_name);
	free(info->arch_deb);
	free(info->arch_rpm);
	*info = (struct os_info){0};
}

char *
os_hostname(const char *root)
{
	_cleanup_free_ char *text = NULL;
	size_t len = 0;
	if (noderoot_read_file(root, "/etc/hostname", &text, &len) == 0) {
		/* hostname(5): the first line that is not blank or a comment. */
		for (const char *p = text; *p;) {
			p += strspn(p, " \t\r\n");
			size_t n = strcspn(p, " \t\r\n");
			if (n > 0 && *p != '#')
				return xstrndup(p, n);
			p += strcspn(p, "\n");
		}
	}
	if (root)
		return NULL;
	char buf[256] = "";
	if (gethostname(buf, sizeof(buf) - 1) == 0 && buf[0])
		return xstrdup(buf);
	return NULL;
}
