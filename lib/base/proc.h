/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Running other programs (systemctl, init scripts, package managers): fork,
 * exec, relay their output line by line through a callback, enforce a
 * timeout. lib/ never prints, so the caller decides what to do with lines.
 */
#pragma once

#include <pthread.h>
#include <stdbool.h>
#include <sys/types.h>

#include "error.h"

typedef void (*proc_line_fn)(const char *line, void *userdata);

struct proc_opts {
	char *const *env;     /* extra "NAME=value" entries, NULL-terminated, or NULL */
	const char *cwd;      /* or NULL */
	int timeout_ms;       /* 0: no limit; on expiry the child gets SIGTERM, then SIGKILL */
	proc_line_fn on_line; /* each line of stdout+stderr, without the newline, or NULL */
	void *userdata;
	bool keep_output; /* collect stdout+stderr into proc_result.output */
	/*
	 * A second pipe, for a program that reports its progress in lines on a descriptor it is
	 * told (dpkg --status-fd N): the child has its write end as descriptor status_fd (3 or
	 * more; 0: no such pipe), and each line it writes there goes to on_status, with
	 * status_userdata.
	 */
	int status_fd;
	proc_line_fn on_status;
	void *status_userdata;
	/*
	 * A program that changes the system's packages (dpkg, rpm, dnf): stopped half way it
	 * would leave them half-installed, so a signal that asks gpuprep to stop waits for it to
	 * end (see proc_finishing_child() and proc_interrupted()). apt-get, which downloads
	 * first, is marked so once it says it runs dpkg (proc_children_must_finish()).
	 */
	bool finish_on_signal;
};

struct proc_result {
	int status;     /* the exit code, or 128+signal when killed */
	bool timed_out; /* the timeout expired and the child was killed */
	char *output;   /* stdout+stderr when keep_output, else NULL */
};

/*
 * Run argv[0] (searched in PATH when it has no slash) and wait for it. stdin
 * is /dev/null. Returns 0 when the program ran (whatever its exit status: look
 * at ret->status), or -1 when it could not be started.
 */
int proc_run(char *const argv[], const struct proc_opts *opts, struct proc_result *ret,
             struct gp_error *err);
void proc_result_release(struct proc_result *r);

/*
 * proc_run() in two halves, so the caller can go on while the program runs: proc_start()
 * starts it (its output waits in a pipe) and proc_wait() reads that output, enforces the
 * timeout (counted from the start) and waits, with proc_run()'s results and errors. Every
 * started job is waited for exactly once.
 */
struct proc_job {
	pid_t pid;             /* -1: not started (exec_errno says why), or waited for */
	int fd;                /* the read end of its stdout and stderr */
	int status_rfd;        /* the read end of its status pipe, or -1 */
	int exec_errno;        /* why posix_spawnp could not run it */
	char *argv0;           /* for the message; NULL once waited for */
	struct proc_opts opts; /* without env, which only the start needs */
	long long deadline;
};
int proc_start(char *const argv[], const struct proc_opts *opts, struct proc_job *ret,
               struct gp_error *err);
int proc_wait(struct proc_job *j, struct proc_result *ret, struct gp_error *err);
/*
 * A started job the caller no longer needs (an error path, while gpgv still checks a
 * signature): its process group gets SIGTERM, then it is waited for and what it said is
 * dropped. A job never started, or already waited for, is left as it is.
 */
void proc_abandon(struct proc_job *j);

/*
 * The children running now, for gpuprep's handler of SIGINT, SIGTERM and SIGHUP (cmd/main.c).
 * Each child leads a process group of its own, so a Ctrl-C on the terminal reaches gpuprep
 * alone; the handler decides for them. The three are async-signal-safe.
 *
 * proc_finishing_child(): whether one that must be let finish (finish_on_signal) is running;
 * its program's name (argv[0]'s last part) into name[size].
 * proc_signal_children(): send sig to every running child's process group.
 * proc_note_interrupt(): record sig, once. From then on proc_start() refuses to start
 * anything, and proc_interrupted() returns it: the caller that waited for the child stops
 * there, with proc_interrupt_error().
 */
bool proc_finishing_child(char *name, size_t size);
/*
 * From now on the children running now are let finish too: for a tool that says on its status
 * pipe when it starts changing packages (apt-get's "pmstatus:" lines, after its downloads,
 * which a signal may stop). Called on the main thread, from an on_status callback.
 */
void proc_children_must_finish(void);
void proc_signal_children(int sig);
void proc_note_interrupt(int sig);
/* The signal noted, or 0. */
int proc_interrupted(void);
/* "SIGINT", "SIGTERM", "SIGHUP" (the three the handler takes), else "a signal". */
const char *proc_signal_name(int sig);
/*
 * pthread_create() of a thread that blocks every signal, so that the handler runs on the main
 * thread alone. Every thread gpuprep starts is made so.
 */
int proc_thread_create(pthread_t *thread, void *(*fn)(void *), void *arg);
/*
 * "stopped by SIGINT: gpuprep let 'dpkg' finish first (exit status N), ..." with the exit
 * code 128 + the signal; returns -1.
 */
int proc_interrupt_error(struct gp_error *err, const char *what, int status);

/* The last n lines of text, for error messages ("show the last lines"); a fresh string. */
char *proc_tail_lines(const char *text, size_t n);

/* "a b 'c d'": argv joined for display, quoting where a shell would need it. */
char *proc_argv_string(char *const argv[]);
