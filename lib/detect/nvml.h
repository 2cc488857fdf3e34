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

struct node_nvml {
	enum node_nvml_status status;
	enum node_nvml_source source; /* where driver_version and device_count come from */
	char *driver_version;         /* or NULL */
	unsigned device_count;        /* valid when has_count */
	bool has_count;
	char *nvidia_smi; /* the nvidia-smi that was run, or NULL */
	char *nvml_error; /* why libnvidia-ml.so.1 could not be loaded, when it was tried */
	char *error;      /* why the status is unavailable or failed, or NULL */
};

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
/* {status, source, driver_version, device_count, nvidia_smi, nvml_error, error}. */
json_t *node_nvml_to_json(const struct node_nvml *n);

/*
 * The output of `nvidia-smi --query-gpu=driver_version,count --format=csv,noheader`: one
 * "535.129.03, 2" line per GPU. Returns 0, or -1 with a fresh message in *ret_error (the
 * 1-based line and what is wrong with it).
 */
int node_parse_nvidia_smi(const char *text, char **ret_version, unsigned *ret_count,
                          char **ret_error);
