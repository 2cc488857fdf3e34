// SPDX-License-Identifier: GPL-2.0-or-later
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tap.h"
#include "tmpfiles.h"

int
main(void)
{
	struct gp_error err = GP_ERROR_INIT;
	char *dir = NULL;
	is_int(tmpfiles_mkdtemp("test", &dir, &err), 0, "make a private temp dir");
	struct stat st;
	ok(dir && stat(dir, &st) == 0 && (st.st_mode & 0777) == 0700, "it is 0700");
	const char *tmpdir = getenv("TMPDIR");
	if (!tmpdir || !*tmpdir)
		ok(dir && (str_startswith(dir, "/dev/shm/gpuprep-test-") ||
		           str_startswith(dir, "/tmp/gpuprep-test-")),
		   "without TMPDIR it is in /dev/shm (or /tmp)");

	char *f = xasprintf("%s/file", dir);
	is_int(tmpfiles_write(f, "hello\n", 6, 0640, &err), 0, "write a private file");
	char *data = NULL;
	read_file(f, &data, NULL);
	is_str(data, "hello\n", "the content");
	free(data);
	ok(stat(f, &st) == 0 && (st.st_mode & 0777) == 0640, "the mode");
	is_int(tmpfiles_write(f, "bye\n", 4, 0644, &err), 0, "replace it");
	read_file(f, &data, NULL);
	is_str(data, "bye\n", "the new content, truncated");
	free(data);

	char *missing = xasprintf("%s/no/such/dir/file", dir);
	is_int(tmpfiles_write(missing, "x", 1, 0644, &err), -1, "a missing directory");
	ok(err.msg && strstr(err.msg, missing), "  the file is named");
	gp_error_release(&err);

	char *sub = xasprintf("%s/a/b", dir);
	mkdir_p(sub, 0755);
	char *link = xasprintf("%s/link", dir);
	ok(symlink("/etc", link) == 0, "a symlink out of the tree");
	is_int(tmpfiles_rm_rf(dir), 0, "remove the tree");
	ok(!path_exists(dir), "it is gone");
	ok(path_exists("/etc"), "the symlink was not followed");
	is_int(tmpfiles_rm_rf(NULL), 0, "NULL is ignored");

	/* Temp dirs of runs that died go; the others stay (issue 11 item 7). */
	char base[] = "/tmp/gpuprep-test-sweep.XXXXXX";
	ok(mkdtemp(base) != NULL, "a TMPDIR for the sweep");
	setenv("TMPDIR", base, 1);
	const char *names[] = {"stale", "nolock", "held", "fresh"};
	char *dirs[4], *locks[4];
	for (int i = 0; i < 4; i++) {
		dirs[i] = xasprintf("%s/gpuprep-install-%s0", base, names[i]);
		locks[i] = xasprintf("%s.lock", dirs[i]);
		mkdir(dirs[i], 0700);
		if (i != 1)
			close(open(locks[i], O_RDWR | O_CREAT, 0600));
		if (i != 3) {
			struct timespec old[2] = {{time(NULL) - 3600, 0}, {time(NULL) - 3600, 0}};
			utimensat(AT_FDCWD, locks[i], old, 0);
		}
	}
	int pipefd[2];
	ok(pipe(pipefd) == 0, "a pipe");
	pid_t holder = fork();
	if (holder == 0) {
		int fd = open(locks[2], O_RDWR);
		flock(fd, LOCK_EX);
		(void)!write(pipefd[1], "x", 1);
		pause();
		_exit(0);
	}
	char c;
	ok(read(pipefd[0], &c, 1) == 1, "another process holds one lock");
	char *fresh = NULL;
	is_int(tmpfiles_mkdtemp("install", &fresh, &err), 0, "a new temp dir");
	ok(!path_exists(dirs[0]) && !path_exists(locks[0]),
	   "a dead run's dir and lock are removed");
	ok(path_exists(dirs[1]), "a dir without a lock file is not ours: it stays");
	ok(path_exists(dirs[2]) && path_exists(locks[2]), "a dir whose lock is held stays");
	ok(path_exists(dirs[3]), "a dir whose lock is under a minute old stays");
	char *own_lock = xasprintf("%s.lock", fresh);
	ok(path_exists(own_lock), "the new dir has its lock file");
	tmpfiles_rm_rf(fresh);
	ok(!path_exists(own_lock), "removing the dir removes its lock file");
	kill(holder, SIGKILL);
	waitpid(holder, NULL, 0);
	char *cmd = xasprintf("rm -rf '%s'", base);
	ok(system(cmd) == 0, "clean up");
	for (int i = 0; i < 4; i++) {
		free(dirs[i]);
		free(locks[i]);
	}
	free(cmd);
	free(own_lock);
	free(fresh);

	/*
	 * What the signal handler removes: every temp dir not removed yet, whatever it holds
	 * (files, subdirectories, more names than one getdents64 buffer, a link), with its lock
	 * file, and the noted temp files, not the forgotten ones.
	 */
	char base2[] = "/tmp/gpuprep-unit-now-XXXXXX";
	ok(mkdtemp(base2) != NULL, "a TMPDIR for tmpfiles_remove_all_now");
	setenv("TMPDIR", base2, 1);
	char *d1 = NULL, *d2 = NULL;
	is_int(tmpfiles_mkdtemp("now", &d1, &err), 0, "a first temp dir");
	is_int(tmpfiles_mkdtemp("now", &d2, &err), 0, "a second");
	for (int i = 0; i < 200; i++) {
		char *p = xasprintf("%s/a-rather-long-file-name-to-fill-the-buffer-%03d", d1, i);
		tmpfiles_write(p, "x", 1, 0600, &err);
		free(p);
	}
	char *deep = xasprintf("%s/sub/deeper", d2);
	ok(mkdir_p(deep, 0700) == 0, "a nested directory in the second");
	char *deepf = xasprintf("%s/f", deep);
	tmpfiles_write(deepf, "x", 1, 0600, &err);
	char *lnk = xasprintf("%s/sub/link", d2);
	ok(symlink(base2, lnk) == 0, "and a link out of it");
	char *noted = xasprintf("%s/.cfg.gpuprep-tmp-abcdef", base2);
	char *kept = xasprintf("%s/.cfg.gpuprep-tmp-forgot", base2);
	tmpfiles_write(noted, "x", 1, 0600, &err);
	tmpfiles_write(kept, "x", 1, 0600, &err);
	tmpfiles_note_file(AT_FDCWD, noted);
	tmpfiles_note_file(AT_FDCWD, kept);
	tmpfiles_forget_file(AT_FDCWD, kept);
	tmpfiles_remove_all_now();
	char *l1 = xasprintf("%s.lock", d1), *l2 = xasprintf("%s.lock", d2);
	ok(access(d1, F_OK) < 0 && access(d2, F_OK) < 0, "remove_all_now: both temp dirs are gone");
	ok(access(l1, F_OK) < 0 && access(l2, F_OK) < 0, "remove_all_now: and their lock files");
	ok(access(noted, F_OK) < 0, "remove_all_now: the noted temp file is gone");
	ok(access(kept, F_OK) == 0, "remove_all_now: the forgotten one stays");
	ok(access(base2, F_OK) == 0, "remove_all_now: the link was not followed");
	unlink(kept);
	ok(rmdir(base2) == 0, "nothing else is left");
	free(d1);
	free(d2);
	free(deep);
	free(deepf);
	free(lnk);
	free(noted);
	free(kept);
	free(l1);
	free(l2);

	setenv("TMPDIR", "/nonexistent/gpuprep", 1);
	char *bad = NULL;
	is_int(tmpfiles_mkdtemp("test", &bad, &err), -1, "an unusable TMPDIR");
	is_str(err.hint, "set TMPDIR to a writable directory with free space", "  the hint");
	gp_error_release(&err);
	free(f);
	free(missing);
	free(sub);
	free(link);
	free(dir);
	return tap_done();
}
