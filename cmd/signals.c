// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * What SIGINT (Ctrl-C), SIGTERM and SIGHUP do to a running command. Children run in process
 * groups of their own, so the terminal's Ctrl-C reaches gpuprep alone, and this decides for
 * them:
 * - while a package tool is changing packages (dpkg, rpm, dnf, apt-get install once it runs
 *   dpkg: stopped half way they leave them half-installed), it is let finish: the signal is noted
 * and said, and the command stops with an error once the tool has ended (proc_interrupted()), then
 * ends by the signal;
 * - otherwise every running child's process group gets SIGTERM (a hung nvidia-smi or
 *   nvidia-ctk does not outlive gpuprep), the private temp dirs and the temp files beside
 *   configs go, and the signal ends gpuprep as it would have without a handler (a shell sees
 *   128 + the signal).
 * A config file is never half-written: it changes by rename. Only system calls in the
 * handler.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cmd.h"
#include "proc.h"
#include "tmpfiles.h"

static bool interrupt_tty;

static void
say(const char *s)
{
	if (write(STDERR_FILENO, s, strlen(s)) < 0)
		return;
}

/* End as the signal's default action does. */
static void
end_by(int sig)
{
	struct sigaction dfl = {.sa_handler = SIG_DFL};
	sigaction(sig, &dfl, NULL);
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, sig);
	pthread_sigmask(SIG_UNBLOCK, &set, NULL);
	raise(sig);
}

static void
on_stop_signal(int sig)
{
	int saved = errno;
	/* The handler's work is the main thread's (see proc_thread_create()). */
	if ((pid_t)syscall(SYS_gettid) != getpid()) {
		syscall(SYS_tgkill, getpid(), getpid(), sig);
		errno = saved;
		return;
	}
	char tool[32];
	if (proc_finishing_child(tool, sizeof(tool))) {
		if (!proc_interrupted()) {
			proc_note_interrupt(sig);
			if (interrupt_tty)
				say("\r\033[K"); /* over a progress line */
			say(sig == SIGINT   ? "gpuprep: interrupted (SIGINT): letting '"
			    : sig == SIGHUP ? "gpuprep: hangup (SIGHUP): letting '"
			                    : "gpuprep: terminated (SIGTERM): letting '");
			say(tool);
			say("' finish first, so that no package is left half-installed; gpuprep "
			    "stops after it\n");
		}
		errno = saved;
		return;
	}
	proc_signal_children(SIGTERM);
	tmpfiles_remove_all_now();
	end_by(sig);
	errno = saved;
}

void
cmd_catch_stop_signals(bool tty)
{
	interrupt_tty = tty;
	static const int sigs[] = {SIGINT, SIGTERM, SIGHUP};
	for (size_t i = 0; i < GP_ARRAY_SIZE(sigs); i++) {
		struct sigaction old;
		if (sigaction(sigs[i], NULL, &old) == 0 && old.sa_handler == SIG_IGN)
			continue;
		/* One at a time; the calls it interrupts go on where they can. */
		struct sigaction sa = {.sa_handler = on_stop_signal, .sa_flags = SA_RESTART};
		sigemptyset(&sa.sa_mask);
		for (size_t j = 0; j < GP_ARRAY_SIZE(sigs); j++)
			sigaddset(&sa.sa_mask, sigs[j]);
		sigaction(sigs[i], &sa, NULL);
	}
}

void
cmd_end_by_noted_signal(void)
{
	int sig = proc_interrupted();
	if (!sig)
		return;
	fflush(stdout);
	fflush(stderr);
	end_by(sig);
}
