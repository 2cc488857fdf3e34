// SPDX-License-Identifier: GPL-2.0-or-later
#include "progress.h"

#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

static void
human(uint64_t n, char *buf, size_t len)
{
	if (n >= 1024 * 1024)
		snprintf(buf, len, "%.1f MiB", (double)n / (1024.0 * 1024.0));
	else if (n >= 1024)
		snprintf(buf, len, "%.1f KiB", (double)n / 1024.0);
	else
		snprintf(buf, len, "%llu B", (unsigned long long)n);
}

void
progress_draw(const struct fetch_progress *p, void *userdata)
{
	struct gp_ctx *ctx = userdata;
	static struct timespec last;
	if (ctx->quiet)
		return;
	char now_s[32], total_s[32];
	human(p->now, now_s, sizeof(now_s));
	human(p->total, total_s, sizeof(total_s));
	if (!ctx->tty) {
		if (p->done)
			fprintf(stderr, "downloaded %s (%s)%s\n", p->label, now_s,
			        p->resumed_from ? ", resumed" : "");
		return;
	}
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	long ms = (ts.tv_sec - last.tv_sec) * 1000 + (ts.tv_nsec - last.tv_nsec) / 1000000;
	if (!p->done && ms < 100)
		return;
	last = ts;
	int width = 30, fill = 0;
	unsigned pct = 0;
	if (p->total) {
		pct = (unsigned)(p->now * 100 / p->total);
		if (pct > 100)
			pct = 100;
		fill = (int)(pct * (unsigned)width / 100);
	}
	/* The name as wide as the terminal leaves room for: not cut at 40 on a wide one. */
	struct winsize ws;
	size_t cols = ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col ? ws.ws_col : 80;
	size_t room = cols > 40 + 60 ? cols - 60 : 40;
	_cleanup_free_ char *label = str_fit(p->label, room);
	fprintf(stderr, "\r\033[K%-40s [%.*s%*s] %3u%% %s/%s", label, fill,
	        "##############################", width - fill, "", pct, now_s, total_s);
	if (p->done)
		fputc('\n', stderr);
	fflush(stderr);
}

void
progress_relay(const char *tool, const char *line, void *userdata)
{
	struct gp_ctx *ctx = userdata;
	if (ctx->quiet)
		return;
	fprintf(stderr, "    %s: %s\n", tool, line);
}

void
progress_step(const char *what, void *userdata)
{
	struct gp_ctx *ctx = userdata;
	cmd_note(ctx, "gpuprep: %s", what);
}

void
progress_retry(const struct fetch_retry *r, void *userdata)
{
	struct gp_ctx *ctx = userdata;
	/* Not silent for seconds: with -v, and on a tty without it. */
	if (ctx->quiet || !(ctx->verbose || ctx->tty))
		return;
	fprintf(stderr, "%sretrying (%u/%u) in %u.%u s: %s\n", ctx->tty ? "\r\033[K" : "", r->next,
	        r->tries, r->wait_ms / 1000, r->wait_ms % 1000 / 100, r->why ? r->why : r->url);
	fflush(stderr);
}
