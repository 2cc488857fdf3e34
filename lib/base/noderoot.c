// SPDX-License-Identifier: GPL-2.0-or-later
#include "noderoot.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "util.h"

/* openat2(2), declared here: older kernel headers (and musl's) lack <linux/openat2.h>. */
#ifndef SYS_openat2
#define SYS_openat2 437
#endif
struct gp_open_how {
	uint64_t flags;
	uint64_t mode;
	uint64_t resolve;
};
#define GP_RESOLVE_NO_MAGICLINKS 0x02
#define GP_RESOLVE_IN_ROOT       0x10

/* The most symlinks one resolution follows, as the kernel's MAXSYMLINKS. */
#define MAX_HOPS 40

struct root_handle {
	struct root_handle *next;
	char *root;
	int fd;
	bool openat2;
};

static struct root_handle *handles;
static bool force_walk;

static bool
walk_forced(void)
{
	const char *e = getenv("GPUPREP_TEST_NO_OPENAT2");
	return force_walk || (e && *e && strcmp(e, "0") != 0);
}

void
noderoot_force_walk(bool on)
{
	force_walk = on;
}

static int
sys_openat2(int dirfd, const char *path, int flags, mode_t mode)
{
	struct gp_open_how how = {
	        .flags = (uint64_t)(unsigned)flags,
	        .mode = (flags & O_CREAT) ? mode : 0,
	        .resolve = GP_RESOLVE_IN_ROOT | GP_RESOLVE_NO_MAGICLINKS,
	};
	return (int)syscall(SYS_openat2, dirfd, path, &how, sizeof(how));
}

