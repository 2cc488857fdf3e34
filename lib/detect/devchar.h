/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The /dev/char links to the NVIDIA device nodes, and the udev rule that brings them back.
 *
 * With the systemd cgroup driver, runc names a container's devices to systemd as
 * /dev/char/MAJOR:MINOR; the NVIDIA nodes have no such link unless someone makes one, and
 * a `systemctl daemon-reload` then takes the GPUs away from running containers ("Failed to
 * initialize NVML: Unknown Error"). NVIDIA's fix (NVIDIA/nvidia-container-toolkit#48, and
 * its container toolkit's troubleshooting guide): run
 * `nvidia-ctk system create-dev-char-symlinks --create-all`, and install a udev rule that
 * runs it again whenever the driver binds (/lib/udev/rules.d/71-nvidia-dev-char.rules).
 *
 * The node's own nvidia-ctk decides the links (the majors from /proc/devices, one nvidiaN per
 * GPU, nvidiactl, nvidia-modeset, nvidia-uvm, nvidia-uvm-tools, the MIG caps). It writes them
 * into a private temp directory (--dev-char-path), and the links missing from the node's
 * /dev/char join the change set: journaled, so that undo removes exactly the links gpuprep
 * made, and the rule file with them. Running the root's nvidia-ctk under --root follows
 * cdispec.h's rule (exec_root); nvidia-ctk reads this machine's /proc/devices and /sys.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "error.h"
#include "runtime.h"

#define DEVCHAR_DIR       "/dev/char"
#define DEVCHAR_UDEV_RULE "/lib/udev/rules.d/71-nvidia-dev-char.rules"

/* --dev-char-links / --no-dev-char-links, or the cgroup driver decides. */
enum devchar_mode {
	DEVCHAR_AUTO = 0, /* when the cgroup driver is systemd */
	DEVCHAR_ON,
	DEVCHAR_OFF,
};

/*
 * Are the links wanted: on or off as asked; auto when the cgroup driver configure sets
 * (cgroup_driver) is systemd, or, that unset, the one the runtime's config has (config_path,
 * a node path; NULL: the runtime's default), and the node is not a Jetson board.
 */
bool devchar_wanted(const char *root, const struct runtime_ops *ops, const char *config_path,
                    enum cgroup_driver cgroup_driver, enum devchar_mode mode);

/*
 * What is wrong with the entry at node path link ("/dev/char/195:0"), which must be a link
 * leading to the node path node ("/dev/nvidia0"): NULL when it is, or when nothing is there;
 * else a fresh phrase ("is not a link", "leads to /dev/nvidia1"). systemd allows a container
 * the device a /dev/char link leads to: a link elsewhere gives it another device, a file or
 * a dangling link none.
 */
char *devchar_link_fault(const char *root, const char *link, const char *node);

struct devchar_plan {
	char *tool;        /* node path of nvidia-ctk, or NULL when the node has none */
	char *command;     /* the command run (or to run by hand), for messages */
	char **links;      /* the links to add: node paths ("/dev/char/195:0"), NULL-terminated */
	char **targets;    /* their targets ("/dev/nvidia0"), as nvidia-ctk made them */
	size_t n_existing; /* links nvidia-ctk made that the node already has */
	char **wrong;      /* of those, the ones that do not lead where nvidia-ctk's do:
	                    * "'/dev/char/195:0' is not a link", left as they are */
	char *rule;        /* DEVCHAR_UDEV_RULE's new content, or NULL: the node has the rule */
	bool ran;          /* nvidia-ctk ran (not a dry run, not skipped) */
	char *skipped;     /* why nothing was done, or NULL */
};

void devchar_plan_release(struct devchar_plan *p);

/*
 * Decide, and with generate (not a dry run) run the node's nvidia-ctk into a private temp
 * directory and list the links the node's /dev/char lacks. No tool, a root other than "/"
 * without exec_root, or a Jetson board: ret->skipped says why, and 0 is returned. When the tool
 * runs and fails (no NVIDIA driver loaded): -1 with err if required (--dev-char-links), else
 * ret->skipped says why and 0 is returned, so that the rest of configure goes on.
 */
int devchar_plan(const char *root, bool exec_root, bool generate, bool required,
                 struct devchar_plan *ret, struct gp_error *err);

/* The plan's links and rule, for the change set configure writes (struct configure_opts). */
void devchar_plan_to_opts(const struct devchar_plan *p, struct configure_opts *opts);
