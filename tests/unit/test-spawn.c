// SPDX-License-Identifier: GPL-2.0-or-later
#include "spawn.h"
#include "tap.h"

static char lines[10][100];
static int nlines;

static void
on_line(const char *line, void *ud)
{
	(void)ud;
	if (nlines < 10)
		snprintf(lines[nlines++], sizeof(lines[0]), "%s", line);
}

int
main(void)
{
	struct spawn_result res = {0};
	struct gp_error err = GP_ERROR_INIT;
	char *echo[] = {"sh", "-c", "echo out; echo err >&2; exit 3", NULL};
	is_int(spawn_capture(echo, NULL, NULL, &res, &err), 0, "run sh");
	is_int(res.status, 3, "its exit status");
	is_str(res.out, "out\n", "its stdout");
	is_str(res.err_text, "err\n", "its stderr");
	spawn_result_release(&res);

	char *envp[] = {"GPUPREP_TEST=yes", "HOME=/elsewhere", NULL};
	char *env[] = {"sh", "-c", "printf '%s %s' \"$GPUPREP_TEST\" \"$HOME\"", NULL};
	spawn_capture(env, envp, NULL, &res, &err);
	is_str(res.out, "yes /elsewhere", "extra environment, replacing a variable");
	spawn_result_release(&res);

	char *missing[] = {"gpuprep-no-such-program", NULL};
	is_int(spawn_capture(missing, NULL, "install it", &res, &err), -1, "a missing program");
	is_str(err.msg, "cannot run 'gpuprep-no-such-program': command not found", "  the message");
	is_str(err.hint, "install it", "  the hint");
	gp_error_release(&err);

	char *relay[] = {
	        "sh", "-c",
	        "printf 'a\\nb\\r\\nprogress 1%%\\rprogress 2%%\\n\\nlast\\n'; echo x >&2; exit 1",
	        NULL};
	int status = 0;
	char **tail = NULL;
	is_int(spawn_relay(relay, NULL, NULL, on_line, NULL, 2, &status, &tail, &err), 0,
	       "relay output");
	is_int(status, 1, "the relayed exit status");
	is_int(nlines, 6, "lines split on newlines and carriage returns, empty ones dropped");
	is_str(lines[0], "a", "line 1");
	is_str(lines[2], "progress 1%", "a carriage return ends a line");
	ok(tail && tail[0] && tail[1] && !tail[2], "the tail keeps the last 2 lines");
	strv_free(tail);

	char *fmt[] = {"dpkg", "--root=/x y", "-i", "it's", "", NULL};
	char *s = spawn_argv_format(fmt);
	is_str(s, "dpkg '--root=/x y' -i 'it'\\''s' ''", "the shell form quotes what needs it");
	free(s);
	return tap_done();
}