static struct root_handle *
handle_get(const char *root)
{
	const char *key = gp_root_is_set(root) ? root : "/";
	for (struct root_handle *h = handles; h; h = h->next)
		if (strcmp(h->root, key) == 0)
			return h;
	int fd = open(key, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	struct root_handle *h = xcalloc(1, sizeof(*h));
	h->root = xstrdup(key);
	h->fd = fd;
	/* One probe decides: ENOSYS (before 5.6), EPERM (a seccomp profile), E2BIG ... */
	int probe = sys_openat2(fd, ".", O_PATH | O_CLOEXEC, 0);
	h->openat2 = probe >= 0;
	if (probe >= 0)
		close(probe);
	h->next = handles;
	handles = h;
	return h;
}

int
noderoot_fd(const char *root)
{
	struct root_handle *h = handle_get(root);
	return h ? h->fd : -errno;
}

bool
noderoot_uses_openat2(const char *root)
{
	struct root_handle *h = handle_get(root);
	return h && h->openat2 && !walk_forced();
}

char *
noderoot_normalize(const char *path)
{
	size_t n = strlen(path);
	char *out = xmalloc(n + 2);
	size_t len = 0;
	const char *p = path;
	while (*p) {
		while (*p == '/')
			p++;
		if (!*p)
			break;
		const char *end = strchrnul(p, '/');
		size_t clen = (size_t)(end - p);
		if (clen == 1 && p[0] == '.') {
			/* nothing */
		} else if (clen == 2 && p[0] == '.' && p[1] == '.') {
			while (len > 0 && out[len - 1] != '/')
				len--;
			if (len > 0)
				len--;
		} else {
			out[len++] = '/';
			memcpy(out + len, p, clen);
			len += clen;
		}
		p = end;
	}
	if (len == 0)
		out[len++] = '/';
	out[len] = '\0';
	return out;
}

/* ---- the component walk ---- */

struct walk {
	int *fds; /* fds[0] is the root's (borrowed); the others are owned */
	size_t depth, cap;
	struct strbuf node; /* the node path of fds[depth] ("" at the root) */
};

static void
walk_release(struct walk *w)
{
	for (size_t i = 1; i <= w->depth; i++)
		close(w->fds[i]);
	free(w->fds);
	free(w->node.s);
}

static void
walk_pop(struct walk *w)
{
	if (w->depth == 0)
		return;
	close(w->fds[w->depth--]);
	char *slash = strrchr(w->node.s, '/');
	w->node.len = (size_t)(slash - w->node.s);
	w->node.s[w->node.len] = '\0';
}

static void
walk_push(struct walk *w, int fd, const char *name, size_t len)
{
	if (w->depth + 1 >= w->cap) {
		w->cap = w->cap * 2 + 8;
		w->fds = xrealloc(w->fds, w->cap * sizeof(*w->fds));
	}
	w->fds[++w->depth] = fd;
	strbuf_puts(&w->node, "/");
	strbuf_add(&w->node, name, len);
}

/*
 * Resolve path inside rootfd, one component at a time, never letting the kernel follow a
 * symlink. Returns an owned O_PATH fd of the directory that holds the last component, and the
 * component in *ret_name ("." when the path ends at a directory); with follow_last the last
 * component is followed too, so *ret_name is not a symlink (or does not exist). A missing
 * directory on the way: -ENOENT, or with ret_rest, the deepest directory found, *ret_name NULL
 * and the unresolved rest in *ret_rest. *ret_node (optional) gets the directory's node path.
 */
static int
walk(int rootfd, const char *path, bool follow_last, int *ret_dirfd, char **ret_name,
     char **ret_node, char **ret_rest)
{
	struct walk w = {0};
	w.cap = 16;
	w.fds = xmalloc(w.cap * sizeof(*w.fds));
	w.fds[0] = rootfd;
	strbuf_puts(&w.node, "");
	_cleanup_free_ char *rest = xstrdup(path);
	const char *p = rest;
	_cleanup_free_ char *name = NULL;
	char *leftover = NULL;
	int hops = 0, r = 0;
	for (;;) {
		while (*p == '/')
			p++;
		if (!*p) {
			name = xstrdup(".");
			break;
		}
		const char *end = strchrnul(p, '/');
		size_t clen = (size_t)(end - p);
		const char *after = end;
		while (*after == '/')
			after++;
		bool last = *after == '\0';
		_cleanup_free_ char *comp = xstrndup(p, clen);
		p = after;
		if (strcmp(comp, ".") == 0 || strcmp(comp, "..") == 0) {
			if (comp[1] == '.')
				walk_pop(&w);
			if (last) {
				name = xstrdup(".");
				break;
			}
			continue;
		}
		if (clen > NAME_MAX) {
			r = -ENAMETOOLONG;
			break;
		}
		if (last && !follow_last) {
			name = TAKE_PTR(comp);
			break;
		}
		int fd = openat(w.fds[w.depth], comp, O_PATH | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0) {
			if (errno == ENOENT && last) {
				name = TAKE_PTR(comp);
				break;
			}
			if (errno == ENOENT && ret_rest) {
				leftover = *after ? xasprintf("%s/%s", comp, after) : xstrdup(comp);
				break;
			}
			r = -errno;
			break;
		}
		struct stat st;
		if (fstat(fd, &st) < 0) {
			r = -errno;
			close(fd);
			break;
		}
		if (S_ISLNK(st.st_mode)) {
			char target[PATH_MAX];
			ssize_t n = readlinkat(fd, "", target, sizeof(target) - 1);
			int e = errno;
			close(fd);
			if (n < 0) {
				r = -e;
				break;
			}
			if (++hops > MAX_HOPS) {
				r = -ELOOP;
				break;
			}
			target[n] = '\0';
			if (target[0] == '/')
				while (w.depth > 0)
					walk_pop(&w);
			char *next = xasprintf("%s/%s", target, p);
			free(rest);
			rest = next;
			p = rest;
			continue;
		}
		if (last) {
			close(fd);
			name = TAKE_PTR(comp);
			break;
		}
		if (!S_ISDIR(st.st_mode)) {
			close(fd);
			r = -ENOTDIR;
			break;
		}
		walk_push(&w, fd, comp, clen);
	}
	if (r == 0) {
		int fd = w.depth > 0 ? TAKE_FD(w.fds[w.depth]) : fcntl(rootfd, F_DUPFD_CLOEXEC, 3);
		if (w.depth > 0)
			w.depth--;
		else if (fd < 0)
			r = -errno;
		if (r == 0) {
			*ret_dirfd = fd;
			*ret_name = TAKE_PTR(name);
			if (ret_rest)
				*ret_rest = TAKE_PTR(leftover);
			if (ret_node)
				*ret_node = xstrdup(*w.node.s ? w.node.s : "/");
		}
	}
	free(leftover);
	walk_release(&w);
	return r;
}

/* ---- the operations ---- */

static int
open_walk(int rootfd, const char *path, int flags, mode_t mode)
{
	int dirfd;
	_cleanup_free_ char *name = NULL;
	int r = walk(rootfd, path, !(flags & O_NOFOLLOW), &dirfd, &name, NULL, NULL);
	if (r < 0)
		return r;
	int fd = openat(dirfd, name, flags | O_NOFOLLOW | O_CLOEXEC, mode);
	int e = errno;
	close(dirfd);
	/* O_PATH|O_NOFOLLOW of a followed last component that turned into a link meanwhile. */
	return fd < 0 ? -e : fd;
}

int
noderoot_open(const char *root, const char *path, int flags, mode_t mode)
{
	if (!gp_root_is_set(root)) {
		int fd = open(path, flags | O_CLOEXEC, mode);
		return fd < 0 ? -errno : fd;
	}
	struct root_handle *h = handle_get(root);
	if (!h)
		return -errno;
	if (h->openat2 && !walk_forced()) {
		for (int tries = 0; tries < 8; tries++) {
			int fd = sys_openat2(h->fd, path, flags | O_CLOEXEC, mode);
			if (fd >= 0)
				return fd;
			/* EAGAIN: a rename raced a ".."; EXDEV: a magic link. */
			if (errno != EAGAIN)
				return -errno;
		}
	}
	return open_walk(h->fd, path, flags, mode);
}

int
noderoot_open_parent(const char *root, const char *path, char **ret_name)
{
	struct root_handle *h = handle_get(root);
	if (!h)
		return -errno;
	_cleanup_free_ char *copy = xstrdup(path);
	size_t n = strlen(copy);
	while (n > 1 && copy[n - 1] == '/')
		copy[--n] = '\0';
	char *slash = strrchr(copy, '/');
	const char *base = slash ? slash + 1 : copy;
	bool plain = *base && strcmp(base, ".") != 0 && strcmp(base, "..") != 0;
	if (plain && (!gp_root_is_set(root) || noderoot_uses_openat2(root))) {
		_cleanup_free_ char *dir = slash == copy ? xstrdup("/")
		                           : slash       ? xstrndup(copy, (size_t)(slash - copy))
		                                         : xstrdup(".");
		int fd = noderoot_open(root, dir, O_PATH | O_DIRECTORY, 0);
		if (fd < 0)
			return fd;
		*ret_name = xstrdup(base);
		return fd;
	}
	int dirfd;
	int r = walk(h->fd, path, false, &dirfd, ret_name, NULL, NULL);
	return r < 0 ? r : dirfd;
}

int
noderoot_resolve(const char *root, const char *path, char **ret_path)
{
	struct root_handle *h = handle_get(root);
	if (!h)
		return -errno;
	int dirfd;
	_cleanup_free_ char *name = NULL, *node = NULL, *rest = NULL;
	int r = walk(h->fd, path, true, &dirfd, &name, &node, &rest);
	if (r < 0)
		return r;
	close(dirfd);
	_cleanup_free_ char *joined = xasprintf("%s/%s", node, name ? name : rest);
	*ret_path = noderoot_normalize(joined);
	return 0;
}

int
noderoot_read_file(const char *root, const char *path, char **ret_data, size_t *ret_len)
{
	_cleanup_close_ int fd = noderoot_open(root, path, O_RDONLY, 0);
	if (fd < 0)
		return fd;
	struct stat st;
	if (fstat(fd, &st) < 0)
		return -errno;
	if (S_ISDIR(st.st_mode))
		return -EISDIR;
	return read_fd(fd, S_ISREG(st.st_mode) ? (size_t)st.st_size : 0, ret_data, ret_len);
}

int
noderoot_stat(const char *root, const char *path, struct stat *st)
{
	_cleanup_close_ int fd = noderoot_open(root, path, O_PATH, 0);
	if (fd < 0)
		return fd;
	return fstat(fd, st) < 0 ? -errno : 0;
}

int
noderoot_lstat(const char *root, const char *path, struct stat *st)
{
	_cleanup_close_ int fd = noderoot_open(root, path, O_PATH | O_NOFOLLOW, 0);
	if (fd < 0)
		return fd;
	return fstat(fd, st) < 0 ? -errno : 0;
}

int
noderoot_access(const char *root, const char *path, int mode)
{
	if (!gp_root_is_set(root))
		return access(path, mode) < 0 ? -errno : 0;
	struct root_handle *h = handle_get(root);
	if (!h)
		return -errno;
	int dirfd;
	_cleanup_free_ char *name = NULL;
	int r = walk(h->fd, path, true, &dirfd, &name, NULL, NULL);
	if (r < 0)
		return r;
	/* name is not a symlink (the walk followed it), so faccessat stays inside. */
	r = faccessat(dirfd, name, mode, 0) < 0 ? -errno : 0;
	close(dirfd);
	return r;
}

DIR *
noderoot_opendir(const char *root, const char *path)
{
	int fd = noderoot_open(root, path, O_RDONLY | O_DIRECTORY, 0);
	if (fd < 0) {
		errno = -fd;
		return NULL;
	}
	DIR *d = fdopendir(fd);
	if (!d) {
		int e = errno;
		close(fd);
		errno = e;
	}
	return d;
}

int
noderoot_fsync_dirfd(int dirfd)
{
	_cleanup_close_ int fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fsync(fd) < 0 && errno != EINVAL)
		return -errno;
	return 0;
}

