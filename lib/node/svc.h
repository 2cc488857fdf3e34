/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Service managers: how to restart or reload a container runtime's daemon,
 * and how to find its process.
 */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

#include "error.h"
#include "proc.h"

enum svc_mode {
	SVC_MODE_AUTO = 0,
	SVC_MODE_SYSTEMD, /* systemctl restart|reload <unit> */
	SVC_MODE_SERVICE, /* the SysV/OpenRC init script: /etc/init.d/<name> restart */
	SVC_MODE_SIGNAL,  /* send a signal to the daemon (dockerd reload: SIGHUP) */
	SVC_MODE_NONE,    /* do not restart; the caller says how to do it by hand */
};

/* "auto", "systemd", "service", "signal", "none"; returns -1 (usage error) otherwise. */
int svc_mode_parse(const char *s, enum svc_mode *ret, struct gp_error *err);
const char *svc_mode_name(enum svc_mode m);

/*
 * Pick the mode for auto: systemd when <root>/run/systemd/system exists, else
 * service when <root>/etc/init.d/<name> exists, else an error whose hint says
 * how to restart by hand. A mode other than auto is returned as it is, after
 * checking that it can work (the init script exists for service).
 */
int svc_resolve_mode(const char *root, const char *name, enum svc_mode requested,
                     enum svc_mode *ret, struct gp_error *err);

/*
 * Restart (or, with reload, reload) the service through systemd or its init
 * script. Under a root, the init script is <root>/etc/init.d/<name>, run
 * directly; systemd is refused under a root (its manager is the host's).
 * The program's output goes through opts->on_line. Fails when the program
 * exits non-zero, with its last lines in the message.
 */
int svc_restart(const char *root, const char *name, enum svc_mode mode, bool reload,
                const struct proc_opts *opts, struct gp_error *err);

/* The PID in a pid file (e.g. /run/docker.pid); fails unless that process exists. */
int svc_pid_from_file(const char *path, pid_t *ret, struct gp_error *err);

/* The PID of the process listening on a unix socket, from SO_PEERCRED. */
int svc_pid_from_socket(const char *path, pid_t *ret, struct gp_error *err);

/* Send sig to pid, naming the process in the error. */
int svc_signal(pid_t pid, int sig, const char *what, struct gp_error *err);

/* True while the process exists (and is not a zombie). */
bool svc_pid_alive(pid_t pid);

/*
 * The node's first process named COMM (its /proc/PID/comm, under ROOT), or 0 when none runs.
 * With RET_CMDLINE, its command line too, the arguments joined by spaces (NULL when unreadable).
 */
long svc_find_process(const char *root, const char *comm, char **ret_cmdline);
