// SPDX-License-Identifier: GPL-2.0-or-later
#include "svc.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "noderoot.h"

static const char *const mode_names[] = {
        [SVC_MODE_AUTO] = "auto",       [SVC_MODE_SYSTEMD] = "systemd",
        [SVC_MODE_SERVICE] = "service", [SVC_MODE_SIGNAL] = "signal",
        [SVC_MODE_NONE] = "none",
};

int
svc_mode_parse(const char *s, enum svc_mode *ret, struct gp_error *err)
{
	for (size_t i = 0; i < GP_ARRAY_SIZE(mode_names); i++)
		if (strcmp(s, mode_names[i]) == 0) {
			*ret = (enum svc_mode)i;
			return 0;
		}
	return gp_error_set_code(err, GP_EXIT_USAGE,
	                         "unknown restart mode '%s' (auto, systemd, service, signal, none)",
	                         s);
}

const char *
svc_mode_name(enum svc_mode m)
{
	return (size_t)m < GP_ARRAY_SIZE(mode_names) ? mode_names[m] : "?";
}

static bool
has_init_script(const char *root, const char *name)
{
	_cleanup_free_ char *rel = xasprintf("/etc/init.d/%s", name);
	return noderoot_access(root, rel, X_OK) == 0;
}

int
svc_resolve_mode(const char *root, const char *name, enum svc_mode requested, enum svc_mode *ret,
                 struct gp_error *err)
{
	switch (requested) {
	case SVC_MODE_AUTO:
		if (!gp_root_is_set(root) && path_is_dir("/run/systemd/system")) {
			*ret = SVC_MODE_SYSTEMD;
			return 0;
		}
		if (has_init_script(root, name)) {
			*ret = SVC_MODE_SERVICE;
			return 0;
		}
		gp_error_set(
		        err,
		        "cannot tell how to restart %s: no systemd%s and no '%s/etc/init.d/%s'",
		        name, gp_root_is_set(root) ? " outside --root" : "",
		        gp_root_is_set(root) ? root : "", name);
		return gp_error_hint(err,
		                     "restart %s by hand (stop it, then start it the way it was "
		                     "started), then run 'gpuprep verify'",
		                     name);
	case SVC_MODE_SYSTEMD:
		if (gp_root_is_set(root))
			return gp_error_set(err,
			                    "cannot restart %s with systemd under --root: the "
			                    "systemd there is not running",
			                    name);
		break;
	case SVC_MODE_SERVICE:
		if (!has_init_script(root, name)) {
			_cleanup_free_ char *rel = xasprintf("/etc/init.d/%s", name);
			_cleanup_free_ char *p = gp_path(root, rel);
			gp_error_set(err, "no init script '%s' to restart %s", p, name);
			return gp_error_hint(
			        err, "use --restart-mode systemd, or restart %s by hand", name);
		}
		break;
	default:
		break;
	}
	*ret = requested;
	return 0;
}

int
svc_restart(const char *root, const char *name, enum svc_mode mode, bool reload,
            const struct proc_opts *opts, struct gp_error *err)
{
	const char *verb = reload ? "reload" : "restart";
	_cleanup_free_ char *script = NULL;
	_cleanup_free_ char *unit = NULL;
	char *argv[4] = {0};

	switch (mode) {
	case SVC_MODE_SYSTEMD:
		unit = str_endswith(name, ".service") ? xstrdup(name)
		                                      : xasprintf("%s.service", name);
		argv[0] = "systemctl";
		argv[1] = (char *)verb;
		argv[2] = unit;
		break;
	case SVC_MODE_SERVICE: {
		_cleanup_free_ char *rel = xasprintf("/etc/init.d/%s", name);
		script = noderoot_host_path(root, rel);
		argv[0] = script;
		argv[1] = (char *)verb;
		break;
	}
	default:
		return gp_error_set(err, "restart mode '%s' does not run a service manager",
		                    svc_mode_name(mode));
	}

	struct proc_opts o = opts ? *opts : (struct proc_opts){0};
	o.keep_output = true;
	if (!o.timeout_ms)
		o.timeout_ms = 120000;
	struct proc_result res;
	_cleanup_free_ char *cmdline = proc_argv_string(argv);
	if (proc_run(argv, &o, &res, err) < 0)
		return gp_error_prefix(err, "%s %s", verb, name);
	if (res.status != 0 || res.timed_out) {
		_cleanup_free_ char *tail = proc_tail_lines(res.output, 5);
		if (res.timed_out)
			gp_error_set(err, "'%s' did not finish in time", cmdline);
		else
			gp_error_set(err, "'%s' exited with status %d%s%s", cmdline, res.status,
			             *tail ? ":\n" : "", tail);
		proc_result_release(&res);
		return gp_error_hint(err,
		                     "look at the log of %s (journalctl -u %s, or its log file)",
		                     name, name);
	}
	proc_result_release(&res);
	return 0;
}

