// SPDX-License-Identifier: GPL-2.0-or-later
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>

#include "svc.h"
#include "tap.h"

static char tmp[] = "/tmp/gpuprep-svc-XXXXXX";

static void
write_file(const char *rel, const char *text, mode_t mode)
{
	_cleanup_free_ char *p = xasprintf("%s/%s", tmp, rel);
	tap_write_file(p, text, mode);
}

int
main(void)
{
	struct gp_error err = GP_ERROR_INIT;
	enum svc_mode m;

	ok(mkdtemp(tmp) != NULL, "mkdtemp");
	is_int(svc_mode_parse("service", &m, &err), 0, "parse service");
	is_int(m, SVC_MODE_SERVICE, "service mode");
	is_int(svc_mode_parse("reboot", &m, &err), -1, "unknown mode");
	is_int(err.code, GP_EXIT_USAGE, "is a usage error");
	gp_error_release(&err);

	is_int(svc_resolve_mode(tmp, "containerd", SVC_MODE_AUTO, &m, &err), -1,
	       "auto with neither systemd nor an init script fails");
	ok(err.hint && strstr(err.hint, "by hand"), "and says how to restart by hand");
	gp_error_release(&err);

	write_file("etc/init.d/containerd",
	           "#!/bin/sh\necho \"$1\" >> \"$(dirname \"$0\")/calls\"\necho did $1\n", 0755);
	is_int(svc_resolve_mode(tmp, "containerd", SVC_MODE_AUTO, &m, &err), 0,
	       "auto finds the init script");
	is_int(m, SVC_MODE_SERVICE, "service mode chosen");
	is_int(svc_resolve_mode(tmp, "containerd", SVC_MODE_SYSTEMD, &m, &err), -1,
	       "systemd is refused under a root");
	gp_error_release(&err);

	is_int(svc_restart(tmp, "containerd", SVC_MODE_SERVICE, false, NULL, &err), 0,
	       "restart through the init script");
	_cleanup_free_ char *calls_path = xasprintf("%s/etc/init.d/calls", tmp);
	_cleanup_free_ char *calls = NULL;
	read_file(calls_path, &calls, NULL);
	is_str(calls, "restart\n", "the script was called with restart");

	write_file("etc/init.d/docker",
	           "#!/bin/sh\necho starting\necho 'failed: bad config'\nexit 3\n", 0755);
	is_int(svc_restart(tmp, "docker", SVC_MODE_SERVICE, false, NULL, &err), -1,
	       "a failing init script is an error");
	ok(err.msg && strstr(err.msg, "exited with status 3") && strstr(err.msg, "bad config"),
	   "the error has the status and the script's last lines");
	gp_error_release(&err);

	/* A pid file naming this process, then a dead one. */
	_cleanup_free_ char *pidtext = xasprintf("%d\n", (int)getpid());
	write_file("run/x.pid", pidtext, 0644);
	_cleanup_free_ char *pidfile = xasprintf("%s/run/x.pid", tmp);
	pid_t pid = 0;
	is_int(svc_pid_from_file(pidfile, &pid, &err), 0, "pid file read");
	is_int(pid, getpid(), "pid file pid");
	write_file("run/x.pid", "garbage", 0644);
	is_int(svc_pid_from_file(pidfile, &pid, &err), -1, "garbage pid file");
	gp_error_release(&err);
	pid_t dead = fork();
	if (dead == 0)
		_exit(0);
	waitpid(dead, NULL, 0);
	_cleanup_free_ char *deadtext = xasprintf("%d\n", (int)dead);
	write_file("run/x.pid", deadtext, 0644);
	is_int(svc_pid_from_file(pidfile, &pid, &err), -1, "a stale pid file is an error");
	ok(err.msg && strstr(err.msg, "not running"), "saying the process is not running");
	gp_error_release(&err);

	/* SO_PEERCRED: a child listens, we ask who it is. */
	_cleanup_free_ char *sock = xasprintf("%s/d.sock", tmp);
	int ready[2];
	ok(pipe(ready) == 0, "pipe");
	pid_t child = fork();
	if (child == 0) {
		int s = socket(AF_UNIX, SOCK_STREAM, 0);
		struct sockaddr_un a = {.sun_family = AF_UNIX};
		strcpy(a.sun_path, sock);
		bind(s, (struct sockaddr *)&a, sizeof(a));
		listen(s, 4);
		if (write(ready[1], "x", 1) < 0)
			_exit(1);
		for (;;) {
			int c = accept(s, NULL, NULL);
			if (c >= 0)
				close(c);
		}
	}
	char x;
	ok(read(ready[0], &x, 1) == 1, "listener ready");
	is_int(svc_pid_from_socket(sock, &pid, &err), 0, "peer credentials");
	is_int(pid, child, "the listener's pid");
	is_int(svc_signal(child, SIGTERM, "listener", &err), 0, "signal sent");
	waitpid(child, NULL, 0);
	ok(!svc_pid_alive(child), "the listener is gone");
	is_int(svc_pid_from_socket(sock, &pid, &err), -1, "nobody listening is an error");
	ok(err.msg && strstr(err.msg, "Connection refused"), "connection refused");
	gp_error_release(&err);

	_cleanup_free_ char *cmd = xasprintf("rm -rf '%s'", tmp);
	ok(system(cmd) == 0, "cleanup");
	return tap_done();
}
