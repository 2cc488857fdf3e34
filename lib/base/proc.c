// SPDX-License-Identifier: GPL-2.0-or-later
#include "proc.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <spawn.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/*
 * The running children, for the signal handler (proc.h): a slot's pid is 0 when free. Only the
 * main thread starts and waits for children, and only it takes the three signals (the threads
 * gpuprep starts block them: proc_thread_create()), so the handler never runs beside a change to
 * this table: it runs between two of the main thread's instructions.
 */
#define LIVE_MAX 16
static struct {
	volatile sig_atomic_t pid;
	volatile sig_atomic_t finish;
	char name[32];
} live[LIVE_MAX];
static volatile sig_atomic_t noted;

/* The signals the handler takes: held back while a child is started and entered here. */
static void
hold_signals(sigset_t *old)
{
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &set, old);
}

int
proc_thread_create(pthread_t *thread, void *(*fn)(void *), void *arg)
{
	sigset_t all, old;
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	int e = pthread_create(thread, NULL, fn, arg);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return e;
}

static void
live_add(pid_t pid, const char *argv0, bool finish)
{
	const char *base = strrchr(argv0, '/') ? strrchr(argv0, '/') + 1 : argv0;
	for (size_t i = 0; i < LIVE_MAX; i++)
		if (!live[i].pid) {
			snprintf(live[i].name, sizeof(live[i].name), "%s", base);
			live[i].finish = finish;
			live[i].pid = pid;
			return;
		}
	/* More than 16 at once: this one is not signalled, as before there was a table. */
}

static void
live_remove(pid_t pid)
{
	for (size_t i = 0; i < LIVE_MAX; i++)
		if (live[i].pid == pid) {
			live[i].pid = 0;
			return;
		}
}

bool
proc_finishing_child(char *name, size_t size)
{
	for (size_t i = 0; i < LIVE_MAX; i++)
		if (live[i].pid && live[i].finish) {
			size_t n = strlen(live[i].name);
			if (size) {
				n = n < size - 1 ? n : size - 1;
				memcpy(name, live[i].name, n);
				name[n] = '\0';
			}
			return true;
		}
	return false;
}

void
proc_children_must_finish(void)
{
	for (size_t i = 0; i < LIVE_MAX; i++)
		if (live[i].pid)
			live[i].finish = 1;
}

void
proc_signal_children(int sig)
{
	for (size_t i = 0; i < LIVE_MAX; i++) {
		pid_t pid = live[i].pid;
		if (pid > 0)
			kill(-pid, sig);
	}
}

void
proc_note_interrupt(int sig)
{
	if (!noted)
		noted = sig;
}

int
proc_interrupted(void)
{
	return noted;
}

const char *
proc_signal_name(int sig)
{
	switch (sig) {
	case SIGINT:
		return "SIGINT";
	case SIGTERM:
		return "SIGTERM";
	case SIGHUP:
		return "SIGHUP";
	}
	return "a signal";
}

int
proc_interrupt_error(struct gp_error *err, const char *what, int status)
{
	int sig = noted ? noted : SIGTERM;
	return gp_error_set_code(
	        err, 128 + sig,
	        "stopped by %s: '%s' was let finish first (exit status %d), so "
	        "that no package was left half-installed; nothing after it was done",
	        proc_signal_name(sig), what, status);
}

static long long
now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

struct linebuf {
	char *data;
	size_t len, cap;
	char *all;
	size_t all_len, all_cap;
};

static void
append(char **buf, size_t *len, size_t *cap, const char *s, size_t n)
{
	if (*len + n + 1 > *cap) {
		*cap = (*len + n + 1) * 2;
		*buf = xrealloc(*buf, *cap);
	}
	memcpy(*buf + *len, s, n);
	*len += n;
	(*buf)[*len] = '\0';
}

