/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What an ELF program is: its architecture, and whether it is static. `gpuprep bundle
 * --with-gpuprep FILE` puts FILE into a bundle for an air-gapped node, which may have no
 * libraries of ours and an older glibc: so FILE must be an executable for the bundle's
 * architecture with no program interpreter (PT_INTERP) and no needed libraries (DT_NEEDED).
 * A static PIE (ET_DYN, a PT_DYNAMIC without DT_NEEDED) is static.
 *
 * Only the headers are read, bounds-checked against the file's size; 32- and 64-bit, either
 * byte order.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"

struct elf_info {
	uint16_t machine; /* e_machine: EM_X86_64 (62), EM_AARCH64 (183), ... */
	bool is_64;
	bool executable; /* ET_EXEC or ET_DYN (an object file or core dump is not) */
	char *interp;    /* PT_INTERP's path ("/lib64/ld-linux-x86-64.so.2"), or NULL */
	char **needed;   /* DT_NEEDED names, or NULL */
};

/*
 * Read the headers of the ELF file at path. Returns 1 and fills ret for an ELF file, 0 when
 * the file is not ELF at all, or -1 with err set when it cannot be read or its headers are
 * damaged (the message says which one).
 */
int elf_read(const char *path, struct elf_info *ret, struct gp_error *err);
/* The same for an image in memory (len bytes); label names it in errors. */
int elf_parse(const void *data, size_t len, const char *label, struct elf_info *ret,
              struct gp_error *err);
void elf_info_release(struct elf_info *e);

/* "x86-64", "AArch64", "ARM", "i386", ...; "machine N" for others (a fresh string). */
char *elf_machine_name(uint16_t machine);
/* EM_X86_64 for "amd64"/"x86_64", EM_AARCH64 for "arm64"/"aarch64", else 0. */
uint16_t elf_machine_for_arch(const char *arch);

/*
 * Check that path is a static executable for arch (Debian or kernel spelling): ELF, an
 * executable, that machine, no PT_INTERP, no DT_NEEDED. what names it in messages
 * ("--with-gpuprep"). Fails with a message that says what the file is instead, and a hint.
 */
int elf_check_static(const char *path, const char *arch, const char *what, struct gp_error *err);
