// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <sys/stat.h>

#include "pci.h"
#include "tap.h"

#define HDR4                                                                                       \
	"00: de 10 b8 1e 07 04 10 00 a1 00 02 03 00 00 00 00\n"                                    \
	"10: 00 00 00 fb 0c 00 00 00 00 00 00 00 00 00 00 00\n"                                    \
	"20: 00 00 00 00 00 00 00 00 00 00 00 00 de 10 a2 12\n"                                    \
	"30: 00 00 00 00 60 00 00 00 00 00 00 00 ff 01 00 00\n"

/* want: NULL when the text is valid, else the start of the error ("3:5: expected"). */
static void
check_dump(const char *text, size_t len, const char *want, const char *name)
{
	struct gp_error err = GP_ERROR_INIT;
	int r = pci_dump_validate(text, len, &err);
	if (!want) {
		ok(r == 0, "valid: %s", name);
		if (r != 0)
			printf("#   error: %s\n", err.msg);
	} else {
		bool match = r < 0 && err.msg && strncmp(err.msg, want, strlen(want)) == 0;
		ok(match, "invalid: %s", name);
		if (!match)
			printf("#   got:  %s\n#   want: %s...\n", r < 0 ? err.msg : "(valid)",
			       want);
	}
	gp_error_release(&err);
}

#define DUMP(text, want, name) check_dump(text, sizeof(text) - 1, want, name)

static void
test_validator(void)
{
	DUMP("", NULL, "empty dump");
	DUMP("\n\n", NULL, "only empty lines");
	DUMP("3b:00.0 3D controller: NVIDIA Corporation TU104GL [Tesla T4] (rev a1)\n" HDR4, NULL,
	     "lspci -x");
	DUMP("0000:3b:00.0 0302: 10de:1eb8 (rev a1)\n" HDR4, NULL, "domain, lspci -D -n");
	DUMP("10000:3b:00.0 x\n" HDR4, NULL, "five-digit domain");
	DUMP("3b:00.0 x\r\n00: de 10 b8 1e 07 04 10 00 a1 00 02 03 00 00 00 00\r\n"
	     "10: 00 00 00 fb 0c 00 00 00 00 00 00 00 00 00 00 00\r\n"
	     "20: 00 00 00 00 00 00 00 00 00 00 00 00 de 10 a2 12\r\n"
	     "30: 00 00 00 00 60 00 00 00 00 00 00 00 ff 01 00 00\r\n",
	     NULL, "CRLF line ends");
	DUMP("3b:00.0 x\n\tSubsystem: NVIDIA Corporation Device 12a2\n"
	     "\tKernel driver in use: nvidia\n" HDR4 "\n",
	     NULL, "lspci -vx detail lines");
	DUMP("3b:00.0 x\n00: de 10 b8 1e 07 04 10 00 a1 00 02 03 00 00 00 00 \n"
	     "10: 00 00 00 fb 0c 00 00 00 00 00 00 00 00 00 00 00\n"
	     "20: 00 00 00 00 00 00 00 00 00 00 00 00 de 10 a2 12\n"
	     "30: 00 00 00 00 60 00 00 00 00 00 00 00 ff 01 00 00\n"
	     "40: \n",
	     NULL, "a trailing space, a line with no bytes");
	DUMP("3b:00.0 x\n" HDR4 "ff0: 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00\n", NULL,
	     "config up to 4096 bytes");
	DUMP("3b:00.0 x\n" HDR4 "\n3b:00.1 y\n" HDR4, NULL, "two functions");

	DUMP("garbage\n", "1:1: expected a device line", "a stray word");
	DUMP("3b:00.0 x", "1:10: no newline at the end of the file", "no final newline");
	DUMP("3b:00.0 x\n00: de\0 10\n", "2:7: NUL byte", "a NUL byte");
	char longline[300];
	memset(longline, 'a', sizeof(longline));
	memcpy(longline, "3b:00.0 ", 8);
	longline[254] = '\n';
	check_dump(longline, 255, "1:254: line too long", "a 254-byte line");
	DUMP("00: de 10\n", "1:1: config bytes outside a device", "config before any device");
	DUMP("3b:00.0 x\n" HDR4 "\n40: 00\n", "7:1: config bytes outside a device",
	     "config after an empty line");
	DUMP("\tSubsystem: x\n", "1:1: indented line outside a device", "detail line first");
	DUMP("3b:00.0 x\n00: 0g\n", "2:5: expected a byte", "a bad hex digit");
	DUMP("3b:00.0 x\n00:  00\n", "2:5: expected a byte", "two spaces after the offset");
	DUMP("3b:00.0 x\n00: 00  01\n", "2:8: expected a byte", "two spaces between bytes");
	DUMP("3b:00.0 x\n00: 001\n", "2:7: expected ' ' between bytes", "three digits");
	DUMP("3b:00.0 x\n00:\n", "2:4: expected ' ' after the config offset", "no space");
	DUMP("3b:00 x\n", "1:6: expected '.'", "no function");
	DUMP("3b:20.0 x\n", "1:4: slot number out of range", "slot 0x20");
	DUMP("3b:00.8 x\n", "1:7: expected the function number", "function 8");
	DUMP("3b:00.0\n", "1:8: expected ' ' after the device address", "no text after it");
	DUMP("3b:00.0x\n", "1:8: expected ' ' after the device address", "no space after it");
	DUMP("0000:3g:00.0 x\n", "1:6: expected the bus number", "a bad bus");
	DUMP("000:3b:00.0 x\n", "1:1: expected a device address", "three-digit domain");
	DUMP("3b-00.0 x\n", "1:3: expected ':'", "a dash");
	DUMP("3b:00.0 x\n123456789: 00\n", "2:9: too many hex digits", "a 9-digit offset");
	DUMP("3b:00.0 x\nffffffff: 00\n", "2:1: config offset beyond 4096", "offset 0xffffffff");
	DUMP("3b:00.0 x\n" HDR4 "ff0: 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00\n",
	     "6:54: config space ends at 4096 bytes", "byte 4097");
	DUMP("3b:00.0 x\n00: de 10 b8 1e\n", "1:1: device 0000:3b:00.0 lacks part",
	     "only 4 config bytes");
	DUMP("3b:00.0 x\n" HDR4 "\n3b:00.0 y\n" HDR4, "7:1: device 0000:3b:00.0 appears twice",
	     "an address twice");
}