/* Hand each whole line in lb to fn, keeping the rest for later. */
static void
lines(struct linebuf *lb, proc_line_fn fn, void *userdata)
{
	char *start = lb->data, *nl;
	while ((nl = memchr(start, '\n', lb->len - (size_t)(start - lb->data)))) {
		*nl = '\0';
		fn(start, userdata);
		start = nl + 1;
	}
	size_t rest = lb->len - (size_t)(start - lb->data);
	memmove(lb->data, start, rest);
	lb->len = rest;
	lb->data[rest] = '\0';
}

static void
feed(struct linebuf *lb, const struct proc_opts *o, const char *s, size_t n)
{
	if (o && o->keep_output)
		append(&lb->all, &lb->all_len, &lb->all_cap, s, n);
	if (!o || !o->on_line)
		return;
	append(&lb->data, &lb->len, &lb->cap, s, n);
	lines(lb, o->on_line, o->userdata);
}

/* environ with each "NAME=value" of extra put in, as putenv() would: a fresh array whose
 * strings are borrowed. */
static char **
merged_env(char *const *extra)
{
	size_t n = 0, k = 0;
	while (environ && environ[n])
		n++;
	while (extra && extra[k])
		k++;
	char **env = xcalloc(n + k + 1, sizeof(char *));
	size_t m = 0;
	for (size_t i = 0; i < n; i++)
		env[m++] = environ[i];
	for (size_t j = 0; j < k; j++) {
		size_t len = strcspn(extra[j], "=");
		size_t i = 0;
		while (i < m && !(strncmp(env[i], extra[j], len) == 0 && env[i][len] == '='))
			i++;
		env[i] = extra[j];
		if (i == m)
			m++;
	}
	env[m] = NULL;
	return env;
}

int
proc_start(char *const argv[], const struct proc_opts *opts, struct proc_job *ret,
           struct gp_error *err)
{
	*ret = (struct proc_job){.pid = -1, .fd = -1, .status_rfd = -1};
	if (noted)
		return gp_error_set_code(err, 128 + noted, "stopped by %s before running '%s'",
		                         proc_signal_name(noted), argv[0]);
	int pipefd[2], statusfd[2] = {-1, -1};
	if (pipe2(pipefd, O_CLOEXEC) < 0)
		return gp_error_set_errno(err, errno, "running '%s'", argv[0]);
	if (opts && opts->status_fd > 2) {
		/* Its write end kept off status_fd: a dup2 onto itself would leave it
		 * close-on-exec. */
		int e = 0;
		if (pipe2(statusfd, O_CLOEXEC) < 0)
			e = errno;
		else if (statusfd[1] == opts->status_fd) {
			int d = fcntl(statusfd[1], F_DUPFD_CLOEXEC, opts->status_fd + 1);
			e = d < 0 ? errno : 0;
			close(statusfd[1]);
			statusfd[1] = d;
		}
		if (e) {
			close(pipefd[0]);
			close(pipefd[1]);
			if (statusfd[0] >= 0)
				close(statusfd[0]);
			return gp_error_set_errno(err, e, "running '%s'", argv[0]);
		}
	}
	/*
	 * posix_spawn rather than fork: the C library starts the child without copying this
	 * process's page tables (vfork-like) and says whether exec failed. The child gets its
	 * own process group (a timeout kills everything it started), /dev/null for stdin,
	 * the pipe for stdout and stderr, and SIGPIPE's default action.
	 */
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t at;
	posix_spawn_file_actions_init(&fa);
	posix_spawnattr_init(&at);
	posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, pipefd[1], STDOUT_FILENO);
	posix_spawn_file_actions_adddup2(&fa, pipefd[1], STDERR_FILENO);
	if (statusfd[1] >= 0)
		posix_spawn_file_actions_adddup2(&fa, statusfd[1], opts->status_fd);
	if (opts && opts->cwd)
		posix_spawn_file_actions_addchdir_np(&fa, opts->cwd);
	sigset_t def;
	sigemptyset(&def);
	sigaddset(&def, SIGPIPE);
	posix_spawnattr_setsigdefault(&at, &def);
	posix_spawnattr_setpgroup(&at, 0);
	/*
	 * Entered in the table before the handler can look: the signals wait until then, in this
	 * process; the child starts with the mask this process had before.
	 */
	sigset_t old;
	hold_signals(&old);
	posix_spawnattr_setsigmask(&at, &old);
	posix_spawnattr_setflags(&at, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF |
	                                      POSIX_SPAWN_SETSIGMASK);
	_cleanup_free_ char **env = opts && opts->env ? merged_env(opts->env) : NULL;
	pid_t pid;
	int e = posix_spawnp(&pid, argv[0], &fa, &at, argv, env ? env : environ);
	if (!e)
		live_add(pid, argv[0], opts && opts->finish_on_signal);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&at);
	close(pipefd[1]);
	if (statusfd[1] >= 0)
		close(statusfd[1]);
	if (e) {
		/* Told at the wait, as a program that could not be run. */
		close(pipefd[0]);
		if (statusfd[0] >= 0)
			close(statusfd[0]);
		ret->exec_errno = e;
		ret->argv0 = xstrdup(argv[0]);
		return 0;
	}
	ret->pid = pid;
	ret->fd = pipefd[0];
	ret->status_rfd = statusfd[0];
	ret->argv0 = xstrdup(argv[0]);
	if (opts) {
		ret->opts = *opts;
		ret->opts.env = NULL;
	}
	ret->deadline = opts && opts->timeout_ms > 0 ? now_ms() + opts->timeout_ms : 0;
	return 0;
}

