/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The node's CDI spec for NVIDIA GPUs (/etc/cdi/nvidia.yaml): the driver version it was
 * generated for, and a fresh one from the node's own `nvidia-ctk cdi generate`, for
 * `configure --cdi` and `up --cdi` to write through the change set (backed up, journaled,
 * undone like every other file).
 *
 * Running a program of the node root: under --root other than "/", the root is an image or
 * another system's disk, and its nvidia-ctk would run here, on this machine, as this user.
 * That is refused unless the caller asks for it (exec_root, --exec-root-tools). The program
 * run is the root's own file: opened inside the root (symlinks resolved inside it) and run
 * through /proc/self/fd, so a link in the image cannot swap in another program.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "error.h"

#define CDISPEC_PATH "/etc/cdi/nvidia.yaml"
#define CDISPEC_TOOL "nvidia-ctk"

/*
 * The driver version a spec was generated for: the version in the name of the driver
 * library it mounts (libcuda.so.535.129.03, or libnvidia-ml.so.X when libcuda is absent),
 * as nvidia-ctk writes it. A fresh string, or NULL when the text names none.
 */
char *cdispec_driver_version(const char *text);

/* The loaded driver's version, from the root's /proc/driver/nvidia/version; fresh or NULL. */
char *cdispec_loaded_driver(const char *root);

struct cdispec_plan {
	char *spec_version;   /* the driver version of the spec there, or NULL (none, or unknown) */
	char *driver_version; /* the loaded driver's version, or NULL */
	bool exists;          /* CDISPEC_PATH exists */
	bool current;         /* it exists and matches the loaded driver: nothing to do */
	char *tool;           /* node path of nvidia-ctk, or NULL when the node has none */
	char *command;        /* the command run (or to run by hand), for messages */
	char *data;           /* the new spec when it was generated, else NULL */
	size_t len;
	char *skipped; /* why no spec was generated although one is needed, or NULL */
};

void cdispec_plan_release(struct cdispec_plan *p);

/*
 * Decide, and with generate (not a dry run) run the tool into a private temp file and read
 * the result into ret->data. No tool, or a root other than "/" without exec_root: ret->skipped
 * says why, and 0 is returned. -1 with err when the tool ran and failed.
 */
int cdispec_plan(const char *root, bool exec_root, bool generate, struct cdispec_plan *ret,
                 struct gp_error *err);

/*
 * Run the root's own program tool (a node path, opened inside the root and run through
 * /proc/self/fd) with args (NULL-terminated, after argv[0]); command names it in messages.
 * -1 with err when it cannot run or exits non-zero (its last lines in the message). The caller
 * decides whether running it is allowed (exec_root).
 */
int cdispec_run_root_tool(const char *root, const char *tool, const char *command,
                          char *const *args, struct gp_error *err);