static char *
fixture(const char *rel)
{
	const char *src = getenv("TESTS_SRC");
	return xasprintf("%s/fixtures/%s", src ? src : "tests", rel);
}

static void
test_scan_dump(void)
{
	_cleanup_free_ char *dump = fixture("dumps/t4-a100.lspci");
	_cleanup_free_ char *ids = fixture("pci.ids");
	struct pci_scan_options o = {.dump = dump, .ids_file = ids};
	struct pci_scan s = {0};
	struct gp_error err = GP_ERROR_INIT;
	int r = pci_scan_gpus(&o, &s, &err);
	is_int(r, 0, "scan a dump");
	if (r < 0)
		printf("#   %s\n", err.msg);
	is_int(s.n_functions, 7, "seven functions in the dump");
	is_int(s.n_gpus, 2, "two GPUs in the dump");
	ok(s.from_dump, "from_dump is set");
	if (s.n_gpus == 2) {
		is_str(s.gpus[0].address, "0000:3b:00.0", "sorted: the T4 first");
		is_str(s.gpus[0].name, "TU104GL [Tesla T4]", "T4 named from the fixture pci.ids");
		is_int(s.gpus[0].class_id, 0x0302, "3D controller");
		ok(s.gpus[0].driver == NULL, "a dump has no driver");
		is_str(s.gpus[1].name, "GA100 [A100 PCIe 40GB]", "A100 named");
	}
	pci_scan_release(&s);
	gp_error_release(&err);

	_cleanup_free_ char *bad = fixture("dumps/malformed.lspci");
	o.dump = bad;
	r = pci_scan_gpus(&o, &s, &err);
	is_int(r, -1, "a malformed dump fails");
	ok(err.msg && strstr(err.msg, "malformed.lspci': 28:50: expected a byte"),
	   "the error names the file, line and column");
	gp_error_release(&err);
}

static void
put(const char *dir, const char *name, const char *text)
{
	_cleanup_free_ char *p = xasprintf("%s/%s", dir, name);
	FILE *f = fopen(p, "w");
	if (f) {
		fputs(text, f);
		fclose(f);
	}
}