bool
svc_pid_alive(pid_t pid)
{
	if (pid <= 0)
		return false;
	if (kill(pid, 0) < 0 && errno != EPERM)
		return false;
	/* A zombie still answers kill(0): look at its state. */
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	_cleanup_free_ char *stat = NULL;
	if (read_file(path, &stat, NULL) < 0)
		return true;
	const char *close_paren = strrchr(stat, ')');
	return !(close_paren && close_paren[1] == ' ' && close_paren[2] == 'Z');
}

int
svc_pid_from_file(const char *path, pid_t *ret, struct gp_error *err)
{
	_cleanup_free_ char *line = NULL;
	int r = read_line_file(path, &line);
	if (r < 0)
		return gp_error_set_errno(err, r, "reading pid file '%s'", path);
	char *end;
	errno = 0;
	long pid = strtol(str_strip(line), &end, 10);
	if (errno || *end || pid <= 0 || pid > 4194304)
		return gp_error_set(err, "pid file '%s' does not hold a pid", path);
	if (!svc_pid_alive((pid_t)pid)) {
		gp_error_set(err, "pid file '%s' names process %ld, which is not running", path,
		             pid);
		return gp_error_hint(err, "the daemon is not running, or the pid file is stale");
	}
	*ret = (pid_t)pid;
	return 0;
}

int
svc_pid_from_socket(const char *path, pid_t *ret, struct gp_error *err)
{
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	if (strlen(path) >= sizeof(addr.sun_path))
		return gp_error_set(err, "socket path '%s' is too long", path);
	strcpy(addr.sun_path, path);
	/* Non-blocking, so a hung daemon with a full backlog cannot hold us forever. */
	_cleanup_close_ int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return gp_error_set_errno(err, errno, "socket");
	if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
		if (errno != EAGAIN && errno != EINPROGRESS)
			return gp_error_set_errno(err, errno, "connecting to '%s'", path);
		struct pollfd p = {.fd = fd, .events = POLLOUT};
		if (poll(&p, 1, 5000) <= 0)
			return gp_error_set(err, "connecting to '%s': timed out", path);
		int soerr = 0;
		socklen_t sl = sizeof(soerr);
		getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl);
		if (soerr)
			return gp_error_set_errno(err, soerr, "connecting to '%s'", path);
	}
	struct ucred cred;
	socklen_t len = sizeof(cred);
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0)
		return gp_error_set_errno(err, errno, "asking '%s' for its peer", path);
	if (cred.pid <= 0)
		return gp_error_set(err, "the process behind '%s' is not visible here", path);
	*ret = cred.pid;
	return 0;
}

int
svc_signal(pid_t pid, int sig, const char *what, struct gp_error *err)
{
	if (kill(pid, sig) < 0)
		return gp_error_set_errno(err, errno, "sending %s to %s (pid %d)", strsignal(sig),
		                          what, (int)pid);
	return 0;
}

long
svc_find_process(const char *root, const char *comm, char **ret_cmdline)
{
	if (ret_cmdline)
		*ret_cmdline = NULL;
	DIR *d = noderoot_opendir(root, "/proc");
	if (!d)
		return 0;
	long pid = 0;
	struct dirent *de;
	while (!pid && (de = readdir(d))) {
		if (!isdigit((unsigned char)de->d_name[0]))
			continue;
		_cleanup_free_ char *path = xasprintf("/proc/%s/comm", de->d_name);
		_cleanup_free_ char *text = NULL;
		if (noderoot_read_file(root, path, &text, NULL) < 0 ||
		    strcmp(str_strip(text), comm) != 0)
			continue;
		pid = strtol(de->d_name, NULL, 10);
		if (!ret_cmdline)
			continue;
		free(path);
		path = xasprintf("/proc/%s/cmdline", de->d_name);
		char *cmd = NULL;
		size_t len = 0;
		if (noderoot_read_file(root, path, &cmd, &len) == 0) {
			for (size_t i = 0; i < len; i++)
				if (cmd[i] == '\0')
					cmd[i] = ' ';
			*ret_cmdline = cmd;
		}
	}
	closedir(d);
	return pid;
}
