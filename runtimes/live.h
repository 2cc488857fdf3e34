/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The live side of a container runtime: restart (or reload) its daemon so it
 * loads the config gpuprep wrote, and verify, by asking the running daemon,
 * that it did. Each runtime implements ops->restart and ops->verify
 * (runtimes/runtime.h); runtime_restart() below (runtimes/restart.c) drives
 * both, with the rollback to the backup configure took when the daemon does
 * not come back.
 *
 * Nothing here prints: progress goes through struct live_progress, drawn by
 * cmd/, and results come back as data.
 */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <sys/types.h>

#include "error.h"
#include "runtime.h"
#include "svc.h"

#define LIVE_SCHEMA_VERSION       1
#define LIVE_DEFAULT_TIMEOUT_MS   60000u
#define LIVE_DEFAULT_RUNTIME_NAME "nvidia"
#define LIVE_SMOKE_ENV            "NVIDIA_VISIBLE_DEVICES=all"

/* How a long operation reports what it does; every member may be NULL. */
struct live_progress {
	/* A step begins: "reloading dockerd (pid 4242) with SIGHUP". */
	void (*step)(void *data, const char *msg);
	/* Between tries while waiting for a daemon: draw a spinner. */
	void (*tick)(void *data);
	/* A line of output from systemctl or an init script. */
	void (*line)(const char *line, void *data);
	void *data;
};

/* What a live operation looks at. Unset members are NULL/0/false. */
struct live_opts {
	const char *root;         /* --root, or NULL */
	const char *socket;       /* node path; NULL: the runtime's default socket */
	const char *config_path;  /* node path; NULL: the runtime's default config */
	const char *runtime_name; /* "nvidia" */
	const char *runtime_path; /* expected binary; NULL: the file's, else the default */
	bool set_default;         /* the runtime should be the default one */
	bool cdi;                 /* CDI should be enabled */
	unsigned timeout_ms;      /* waiting for the daemon; 0: LIVE_DEFAULT_TIMEOUT_MS */
	bool file_only;           /* only check that the daemon answers and runs its config file */
	/* verify --smoke */
	const char *smoke_image; /* NULL: no smoke test */
	char **smoke_cmd;        /* NULL: nvidia-smi -L */
	bool smoke_has_gpu;      /* the node has an NVIDIA GPU (else the smoke test is skipped) */
	const struct live_progress *progress;
};

enum live_check_status {
	LIVE_CHECK_PASS = 0,
	LIVE_CHECK_FAIL,
	LIVE_CHECK_SKIP,
};

struct live_check {
	char *name; /* "default_runtime" */
	enum live_check_status status;
	char *expected; /* "nvidia" */
	char *seen;     /* "runc" */
	char *note;     /* why, or what to do ("restart needed: ..."), or NULL */
};

struct verify_result {
	char *daemon; /* "dockerd 20.10.24+dfsg1", once it answered */
	char *socket; /* the socket asked (host path) */
	struct live_check *checks;
	size_t n_checks;
	bool restart_needed; /* the file says what the daemon does not: it was not reloaded */
};

void verify_result_release(struct verify_result *r);
/* Append a check; expected, seen and note are copied (each may be NULL). */
struct live_check *verify_add(struct verify_result *r, const char *name,
                              enum live_check_status status, const char *expected, const char *seen,
                              const char *note);
/* The same with a formatted note. */
struct live_check *verify_add_note(struct verify_result *r, const char *name,
                                   enum live_check_status status, const char *expected,
                                   const char *seen, const char *fmt, ...) _printf_(6, 7);
/* True when no check failed (skips pass). */
bool verify_ok(const struct verify_result *r);
/* The first failed check, or NULL. */
const struct live_check *verify_first_failure(const struct verify_result *r);
/* "pass", "fail", "skip". */
const char *live_check_status_name(enum live_check_status s);
/* {"schema_version", "runtime", "socket", "daemon", "checks": [...], "restart_needed", "ok"} */
json_t *verify_result_to_json(const struct verify_result *r, const char *runtime);