static void
test_scan_sysfs_error(void)
{
	char tmpl[] = "/tmp/gpuprep-test-pci.XXXXXX";
	char *root = mkdtemp(tmpl);
	ok(root != NULL, "a scratch root");
	if (!root)
		return;
	_cleanup_free_ char *dev = xasprintf("%s/sys/bus/pci/devices/0000:3b:00.0", root);
	mkdir_p(dev, 0755);
	put(dev, "vendor", "0x10de\n");
	put(dev, "device", "0x1eb8\n");
	_cleanup_free_ char *ids = fixture("pci.ids");
	struct pci_scan_options o = {.root = root, .ids_file = ids};
	struct pci_scan s = {0};
	struct gp_error err = GP_ERROR_INIT;

	/* libpci's own error (the class file is missing) comes back, the process goes on. */
	int r = pci_scan_gpus(&o, &s, &err);
	is_int(r, -1, "a missing class file is an error");
	ok(err.msg && strstr(err.msg, "0000:3b:00.0/class"), "the error names the class file");
	gp_error_release(&err);

	put(dev, "class", "0x030200\n");
	r = pci_scan_gpus(&o, &s, &err);
	is_int(r, 0, "the same root scans once the file is there");
	is_int(s.n_gpus, 1, "one GPU");
	if (s.n_gpus == 1) {
		is_str(s.gpus[0].name, "TU104GL [Tesla T4]", "named");
		ok(!s.gpus[0].virtual_function, "not a VF");
	}
	pci_scan_release(&s);

	_cleanup_free_ char *junk = xasprintf("%s/sys/bus/pci/devices/junk", root);
	mkdir_p(junk, 0755);
	r = pci_scan_gpus(&o, &s, &err);
	is_int(r, -1, "an entry that is not an address is an error");
	ok(err.msg && strstr(err.msg, "'junk'"), "the entry is named");
	gp_error_release(&err);

	_cleanup_free_ char *cmd = xasprintf("rm -rf '%s'", root);
	ok(system(cmd) == 0, "scratch root removed");
}

/* The NVIDIA names compiled in from the build's pci.ids (lib/node/embed-pciids.py). */
static void
test_builtin_names(void)
{
	is_str(pci_builtin_name(0x10de, 0x1eb8), "TU104GL [Tesla T4]", "built in: Tesla T4");
	is_str(pci_builtin_name(0x10de, 0x20f1), "GA100 [A100 PCIe 40GB]", "built in: A100");
	ok(pci_builtin_name(0x10de, 0x2fff) == NULL, "built in: an unknown device is NULL");
	ok(pci_builtin_name(0x1002, 0x1eb8) == NULL, "built in: only vendor 10de");
	const char *v = pci_builtin_version();
	ok(strlen(v) == 10 && v[4] == '.' && v[7] == '.' && strspn(v, "0123456789.") == 10,
	   "built in: the version is YYYY.MM.DD (%s)", v);

	is_str(pci_pick_name("node", "2999.01.01", "builtin"), "node", "newer node file wins");
	is_str(pci_pick_name("node", v, "builtin"), "node", "same version: the node's own");
	is_str(pci_pick_name("node", "2000.01.01", "builtin"), "builtin", "older node file loses");
	is_str(pci_pick_name("node", "", "builtin"), "builtin", "no version: older than any");
	is_str(pci_pick_name("node", NULL, "builtin"), "builtin", "NULL version: older than any");
	is_str(pci_pick_name("node", "2000.01.01", NULL), "node",
	       "an older file still names what the built-in block lacks");
	is_str(pci_pick_name(NULL, "2999.01.01", "builtin"), "builtin",
	       "a newer file lacking the device: the built-in name");
	ok(pci_pick_name(NULL, NULL, NULL) == NULL, "neither: NULL");
}

int
main(void)
{
	ok(pci_is_gpu(0x10de, 0x0300), "NVIDIA VGA is a GPU");
	ok(pci_is_gpu(0x10de, 0x0302), "NVIDIA 3D controller is a GPU");
	ok(!pci_is_gpu(0x10de, 0x0403), "NVIDIA audio is not");
	ok(!pci_is_gpu(0x10de, 0x0680), "NVSwitch is not");
	ok(!pci_is_gpu(0x10de, 0x0604), "an NVIDIA bridge is not");
	ok(!pci_is_gpu(0x1002, 0x0300), "AMD VGA is not");
	is_str(pci_class_label(0x0403), "audio device", "class label");
	ok(pci_class_label(0x1234) == NULL, "unknown class label");
	test_validator();
	test_scan_dump();
	test_scan_sysfs_error();
	test_builtin_names();
	return tap_done();
}
