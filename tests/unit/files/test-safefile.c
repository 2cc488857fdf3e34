// SPDX-License-Identifier: GPL-2.0-or-later
#include <dirent.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "safefile.h"
#include "tap.h"

static char root[] = "/tmp/gpuprep-test-safefile-XXXXXX";

static void
put(const char *node, const char *text)
{
	_cleanup_free_ char *p = gp_path(root, node);
	FILE *f = fopen(p, "w");
	fputs(text, f);
	fclose(f);
}

static char *
get(const char *node)
{
	_cleanup_free_ char *p = gp_path(root, node);
	char *s = NULL;
	return read_file(p, &s, NULL) == 0 ? s : NULL;
}

static bool
exists(const char *node)
{
	_cleanup_free_ char *p = gp_path(root, node);
	return path_exists(p);
}

static void
link_node(const char *target, const char *node)
{
	_cleanup_free_ char *p = gp_path(root, node);
	if (symlink(target, p) < 0)
		perror("symlink");
}

static void
resolves(const char *node, const char *want, const char *name)
{
	_cleanup_error_ struct gp_error err = GP_ERROR_INIT;
	_cleanup_free_ char *got = NULL;
	if (safefile_resolve(root, node, &got, &err) < 0)
		printf("# %s\n", err.msg);
	is_str(got, want, name);
}

static int
count_temps(const char *node_dir)
{
	_cleanup_free_ char *p = gp_path(root, node_dir);
	DIR *d = opendir(p);
	int n = 0;
	struct dirent *de;
	while (d && (de = readdir(d)))
		n += strstr(de->d_name, ".gpuprep-tmp-") != NULL;
	if (d)
		closedir(d);
	return n;
}

