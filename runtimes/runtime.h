/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * runtimes/ owns one module per container runtime and the live layer (restart, verify) they share.
 * It may include from lib/base, lib/files, lib/node, lib/live (README "Architecture"; the folder's
 * meson.build sets the include path that enforces it).
 */
/*
 * One module per container runtime, each exporting one `const struct
 * runtime_ops`. Nothing outside runtimes/ compares runtime names: it asks
 * runtime_find() and calls through the ops.
 *
 * Later work adds operations (configure, restart, verify) as members here;
 * a NULL member means the runtime does not support that operation.
 */
#pragma once

#include <stdbool.h>

#include "changeset.h"
#include "error.h"

enum cgroup_driver {
	CGROUP_DRIVER_UNSET = 0, /* keep what the config has; a fresh config picks one */
	CGROUP_DRIVER_SYSTEMD,
	CGROUP_DRIVER_CGROUPFS,
};

/* "systemd", "cgroupfs", or NULL for unset. */
const char *cgroup_driver_name(enum cgroup_driver d);
/* Parse "systemd" or "cgroupfs"; returns false for anything else. */
bool cgroup_driver_from_name(const char *s, enum cgroup_driver *ret);

/* What `gpuprep configure` asks of a runtime. Unset members are NULL/0/false. */
struct configure_opts {
	const char *root;         /* --root, or NULL */
	const char *config_path;  /* node path of the main config; NULL: the runtime's default */
	const char *runtime_name; /* "nvidia" */
	const char *runtime_path; /* NULL: the runtime's default */
	bool set_default;         /* make it the default runtime (true unless --no-set-default) */
	enum cgroup_driver cgroup_driver;
	bool cdi;
	const char *drop_in; /* node path; containerd only */
	int config_version;  /* 0: from the file or the installed version; containerd, and
	                        k3s/rke2 with template (2: config.toml.tmpl, 3: config-v3) */
	bool template;       /* k3s, rke2: also write containerd's config template */
	/* The CDI spec to write to cdi_spec_path, in the same change set; NULL: none. */
	const char *cdi_spec_path;
	const char *cdi_spec;
	size_t cdi_spec_len;
	/* Symbolic links to make, node paths and their targets, NULL-terminated, and a udev rule
	 * file to write (lib/detect/devchar.h), in the same change set; NULL: none. */
	char *const *links;
	char *const *link_targets;
	const char *udev_rule_path;
	const char *udev_rule;
};

/*
 * What a configure operation computed, without writing anything: every file
 * it read with the bytes it should hold (the framework diffs, backs up and
 * writes them), and warnings for the user, as data.
 */
struct configure_result {
	struct changeset changes;
	char **warnings;
	char *backup_dir; /* set by runtime_configure() when it wrote; node path */
};

void configure_result_release(struct configure_result *r);
/* Append a formatted warning. */
void configure_result_warn(struct configure_result *r, const char *fmt, ...) _printf_(2, 3);

struct live_opts;
struct restart_opts;
struct runtime_live;
struct restart_result;
struct verify_result;

/* One runtime a config file (or a live daemon) defines. */
struct runtime_config_entry {
	char *name;         /* "nvidia" */
	char *path;         /* docker: path; containerd: options.BinaryName; NULL: none */
	int systemd_cgroup; /* containerd: options.SystemdCgroup 1 or 0; -1: not set */
};

/*
 * What a runtime's config file sets, read the way the runtime reads it
 * (`inspect`). Members the file does not set are NULL, CGROUP_DRIVER_UNSET
 * or -1. The same struct holds what a live daemon reports (runtimes/live.h),
 * so the two compare with runtime_live_diff().
 */
