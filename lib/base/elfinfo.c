// SPDX-License-Identifier: GPL-2.0-or-later
#include "elfinfo.h"

#include <elf.h>
#include <errno.h>
#include <string.h>
#include <unistd.h>

/* Program headers and the dynamic section are near the start; a larger file is read only
 * up to what the headers point at, but never more than this. */
#define ELF_MAX_READ (64u << 20)

struct reader {
	const unsigned char *p;
	size_t len;
	bool big; /* big-endian */
	bool is_64;
};

static uint64_t
get(const struct reader *r, size_t off, size_t n)
{
	uint64_t v = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned b = r->p[off + (r->big ? i : n - 1 - i)];
		v = (v << 8) | b;
	}
	return v;
}

static int
damaged(const char *label, const char *what, struct gp_error *err)
{
	gp_error_set(err, "'%s' is a damaged ELF file: %s", label, what);
	return gp_error_hint(err, "the file is truncated or corrupt; copy or build it again");
}

/* Does [off, off+n) lie inside the image? */
static bool
inside(const struct reader *r, uint64_t off, uint64_t n)
{
	return off <= r->len && n <= r->len - off;
}

/* The DT_NEEDED names of the dynamic segment at [off, off+size). */
static void
read_needed(const struct reader *r, uint64_t off, uint64_t size, uint64_t phoff, uint16_t phnum,
            uint16_t phentsize, struct elf_info *ret)
{
	size_t dsz = r->is_64 ? 16 : 8, w = r->is_64 ? 8 : 4;
	uint64_t strtab = 0;
	bool has_strtab = false;
	size_t n_needed = 0;
	for (uint64_t d = off; d + dsz <= off + size; d += dsz) {
		uint64_t tag = get(r, d, w);
		if (tag == DT_NULL)
			break;
		if (tag == DT_NEEDED)
			n_needed++;
		if (tag == DT_STRTAB) {
			strtab = get(r, d + w, w);
			has_strtab = true;
		}
	}
	if (n_needed == 0)
		return;
	/* DT_STRTAB is an address: map it to a file offset through the PT_LOAD segments. */
	uint64_t str_off = 0, str_end = 0;
	bool mapped = false;
	for (uint16_t i = 0; has_strtab && i < phnum && !mapped; i++) {
		uint64_t ph = phoff + (uint64_t)i * phentsize;
		if (get(r, ph, 4) != PT_LOAD)
			continue;
		uint64_t p_off = r->is_64 ? get(r, ph + 8, 8) : get(r, ph + 4, 4);
		uint64_t p_vaddr = r->is_64 ? get(r, ph + 16, 8) : get(r, ph + 8, 4);
		uint64_t p_filesz = r->is_64 ? get(r, ph + 32, 8) : get(r, ph + 16, 4);
		/* Only a segment inside the file: offset + size must not wrap, nor pass the end. */
		if (inside(r, p_off, p_filesz) && strtab >= p_vaddr &&
		    strtab - p_vaddr < p_filesz) {
			str_off = p_off + (strtab - p_vaddr);
			str_end = p_off + p_filesz;
			mapped = true;
		}
	}
	for (uint64_t d = off; d + dsz <= off + size; d += dsz) {
		uint64_t tag = get(r, d, w);
		if (tag == DT_NULL)
			break;
		if (tag != DT_NEEDED)
			continue;
		uint64_t name = get(r, d + w, w);
		if (!mapped || name >= str_end - str_off) {
			/* Needed, but unnamed: still dynamic. */
			ret->needed = strv_push(ret->needed, "?");
			continue;
		}
		const char *s = (const char *)r->p + str_off + name;
		size_t max = (size_t)(str_end - str_off - name);
		size_t n = strnlen(s, max > 256 ? 256 : max);
		_cleanup_free_ char *one = xstrndup(s, n);
		ret->needed = strv_push(ret->needed, one);
	}
}

int
elf_parse(const void *data, size_t len, const char *label, struct elf_info *ret,
          struct gp_error *err)
{
	*ret = (struct elf_info){0};
	const unsigned char *p = data;
	if (len < EI_NIDENT || memcmp(p, ELFMAG, SELFMAG) != 0)
		return 0;
	if (p[EI_CLASS] != ELFCLASS32 && p[EI_CLASS] != ELFCLASS64)
		return damaged(label, "unknown ELF class", err);
	if (p[EI_DATA] != ELFDATA2LSB && p[EI_DATA] != ELFDATA2MSB)
		return damaged(label, "unknown byte order", err);
	struct reader r = {.p = p,
	                   .len = len,
	                   .big = p[EI_DATA] == ELFDATA2MSB,
	                   .is_64 = p[EI_CLASS] == ELFCLASS64};
	size_t ehsize = r.is_64 ? sizeof(Elf64_Ehdr) : sizeof(Elf32_Ehdr);
	if (len < ehsize)
		return damaged(label, "the ELF header is cut short", err);
	uint16_t type = (uint16_t)get(&r, 16, 2);
	ret->machine = (uint16_t)get(&r, 18, 2);
	ret->is_64 = r.is_64;
	ret->executable = type == ET_EXEC || type == ET_DYN;
	uint64_t phoff = r.is_64 ? get(&r, 32, 8) : get(&r, 28, 4);
	uint16_t phentsize = (uint16_t)get(&r, r.is_64 ? 54 : 42, 2);
	uint16_t phnum = (uint16_t)get(&r, r.is_64 ? 56 : 44, 2);
	size_t want = r.is_64 ? sizeof(Elf64_Phdr) : sizeof(Elf32_Phdr);
	if (phnum == 0)
		return 1;
	if (phentsize < want || !inside(&r, phoff, (uint64_t)phnum * phentsize))
		return damaged(label, "the program headers lie beyond the end of the file", err);
	for (uint16_t i = 0; i < phnum; i++) {
		uint64_t ph = phoff + (uint64_t)i * phentsize;
		uint32_t pt = (uint32_t)get(&r, ph, 4);
		uint64_t off = r.is_64 ? get(&r, ph + 8, 8) : get(&r, ph + 4, 4);
		uint64_t size = r.is_64 ? get(&r, ph + 32, 8) : get(&r, ph + 16, 4);
		if (pt != PT_INTERP && pt != PT_DYNAMIC)
			continue;
		if (!inside(&r, off, size)) {
			elf_info_release(ret);
			return damaged(label,
			               pt == PT_INTERP
			                       ? "PT_INTERP lies beyond the end of the file"
			                       : "PT_DYNAMIC lies beyond the end of the file",
			               err);
		}
		if (pt == PT_INTERP && !ret->interp) {
			size_t n = strnlen((const char *)p + off, size > 256 ? 256 : (size_t)size);
			ret->interp = xstrndup((const char *)p + off, n);
		} else if (pt == PT_DYNAMIC && !ret->needed) {
			read_needed(&r, off, size, phoff, phnum, phentsize, ret);
		}
	}
	return 1;
}