static int
mkdir_p_depth(const char *root, const char *path, mode_t mode, int depth)
{
	_cleanup_free_ char *norm = noderoot_normalize(path);
	for (char *s = norm + 1;; s++) {
		if (*s != '/' && *s != '\0')
			continue;
		char c = *s;
		*s = '\0';
		int fd = noderoot_open(root, norm, O_PATH | O_DIRECTORY, 0);
		if (fd == -ENOENT) {
			_cleanup_free_ char *name = NULL;
			_cleanup_close_ int dirfd = noderoot_open_parent(root, norm, &name);
			if (dirfd < 0)
				return dirfd;
			if (mkdirat(dirfd, name, mode) < 0 && errno != EEXIST)
				return -errno;
			int r = noderoot_fsync_dirfd(dirfd);
			if (r < 0)
				return r;
			fd = noderoot_open(root, norm, O_PATH | O_DIRECTORY, 0);
			/* A dangling symlink: create its target, inside the root, as the kernel
			 * would. */
			_cleanup_free_ char *target = NULL;
			if (fd == -ENOENT && depth < MAX_HOPS &&
			    noderoot_resolve(root, norm, &target) == 0 &&
			    strcmp(target, norm) != 0) {
				r = mkdir_p_depth(root, target, mode, depth + 1);
				if (r < 0)
					return r;
				fd = noderoot_open(root, norm, O_PATH | O_DIRECTORY, 0);
			}
		}
		if (fd < 0)
			return fd;
		close(fd);
		*s = c;
		if (!c)
			return 0;
	}
}