struct runtime_config_view {
	char *path;            /* the node path read, symlinks followed */
	bool exists;           /* false: the file is missing (everything below is unset) */
	char *default_runtime; /* the default runtime it names; NULL: the built-in one */
	bool default_defined;  /* the default runtime has an entry (or is the built-in one) */
	char *default_path;    /* the default runtime's binary (docker: path; containerd:
	                          options.BinaryName); NULL: none set, the stock runc */
	enum cgroup_driver cgroup_driver; /* the driver the default runtime uses: docker's
	                                     exec-opts, containerd's SystemdCgroup, or the
	                                     runtime's own default when the file is silent */
	char *cgroup_driver_source;       /* where that comes from, for messages:
	                                     "exec-opts native.cgroupdriver=systemd" */
	int cdi;                          /* CDI on (1), off (0), not set (-1) */
	char *cri_disabled_by;  /* containerd: the disabled_plugins entry that turns the CRI
	                           plugin off, or NULL */
	bool cgroup_driver_set; /* docker: exec-opts names the driver (not the default);
	                           containerd keeps it per runtime (systemd_cgroup) */
	char *default_source;   /* k3s, rke2: the default-runtime k3s renders at its next start,
	                           and the file:line of config.yaml (or a drop-in) it comes
	                           from, for messages; NULL: none */
	struct runtime_config_entry *runtimes; /* every runtime defined, in file order */
	size_t n_runtimes;
	/* Kept by runtime_config_view_add, read by runtime_config_view_find: room in runtimes,
	 * and an open-addressing table of 1 + the index of each entry by name (a config may
	 * define thousands of runtimes: looking each up in a list made reading it quadratic). */
	size_t runtimes_cap;
	size_t *by_name;
	size_t by_name_size; /* a power of two, at least twice n_runtimes; 0 before any add */
};
void runtime_config_view_release(struct runtime_config_view *v);
/* The runtime called name in v, or NULL. */
const struct runtime_config_entry *runtime_config_view_find(const struct runtime_config_view *v,
                                                            const char *name);
/* Add a runtime to v (name and path are copied; path may be NULL); returns it. */
struct runtime_config_entry *runtime_config_view_add(struct runtime_config_view *v,
                                                     const char *name, const char *path);

/*
 * What a runtime's version means for GPUs (runtime_ops.version): the version, where it was
 * read, and what it allows.
 */
struct runtime_version {
	char *daemon; /* "dockerd 18.09.6"; NULL when the version cannot be told */
	char *source; /* where it was read: "the running daemon", "package docker-ce (dpkg)" */
	char *said;   /* what this version does with NVIDIA's runtime: a sentence */
	bool limited; /* said names something this version lacks */
	char *hint;   /* with limited: what to do, or NULL */
};
void runtime_version_release(struct runtime_version *v);

struct runtime_ops {
	const char *name;        /* "containerd": what --runtime takes */
	const char *binary;      /* "containerd": looked up in the usual bin dirs under root */
	const char *config_path; /* "/etc/containerd/config.toml", or NULL when it has none */
	const char *socket_path; /* "/run/containerd/containerd.sock" */
	const char *cri_socket;  /* the CRI endpoint kubelet/edgecore would use, or NULL */
	const char *service;     /* its systemd unit / init script; NULL: name (rke2: the
	                            server's, rke2-server; restart finds the one that runs) */
	bool takes_template;     /* configure takes --template (k3s, rke2: their containerd's
	                            config template) */

	/*
	 * Compute the edits that make opts->runtime_name a runtime (and, with
	 * set_default, the default one). Reads the files through
	 * changeset_read() into ret->changes and sets their new bytes; writes
	 * nothing. Options that do not apply to this runtime are a usage
	 * error (GP_EXIT_USAGE). NULL: configure is not supported.
	 */
	int (*configure)(const struct configure_opts *opts, struct configure_result *ret,
	                 struct gp_error *err);

