/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * lib/detect/nvml: the NVIDIA driver's userspace, asked for its version and GPU count, for
 * detect's NVML line and preflight's nvml and driver-version-match checks.
 */
#pragma once

#include <jansson.h>
#include <stdbool.h>

/*
 * The driver's userspace, asked for its version and GPU count (lib/detect/nvml.c). On the
 * running system (no --root): libnvidia-ml.so.1 through dlopen; where it cannot be loaded (a
 * static gpuprep has no dlopen, or the node lacks the library), the node's nvidia-smi from the
 * usual bin directories. Under --root neither is asked (both talk to the running kernel's
 * driver, not the image's): status is SKIPPED, and the root's own /proc/driver/nvidia (version,
 * gpus/) is read instead, with source NODE_NVML_SOURCE_PROC.
 */
enum node_nvml_status {
	NODE_NVML_SKIPPED = 0, /* under --root, or not asked for (skip_nvml) */
	NODE_NVML_UNAVAILABLE, /* neither libnvidia-ml.so.1 nor nvidia-smi is there */
	NODE_NVML_FAILED,      /* NVML loaded but a call failed, or nvidia-smi failed */
	NODE_NVML_OK,
};

enum node_nvml_source {
	NODE_NVML_SOURCE_NONE = 0,
	NODE_NVML_SOURCE_NVML,       /* libnvidia-ml.so.1 */
	NODE_NVML_SOURCE_NVIDIA_SMI, /* nvidia-smi --query-gpu=driver_version,count */
	NODE_NVML_SOURCE_PROC,       /* the root's /proc/driver/nvidia (under --root only) */
};

/* A GPU's MIG mode, as NVML (nvmlDeviceGetMigMode) or nvidia-smi (mig.mode.*) says. */
enum node_mig_mode {
	NODE_MIG_UNKNOWN = 0, /* not asked (under --root, NVML failed) or not answered */
	NODE_MIG_UNSUPPORTED, /* the GPU has no MIG (before Ampere, GeForce) */
	NODE_MIG_DISABLED,
	NODE_MIG_ENABLED,
};

/* One GPU as NVML sees it. */
struct node_nvml_gpu {
	char *pci_address;              /* "0000:3b:00.0", lowercase, as lib/node/pci.h writes it */
	enum node_mig_mode mig;         /* the current mode */
	enum node_mig_mode mig_pending; /* the mode after the next GPU reset or reboot */
	char *name; /* the driver's product name ("NVIDIA H200": nvmlDeviceGetName, nvidia-smi's
	               name), or NULL; detect names a GPU with it where pci.ids has no name */
};

struct node_nvml {
	enum node_nvml_status status;
	enum node_nvml_source source; /* where driver_version and device_count come from */
	char *driver_version;         /* or NULL */
	unsigned device_count;        /* valid when has_count */
	bool has_count;
	char *nvidia_smi; /* the nvidia-smi that was run, or NULL */
	char *nvml_error; /* why libnvidia-ml.so.1 could not be loaded, when it was tried */
	char *error;      /* why the status is unavailable or failed, or NULL */
	struct node_nvml_gpu *gpus; /* with status OK: each GPU's MIG mode and name, when they
	                               could be read */
	size_t n_gpus;
	char *mig_error; /* why the MIG modes could not be read (status OK), or NULL */
};

/* "enabled", "disabled", "unsupported", or NULL for unknown. */
const char *node_mig_mode_name(enum node_mig_mode m);
/* The GPU at a PCI address ("0000:3b:00.0"), or NULL when NVML did not list it. */
const struct node_nvml_gpu *node_nvml_gpu_find(const struct node_nvml *n, const char *pci_address);

/* "skipped", "unavailable", "failed" or "ok". */
const char *node_nvml_status_name(enum node_nvml_status s);
/* "nvml", "nvidia-smi", "proc", or NULL for none. */
const char *node_nvml_source_name(enum node_nvml_source s);
/*
 * Fill ret (see struct node_nvml); skip: ask nothing on the running system. proc_version is
 * the version in the root's /proc/driver/nvidia/version, or NULL (used under a root only).
 */
void node_nvml_detect(const char *root, bool skip, const char *proc_version, struct node_nvml *ret);
void node_nvml_release(struct node_nvml *n);
/* {status, source, driver_version, device_count, nvidia_smi, nvml_error, error, mig_error}. */
json_t *node_nvml_to_json(const struct node_nvml *n);

/*
 * The output of `nvidia-smi --query-gpu=driver_version,count --format=csv,noheader`: one
 * "535.129.03, 2" line per GPU. Returns 0, or -1 with a fresh message in *ret_error (the
 * 1-based line and what is wrong with it).
 */
int node_parse_nvidia_smi(const char *text, char **ret_version, unsigned *ret_count,
                          char **ret_error);

/*
 * The output of `nvidia-smi --query-gpu=pci.bus_id,mig.mode.current,mig.mode.pending,name
 * --format=csv,noheader`: one "00000000:3B:00.0, Enabled, Enabled, NVIDIA A100-SXM4-40GB" line
 * per GPU ("[N/A]" where the GPU has no MIG). The name is the rest of the line (a comma in it
 * is kept); "[N/A]", nothing, or a name with a control character is no name. Returns 0 with the
 * GPUs, or -1 with a fresh message in *ret_error.
 */
int node_parse_nvidia_smi_mig(const char *text, struct node_nvml_gpu **ret_gpus, size_t *ret_n,
                              char **ret_error);

/*
 * The output of the one query detect makes first, `nvidia-smi
 * --query-gpu=driver_version,count,pci.bus_id,mig.mode.current,mig.mode.pending,name
 * --format=csv,noheader`: "580.159.04, 1, 00000000:00:06.0, Disabled, Disabled, NVIDIA H200"
 * per GPU, read as the two queries above (the first two columns, and the rest). Returns 0 with
 * all of it, or -1 with a fresh message in *ret_error and nothing returned.
 */
int node_parse_nvidia_smi_all(const char *text, char **ret_version, unsigned *ret_count,
                              struct node_nvml_gpu **ret_gpus, size_t *ret_n, char **ret_error);
