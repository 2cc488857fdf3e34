// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "proc.h"
#include "tap.h"

struct lines {
	char *joined;
	int n;
};

static void
on_line(const char *line, void *userdata)
{
	struct lines *l = userdata;
	char *j = xasprintf("%s[%s]", l->joined ? l->joined : "", line);
	free(l->joined);
	l->joined = j;
	l->n++;
}

int
main(void)
{
	struct gp_error err = GP_ERROR_INIT;
	struct proc_result res;

	char *echo[] = {"sh", "-c", "echo one; echo two >&2; printf three", NULL};
	struct lines l = {0};
	struct proc_opts o = {.on_line = on_line, .userdata = &l, .keep_output = true};
	is_int(proc_run(echo, &o, &res, &err), 0, "runs a program");
	is_int(res.status, 0, "exit status 0");
	is_str(l.joined, "[one][two][three]",
	       "stdout and stderr relayed line by line, last "
	       "line without newline too");
	is_str(res.output, "one\ntwo\nthree", "output kept");
	proc_result_release(&res);
	free(l.joined);

	char *fail[] = {"sh", "-c", "exit 7", NULL};
	is_int(proc_run(fail, NULL, &res, &err), 0, "a failing program still ran");
	is_int(res.status, 7, "its exit status is reported");
	ok(res.output == NULL, "no output kept unless asked");
	proc_result_release(&res);

	char *missing[] = {"/nonexistent/gpuprep-no-such-program", NULL};
	is_int(proc_run(missing, NULL, &res, &err), -1, "a missing program is an error");
	is_str(err.msg,
	       "cannot run '/nonexistent/gpuprep-no-such-program': No such file or directory",
	       "and the error names it");
	gp_error_release(&err);

	char *slow[] = {"sh", "-c", "trap '' TERM; sleep 30", NULL};
	struct proc_opts t = {.timeout_ms = 200};
	is_int(proc_run(slow, &t, &res, &err), 0, "a slow program runs");
	ok(res.timed_out, "and is killed at the timeout");
	is_int(res.status, 128 + 9, "with SIGKILL after ignoring SIGTERM");
	proc_result_release(&res);

	char *envp[] = {"GPUPREP_TEST_VAR=hello world", NULL};
	char *env[] = {"sh", "-c", "printf %s \"$GPUPREP_TEST_VAR\"", NULL};
	struct proc_opts e = {.env = envp, .keep_output = true};
	is_int(proc_run(env, &e, &res, &err), 0, "extra environment");
	is_str(res.output, "hello world", "reaches the child");
	proc_result_release(&res);

	/* An extra variable replaces one of the same name; the rest of the environment stays. */
	setenv("GPUPREP_TEST_VAR", "from the parent", 1);
	setenv("GPUPREP_TEST_OTHER", "kept", 1);
	char *both[] = {"sh", "-c", "printf '%s|%s' \"$GPUPREP_TEST_VAR\" \"$GPUPREP_TEST_OTHER\"",
	                NULL};
	is_int(proc_run(both, &e, &res, &err), 0, "extra environment over the parent's");
	is_str(res.output, "hello world|kept", "replaces the parent's value, keeps the others");
	proc_result_release(&res);
	/* The child gets SIGPIPE's default action even where gpuprep ignores it. */
	signal(SIGPIPE, SIG_IGN);
	char *pipe_self[] = {"sh", "-c", "kill -PIPE $$; echo survived", NULL};
	struct proc_opts k = {.keep_output = true};
	is_int(proc_run(pipe_self, &k, &res, &err), 0, "a child that sends itself SIGPIPE");
	is_int(res.status, 128 + SIGPIPE, "dies of it: SIGPIPE is not ignored in the child");
	proc_result_release(&res);
	signal(SIGPIPE, SIG_DFL);

	/* Two started at once, waited for in the other order: each keeps its own output. */
	struct proc_job j1, j2;
	char *first[] = {"sh", "-c", "sleep 0.2; echo first", NULL};
	char *second[] = {"sh", "-c", "echo second; exit 3", NULL};
	struct proc_opts keep = {.keep_output = true};
	is_int(proc_start(first, &keep, &j1, &err), 0, "proc_start starts a program");
	is_int(proc_start(second, &keep, &j2, &err), 0, "and another beside it");
	is_int(proc_wait(&j2, &res, &err), 0, "the second is waited for first");
	is_int(res.status, 3, "with its own exit status");
	is_str(res.output, "second\n", "and its own output");
	proc_result_release(&res);
	is_int(proc_wait(&j1, &res, &err), 0, "then the first");
	is_str(res.output, "first\n", "whose output waited in its pipe");
	proc_result_release(&res);
	is_int(proc_start(missing, NULL, &j1, &err), 0,
	       "a missing program starts (its failure is the wait's to tell)");
	is_int(proc_wait(&j1, &res, &err), -1, "and the wait tells it");
	is_str(err.msg,
	       "cannot run '/nonexistent/gpuprep-no-such-program': No such file or directory",
	       "naming the program, as proc_run does");
	gp_error_release(&err);
	/* The timeout counts from the start: time spent before the wait is part of it. */
	struct proc_opts t2 = {.timeout_ms = 300};
	is_int(proc_start(slow, &t2, &j1, &err), 0, "a slow program started with a timeout");
	struct timespec pause = {.tv_sec = 0, .tv_nsec = 400 * 1000 * 1000};
	nanosleep(&pause, NULL);
	is_int(proc_wait(&j1, &res, &err), 0, "waited for after its timeout passed");
	ok(res.timed_out, "is killed at once by the wait");
	proc_result_release(&res);

	/* A status pipe: the child's descriptor 3, line by line to on_status, apart from its
	 * output, the last line without newline too. */
	char *status[] = {"sh", "-c", "echo out; echo s1 >&3; echo err >&2; printf s2 >&3", NULL};
	struct lines so = {0}, st = {0};
	struct proc_opts sp = {.on_line = on_line,
	                       .userdata = &so,
	                       .status_fd = 3,
	                       .on_status = on_line,
	                       .status_userdata = &st};
	is_int(proc_run(status, &sp, &res, &err), 0, "a program with a status pipe");
	is_str(st.joined, "[s1][s2]", "its status lines go to on_status");
	is_str(so.joined, "[out][err]", "and its output to on_line, as before");
	proc_result_release(&res);
	free(so.joined);
	free(st.joined);
	/* What the program started may hold the status pipe open: its output's end is enough. */
	char *holder[] = {"sh", "-c", "echo s >&3; sleep 5 >/dev/null 2>&1 & echo done", NULL};
	struct lines hs = {0};
	struct proc_opts hp = {
	        .keep_output = true, .status_fd = 3, .on_status = on_line, .status_userdata = &hs};
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	is_int(proc_run(holder, &hp, &res, &err), 0, "a program that leaves a child on the pipe");
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ok(t1.tv_sec - t0.tv_sec < 4, "is waited for without waiting for that child (5 s)");
	is_str(hs.joined, "[s]", "and its status line arrives");
	proc_result_release(&res);
	free(hs.joined);

	/* An abandoned job: stopped at once, not waited out; then nothing is left to do. */
	char *long_one[] = {"sh", "-c", "sleep 30; echo late", NULL};
	struct proc_job gone;
	is_int(proc_start(long_one, &keep, &gone, &err), 0, "a job to abandon is started");
	pid_t gone_pid = gone.pid;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	proc_abandon(&gone);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ok(t1.tv_sec - t0.tv_sec < 4, "proc_abandon stops it (SIGTERM) instead of waiting 30 s");
	ok(gone.pid == -1 && !gone.argv0, "  and it is waited for");
	ok(kill(gone_pid, 0) < 0 && errno == ESRCH, "  its pid is reaped");

	/*
	 * The table the signal handler reads: a running child is there (by its program's name,
	 * when it must be let finish), leaves it when waited for, and its process group is what
	 * proc_signal_children() signals.
	 */
	char *sleeper[] = {"sh", "-c", "sleep 30", NULL};
	struct proc_job job;
	is_int(proc_start(sleeper, NULL, &job, &err), 0, "start a child");
	char name[32] = "";
	ok(!proc_finishing_child(name, sizeof(name)), "a plain child is not one to let finish");
	proc_children_must_finish();
	ok(proc_finishing_child(name, sizeof(name)), "proc_children_must_finish marks it");
	is_str(name, "sh", "  by its program's name");
	proc_signal_children(SIGTERM);
	is_int(proc_wait(&job, &res, &err), 0, "signalled, it is waited for");
	is_int(res.status, 128 + SIGTERM, "  it ended by SIGTERM, sent to its process group");
	proc_result_release(&res);
	ok(!proc_finishing_child(NULL, 0), "once waited for, it is out of the table");
	struct proc_opts fin = {.finish_on_signal = true};
	char *quick[] = {"/bin/sh", "-c", "sleep 0.2", NULL};
	is_int(proc_start(quick, &fin, &job, &err), 0, "a child started with finish_on_signal");
	ok(proc_finishing_child(name, sizeof(name)) && strcmp(name, "sh") == 0,
	   "  is one to let finish, named without its directory");
	char tiny[3];
	ok(proc_finishing_child(tiny, sizeof(tiny)) && strcmp(tiny, "sh") == 0,
	   "  the name fits the buffer given");
	is_int(proc_interrupted(), 0, "no signal noted yet");
	proc_note_interrupt(SIGINT);
	proc_note_interrupt(SIGTERM);
	is_int(proc_interrupted(), SIGINT, "the first signal noted is kept");
	is_int(proc_wait(&job, &res, &err), 0, "the child is let finish");
	is_int(res.status, 0, "  and ends on its own");
	proc_result_release(&res);
	is_int(proc_interrupt_error(&err, "dpkg", 0), -1, "the error after it");
	is_int(err.code, 128 + SIGINT, "  has the exit code 128 + SIGINT");
	is_str(err.msg,
	       "stopped by SIGINT: 'dpkg' was let finish first (exit status 0), so that no "
	       "package was left half-installed; nothing after it was done",
	       "  and says what happened");
	gp_error_release(&err);
	is_int(proc_start(sleeper, NULL, &job, &err), -1, "after a signal, nothing more starts");
	is_str(err.msg, "stopped by SIGINT before running 'sh'", "  and the error says why");
	is_int(err.code, 128 + SIGINT, "  with the signal's exit code");
	gp_error_release(&err);

	_cleanup_free_ char *tail = proc_tail_lines("a\nb\nc\nd\n", 2);
	is_str(tail, "c\nd", "tail keeps the last lines");
	_cleanup_free_ char *all = proc_tail_lines("a\nb", 5);
	is_str(all, "a\nb", "tail of a short text is all of it");

	char *q[] = {"dpkg", "-i", "/tmp/a b.deb", "it's", NULL};
	_cleanup_free_ char *s = proc_argv_string(q);
	is_str(s, "dpkg -i '/tmp/a b.deb' 'it'\\''s'", "argv is quoted for display");
	return tap_done();
}