enum restart_action {
	RESTART_ACTION_NONE = 0, /* --mode none: the user restarts it */
	RESTART_ACTION_RELOAD,   /* the daemon re-read its config and kept running */
	RESTART_ACTION_RESTART,  /* the daemon was stopped and started */
};

/* "none", "reload", "restart". */
const char *restart_action_name(enum restart_action a);

struct restart_opts {
	struct live_opts live;
	enum svc_mode mode;
	bool full; /* a full restart even where a reload would do */
	/*
	 * The config file as it was before gpuprep configure changed it (from
	 * the backup), so the runtime can tell whether a reload is enough; NULL
	 * when unknown. original_existed is false when configure created it.
	 */
	const char *original;
	bool original_existed;
	/* Set by the rollback: do exactly this action again (NONE: decide). */
	enum restart_action force_action;
};

struct restart_result {
	enum restart_action action;
	enum svc_mode mode; /* how: systemd, service or signal */
	char *why;          /* why this action: "only runtimes and default-runtime changed" */
	pid_t pid_before;   /* 0 when unknown */
	pid_t pid_after;
	char **notes; /* for the user: "running containers keep running through their shims" */
	char *manual; /* with --mode none: what to run by hand */
};

/* The result as JSON: action, mode, why, pid_before, pid_after, manual, notes. */
json_t *restart_result_to_json(const struct restart_result *r);
/* " (pid 1, now 2)", " (pid 1, unchanged)", " (now pid 2)" or "", for messages. */
char *restart_result_pids(const struct restart_result *r);

void restart_result_release(struct restart_result *r);

/* What `gpuprep restart` did, for its report. */
struct restart_report {
	struct restart_result first;
	struct verify_result verify;  /* after the restart */
	bool verified;                /* verify ran */
	bool rolled_back;             /* the backup was put back */
	char *backup_dir;             /* the configure backup restored (node path), or NULL */
	char *undo_backup_dir;        /* where the rollback kept the failed files (node path) */
	struct restart_result second; /* the rollback's restart */
	struct verify_result after_rollback;
	char **warnings;
	bool not_needed; /* runtime_restart_if_needed(): the daemon already runs the file */
};

void restart_report_release(struct restart_report *r);

/*
 * The whole of `gpuprep restart`: find the backup configure took (for the
 * reload decision and the rollback), restart through ops->restart, wait for
 * the daemon, verify through ops->verify. When the daemon does not come back
 * or verify fails, restore the backup (as `gpuprep undo` does), restart again
 * the same way, and check that the daemon answers and matches the restored
 * file; then fail with both reasons. With --mode none it only says what to
 * run. Returns 0 when the daemon runs and verifies, else -1 with err set and
 * ret filled as far as it got.
 */
int runtime_restart(const struct runtime_ops *ops, const struct restart_opts *opts,
                    struct restart_report *ret, struct gp_error *err);

/*
 * After configure (`configure --restart`, `up`): when changed is false (the
 * config file was already right) and the daemon verifies, nothing is
 * restarted: ret->not_needed, with ret->verify filled. Otherwise (or with
 * --mode none) runtime_restart().
 */
int runtime_restart_if_needed(const struct runtime_ops *ops, const struct restart_opts *opts,
                              bool changed, struct restart_report *ret, struct gp_error *err);

/*
 * Verify through ops->verify. Fails (-1) only when the daemon cannot be
 * asked at all; failed checks are data in ret.
 */
int runtime_verify(const struct runtime_ops *ops, const struct live_opts *opts,
                   struct verify_result *ret, struct gp_error *err);

/*
 * Helpers for the runtimes.
 */
