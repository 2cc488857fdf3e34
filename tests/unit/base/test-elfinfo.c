// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ELF headers: real programs of this machine (busybox-static's /bin/busybox, the dynamic
 * /bin/true, a program built here with gcc -static when it can), synthetic images for the
 * cases no installed file gives (another architecture, a static PIE, a library with
 * DT_NEEDED but no PT_INTERP, damaged headers), and a file that is not ELF.
 */
#include <elf.h>
#include <stdlib.h>
#include <unistd.h>

#include "elfinfo.h"
#include "tap.h"

#if defined(__x86_64__)
#define HOST_ARCH "amd64"
#define HOST_EM   EM_X86_64
#define OTHER     "arm64"
#elif defined(__aarch64__)
#define HOST_ARCH "arm64"
#define HOST_EM   EM_AARCH64
#define OTHER     "amd64"
#endif

static char dir[] = "/tmp/test-elfinfo.XXXXXX";

/*
 * A 64-bit little-endian ELF image: header, PT_LOAD over the whole file, then optionally
 * PT_INTERP ("/lib/ld-linux-aarch64.so.1") and PT_DYNAMIC (with DT_NEEDED "libc.so.6" when
 * needed). Returns the image size written into buf (4096 bytes).
 */
static size_t
mk_elf(unsigned char *buf, uint16_t machine, uint16_t type, bool interp, bool dynamic, bool needed)
{
	memset(buf, 0, 4096);
	Elf64_Ehdr *eh = (Elf64_Ehdr *)buf;
	memcpy(eh->e_ident, ELFMAG, SELFMAG);
	eh->e_ident[EI_CLASS] = ELFCLASS64;
	eh->e_ident[EI_DATA] = ELFDATA2LSB;
	eh->e_ident[EI_VERSION] = EV_CURRENT;
	eh->e_type = type;
	eh->e_machine = machine;
	eh->e_version = EV_CURRENT;
	eh->e_phoff = sizeof(*eh);
	eh->e_ehsize = sizeof(*eh);
	eh->e_phentsize = sizeof(Elf64_Phdr);
	Elf64_Phdr *ph = (Elf64_Phdr *)(buf + sizeof(*eh));
	size_t n = 0;
	ph[n++] = (Elf64_Phdr){.p_type = PT_LOAD,
	                       .p_offset = 0,
	                       .p_vaddr = 0x400000,
	                       .p_filesz = 4096,
	                       .p_memsz = 4096};
	if (interp) {
		strcpy((char *)buf + 1024, "/lib/ld-linux-aarch64.so.1");
		ph[n++] = (Elf64_Phdr){.p_type = PT_INTERP, .p_offset = 1024, .p_filesz = 27};
	}
	if (dynamic) {
		/* .dynstr at 2048 ("\0libc.so.6\0"), .dynamic at 3072 */
		strcpy((char *)buf + 2049, "libc.so.6");
		Elf64_Dyn *d = (Elf64_Dyn *)(buf + 3072);
		size_t k = 0;
		if (needed)
			d[k++] = (Elf64_Dyn){.d_tag = DT_NEEDED, .d_un.d_val = 1};
		d[k++] = (Elf64_Dyn){.d_tag = DT_STRTAB, .d_un.d_ptr = 0x400000 + 2048};
		d[k++] = (Elf64_Dyn){.d_tag = DT_NULL};
		ph[n++] = (Elf64_Phdr){
		        .p_type = PT_DYNAMIC, .p_offset = 3072, .p_filesz = k * sizeof(Elf64_Dyn)};
	}
	eh->e_phnum = (uint16_t)n;
	return 4096;
}

static char *
write_tmp(const char *name, const void *data, size_t len)
{
	char *p = xasprintf("%s/%s", dir, name);
	FILE *f = fopen(p, "w");
	if (f) {
		fwrite(data, 1, len, f);
		fclose(f);
	}
	return p;
}

/* check PATH ARCH: elf_check_static's result, and its message (or "") into msg. */
static struct gp_error err;
static int
check(const char *path, const char *arch)
{
	gp_error_release(&err);
	return elf_check_static(path, arch, "--with-gpuprep", &err);
}
#define MSG (err.msg ? err.msg : "")

