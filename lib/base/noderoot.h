/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The node root: every node path (/etc/docker/daemon.json as the node sees it) is opened
 * through one O_PATH handle on --root, resolved inside it as openat2(RESOLVE_IN_ROOT) does:
 * every component, not just the last, stays under the root; an absolute symlink is taken
 * relative to the root, and ".." stops at the root. So a symlink in an image (etc -> /outside,
 * var/lib -> ../../x) can never lead a read or a write out of it.
 *
 * The kernel does it where it has openat2 (Linux 5.6+). Elsewhere (JetPack 4 runs 4.9, and
 * some seccomp profiles refuse openat2) the same resolution is done here, one component at a
 * time with O_NOFOLLOW, following each symlink by hand. Without a root (NULL or "/") paths are
 * opened as they are.
 *
 * Every function returns a negative errno on failure (a NULL DIR * with errno set).
 *
 * Test hook: GPUPREP_TEST_NO_OPENAT2=1 in the environment forces the component walk even where
 * the kernel has openat2, so the tests cover both. It changes nothing else; do not set it
 * outside tests.
 */
#pragma once

#include <dirent.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>
#include <sys/types.h>

/* The root's O_PATH directory fd, opened once per root (do not close it); or -errno. */
int noderoot_fd(const char *root);

/* True when node paths under root are resolved by openat2 (false: the component walk). */
bool noderoot_uses_openat2(const char *root);

/* For the unit tests: force (or stop forcing) the component walk. */
void noderoot_force_walk(bool on);

/*
 * open(2) of a node path inside the root. O_NOFOLLOW keeps the last component from being
 * followed (as open's does); O_CREAT creates it (a dangling symlink's target, when followed).
 */
int noderoot_open(const char *root, const char *path, int flags, mode_t mode);

/*
 * The directory that holds the node path's last component, resolved inside the root: an
 * O_PATH directory fd for the *at() calls (renameat, unlinkat, openat ... with O_NOFOLLOW),
 * and the component's name in *ret_name. The last component is not followed.
 */
int noderoot_open_parent(const char *root, const char *path, char **ret_name);

/*
 * The node path with every symlink followed inside the root: no component of the result is
 * a symlink. A missing component ends the walk, and the rest is appended as it is
 * (normalised), so a dangling link resolves to its target.
 */
int noderoot_resolve(const char *root, const char *path, char **ret_path);

/* Lexically normalise an absolute path: no "//", "." or ".." (never above "/"). */
char *noderoot_normalize(const char *path);

/* read_file() of a node path. */
int noderoot_read_file(const char *root, const char *path, char **ret_data, size_t *ret_len);
/* stat(2) (following the last symlink inside the root) and lstat(2) of a node path. */
int noderoot_stat(const char *root, const char *path, struct stat *st);
int noderoot_lstat(const char *root, const char *path, struct stat *st);
/* access(2) of a node path (R_OK, W_OK, X_OK), the last symlink followed inside the root. */
int noderoot_access(const char *root, const char *path, int mode);
/* opendir(3) of a node path; NULL with errno set. */
DIR *noderoot_opendir(const char *root, const char *path);

/*
 * mkdir -p of a node path inside the root: each missing directory is created with mode and
 * its parent fsynced, so the new entries are durable. 0, or -errno (-ENOTDIR when a component
 * is not a directory).
 */
int noderoot_mkdir_p(const char *root, const char *path, mode_t mode);

/* fsync(2) of the directory an O_PATH fd names (EINVAL, no sync on that file system: 0). */
int noderoot_fsync_dirfd(int dirfd);

/*
 * For what only takes a path string (connect(2) to a unix socket, a program to run): the host
 * path of the node path after resolving it inside the root, so that no component of it is a
 * symlink and ".." cannot climb out. Without a root, the path as it is. A fresh string.
 * (Something that replaces a component with a symlink between this and the use can still
 * redirect it; files are opened with noderoot_open() instead.)
 */
char *noderoot_host_path(const char *root, const char *path);

/*
 * A unix socket's host path for connect(2): the node path normalised ("/p/../../x" is "/x"),
 * its directories resolved inside the root as noderoot_host_path() does. The socket itself
 * may be a symlink to a daemon's socket elsewhere, as a chroot's or a test's is: connect(2)
 * follows it, and reads or writes no file. A fresh string.
 */
char *noderoot_socket_path(const char *root, const char *path);

/* The node path exists (lstat) / is a directory (stat, following links inside the root). */
bool noderoot_exists(const char *root, const char *path);
bool noderoot_is_dir(const char *root, const char *path);