/* The live socket as a host path: opts->socket or def, under root. */
char *live_socket_path(const struct live_opts *opts, const char *def);
/* The config file as a node path: opts->config_path or def (a borrowed string). */
const char *live_config_path(const struct live_opts *opts, const char *def);
/* Tell the user a step begins (through opts->progress). */
void live_step(const struct live_opts *opts, const char *fmt, ...) _printf_(2, 3);
/* progress->tick, shaped for the wait helpers' progress callback; data is the live_opts. */
void live_tick(void *data);
unsigned live_timeout_ms(const struct live_opts *opts);

/*
 * The runtime binary check: path is what the daemon runs, absolute or a
 * bare name looked up in the usual bin dirs. Adds the check
 * "runtime_binary": pass when it is an executable file under root.
 */
void live_check_binary(struct verify_result *r, const char *root, const char *path);

/* s, or "(none)" for NULL. */
const char *live_or_none(const char *s);

/*
 * What a running daemon reports, from one question (docker: GET /info; a CRI
 * runtime: Version and Status): view holds what it runs in the terms of its
 * config file, so it compares with what the runtime's inspect reads.
 */
struct runtime_live {
	char *daemon; /* "dockerd 20.10.24+dfsg1", "containerd v1.6.20~ds1" */
	struct runtime_config_view view;
	bool cri;        /* asked over the CRI: ready below is meaningful */
	bool ready;      /* the CRI RuntimeReady condition is true */
	char *not_ready; /* why not: "false: reason: message", or "not reported" */
};

void runtime_live_release(struct runtime_live *l);

/* The ask_live ops: docker's Engine API, and the CRI (containerd, k3s). */
int docker_ask_live(const char *socket, unsigned timeout_ms, struct runtime_live *ret,
                    struct gp_error *err);
int cri_ask_live(const char *socket, unsigned timeout_ms, struct runtime_live *ret,
                 struct gp_error *err);

/*
 * Where the live daemon differs from its config file: the default runtime,
 * the default runtime's entry and the entry called name (may be NULL), each
 * one's binary and SystemdCgroup, the cgroup driver and CDI (where both
 * sides say). A "; "-separated fresh string, or NULL when the daemon runs
 * what the file says. preflight's runtime-live and verify's config_loaded
 * both decide "restart needed" with it.
 */
char *runtime_live_diff(const struct runtime_config_view *file, const struct runtime_live *live,
                        const char *name);

/* Who the value checks talk about. */
struct live_who {
	const char *config;  /* the config file, as a host path */
	const char *daemon;  /* "dockerd" */
	const char *runtime; /* "docker": what --runtime takes */
};

/*
 * The checks every runtime makes once it asked the daemon: default_runtime
 * (with set_default), path_check (the binary the daemon has for the
 * runtime, default_path when neither --runtime-path nor the file names one),
 * runtime_binary, and config_loaded (runtime_live_diff: "restart needed").
 * file is NULL when the file could not be read (file_error says why).
 */
void live_check_views(struct verify_result *r, const struct live_opts *o,
                      const struct live_who *who, const char *path_check, const char *default_path,
                      const struct runtime_config_view *file, const char *file_error,
                      const struct runtime_live *live);

/* The smoke test: false (with a skip added) when the node has no GPU to run it on. */
bool live_smoke_start(const struct live_opts *o, struct verify_result *r, const char *expected);
/* The command to run: --smoke-cmd, or nvidia-smi -L. */
char *const *live_smoke_cmd(const struct live_opts *o);
/* The smoke container's name: "gpuprep-smoke-<pid>"; a fresh string. */
char *live_smoke_name(void);
/*
 * How the smoke container ended: pass when it exited 0 and, with nvidia-smi
 * -L, listed a GPU. fail_note (may be NULL) replaces the note of a failure.
 */
void live_smoke_done(const struct live_opts *o, struct verify_result *r, const char *expected,
                     long status, bool timed_out, const char *output, const char *fail_note);

/*
 * The PID of a daemon: from its pid file (node path, may be NULL), else from
 * the socket's peer credentials; in both cases the process must be called
 * comm (as /proc/PID/comm says), so a socket systemd holds for the daemon
 * never gets the daemon's signal. Returns 0, or -1 with err set.
 */