int
main(void)
{
#ifndef HOST_ARCH
	ok(1, "# SKIP this machine is neither x86-64 nor AArch64");
	return tap_done();
#else
	if (!mkdtemp(dir)) {
		ok(0, "mkdtemp");
		return tap_done();
	}
	unsigned char img[4096];
	struct elf_info e;

	/* Real programs. */
	if (access("/bin/busybox", R_OK) == 0) {
		is_int(elf_read("/bin/busybox", &e, &err), 1, "busybox: ELF");
		ok(e.machine == HOST_EM && e.interp == NULL && e.needed == NULL && e.executable,
		   "busybox: this machine's, static");
		elf_info_release(&e);
		is_int(check("/bin/busybox", HOST_ARCH), 0, "busybox: accepted for " HOST_ARCH);
		is_int(check("/bin/busybox", OTHER), -1, "busybox: refused for " OTHER);
		ok(strstr(MSG, "is a program for ") && strstr(MSG, "but the bundle is for " OTHER),
		   "busybox for " OTHER ": %s", MSG);
	} else {
		ok(1, "# SKIP no /bin/busybox (Debian's busybox-static)");
	}
	is_int(elf_read("/bin/true", &e, &err), 1, "/bin/true: ELF");
	ok(e.interp != NULL && e.needed != NULL, "/bin/true: an interpreter and needed libraries");
	ok(e.needed && strv_contains(e.needed, "libc.so.6"), "/bin/true needs libc.so.6");
	elf_info_release(&e);
	is_int(check("/bin/true", HOST_ARCH), -1, "/bin/true: refused");
	ok(strstr(MSG, "'/bin/true' is dynamically linked (interpreter /") &&
	           strstr(MSG, "; needs ") && strstr(MSG, "libc.so.6"),
	   "/bin/true: the message names the interpreter and libraries: %s", MSG);
	ok(err.hint && strstr(err.hint, "bash .ci/portable OUTDIR"), "/bin/true: a hint");

	_cleanup_free_ char *src = write_tmp("hello.c", "int main(void) { return 0; }\n", 30);
	_cleanup_free_ char *cmd =
	        xasprintf("cc -static -o '%s/hello' '%s' >/dev/null 2>&1", dir, src);
	if (system(cmd) == 0) {
		_cleanup_free_ char *hello = xasprintf("%s/hello", dir);
		is_int(check(hello, HOST_ARCH), 0, "cc -static: accepted");
	} else {
		ok(1, "# SKIP cc -static cannot build a program here");
	}

	/* Not ELF. */
	_cleanup_free_ char *text = write_tmp("script", "#!/bin/sh\necho hi\n", 18);
	is_int(elf_read(text, &e, &err), 0, "a script: not ELF");
	is_int(check(text, HOST_ARCH), -1, "a script: refused");
	_cleanup_free_ char *want = xasprintf("--with-gpuprep: '%s' is not an ELF program", text);
	is_str(MSG, want, "a script: message");
	_cleanup_free_ char *empty = write_tmp("empty", "", 0);
	is_int(check(empty, HOST_ARCH), -1, "an empty file: refused");
	is_int(check("/nonexistent/gpuprep", HOST_ARCH), -1, "a missing file: refused");
	is_str(MSG, "--with-gpuprep: cannot read '/nonexistent/gpuprep': No such file or directory",
	       "a missing file: message");
	is_int(check(dir, HOST_ARCH), -1, "a directory: refused");

	/* Synthetic images. */
	mk_elf(img, EM_AARCH64, ET_EXEC, false, false, false);
	_cleanup_free_ char *a64 = write_tmp("aarch64-static", img, sizeof(img));
	is_int(check(a64, "arm64"), 0, "aarch64 static: accepted for arm64");
	is_int(check(a64, "aarch64"), 0, "aarch64 static: accepted for aarch64");
	is_int(check(a64, "amd64"), -1, "aarch64 static: refused for amd64");
	free(want);
	want = xasprintf("--with-gpuprep: '%s' is a program for AArch64, but the bundle is for "
	                 "amd64 (x86-64)",
	                 a64);
	is_str(MSG, want, "aarch64 for amd64: message");
	ok(err.hint && strstr(err.hint, "OUTDIR/gpuprep-linux-x86_64"),
	   "aarch64 for amd64: the hint names the x86_64 binary");
	is_int(check(a64, "armhf"), -1, "armhf: no static gpuprep for it");
	is_str(MSG, "--with-gpuprep: no static gpuprep is made for 'armhf'", "armhf: message");

	mk_elf(img, EM_AARCH64, ET_EXEC, true, true, true);
	_cleanup_free_ char *a64dyn = write_tmp("aarch64-dynamic", img, sizeof(img));
	is_int(check(a64dyn, "arm64"), -1, "aarch64 dynamic: refused");
	free(want);
	want = xasprintf("--with-gpuprep: '%s' is dynamically linked (interpreter "
	                 "/lib/ld-linux-aarch64.so.1; needs libc.so.6)",
	                 a64dyn);
	is_str(MSG, want, "aarch64 dynamic: message");

	mk_elf(img, EM_X86_64, ET_DYN, false, true, false);
	_cleanup_free_ char *spie = write_tmp("static-pie", img, sizeof(img));
	is_int(check(spie, "amd64"), 0, "a static PIE (PT_DYNAMIC, no DT_NEEDED): accepted");
	mk_elf(img, EM_X86_64, ET_DYN, false, true, true);
	_cleanup_free_ char *lib = write_tmp("needs-only", img, sizeof(img));
	is_int(check(lib, "amd64"), -1, "DT_NEEDED without PT_INTERP: refused");
	ok(strstr(MSG, "is dynamically linked (needs libc.so.6)") != NULL, "DT_NEEDED only: %s",
	   MSG);
	/* A PT_LOAD whose offset + size wraps around: DT_NEEDED stays unnamed, nothing is read
	 * out of bounds (found by fuzz-elfinfo). */
	mk_elf(img, EM_X86_64, ET_DYN, false, true, true);
	Elf64_Phdr *load = (Elf64_Phdr *)(img + sizeof(Elf64_Ehdr));
	load->p_offset = UINT64_MAX - 3000; /* .dynstr at offset + 2000: no wrap, */
	load->p_vaddr = 0x400000 + 2048 - 2000;
	load->p_filesz = 4000; /* but offset + size wraps to 999 */
	is_int(elf_parse(img, sizeof(img), "wrap", &e, &err), 1, "a wrapping PT_LOAD: still ELF");
	ok(e.needed && strcmp(e.needed[0], "?") == 0 && !e.needed[1],
	   "a wrapping PT_LOAD: one needed library, unnamed");
	elf_info_release(&e);
	mk_elf(img, EM_X86_64, ET_REL, false, false, false);
	_cleanup_free_ char *obj = write_tmp("object.o", img, sizeof(img));
	is_int(check(obj, "amd64"), -1, "an object file: refused");
	ok(strstr(MSG, "is not an executable") != NULL, "an object file: %s", MSG);

	/* Damaged headers: errors, never reads past the end. */
	mk_elf(img, EM_X86_64, ET_EXEC, true, false, false);
	_cleanup_free_ char *cut = write_tmp("cut", img, 40);
	is_int(check(cut, "amd64"), -1, "a header cut short");
	ok(strstr(MSG, "is a damaged ELF file: the ELF header is cut short") != NULL,
	   "cut short: %s", MSG);
	_cleanup_free_ char *cut2 = write_tmp("cut2", img, 100);
	is_int(check(cut2, "amd64"), -1, "program headers cut short");
	ok(strstr(MSG, "the program headers lie beyond the end of the file") != NULL,
	   "program headers cut short: %s", MSG);
	_cleanup_free_ char *cut3 = write_tmp("cut3", img, 1030);
	is_int(check(cut3, "amd64"), -1, "PT_INTERP cut short");
	ok(strstr(MSG, "PT_INTERP lies beyond the end of the file") != NULL, "PT_INTERP: %s", MSG);
	img[EI_CLASS] = 7;
	_cleanup_free_ char *cls = write_tmp("class", img, sizeof(img));
	is_int(check(cls, "amd64"), -1, "an unknown ELF class");
	for (size_t i = 0; i < 200; i++) {
		/* Random headers must never crash the reader. */
		mk_elf(img, EM_X86_64, ET_EXEC, true, true, true);
		for (size_t k = 0; k < 8; k++)
			img[(size_t)rand() % 256] = (unsigned char)rand();
		struct gp_error e2 = {0};
		if (elf_parse(img, (size_t)rand() % sizeof(img), "fuzz", &e, &e2) == 1)
			elf_info_release(&e);
		gp_error_release(&e2);
	}
	ok(1, "200 damaged headers read without a crash");

	_cleanup_free_ char *n1 = elf_machine_name(EM_ARM);
	is_str(n1, "ARM", "machine names");
	_cleanup_free_ char *n2 = elf_machine_name(4242);
	is_str(n2, "machine 4242", "an unknown machine");
	is_int(elf_machine_for_arch("x86_64"), EM_X86_64, "x86_64");
	is_int(elf_machine_for_arch(NULL), 0, "no arch");

	gp_error_release(&err);
	_cleanup_free_ char *rm = xasprintf("rm -rf '%s'", dir);
	ok(system(rm) == 0, "clean up");
	return tap_done();
#endif
}
