/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libarchive, loaded with dlopen the first time an archive is read or
 * written. libarchive brings libxml2, ICU, libstdc++ and a dozen compression
 * libraries with it (about 3.5 MB of resident memory and their relocations
 * at every start), which detect, configure, preflight and verify never need.
 * lib/pkgarchive calls libarchive only through here; the function pointers
 * have the names and types archive.h declares: la->archive_read_new().
 * The static build (meson -Dstatic=true) links libarchive instead and fills
 * the same table from archiveso_linked.c.
 */
#pragma once

#include <archive.h>
#include <archive_entry.h>

#include "error.h"

/* Every libarchive function gpuprep calls, without its archive_ prefix. */
#define ARCHIVESO_FUNCS(X)                                                                         \
	X(entry_clear)                                                                             \
	X(entry_filetype)                                                                          \
	X(entry_free)                                                                              \
	X(entry_hardlink)                                                                          \
	X(entry_new)                                                                               \
	X(entry_pathname)                                                                          \
	X(entry_set_filetype)                                                                      \
	X(entry_set_gname)                                                                         \
	X(entry_set_mtime)                                                                         \
	X(entry_set_pathname)                                                                      \
	X(entry_set_perm)                                                                          \
	X(entry_set_size)                                                                          \
	X(entry_set_uname)                                                                         \
	X(entry_size)                                                                              \
	X(entry_size_is_set)                                                                       \
	X(entry_symlink)                                                                           \
	X(errno)                                                                                   \
	X(error_string)                                                                            \
	X(read_data_block)                                                                         \
	X(read_data_skip)                                                                          \
	X(read_free)                                                                               \
	X(read_new)                                                                                \
	X(read_next_header)                                                                        \
	X(read_open_filename)                                                                      \
	X(read_open_memory)                                                                        \
	X(read_support_filter_all)                                                                 \
	X(read_support_format_all)                                                                 \
	X(version_details)                                                                         \
	X(write_add_filter_gzip)                                                                   \
	X(write_close)                                                                             \
	X(write_data)                                                                              \
	X(write_data_block)                                                                        \
	X(write_disk_new)                                                                          \
	X(write_disk_set_options)                                                                  \
	X(write_finish_entry)                                                                      \
	X(write_free)                                                                              \
	X(write_header)                                                                            \
	X(write_new)                                                                               \
	X(write_open_fd)                                                                           \
	X(write_set_bytes_in_last_block)                                                           \
	X(write_set_bytes_per_block)                                                               \
	X(write_set_filter_option)                                                                 \
	X(write_set_format_pax_restricted)

struct archiveso {
#define ARCHIVESO_FIELD(name) __typeof__(&archive_##name) archive_##name;
	ARCHIVESO_FUNCS(ARCHIVESO_FIELD)
#undef ARCHIVESO_FIELD
};

/*
 * The loaded library, or NULL with err set when no usable libarchive can be
 * loaded. Loads once; later calls return the same table.
 */
const struct archiveso *archiveso_load(struct gp_error *err);