	/*
	 * Read the config file (config_path, a node path; NULL: its default
	 * path) under root into *ret (release it), following its imports the
	 * way the daemon does. A missing file is not an error (ret->exists
	 * false); a malformed one is, naming the file, line and column. NULL:
	 * not supported yet.
	 */
	int (*inspect)(const char *root, const char *config_path, struct runtime_config_view *ret,
	               struct gp_error *err);
	/*
	 * Ask the daemon on socket (a host path) what it runs, in the terms
	 * of its config file (runtimes/live.h); ret is released by the caller.
	 * NULL: the daemon cannot be asked.
	 */
	int (*ask_live)(const char *socket, unsigned timeout_ms, struct runtime_live *ret,
	                struct gp_error *err);
	/*
	 * Restart or reload the daemon so it loads its config, then wait until
	 * it answers (runtimes/live.h). Sets ret->action before it touches the
	 * daemon, so a failure with an action set is one to roll back. NULL:
	 * restarting is not supported.
	 */
	int (*restart)(const struct restart_opts *opts, struct restart_result *ret,
	               struct gp_error *err);
	/*
	 * Ask the live daemon what it loaded and add one check per question to
	 * ret. Fails only when the daemon cannot be asked. NULL: not supported.
	 */
	int (*verify)(const struct live_opts *opts, struct verify_result *ret,
	              struct gp_error *err);
	/*
	 * The daemon's version and what it allows: from the daemon on socket (a host path) when
	 * it answers within timeout_ms (socket may be NULL), else from the package database
	 * under root, else from the binary. ret->daemon stays NULL when none tells. NULL: every
	 * version of this runtime that gpuprep supports works the same way.
	 */
	void (*version)(const char *root, const char *socket, unsigned timeout_ms,
	                struct runtime_version *ret);
};

/* Each runtime's ops, in its own file (runtimes/docker.c, ...). */
extern const struct runtime_ops runtime_docker;
extern const struct runtime_ops runtime_containerd;
extern const struct runtime_ops runtime_cri_dockerd;
extern const struct runtime_ops runtime_k3s;
extern const struct runtime_ops runtime_crio;
extern const struct runtime_ops runtime_rke2;

/*
 * The registry (runtimes/registry.c), for the code above runtimes/: the
 * runtime modules themselves never use it.
 */

/* Every runtime, in report order, NULL-terminated. */
extern const struct runtime_ops *const runtime_all[];

/* The runtime called name, or NULL. */
const struct runtime_ops *runtime_find(const char *name);

/* "docker, containerd or crio": the runtimes gpuprep configures, for messages (fresh). */
char *runtime_configurable_names(void);

/*
 * The runtimes with a config file whose binary is installed under root
 * (NULL-terminated; free the array, not the members).
 */
const struct runtime_ops **runtime_detect_installed(const char *root);

/* The helpers every runtime shares (runtimes/runtime.c). */

/*
 * Where the runtime's binary is under root: the first of the usual bin dirs
 * (/usr/local/sbin, /usr/local/bin, /usr/sbin, /usr/bin, /sbin, /bin) that
 * holds an executable ops->binary. Returns a fresh node path, or NULL.
 */
char *runtime_find_binary(const char *root, const struct runtime_ops *ops);
/*
 * "k3s" or "rke2" (what --runtime takes) when that is installed under root and containerd's own
 * binary is not: their containerd reads a config they render at every start.
 * NULL otherwise.
 */
const char *runtime_embedded_containerd(const char *root);
/* The same for any program name ("nvidia-ctk"). */
char *runtime_find_program(const char *root, const char *name);
/*
 * Is path, absolute or a bare name looked up as runtime_find_program() does,
 * an executable file under root? Returns 0 (*ret_node, when not NULL, is the
 * node path found, fresh), -ENOENT, -EISDIR, or -EACCES (not executable).
 * Under a root an absolute symlink points into the host: it counts as found.
 */
int runtime_program_check(const char *root, const char *path, char **ret_node);
/*
 * The node paths of dir's entries that are not directories, sorted by name, as the runtimes
 * read their drop-in directories (CRI-O's crio.conf.d, k3s's config.yaml.d); with want, only
 * the names it accepts. NULL when dir cannot be opened or has none.
 */
char **runtime_dir_files(const char *root, const char *dir, bool (*want)(const char *name));

/* Flags for runtime_configure(). */
enum {
	RUNTIME_CONFIGURE_DRY_RUN = 1 << 0, /* compute and diff only: no lock, no write */
};

/*
 * The configure framework: run ops->configure (a refused input writes nothing,
 * not even the lock); unless dry-run, take the lock, run it again under the
 * lock and apply the changes (backup, atomic writes). A second run
 * with the same options changes nothing and writes nothing. lock_timeout_ms
 * is passed to safefile_lock().
 */
int runtime_configure(const struct runtime_ops *ops, const struct configure_opts *opts,
                      unsigned flags, int lock_timeout_ms, struct configure_result *ret,
                      struct gp_error *err);