int live_daemon_pid(const char *root, const char *pid_file, const char *socket, const char *comm,
                    pid_t *ret, struct gp_error *err);

/* A daemon as restart sees it. */
struct live_daemon {
	const char *service;  /* "docker": the systemd unit and the init script */
	const char *comm;     /* "dockerd": its process name */
	const char *pid_file; /* node path, or NULL */
	/* Wait until it answers on endpoint (docker_wait_ready, cri_wait_ready). */
	int (*wait_ready)(const char *endpoint, unsigned timeout_ms, void (*progress)(void *data),
	                  void *data, struct gp_error *err);
};

/* The daemon's PID (live_daemon_pid), or 0 when it cannot be found. */
pid_t live_daemon_pid_or_zero(const struct live_opts *o, const struct live_daemon *d,
                              const char *socket);

/*
 * A full restart through mode (systemd or service): the PIDs before and
 * after, the steps as progress, then wait until the daemon answers on socket.
 * Sets ret->action before it touches the daemon.
 */
int live_full_restart(const struct live_opts *o, const struct live_daemon *d, const char *socket,
                      enum svc_mode mode, struct restart_result *ret, struct gp_error *err);

/* Restart the service name through systemd or its init script, with the output as progress. */
int live_service_restart(const struct live_opts *opts, const char *name, enum svc_mode mode,
                         bool reload, struct gp_error *err);

/*
 * The implementations, for the runtime whose ops are given: each runtime's
 * file (runtimes/<name>.c) binds its own ops to them, so these never name a
 * runtime's ops themselves.
 */
int docker_live_restart(const struct runtime_ops *ops, const struct restart_opts *opts,
                        struct restart_result *ret, struct gp_error *err);
int docker_live_verify(const struct runtime_ops *ops, const struct live_opts *opts,
                       struct verify_result *ret, struct gp_error *err);
int containerd_live_restart(const struct runtime_ops *ops, const struct restart_opts *opts,
                            struct restart_result *ret, struct gp_error *err);
/* containerd's CRI plugin, also inside k3s; reader's inspect reads the config file. */
int containerd_live_verify(const struct runtime_ops *ops, const struct runtime_ops *reader,
                           const struct live_opts *opts, struct verify_result *ret,
                           struct gp_error *err);
int cri_dockerd_live_verify(const struct runtime_ops *ops, const struct live_opts *opts,
                            struct verify_result *ret, struct gp_error *err);

/* CRI-O (runtimes/crio_live.c). */
#define CRIO_STOCK_RUNTIME        "crun" /* CRI-O's default_runtime since 1.31 */
#define CRIO_DEFAULT_RUNTIME_PATH "/usr/bin/nvidia-container-runtime"
struct toml_doc;
/*
 * Fill v from CRI-O config documents in the order CRI-O reads them (the main
 * config, then each drop-in by name; later ones win; names[i] names docs[i]
 * in messages): default_runtime (CRI-O's crun when none says), the runtime
 * tables, cgroup_manager. With resolve, a runtime without runtime_path gets
 * its name looked up under root, as CRI-O looks it up in its PATH.
 */
int crio_view_fill(struct toml_doc *const *docs, char *const *names, size_t n, const char *root,
                   bool resolve, struct runtime_config_view *v, struct gp_error *err);
/* The CRI for readiness, GET /config for the runtimes, GET /info for the cgroup driver. */
int crio_ask_live(const char *socket, unsigned timeout_ms, struct runtime_live *ret,
                  struct gp_error *err);
int crio_live_restart(const struct runtime_ops *ops, const struct restart_opts *opts,
                      struct restart_result *ret, struct gp_error *err);
int crio_live_verify(const struct runtime_ops *ops, const struct live_opts *opts,
                     struct verify_result *ret, struct gp_error *err);