void
proc_abandon(struct proc_job *j)
{
	if (j->pid <= 0 && !j->argv0)
		return;
	/* Not waited for yet, so its pid (a zombie at worst) is still its own. */
	if (j->pid > 0)
		kill(-j->pid, SIGTERM);
	struct proc_result res = {0};
	struct gp_error ignored = GP_ERROR_INIT;
	proc_wait(j, &res, &ignored);
	proc_result_release(&res);
	gp_error_release(&ignored);
}

int
proc_wait(struct proc_job *j, struct proc_result *ret, struct gp_error *err)
{
	*ret = (struct proc_result){0};
	if (j->pid < 0) {
		/* posix_spawnp said it could not run the program. */
		int e = j->exec_errno;
		_cleanup_free_ char *argv0 = TAKE_PTR(j->argv0);
		*j = (struct proc_job){.pid = -1, .fd = -1, .status_rfd = -1};
		return gp_error_set_errno(err, e, "cannot run '%s'", argv0);
	}
	const struct proc_opts *opts = &j->opts;
	pid_t pid = j->pid;
	struct linebuf lb = {0}, sb = {0};
	long long deadline = j->deadline;
	bool killed = false;
	char buf[4096];
	int sfd = j->status_rfd;
	for (;;) {
		int wait_ms = -1;
		if (deadline) {
			long long left = deadline - now_ms();
			wait_ms = left > 0 ? (int)left : 0;
		}
		/* poll skips a negative descriptor: the status pipe once it is closed. */
		struct pollfd p[2] = {{.fd = j->fd, .events = POLLIN},
		                      {.fd = sfd, .events = POLLIN}};
		int pr = poll(p, 2, wait_ms);
		if (pr < 0 && errno == EINTR)
			continue;
		if (pr == 0 && deadline) {
			kill(-pid, SIGTERM);
			killed = true;
			/* Give it a moment, then make sure. */
			struct pollfd q = {.fd = j->fd, .events = POLLIN};
			if (poll(&q, 1, 2000) <= 0)
				kill(-pid, SIGKILL);
			deadline = 0;
			continue;
		}
		if (sfd >= 0 && p[1].revents) {
			ssize_t n = read(sfd, buf, sizeof(buf));
			if (n > 0) {
				append(&sb.data, &sb.len, &sb.cap, buf, (size_t)n);
				if (opts->on_status)
					lines(&sb, opts->on_status, opts->status_userdata);
			} else if (n == 0 || errno != EINTR) {
				close(sfd);
				sfd = -1;
			}
			if (!p[0].revents)
				continue;
		}
		ssize_t n = read(j->fd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		feed(&lb, opts, buf, (size_t)n);
	}
	close(j->fd);
	if (lb.len && opts->on_line)
		opts->on_line(lb.data, opts->userdata);
	free(lb.data);
	/*
	 * Its output ended: what it reported on the status pipe is there already. Not waited
	 * for to end: something it started may hold the pipe open.
	 */
	if (sfd >= 0) {
		fcntl(sfd, F_SETFL, O_NONBLOCK);
		ssize_t n;
		while ((n = read(sfd, buf, sizeof(buf))) > 0 || (n < 0 && errno == EINTR))
			if (n > 0)
				append(&sb.data, &sb.len, &sb.cap, buf, (size_t)n);
		close(sfd);
	}
	if (sb.len && opts->on_status) {
		lines(&sb, opts->on_status, opts->status_userdata);
		if (sb.len)
			opts->on_status(sb.data, opts->status_userdata);
	}
	free(sb.data);

	/*
	 * Out of the table while it is a zombie, before it is reaped: its pid (its process group's
	 * id) cannot be anyone else's yet when the handler signals it.
	 */
	siginfo_t si;
	while (waitid(P_PID, (id_t)pid, &si, WEXITED | WNOWAIT) < 0 && errno == EINTR)
		;
	live_remove(pid);
	int wstatus;
	while (waitpid(pid, &wstatus, 0) < 0 && errno == EINTR)
		;
	bool keep = opts->keep_output;
	free(j->argv0);
	*j = (struct proc_job){.pid = -1, .fd = -1, .status_rfd = -1};
	ret->status = WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : 128 + WTERMSIG(wstatus);
	ret->timed_out = killed;
	ret->output = lb.all ? lb.all : (keep ? xstrdup("") : NULL);
	return 0;
}

int
proc_run(char *const argv[], const struct proc_opts *opts, struct proc_result *ret,
         struct gp_error *err)
{
	struct proc_job j;
	*ret = (struct proc_result){0};
	if (proc_start(argv, opts, &j, err) < 0)
		return -1;
	return proc_wait(&j, ret, err);
}

void
proc_result_release(struct proc_result *r)
{
	if (!r)
		return;
	free(r->output);
	*r = (struct proc_result){0};
}

char *
proc_tail_lines(const char *text, size_t n)
{
	if (!text)
		return xstrdup("");
	size_t len = strlen(text);
	while (len && text[len - 1] == '\n')
		len--;
	size_t i = len, seen = 0;
	while (i > 0) {
		if (text[i - 1] == '\n' && ++seen == n)
			break;
		i--;
	}
	return xstrndup(text + i, len - i);
}

char *
proc_argv_string(char *const argv[])
{
	char *out = xstrdup("");
	for (size_t i = 0; argv[i]; i++) {
		const char *a = argv[i];
		bool plain = *a && strspn(a, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
		                             "0123456789-_=./:,+@%") == strlen(a);
		char *n;
		if (plain) {
			n = xasprintf("%s%s%s", out, i ? " " : "", a);
		} else {
			/* Single-quote, closing and reopening around each ' */
			char *q = xstrdup("'");
			for (const char *p = a; *p; p++) {
				char *t = *p == '\'' ? xasprintf("%s'\\''", q)
				                     : xasprintf("%s%c", q, *p);
				free(q);
				q = t;
			}
			n = xasprintf("%s%s%s'", out, i ? " " : "", q);
			free(q);
		}
		free(out);
		out = n;
	}
	return out;
}