int
noderoot_mkdir_p(const char *root, const char *path, mode_t mode)
{
	return mkdir_p_depth(root, path, mode, 0);
}

char *
noderoot_host_path(const char *root, const char *path)
{
	if (!gp_root_is_set(root))
		return xstrdup(path);
	_cleanup_free_ char *resolved = NULL;
	if (noderoot_resolve(root, path, &resolved) < 0)
		resolved = noderoot_normalize(path);
	return gp_path(root, resolved);
}

bool
noderoot_exists(const char *root, const char *path)
{
	struct stat st;
	return noderoot_lstat(root, path, &st) == 0;
}

bool
noderoot_is_dir(const char *root, const char *path)
{
	struct stat st;
	return noderoot_stat(root, path, &st) == 0 && S_ISDIR(st.st_mode);
}

char *
noderoot_socket_path(const char *root, const char *path)
{
	_cleanup_free_ char *norm = noderoot_normalize(path);
	if (!gp_root_is_set(root) || strcmp(norm, "/") == 0)
		return xstrdup(gp_root_is_set(root) ? root : norm);
	char *slash = strrchr(norm, '/');
	*slash = '\0';
	_cleanup_free_ char *dir = noderoot_host_path(root, *norm ? norm : "/");
	return xasprintf("%s/%s", dir, slash + 1);
}