int
main(void)
{
	ok(mkdtemp(root) != NULL, "mkdtemp");
	_cleanup_free_ char *etc = gp_path(root, "/etc/docker");
	is_int(mkdir_p(etc, 0755), 0, "mkdir etc/docker");
	_cleanup_free_ char *data = gp_path(root, "/data");
	is_int(mkdir_p(data, 0755), 0, "mkdir data");

	/* Resolving symlinks under root. */
	put("/etc/docker/daemon.json", "{}\n");
	resolves("/etc/docker/daemon.json", "/etc/docker/daemon.json", "a plain file is itself");
	resolves("/etc/docker/missing.json", "/etc/docker/missing.json",
	         "a missing file is itself");
	resolves("/etc/../etc/docker/./daemon.json", "/etc/docker/daemon.json",
	         "the path is normalized");
	resolves("/../../etc/docker/daemon.json", "/etc/docker/daemon.json",
	         "'..' never climbs above the root");
	link_node("/data/real.json", "/etc/docker/abs.json");
	resolves("/etc/docker/abs.json", "/data/real.json",
	         "an absolute link is read under root (dangling is fine)");
	link_node("../../data/real.json", "/etc/docker/rel.json");
	resolves("/etc/docker/rel.json", "/data/real.json", "a relative link");
	link_node("rel.json", "/etc/docker/chain.json");
	resolves("/etc/docker/chain.json", "/data/real.json", "a chain of links");
	link_node("../../../../../../data/real.json", "/etc/docker/up.json");
	resolves("/etc/docker/up.json", "/data/real.json", "a link climbing out stays under root");
	link_node("loop2", "/etc/docker/loop1");
	link_node("loop1", "/etc/docker/loop2");
	{
		_cleanup_error_ struct gp_error err = GP_ERROR_INIT;
		_cleanup_free_ char *got = NULL;
		ok(safefile_resolve(root, "/etc/docker/loop1", &got, &err) < 0, "a loop fails");
		ok(err.msg && strstr(err.msg, "Too many levels of symbolic links"),
		   "loop: message");
	}

	/* Atomic writes keep the mode; a new file gets the mode given. */
	_cleanup_free_ char *cfg = gp_path(root, "/etc/docker/daemon.json");
	chmod(cfg, 0640);
	{
		_cleanup_error_ struct gp_error err = GP_ERROR_INIT;
		is_int(safefile_write(root, "/etc/docker/daemon.json", "{\"a\": 1}\n", 9, 0600,
		                      &err),
		       0, "write over an existing file");
	}
	_cleanup_free_ char *c1 = get("/etc/docker/daemon.json");
	is_str(c1, "{\"a\": 1}\n", "the new content");
	struct stat st;
	stat(cfg, &st);
	is_int(st.st_mode & 07777, 0640, "the mode is kept");
	is_int(count_temps("/etc/docker"), 0, "no temp file is left");
	{
		_cleanup_error_ struct gp_error err = GP_ERROR_INIT;
		is_int(safefile_write(root, "/etc/docker/new.json", "x", 1, 0600, &err), 0,
		       "write a new file");
		_cleanup_free_ char *p = gp_path(root, "/etc/docker/new.json");
		stat(p, &st);
		is_int(st.st_mode & 07777, 0600, "a new file gets the mode given");
	}
	{
		_cleanup_error_ struct gp_error err = GP_ERROR_INIT;
		ok(safefile_write(root, "/nodir/x.json", "x", 1, 0644, &err) < 0,
		   "a missing directory fails");
		ok(err.msg && strstr(err.msg, "cannot create a file in"),
		   "missing directory: message");
	}
	{
		_cleanup_error_ struct gp_error err = GP_ERROR_INIT;
		ok(safefile_write(root, "/etc/docker", "x", 1, 0644, &err) < 0,
		   "writing over a directory fails");
		ok(err.msg && strstr(err.msg, "it is a directory"), "directory: message");
		_cleanup_error_ struct gp_error err2 = GP_ERROR_INIT;
		ok(safefile_check_writable(root, "/etc/docker", &err2) < 0,
		   "check_writable refuses a directory");
		_cleanup_error_ struct gp_error err3 = GP_ERROR_INIT;
		is_int(safefile_check_writable(root, "/etc/new/deeper/x.json", &err3), 0,
		       "check_writable accepts a file in directories still to create");
	}
	{
		_cleanup_error_ struct gp_error err = GP_ERROR_INIT;
		is_int(safefile_remove(root, "/etc/docker/new.json", &err), 0, "remove");
		ok(!exists("/etc/docker/new.json"), "removed");
		is_int(safefile_remove(root, "/etc/docker/new.json", &err), 0,
		       "removing a missing file is fine");
	}

	/*
	 * A batch larger than its threads (16): every item is synced, and the first failure in
	 * the order added is told, past the threaded ones too (a pipe cannot be synced).
	 */
	{
		_cleanup_error_ struct gp_error err = GP_ERROR_INIT;
		struct safefile_tmp big[40];
		int pipefd[2];
		bool prepared = true;
		for (int i = 0; i < 40; i++) {
			_cleanup_free_ char *path = xasprintf("/etc/docker/many-%d.json", i);
			prepared &= safefile_prepare(root, path, "{}", 2, 0600, &big[i], &err) == 0;
		}
		ok(prepared, "40 files prepared");
		struct safefile_batch b = {0};
		for (int i = 0; i < 40; i++)
			safefile_batch_add(&b, big[i].fd, SAFEFILE_SYNC_FILE, false,
			                   big[i].host_tmp);
		size_t synced = 0;
		is_int(safefile_batch_run_n(&b, &synced, &err), 0, "a batch of 40 syncs");
		is_int((int)synced, 40, "  all 40 of them");
		is_int(pipe(pipefd), 0, "a pipe");
		for (int i = 0; i < 40; i++) {
			if (i == 30)
				safefile_batch_add(&b, pipefd[0], SAFEFILE_SYNC_FILE, true,
				                   "the pipe");
			safefile_batch_add(&b, big[i].fd, SAFEFILE_SYNC_FILE, false,
			                   big[i].host_tmp);
		}
		is_int(safefile_batch_run_n(&b, &synced, &err), -1,
		       "a batch with a pipe at 31 fails");
		is_int((int)synced, 30, "  30 items were synced before it");
		ok(err.msg && strstr(err.msg, "cannot sync 'the pipe'"),
		   "  the pipe is the one told");
		is_int((int)b.n, 0, "  and the batch is empty after");
		close(pipefd[1]);
		for (int i = 0; i < 40; i++)
			safefile_tmp_release(&big[i]);
		is_int(count_temps("/etc/docker"), 0, "the temp files are gone");
	}

	/* Two files prepared, synced in one batch, renamed: both new, no temp file left. */
	{
		_cleanup_error_ struct gp_error err = GP_ERROR_INIT;
		put("/etc/docker/b1.json", "old1");
		struct safefile_tmp t1, t2;
		is_int(safefile_prepare(root, "/etc/docker/b1.json", "new1", 4, 0600, &t1, &err), 0,
		       "prepare an existing file");
		is_int(safefile_prepare(root, "/etc/docker/b2.json", "new2", 4, 0600, &t2, &err), 0,
		       "prepare a new file");
		_cleanup_free_ char *still = get("/etc/docker/b1.json");
		is_str(still, "old1", "a prepared file is still the old one");
		is_int(count_temps("/etc/docker"), 2, "two temp files");
		struct safefile_batch b = {0};
		safefile_batch_add(&b, t1.fd, SAFEFILE_SYNC_FILE, false, t1.host_tmp);
		safefile_batch_add(&b, t2.fd, SAFEFILE_SYNC_FILE, false, t2.host_tmp);
		safefile_batch_add(&b, t1.fd, SAFEFILE_SYNC_FILE, false, t1.host_tmp);
		is_int((int)b.n, 2, "the same file added twice is synced once");
		is_int(safefile_batch_run(&b, &err), 0, "the batch syncs");
		is_int((int)b.n, 0, "and is empty after");
		int d1 = -1, d2 = -1;
		is_int(safefile_tmp_rename(&t1, &d1, &err), 0, "rename the first");
		is_int(safefile_tmp_rename(&t2, &d2, &err), 0, "rename the second");
		safefile_batch_add(&b, d1, SAFEFILE_SYNC_DIR_PATH, true, "etc/docker");
		safefile_batch_add(&b, d2, SAFEFILE_SYNC_DIR_PATH, true, "etc/docker");
		is_int((int)b.n, 1, "their directory is synced once");
		is_int(safefile_batch_run(&b, &err), 0, "the directory syncs");
		safefile_tmp_release(&t1);
		safefile_tmp_release(&t2);
		_cleanup_free_ char *n1 = get("/etc/docker/b1.json"),
		                    *n2 = get("/etc/docker/b2.json");
		is_str(n1, "new1", "the first is new");
		is_str(n2, "new2", "the second is new");
		is_int(count_temps("/etc/docker"), 0, "no temp file is left");

		/* Prepared, then given up: the file is untouched and the temp file goes. */
		struct safefile_tmp t3;
		is_int(safefile_prepare(root, "/etc/docker/b1.json", "newer", 5, 0600, &t3, &err),
		       0, "prepare again");
		safefile_tmp_release(&t3);
		_cleanup_free_ char *n3 = get("/etc/docker/b1.json");
		is_str(n3, "new1", "a released temp file changes nothing");
		is_int(count_temps("/etc/docker"), 0, "and leaves no temp file");
		safefile_remove(root, "/etc/docker/b1.json", &err);
		safefile_remove(root, "/etc/docker/b2.json", &err);
	}

	/* Stale temp files of that name only are cleaned. */
	put("/etc/docker/.daemon.json.gpuprep-tmp-AbC123", "half");
	put("/etc/docker/.other.json.gpuprep-tmp-AbC123", "other");
	put("/etc/docker/.daemon.json.gpuprep-tmp-toolong1", "keep");
	safefile_clean_stale(root, "/etc/docker/daemon.json");
	ok(!exists("/etc/docker/.daemon.json.gpuprep-tmp-AbC123"), "a stale temp file is removed");
	ok(exists("/etc/docker/.other.json.gpuprep-tmp-AbC123"), "another file's temp is kept");
	ok(exists("/etc/docker/.daemon.json.gpuprep-tmp-toolong1"),
	   "a name that is not ours is kept");

	/* The lock where it is not there yet: nothing taken, nothing created, no error. */
	{
		_cleanup_error_ struct gp_error err = GP_ERROR_INIT;
		ok(safefile_lock_present(root, 0, &err) == -1 && !gp_error_is_set(&err),
		   "lock_present without a lock file: -1, no error");
		ok(!exists("/run"), "lock_present without a lock file: creates nothing");
	}
	/* The lock: a second holder (another open file description) is refused. */
	{
		_cleanup_error_ struct gp_error err = GP_ERROR_INIT;
		_cleanup_close_ int fd = safefile_lock(root, 0, &err);
		ok(fd >= 0, "take the lock (creates run/)");
		_cleanup_error_ struct gp_error err2 = GP_ERROR_INIT;
		_cleanup_close_ int fd2 = safefile_lock(root, 100, &err2);
		ok(fd2 < 0, "a second lock waits, then fails");
		ok(err2.msg && strstr(err2.msg, "another gpuprep run holds the lock"),
		   "lock: message");
		_cleanup_error_ struct gp_error err3 = GP_ERROR_INIT;
		ok(safefile_lock_present(root, 100, &err3) == -1 && err3.msg &&
		           strstr(err3.msg, "another gpuprep run holds the lock"),
		   "lock_present on a held lock waits, then fails with the same message");
	}
	{
		_cleanup_error_ struct gp_error err = GP_ERROR_INIT;
		_cleanup_close_ int fd = safefile_lock_present(root, 0, &err);
		ok(fd >= 0 && !gp_error_is_set(&err), "lock_present takes a free lock file");
		_cleanup_error_ struct gp_error err2 = GP_ERROR_INIT;
		_cleanup_close_ int fd2 = safefile_lock(root, 0, &err2);
		ok(fd2 < 0, "lock_present's lock holds off safefile_lock");
	}
	{
		_cleanup_error_ struct gp_error err = GP_ERROR_INIT;
		_cleanup_close_ int fd = safefile_lock(root, 0, &err);
		ok(fd >= 0, "the lock is free again once closed");
	}

	_cleanup_free_ char *cmd = xasprintf("rm -rf '%s'", root);
	ok(system(cmd) == 0, "clean up");
	return tap_done();
}
