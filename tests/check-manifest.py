#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Check the YAML `gpuprep manifest` printed against the options it was given.

usage: check-manifest.py device-plugin [--edge] [--time-slicing N] [--image I] [--namespace NS]
                         [--runtime-class NAME] [--mig-strategy S]
       check-manifest.py test-pod [--node NAME] [--image I] [--namespace NS] [--runtime-class NAME]
       check-manifest.py runtimeclass
       check-manifest.py --batch DIR

The first two read the YAML on stdin. --batch checks every case in DIR: N.yaml, the output,
and N.args, the options (NUL-terminated), and prints "N<TAB>ok" or "N<TAB>FAILURES" per case
(one Python start for all of them; Python starts slowly).

It parses every document with yaml.safe_load_all (python3-yaml) and asserts what the seeds
rely on: tolerations, node affinity, the ConfigMap, its mount and --config-file, the GPU limit,
FAIL_ON_INIT_ERROR, MIG_STRATEGY, runtimeClassName, the RuntimeClass's handler, the hostPath,
priorityClassName, and that every value given comes back
exactly. Prints the failed assertions and exits 1 when there is any.
"""
import argparse
import os
import posixpath
import sys

import yaml

GPU_TOLERATION = {"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"}
EDGE_TOLERATION = {"key": "node-role.kubernetes.io/edge", "operator": "Exists",
                   "effect": "NoSchedule"}
EDGE_AFFINITY = {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {
    "nodeSelectorTerms": [{"matchExpressions": [
        {"key": "node-role.kubernetes.io/edge", "operator": "Exists"}]}]}}}
PLUGIN_DIR = "/var/lib/kubelet/device-plugins"

failures = []  # of the case being checked


def check(cond, what):
    if not cond:
        failures.append(what)
    return cond


def eq(got, want, what):
    return check(got == want, f"{what}: got {got!r}, want {want!r}")


def the_container(containers, image, default_prefix):
    """The one container, with the image given or a default one; None if not one."""
    if not eq(len(containers), 1, "the number of containers"):
        return None
    ctr = containers[0]
    if image is not None:
        eq(ctr["image"], image, "the image")
    else:
        check(ctr["image"].startswith(default_prefix),
              f"the default image starts with {default_prefix!r}: {ctr['image']!r}")
    return ctr


def config_file_of(ctr):
    """The config file the container names, and how: ("--config-file" or "CONFIG_FILE")."""
    args = list(ctr.get("command") or []) + list(ctr.get("args") or [])
    for i, a in enumerate(args):
        if a.startswith("--config-file="):
            return a.split("=", 1)[1], "--config-file"
        if a == "--config-file" and i + 1 < len(args):
            return args[i + 1], "--config-file"
    for e in ctr.get("env") or []:
        if e.get("name") == "CONFIG_FILE":
            return e.get("value"), "CONFIG_FILE"
    return None, None


def check_device_plugin(docs, o):
    ns = o.namespace if o.namespace is not None else "kube-system"
    kinds = [d.get("kind") for d in docs]
    want_kinds = ["ConfigMap", "DaemonSet"] if o.time_slicing else ["DaemonSet"]
    if not eq(kinds, want_kinds, "the documents' kinds"):
        return
    ds = docs[-1]
    eq(ds["apiVersion"], "apps/v1", "DaemonSet apiVersion")
    eq(ds["metadata"]["namespace"], ns, "DaemonSet namespace")
    labels = ds["spec"]["template"]["metadata"]["labels"]
    for k, v in ds["spec"]["selector"]["matchLabels"].items():
        eq(labels.get(k), v, f"pod label {k} matches the selector")
    pod = ds["spec"]["template"]["spec"]
    eq(pod.get("priorityClassName"), "system-node-critical", "priorityClassName")

    tol = pod.get("tolerations") or []
    check(GPU_TOLERATION in tol, f"the GPU toleration is in {tol!r}")
    if o.edge:
        check(EDGE_TOLERATION in tol, f"the edge toleration is in {tol!r}")
        eq(pod.get("affinity"), EDGE_AFFINITY, "the edge node affinity")
    else:
        check(EDGE_TOLERATION not in tol, "no edge toleration without --edge")
        eq(pod.get("affinity"), None, "no affinity without --edge")

    ctr = the_container(pod["containers"], o.image, "nvcr.io/nvidia/k8s-device-plugin:v")
    if ctr is None:
        return
    env = {e["name"]: e.get("value") for e in ctr.get("env") or []}
    eq(env.get("FAIL_ON_INIT_ERROR"), "false", "FAIL_ON_INIT_ERROR")
    eq(env.get("MIG_STRATEGY"), o.mig_strategy, "MIG_STRATEGY (none without --mig-strategy)")
    eq(pod.get("runtimeClassName"), o.runtime_class, "runtimeClassName")

    volumes = {v["name"]: v for v in pod.get("volumes") or []}
    mounts = {m["mountPath"]: m["name"] for m in ctr.get("volumeMounts") or []}
    vol = volumes.get(mounts.get(PLUGIN_DIR), {})
    eq(vol.get("hostPath", {}).get("path"), PLUGIN_DIR, f"the hostPath mounted at {PLUGIN_DIR}")

    cfg, cfg_via = config_file_of(ctr)
    cm_volumes = [v for v in volumes.values() if "configMap" in v]
    annotations = ds["spec"]["template"]["metadata"].get("annotations") or {}
    if not o.time_slicing:
        eq(cfg, None, "no --config-file without --time-slicing")
        eq(cm_volumes, [], "no ConfigMap volume without --time-slicing")
        eq(annotations, {}, "no pod annotations without --time-slicing")
        return

    cm = docs[0]
    eq(cm["apiVersion"], "v1", "ConfigMap apiVersion")
    eq(cm["metadata"]["namespace"], ns, "ConfigMap namespace")
    if not check(cfg is not None, "--config-file or CONFIG_FILE is set"):
        return
    if cfg_via == "--config-file":
        # Arguments alone would replace the image's command in images that have no entrypoint.
        eq(ctr.get("command"), ["nvidia-device-plugin"], "the command is set with --config-file")
    cfg_dir, cfg_key = posixpath.split(cfg)
    vol = volumes.get(mounts.get(cfg_dir), {})
    eq(vol.get("configMap", {}).get("name"), cm["metadata"]["name"],
       f"the ConfigMap is mounted at {cfg_dir}")
    if not check(cfg_key in cm.get("data", {}), f"the ConfigMap has the key {cfg_key!r}"):
        return
    conf = yaml.safe_load(cm["data"][cfg_key])
    eq(conf.get("version"), "v1", "the device plugin config version")
    eq(conf.get("sharing"),
       {"timeSlicing": {"resources": [{"name": "nvidia.com/gpu", "replicas": o.time_slicing}]}},
       "the time-slicing config")
    eq(annotations.get("gpuprep/time-slicing-replicas"), str(o.time_slicing),
       "the annotation that rolls the pods when the replicas change")


def check_test_pod(docs, o):
    if not eq([d.get("kind") for d in docs], ["Pod"], "the documents' kinds"):
        return
    p = docs[0]
    eq(p["apiVersion"], "v1", "Pod apiVersion")
    eq(p["metadata"].get("namespace"), o.namespace, "the namespace (none: kubectl's)")
    spec = p["spec"]
    check(spec.get("restartPolicy") in ("Never", "OnFailure"),
          f"the pod runs to completion: restartPolicy {spec.get('restartPolicy')!r}")
    eq(spec.get("nodeName"), o.node, "nodeName")
    eq(spec.get("runtimeClassName"), o.runtime_class, "runtimeClassName")
    check(GPU_TOLERATION in (spec.get("tolerations") or []), "the GPU toleration")
    ctr = the_container(spec["containers"], o.image, "nvcr.io/nvidia/k8s/cuda-sample:vectoradd-")
    if ctr is None:
        return
    eq(ctr.get("resources", {}).get("limits"), {"nvidia.com/gpu": 1}, "the GPU limit")


def check_runtimeclass(docs):
    if not eq([d.get("kind") for d in docs], ["RuntimeClass"], "the documents' kinds"):
        return
    rc = docs[0]
    eq(rc["apiVersion"], "node.k8s.io/v1", "RuntimeClass apiVersion")
    eq(rc["metadata"]["name"], "nvidia", "the RuntimeClass's name")
    eq(rc.get("handler"), "nvidia", "the handler (the runtime's nvidia runtime)")


def parse_options(argv):
    """gpuprep's own options, parsed as getopt does: the word after an option is its value,
    whatever it looks like ('-x', '---'), and --opt=value works too."""
    o = argparse.Namespace(kind=None, edge=False, time_slicing=None, image=None,
                           namespace=None, node=None, runtime_class=None, mig_strategy=None)
    takes_value = {"--time-slicing", "--image", "--namespace", "--node", "--runtime-class",
                   "--mig-strategy"}
    i = 0
    while i < len(argv):
        a = argv[i]
        name, eq_sign, value = a.partition("=")
        if a == "--edge":
            o.edge = True
        elif name in takes_value:
            if not eq_sign:
                i += 1
                value = argv[i]
            setattr(o, name[2:].replace("-", "_"), value)
        elif a.startswith("-"):
            sys.exit(f"check-manifest.py: unknown option {a!r}")
        else:
            o.kind = a
        i += 1
    if o.kind not in ("device-plugin", "test-pod", "runtimeclass"):
        sys.exit(f"check-manifest.py: unknown manifest {o.kind!r}")
    if o.time_slicing is not None:
        o.time_slicing = int(o.time_slicing)
    return o


def check_case(argv, raw):
    """The failures of one case: the options given, the bytes printed."""
    failures.clear()
    o = parse_options(argv)

    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        return [f"not UTF-8: {e}"]
    for n, line in enumerate(text.split("\n"), 1):
        check(line == line.rstrip(), f"line {n} has trailing blanks")
        check("\t" not in line, f"line {n} has a tab")
    check(text.endswith("\n"), "the output ends with a newline")
    try:
        docs = [d for d in yaml.safe_load_all(text) if d is not None]
    except yaml.YAMLError as e:
        return [f"not YAML: {e}"]
    if o.kind == "device-plugin":
        check_device_plugin(docs, o)
    elif o.kind == "runtimeclass":
        check_runtimeclass(docs)
    else:
        check_test_pod(docs, o)
    return list(failures)


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "--batch":
        d = sys.argv[2]
        cases = sorted(int(f[:-5]) for f in os.listdir(d) if f.endswith(".args"))
        for n in cases:
            with open(os.path.join(d, f"{n}.args"), "rb") as f:
                argv = [a.decode("utf-8", "surrogateescape") for a in f.read().split(b"\0")[:-1]]
            with open(os.path.join(d, f"{n}.yaml"), "rb") as f:
                raw = f.read()
            fails = check_case(argv, raw)
            print(f"{n}\t" + ("; ".join(repr(x) for x in fails) if fails else "ok"))
        return 0
    fails = check_case(sys.argv[1:], sys.stdin.buffer.read())
    for f in fails:
        print(f)
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
