/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * lib/manifest/ owns the Kubernetes manifests built from templates/.
 * It may include from lib/base (README "Architecture"; the folder's
 * meson.build sets the include path that enforces it).
 */
/*
 * The manifests `gpuprep manifest` prints: the NVIDIA device plugin DaemonSet
 * (with its time-slicing ConfigMap) and a GPU test pod, rendered from the
 * built-in templates (lib/base/template.h) as YAML for `kubectl apply -f -`.
 */
#pragma once

#include <stdbool.h>

#include "error.h"

/* The default images: a recent device plugin release, and a CUDA vector-add sample. */
#define MANIFEST_DEVICE_PLUGIN_IMAGE     "nvcr.io/nvidia/k8s-device-plugin:v0.20.1"
#define MANIFEST_TEST_POD_IMAGE          "nvcr.io/nvidia/k8s/cuda-sample:vectoradd-cuda12.5.0"
#define MANIFEST_DEVICE_PLUGIN_NAMESPACE "kube-system"
/* The RuntimeClass `manifest runtimeclass` prints, and the handler the runtimes configure. */
#define MANIFEST_RUNTIME_CLASS   "nvidia"
#define MANIFEST_RUNTIME_HANDLER "nvidia"

struct manifest_device_plugin {
	const char *image;         /* NULL: MANIFEST_DEVICE_PLUGIN_IMAGE */
	const char *namespace;     /* NULL: MANIFEST_DEVICE_PLUGIN_NAMESPACE */
	bool edge;                 /* KubeEdge: edge nodes only, tolerate their taint */
	unsigned replicas;         /* time-slicing replicas per GPU, >= 2; 0: no time-slicing */
	const char *runtime_class; /* NULL: none, the node's default runtime */
	const char *mig_strategy;  /* "single" or "mixed"; NULL: the plugin's default (none) */
};

struct manifest_test_pod {
	const char *image;         /* NULL: MANIFEST_TEST_POD_IMAGE */
	const char *namespace;     /* NULL: none, kubectl's current namespace */
	const char *node;          /* NULL: any node; else bound to it with nodeName */
	const char *runtime_class; /* NULL: none, the node's default runtime */
};

/* The YAML documents, as a fresh string; with replicas, the ConfigMap comes first. */
int manifest_device_plugin_render(const struct manifest_device_plugin *m, char **ret_yaml,
                                  struct gp_error *err);
/* The RuntimeClass MANIFEST_RUNTIME_CLASS with the handler MANIFEST_RUNTIME_HANDLER. */
int manifest_runtimeclass_render(char **ret_yaml, struct gp_error *err);
/* Whether s is a MIG strategy the device plugin takes here: "single" or "mixed". */
bool manifest_mig_strategy_valid(const char *s);
int manifest_test_pod_render(const struct manifest_test_pod *m, char **ret_yaml,
                             struct gp_error *err);

/*
 * The Ansible playbook of `gpuprep manifest ansible` (templates/ansible-*.yml): a
 * role layout of three files, or the same as one playbook. The files hold
 * Ansible's own Jinja; they are printed as they are.
 */
struct manifest_file {
	const char *path; /* under the directory: "site.yml", "roles/gpuprep/tasks/main.yml" */
	const char *text;
};
#define MANIFEST_ANSIBLE_N_FILES 3
/* The role layout: site.yml, roles/gpuprep/defaults/main.yml, roles/gpuprep/tasks/main.yml. */
int manifest_ansible_layout(struct manifest_file ret[MANIFEST_ANSIBLE_N_FILES],
                            struct gp_error *err);
/* One playbook: site.yml with the role's defaults as the play's vars and its tasks inline. */
int manifest_ansible_playbook(char **ret_yaml, struct gp_error *err);
