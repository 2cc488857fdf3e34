// SPDX-License-Identifier: GPL-2.0-or-later
#include "osinfo.h"
#include "tap.h"

static void
check(const char *text, const char *id, const char *version, enum os_family fam, const char *name)
{
	struct os_info info = {0};
	os_release_parse(text, &info);
	char label[200];
	snprintf(label, sizeof(label), "%s: id", name);
	is_str(info.id, id, label);
	snprintf(label, sizeof(label), "%s: version_id", name);
	is_str(info.version_id, version, label);
	snprintf(label, sizeof(label), "%s: family %s", name, os_family_name(fam));
	is_str(os_family_name(info.family), os_family_name(fam), label);
	os_info_release(&info);
}

int
main(void)
{
	check("PRETTY_NAME=\"Ubuntu 22.04.4 "
	      "LTS\"\nNAME=\"Ubuntu\"\nVERSION_ID=\"22.04\"\nID=ubuntu\n"
	      "ID_LIKE=debian\n",
	      "ubuntu", "22.04", OS_FAMILY_DEB, "ubuntu");
	check("ID=\"rocky\"\nVERSION_ID=\"9.3\"\nID_LIKE=\"rhel centos fedora\"\n", "rocky", "9.3",
	      OS_FAMILY_RPM, "rocky, quoted id");
	check("ID=linuxmint\nVERSION_ID=21\nID_LIKE=\"ubuntu debian\"\n", "linuxmint", "21",
	      OS_FAMILY_DEB, "unknown id falls back to ID_LIKE");
	check("ID=arch\n", "arch", NULL, OS_FAMILY_UNKNOWN, "no family");
	check("# comment\n\nID='amzn'\nVERSION_ID=\"2023\"\n", "amzn", "2023", OS_FAMILY_RPM,
	      "single quotes and comments");
	check("ID=\"we\\\"ird\"\n", "we\"ird", NULL, OS_FAMILY_UNKNOWN, "backslash escapes");

	is_str(os_arch_deb_from_rpm("x86_64"), "amd64", "x86_64 is amd64");
	is_str(os_arch_deb_from_rpm("aarch64"), "arm64", "aarch64 is arm64");
	is_str(os_arch_rpm_from_deb("arm64"), "aarch64", "arm64 is aarch64");
	ok(os_arch_deb_from_rpm("vax") == NULL, "unknown arch is NULL");

	struct os_info host = {0};
	struct gp_error err = GP_ERROR_INIT;
	is_int(os_info_read(NULL, &host, &err), 0, "reading the host works");
	ok(host.arch_deb != NULL, "the host's arch is known");
	os_info_release(&host);

	/* Under a root, the arch comes from the image's /bin/sh ELF header. */
	char tmpl[] = "/tmp/gpuprep-osinfo-XXXXXX";
	ok(mkdtemp(tmpl) != NULL, "mkdtemp");
	_cleanup_free_ char *bin = xasprintf("%s/bin", tmpl);
	mkdir_p(bin, 0755);
	_cleanup_free_ char *sh = xasprintf("%s/bin/sh", tmpl);
	FILE *f = fopen(sh, "wb");
	unsigned char elf[64] = {0x7f, 'E', 'L', 'F', 2, 1, 1};
	elf[18] = 183; /* EM_AARCH64 */
	fwrite(elf, 1, sizeof(elf), f);
	fclose(f);
	struct os_info img = {0};
	is_int(os_info_read(tmpl, &img, &err), 0, "reading an image without os-release");
	is_str(img.arch_deb, "arm64", "arm64 image detected from its ELF header");
	ok(img.id == NULL && img.family == OS_FAMILY_UNKNOWN, "missing os-release is unknown");
	os_info_release(&img);

	/* No ELF shell to probe: the arch of the dpkg package in the image's dpkg database. */
	ok(unlink(sh) == 0, "remove the image's /bin/sh");
	_cleanup_free_ char *dpkgdir = xasprintf("%s/var/lib/dpkg", tmpl);
	mkdir_p(dpkgdir, 0755);
	_cleanup_free_ char *status = xasprintf("%s/status", dpkgdir);
	f = fopen(status, "w");
	fputs("Package: libc6\nStatus: install ok installed\nArchitecture: i386\n\n"
	      "Package: dpkg\nStatus: install ok installed\nArchitecture: ppc64el\n",
	      f);
	fclose(f);
	is_int(os_info_read(tmpl, &img, &err), 0, "reading an image with only a dpkg database");
	is_str(img.arch_deb, "ppc64el", "the arch of the dpkg package, not of another package");
	is_str(img.arch_rpm, "ppc64le", "in RPM spelling too");
	os_info_release(&img);

	/* A Jetson/Tegra board is what its SoC says, whatever dpkg's database says. */
	const char *const dirs[] = {"sys/devices/soc0", "proc/device-tree", "etc"};
	for (size_t i = 0; i < GP_ARRAY_SIZE(dirs); i++) {
		_cleanup_free_ char *d = xasprintf("%s/%s", tmpl, dirs[i]);
		mkdir_p(d, 0755);
	}
	_cleanup_free_ char *fam = xasprintf("%s/sys/devices/soc0/family", tmpl);
	tap_write_file(fam, "Tegra\n", 0644);
	is_int(os_info_read(tmpl, &img, &err), 0, "reading a Tegra image (soc0 only)");
	is_str(img.arch_deb, "arm64", "soc0's family Tegra: arm64, not dpkg's ppc64el");
	os_info_release(&img);
	_cleanup_free_ char *compat = xasprintf("%s/proc/device-tree/compatible", tmpl);
	f = fopen(compat, "wb");
	fwrite("nvidia,jetson-tk1\0nvidia,tegra124\0", 1, 35, f);
	fclose(f);
	is_int(os_info_read(tmpl, &img, &err), 0, "reading a TK1 image (device tree)");
	is_str(img.arch_deb, "armhf", "tegra124 in the device tree: armhf (the 32-bit TK1)");
	os_info_release(&img);
	_cleanup_free_ char *rel = xasprintf("%s/etc/nv_tegra_release", tmpl);
	tap_write_file(rel,
	               "# R35 (release), REVISION: 4.1, GCID: 33958178, BOARD: t186ref, EABI: "
	               "aarch64, DATE: Tue Aug  1 19:57:35 UTC 2023\n",
	               0644);
	is_int(os_info_read(tmpl, &img, &err), 0, "reading a Tegra image with nv_tegra_release");
	is_str(img.arch_rpm, "aarch64", "nv_tegra_release's EABI comes first");
	os_info_release(&img);

	/* The hostname: the root's /etc/hostname, past blank and comment lines; else NULL. */
	ok(os_hostname(tmpl) == NULL,
	   "no /etc/hostname under a root: no hostname (not the host's)");
	_cleanup_free_ char *hn = xasprintf("%s/etc/hostname", tmpl);
	mkdir_p(hn, 0755);
	rmdir(hn);
	f = fopen(hn, "w");
	fputs("\n# the node's name\n  edge-07.example  \n", f);
	fclose(f);
	_cleanup_free_ char *name = os_hostname(tmpl);
	is_str(name, "edge-07.example", "the first word of the first line that is not a comment");
	f = fopen(hn, "w");
	fputs("# only a comment\n\n", f);
	fclose(f);
	ok(os_hostname(tmpl) == NULL, "an /etc/hostname of comments: no hostname");
	_cleanup_free_ char *cmd = xasprintf("rm -rf '%s'", tmpl);
	ok(system(cmd) == 0, "cleanup");
	return tap_done();
}
