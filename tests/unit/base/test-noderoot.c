// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The node root: paths resolve inside --root as openat2(RESOLVE_IN_ROOT) does, both with the
 * kernel's openat2 and with the component walk kernels before 5.6 get (forced here).
 */
#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "noderoot.h"
#include "tap.h"

static char base[] = "/tmp/gpuprep-test-noderoot-XXXXXX";
static char *root, *outside;

static void _printf_(1, 2) sh(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	_cleanup_free_ char *cmd = xvasprintf(fmt, ap);
	va_end(ap);
	if (system(cmd) != 0)
		printf("# failed: %s\n", cmd);
}

static void
resolves(const char *path, const char *want, const char *mode)
{
	_cleanup_free_ char *got = NULL;
	int r = noderoot_resolve(root, path, &got);
	_cleanup_free_ char *name = xasprintf("%s: '%s' resolves to '%s'", mode, path, want);
	if (r < 0)
		printf("# %s\n", strerror(-r));
	is_str(got, want, name);
}

static void
reads(const char *path, const char *want, const char *mode)
{
	_cleanup_free_ char *data = NULL;
	int r = noderoot_read_file(root, path, &data, NULL);
	_cleanup_free_ char *name =
	        xasprintf("%s: reading '%s' gives %s", mode, path, want ? want : "ENOENT");
	if (want)
		is_str(r == 0 ? data : strerror(-r), want, name);
	else
		is_int(r, -ENOENT, name);
}

static void
checks(const char *mode)
{
	resolves("/etc/docker/daemon.json", "/data/docker/daemon.json", mode);
	resolves("/abs/docker/daemon.json", "/data/docker/daemon.json", mode);
	resolves("/climb/x", "/x", mode);
	resolves("/etc/../../../x", "/x", mode);
	resolves("/etc/docker/dangling.json", "/data/docker/nowhere.json", mode);
	resolves("/missing/a/../b", "/missing/b", mode);
	reads("/etc/docker/daemon.json", "inside\n", mode);
	reads("/abs/docker/daemon.json", "inside\n", mode);
	/* host-etc -> <outside> as an absolute host path: under the root, that path is missing. */
	reads("/host-etc/secret", NULL, mode);
	reads("/climb/outside/secret", NULL, mode);
	reads("/etc/docker/escape.json", NULL, mode);

	_cleanup_free_ char *name = NULL;
	int fd = noderoot_open_parent(root, "/host-etc/new", &name);
	ok(fd == -ENOENT, "%s: a parent through a link to the host's path is not found", mode);
	if (fd >= 0)
		close(fd);
	ok(noderoot_mkdir_p(root, "/host-etc/made", 0755) == 0,
	   "%s: mkdir -p through a dangling link", mode);
	_cleanup_free_ char *made = xasprintf("%s%s/made", root, outside);
	_cleanup_free_ char *leak = xasprintf("%s/made", outside);
	struct stat st;
	ok(stat(made, &st) == 0 && S_ISDIR(st.st_mode), "%s: it is made inside the root", mode);
	ok(stat(leak, &st) < 0, "%s: nothing is made outside", mode);
	sh("rm -rf '%s/tmp' '%s'", root, leak);

	fd = noderoot_open(root, "/abs/docker/new.json", O_WRONLY | O_CREAT | O_EXCL, 0644);
	ok(fd >= 0, "%s: create through an absolute link", mode);
	if (fd >= 0)
		close(fd);
	_cleanup_free_ char *created = xasprintf("%s/data/docker/new.json", root);
	ok(unlink(created) == 0, "%s: it is created at the link's target under the root", mode);
}

int
main(void)
{
	if (!mkdtemp(base))
		return 1;
	root = xasprintf("%s/root", base);
	outside = xasprintf("%s/outside", base);
	sh("mkdir -p '%s/data/docker' '%s'", root, outside);
	sh("printf 'inside\\n' >'%s/data/docker/daemon.json'; printf 'secret\\n' >'%s/secret'",
	   root, outside);
	sh("ln -s ../data '%s/etc' && ln -s '%s' '%s/host-etc'", root, outside, root);
	sh("ln -s /data '%s/abs' && ln -s ../../../../../../../.. '%s/climb'", root, root);
	sh("ln -s nowhere.json '%s/data/docker/dangling.json' && ln -s '%s/secret' "
	   "'%s/data/docker/escape.json'",
	   root, outside, root);

	noderoot_force_walk(false);
	printf("# this kernel %s openat2\n", noderoot_uses_openat2(root) ? "has" : "lacks");
	checks(noderoot_uses_openat2(root) ? "openat2" : "walk");
	noderoot_force_walk(true);
	ok(!noderoot_uses_openat2(root), "the walk can be forced");
	checks("walk");

	_cleanup_free_ char *norm = noderoot_normalize("//a/./b/../../../c/");
	is_str(norm, "/c", "normalise: '..' stops at /");
	_cleanup_free_ char *sock = noderoot_socket_path(root, "/p/../../dev/null");
	_cleanup_free_ char *want = xasprintf("%s/dev/null", root);
	is_str(sock, want, "a socket path is normalised under the root");

	sh("rm -rf '%s'", base);
	return tap_done();
}
