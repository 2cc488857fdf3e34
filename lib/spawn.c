// SPDX-License-Identifier: GPL-2.0-or-later
#include "spawn.h"

#include <errno.h>
#include <ctype.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>

extern char **environ;

void
spawn_result_release(struct spawn_result *r)
{
	if (!r)
		return;
	free(r->out);
	free(r->err_text);
	*r = (struct spawn_result){0};
}

/* environ plus env; the extra entries replace variables of the same name. */
static char **
merged_env(char *const env[])
{
	char **v = NULL;
	for (char **e = environ; e && *e; e++) {
		bool replaced = false;
		size_t klen = strcspn(*e, "=");
		for (size_t i = 0; env && env[i]; i++)
			if (strncmp(env[i], *e, klen) == 0 && env[i][klen] == '=')
				replaced = true;
		if (!replaced)
			v = strv_push(v, *e);
	}
	for (size_t i = 0; env && env[i]; i++)
		v = strv_push(v, env[i]);
	if (!v)
		v = xcalloc(1, sizeof(char *));
	return v;
}

/*
 * Fork and exec. out_fd/err_fd are the write ends the child gets as its
 * stdout and stderr. Exec failure comes back through a close-on-exec pipe.
 */
static int
start(char *const argv[], char *const env[], int out_fd, int err_fd, const char *missing_hint,
      pid_t *ret_pid, struct gp_error *err)
{
	int ep[2];
	if (pipe2(ep, O_CLOEXEC) < 0)
		return gp_error_set_errno(err, errno, "running '%s'", argv[0]);
	_cleanup_strv_ char **envp = merged_env(env);
	pid_t pid = fork();
	if (pid < 0) {
		int e = errno;
		close(ep[0]);
		close(ep[1]);
		return gp_error_set_errno(err, e, "running '%s'", argv[0]);
	}
	if (pid == 0) {
		int devnull = open("/dev/null", O_RDONLY);
		if (devnull >= 0)
			dup2(devnull, STDIN_FILENO);
		dup2(out_fd, STDOUT_FILENO);
		dup2(err_fd, STDERR_FILENO);
		signal(SIGPIPE, SIG_DFL);
		execvpe(argv[0], argv, envp);
		int e = errno;
		ssize_t w = write(ep[1], &e, sizeof(e));
		(void)w;
		_exit(127);
	}
	close(ep[1]);
	int child_errno = 0;
	ssize_t n;
	do
		n = read(ep[0], &child_errno, sizeof(child_errno));
	while (n < 0 && errno == EINTR);
	close(ep[0]);
	if (n == (ssize_t)sizeof(child_errno)) {
		waitpid(pid, NULL, 0);
		if (child_errno == ENOENT) {
			gp_error_set(err, "cannot run '%s': command not found", argv[0]);
			if (missing_hint)
				gp_error_hint(err, "%s", missing_hint);
			return -1;
		}
		return gp_error_set_errno(err, child_errno, "cannot run '%s'", argv[0]);
	}
	*ret_pid = pid;
	return 0;
}

static int
wait_status(pid_t pid)
{
	int st;
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return 127;
	if (WIFEXITED(st))
		return WEXITSTATUS(st);
	if (WIFSIGNALED(st))
		return 128 + WTERMSIG(st);
	return 127;
}

struct buf {
	char *data;
	size_t len, cap;
};

static void
buf_add(struct buf *b, const char *p, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		b->cap = (b->len + n + 1) * 2;
		b->data = xrealloc(b->data, b->cap);
	}
	memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
}

static char *
buf_take(struct buf *b)
{
	if (!b->data)
		return xstrdup("");
	char *d = b->data;
	*b = (struct buf){0};
	return d;
}

