// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Change sets with symbolic links (the /dev/char links configure makes): made, journaled with
 * "symlink": true, undone only while they still point where gpuprep pointed them, and a link
 * the node had never touched.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "changeset.h"
#include "safefile.h"
#include "tap.h"
#include "undo.h"

static char root[] = "/tmp/gpuprep-test-changeset-XXXXXX";

static char *
link_of(const char *node)
{
	_cleanup_free_ char *p = gp_path(root, node);
	char buf[PATH_MAX];
	ssize_t n = readlink(p, buf, sizeof(buf) - 1);
	return n < 0 ? NULL : xstrndup(buf, (size_t)n);
}

static int
apply(struct changeset *cs, struct gp_error *err)
{
	_cleanup_free_ char *dir = NULL;
	return changeset_apply(cs, root, "configure", "containerd", &dir, err);
}

static int
add_link(struct changeset *cs, const char *node, const char *target, struct gp_error *err)
{
	struct file_change *fc;
	if (changeset_read_symlink(cs, root, node, &fc, err) < 0)
		return -1;
	if (!fc->existed)
		file_change_set_new(fc, target, strlen(target));
	return 0;
}

static int
undo(struct undo *u)
{
	_cleanup_error_ struct gp_error err = GP_ERROR_INIT;
	int r = undo_run(root, NULL, false, 1000, u, &err);
	if (r < 0)
		printf("# %s\n", err.msg);
	return r;
}

int
main(void)
{
	if (!mkdtemp(root)) {
		perror("mkdtemp");
		return 1;
	}
	_cleanup_free_ char *dev = gp_path(root, "/dev");
	mkdir(dev, 0755);
	_cleanup_free_ char *own = gp_path(root, "/dev/char/195:255");
	_cleanup_free_ char *chardir = gp_path(root, "/dev/char");
	mkdir(chardir, 0755);
	if (symlink("../nvidiactl", own) < 0)
		perror("symlink");

	/* Made: two new links; the node's own one is read as it is and left. */
	_cleanup_error_ struct gp_error err = GP_ERROR_INIT;
	struct changeset cs = CHANGESET_INIT;
	ok(add_link(&cs, "/dev/char/195:0", "/dev/nvidia0", &err) == 0, "a new link");
	ok(add_link(&cs, "/dev/char/510:0", "/dev/nvidia-uvm", &err) == 0, "another");
	ok(add_link(&cs, "/dev/char/195:255", "/dev/nvidiactl", &err) == 0, "the node's own link");
	ok(!file_change_changes(cs.files[2]), "the node's own link: no change");
	_cleanup_free_ char *diff = changeset_diff(&cs);
	ok(strstr(diff, "+++ b/dev/char/195:0") && strstr(diff, "+/dev/nvidia0"),
	   "the diff shows a new link as its target");
	ok(apply(&cs, &err) == 0, "applied");
	changeset_release(&cs);
	_cleanup_free_ char *l1 = link_of("/dev/char/195:0");
	_cleanup_free_ char *l2 = link_of("/dev/char/195:255");
	is_str(l1, "/dev/nvidia0", "the link is made, pointing as asked");
	is_str(l2, "../nvidiactl", "the node's own link is untouched");

	/* Again: nothing changes. */
	ok(add_link(&cs, "/dev/char/195:0", "/dev/nvidia0", &err) == 0, "read again");
	ok(!changeset_changes(&cs), "again: nothing to change");
	changeset_release(&cs);

	/* Something other than a link at the path is refused, naming it. */
	_cleanup_free_ char *plain = gp_path(root, "/dev/char/1:1");
	FILE *f = fopen(plain, "w");
	if (f)
		fclose(f);
	struct file_change *fc;
	ok(changeset_read_symlink(&cs, root, "/dev/char/1:1", &fc, &err) < 0 &&
	           strstr(err.msg, "something other than a link is there"),
	   "a plain file where a link would go: refused");
	gp_error_release(&err);
	changeset_release(&cs);
	unlink(plain);

	/* Undo: one link changed since stays, with a warning; the other goes. */
	_cleanup_free_ char *uvm = gp_path(root, "/dev/char/510:0");
	unlink(uvm);
	if (symlink("/dev/null", uvm) < 0)
		perror("symlink");
	struct undo u = {0};
	ok(undo(&u) == 0, "undo");
	ok(u.warnings && strstr(u.warnings[0], "links to '/dev/null' since gpuprep made it"),
	   "undo: a warning for the link changed since");
	undo_release(&u);
	_cleanup_free_ char *g1 = link_of("/dev/char/195:0");
	_cleanup_free_ char *g2 = link_of("/dev/char/510:0");
	_cleanup_free_ char *g3 = link_of("/dev/char/195:255");
	ok(g1 == NULL, "undo: the link gpuprep made is removed");
	is_str(g2, "/dev/null", "undo: the link changed since is left");
	is_str(g3, "../nvidiactl", "undo: the node's own link is left");

	_cleanup_free_ char *cmd = xasprintf("rm -rf '%s'", root);
	if (system(cmd) != 0)
		printf("# could not remove %s\n", root);
	return tap_done();
}