int
elf_read(const char *path, struct elf_info *ret, struct gp_error *err)
{
	*ret = (struct elf_info){0};
	size_t size = 0;
	int fd = open_for_read(path, &size);
	if (fd < 0)
		return gp_error_set_errno(err, -fd, "cannot read '%s'", path);
	size_t n = size < ELF_MAX_READ ? size : ELF_MAX_READ;
	_cleanup_free_ unsigned char *buf = xmalloc(n ? n : 1);
	size_t got = 0;
	while (got < n) {
		ssize_t k = read_retry(fd, buf + got, n - got);
		if (k < 0) {
			int e = errno;
			close(fd);
			return gp_error_set_errno(err, e, "cannot read '%s'", path);
		}
		if (k == 0)
			break;
		got += (size_t)k;
	}
	close(fd);
	return elf_parse(buf, got, path, ret, err);
}

void
elf_info_release(struct elf_info *e)
{
	if (!e)
		return;
	free(e->interp);
	strv_free(e->needed);
	*e = (struct elf_info){0};
}

char *
elf_machine_name(uint16_t machine)
{
	switch (machine) {
	case EM_X86_64:
		return xstrdup("x86-64");
	case EM_AARCH64:
		return xstrdup("AArch64");
	case EM_ARM:
		return xstrdup("ARM");
	case EM_386:
		return xstrdup("i386");
	case EM_PPC64:
		return xstrdup("PowerPC64");
	case EM_S390:
		return xstrdup("S/390");
	case EM_RISCV:
		return xstrdup("RISC-V");
	default:
		return xasprintf("machine %u", machine);
	}
}

uint16_t
elf_machine_for_arch(const char *arch)
{
	if (!arch)
		return 0;
	if (strcmp(arch, "amd64") == 0 || strcmp(arch, "x86_64") == 0)
		return EM_X86_64;
	if (strcmp(arch, "arm64") == 0 || strcmp(arch, "aarch64") == 0)
		return EM_AARCH64;
	return 0;
}

#define HINT_FMT "give the static gpuprep for %s: 'bash .ci/portable OUTDIR' builds OUTDIR/%s"

/* The static gpuprep's file name for arch: what .ci/portable builds. */
static const char *
portable_name(uint16_t machine)
{
	return machine == EM_AARCH64 ? "gpuprep-linux-aarch64" : "gpuprep-linux-x86_64";
}

int
elf_check_static(const char *path, const char *arch, const char *what, struct gp_error *err)
{
	uint16_t want = elf_machine_for_arch(arch);
	if (!want) {
		gp_error_set(err, "%s: no static gpuprep is made for '%s'", what, arch);
		return gp_error_hint(err, "static gpuprep binaries are built for amd64 (x86_64) "
		                          "and arm64 (aarch64)");
	}
	struct elf_info e;
	int r = elf_read(path, &e, err);
	if (r < 0) {
		gp_error_prefix(err, "%s", what);
		return gp_error_hint(err, HINT_FMT, arch, portable_name(want));
	}
	if (r == 0 || !e.executable) {
		gp_error_set(err, "%s: '%s' is not %s", what, path,
		             r == 0 ? "an ELF program"
		                    : "an executable (an ELF object or core file)");
		elf_info_release(&e);
		return gp_error_hint(err, HINT_FMT, arch, portable_name(want));
	}
	if (e.machine != want) {
		_cleanup_free_ char *got = elf_machine_name(e.machine);
		_cleanup_free_ char *exp = elf_machine_name(want);
		gp_error_set(err, "%s: '%s' is a program for %s, but the bundle is for %s (%s)",
		             what, path, got, arch, exp);
		elf_info_release(&e);
		return gp_error_hint(err, HINT_FMT, arch, portable_name(want));
	}
	if (e.interp || e.needed) {
		struct strbuf b = {0};
		for (size_t i = 0; e.needed && e.needed[i]; i++) {
			strbuf_puts(&b, i ? ", " : "");
			strbuf_puts(&b, e.needed[i]);
		}
		gp_error_set(err, "%s: '%s' is dynamically linked (%s%s%s%s%s)", what, path,
		             e.interp ? "interpreter " : "", e.interp ? e.interp : "",
		             e.interp && b.s ? "; " : "", b.s ? "needs " : "", b.s ? b.s : "");
		free(b.s);
		elf_info_release(&e);
		return gp_error_hint(err,
		                     "an air-gapped node may lack those libraries or have an "
		                     "older glibc; " HINT_FMT,
		                     arch, portable_name(want));
	}
	elf_info_release(&e);
	return 0;
}