int
spawn_capture(char *const argv[], char *const env[], const char *missing_hint,
              struct spawn_result *ret, struct gp_error *err)
{
	int op[2], xp[2];
	if (pipe2(op, O_CLOEXEC) < 0)
		return gp_error_set_errno(err, errno, "running '%s'", argv[0]);
	if (pipe2(xp, O_CLOEXEC) < 0) {
		int e = errno;
		close(op[0]);
		close(op[1]);
		return gp_error_set_errno(err, e, "running '%s'", argv[0]);
	}
	pid_t pid;
	int r = start(argv, env, op[1], xp[1], missing_hint, &pid, err);
	close(op[1]);
	close(xp[1]);
	if (r < 0) {
		close(op[0]);
		close(xp[0]);
		return -1;
	}
	struct buf out = {0}, errb = {0};
	struct pollfd pfd[2] = {{op[0], POLLIN, 0}, {xp[0], POLLIN, 0}};
	int open_fds = 2;
	char chunk[8192];
	while (open_fds > 0) {
		if (poll(pfd, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		for (int i = 0; i < 2; i++) {
			if (pfd[i].fd < 0 || !pfd[i].revents)
				continue;
			ssize_t n = read(pfd[i].fd, chunk, sizeof(chunk));
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0) {
				close(pfd[i].fd);
				pfd[i].fd = -1;
				open_fds--;
				continue;
			}
			buf_add(i == 0 ? &out : &errb, chunk, (size_t)n);
		}
	}
	for (int i = 0; i < 2; i++)
		if (pfd[i].fd >= 0)
			close(pfd[i].fd);
	ret->status = wait_status(pid);
	ret->out = buf_take(&out);
	ret->err_text = buf_take(&errb);
	return 0;
}

static void
tail_push(char **tail, size_t max, size_t *n, const char *line)
{
	if (!max)
		return;
	if (*n == max) {
		free(tail[0]);
		memmove(tail, tail + 1, (max - 1) * sizeof(char *));
		(*n)--;
	}
	tail[(*n)++] = xstrdup(line);
}

int
spawn_relay(char *const argv[], char *const env[], const char *missing_hint, spawn_line_fn on_line,
            void *userdata, size_t tail_max, int *ret_status, char ***ret_tail,
            struct gp_error *err)
{
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0)
		return gp_error_set_errno(err, errno, "running '%s'", argv[0]);
	pid_t pid;
	int r = start(argv, env, p[1], p[1], missing_hint, &pid, err);
	close(p[1]);
	if (r < 0) {
		close(p[0]);
		return -1;
	}
	char **tail = xcalloc(tail_max + 1, sizeof(char *));
	size_t ntail = 0;
	struct buf line = {0};
	char chunk[4096];
	for (;;) {
		ssize_t n = read(p[0], chunk, sizeof(chunk));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		for (ssize_t i = 0; i < n; i++) {
			char c = chunk[i];
			if (c == '\n' || c == '\r') {
				if (line.len) {
					if (on_line)
						on_line(line.data, userdata);
					tail_push(tail, tail_max, &ntail, line.data);
					line.len = 0;
					line.data[0] = '\0';
				}
				continue;
			}
			buf_add(&line, &c, 1);
		}
	}
	if (line.len) {
		if (on_line)
			on_line(line.data, userdata);
		tail_push(tail, tail_max, &ntail, line.data);
	}
	free(line.data);
	close(p[0]);
	*ret_status = wait_status(pid);
	if (ret_tail)
		*ret_tail = tail;
	else
		strv_free(tail);
	return 0;
}

static bool
needs_quotes(const char *s)
{
	if (!*s)
		return true;
	for (const char *p = s; *p; p++)
		if (!(isalnum((unsigned char)*p) || strchr("-_./=:,+@%", *p)))
			return true;
	return false;
}

char *
spawn_argv_format(char *const argv[])
{
	struct buf b = {0};
	for (size_t i = 0; argv[i]; i++) {
		if (i)
			buf_add(&b, " ", 1);
		if (needs_quotes(argv[i])) {
			buf_add(&b, "'", 1);
			for (const char *p = argv[i]; *p; p++) {
				if (*p == '\'')
					buf_add(&b, "'\\''", 4);
				else
					buf_add(&b, p, 1);
			}
			buf_add(&b, "'", 1);
		} else {
			buf_add(&b, argv[i], strlen(argv[i]));
		}
	}
	return buf_take(&b);
}
