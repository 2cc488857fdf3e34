#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Checks of one corpus file that configure edited (tests/daemons/corpus.sh).

usage: corpus-check.py check KIND IN OUT [DROPIN]  KIND: containerd or docker; DROPIN: the
                                                 drop-in configure wrote, merged over OUT
       corpus-check.py runconfig IN DIR         a config for a private containerd

check prints one line per finding and exits 1 when any is wrong:
  (b) OUT parses (tomllib, json; a UTF-8 BOM is allowed as dockerd and containerd allow it);
  (c) the semantic diff: only the keys configure must change changed: the default runtime,
      the nvidia runtime, a runc added where none was, and (version 1 and 2) the deprecated
      default_runtime table that would otherwise win; and the result has nvidia as the
      default with its BinaryName (path) and runc kept;
  (d) every line of IN is in OUT, in order, except the lines that must change: the default
      runtime's, a default_runtime table's runtime_type, and a JSON line that only gains a
      comma (or a one-line JSON document).

runconfig writes DIR/config.toml: IN with root, state, the sockets (NRI's too), the CNI and opt
directories moved under DIR (the file's own [grpc], [ttrpc], [debug], [metrics], CNI, NRI and opt
tables left out, base_runtime_spec pointing at DIR/base-spec.json, every other line
kept as it is), and prints the config version.
"""
import difflib
import json
import re
import sys
import tomllib

NV_PATH = {"containerd": "/usr/bin/nvidia-container-runtime", "docker": "nvidia-container-runtime"}
CRI = {1: "cri", 2: "io.containerd.grpc.v1.cri", 3: "io.containerd.cri.v1.runtime",
       4: "io.containerd.cri.v1.runtime"}


def load(kind, data):
    text = data.decode("utf-8")
    if text.startswith("\ufeff"):
        text = text[1:]
    if kind == "docker":
        return json.loads(text) if text.strip() else {}
    return tomllib.loads(text)


def flat(d, prefix=()):
    out = {}
    for k, v in d.items():
        if isinstance(v, dict) and v:
            out.update(flat(v, prefix + (k,)))
        else:
            out[prefix + (k,)] = v
    return out


def cri_id(doc):
    """The CRI plugin's key as containerd reads this file, and the version."""
    v = doc.get("version", 1)
    plugins = doc.get("plugins", {})
    if v == 1 and "cri" not in plugins and "io.containerd.grpc.v1.cri" in plugins:
        return "io.containerd.grpc.v1.cri", v
    return CRI.get(v, CRI[3]), v


def merge(a, b):
    for k, v in b.items():
        if isinstance(v, dict) and isinstance(a.get(k), dict):
            merge(a[k], v)
        elif k != "version":
            a[k] = v
    return a


def check(kind, inp, out, dropin=None):
    bad = []
    try:
        old = load(kind, inp)
    except Exception as e:  # the input itself must parse
        return [f"the input does not parse: {e}"]
    try:
        new = load(kind, out)
        if dropin:
            new = merge(new, load(kind, dropin))
        print(f"ok (b) the output parses ({'json' if kind == 'docker' else 'tomllib'})")
    except Exception as e:
        return [f"(b) the output does not parse: {e}"]
    if inp.startswith(b"\xef\xbb\xbf") != out.startswith(b"\xef\xbb\xbf"):
        bad.append("(b) the UTF-8 BOM was not kept")

    fo, fn = flat(old), flat(new)
    if kind == "docker":
        allowed = [("default-runtime",), ("runtimes", "nvidia")]
        if new.get("default-runtime") != "nvidia":
            bad.append(f"(c) default-runtime is {new.get('default-runtime')!r}, not 'nvidia'")
        if new.get("runtimes", {}).get("nvidia", {}).get("path") != NV_PATH[kind]:
            bad.append(f"(c) runtimes.nvidia.path is wrong: {new.get('runtimes')}")
    else:
        cid, v = cri_id(old if old else new)
        if not old:
            cid, v = cri_id(new)
        c = ("plugins", cid, "containerd")
        allowed = [c + ("default_runtime_name",), c + ("runtimes", "nvidia"),
                   c + ("default_runtime",)]
        if not any(k[:4] == c + ("runtimes",) and k[4] == "runc" for k in fo):
            allowed.append(c + ("runtimes", "runc"))
        if not old:
            allowed.append(("version",))
        ctd = new.get("plugins", {}).get(cid, {}).get("containerd", {})
        rts = ctd.get("runtimes", {})
        if ctd.get("default_runtime_name") != "nvidia":
            bad.append(f"(c) default_runtime_name is {ctd.get('default_runtime_name')!r}")
        if rts.get("nvidia", {}).get("options", {}).get("BinaryName") != NV_PATH[kind]:
            bad.append(f"(c) nvidia's BinaryName is wrong: {rts.get('nvidia')}")
        if "runc" not in rts:
            bad.append("(c) runc is gone")
        dr = ctd.get("default_runtime", {})
        if v < 3 and dr.get("runtime_type") and \
                dr.get("options", {}).get("BinaryName") != NV_PATH[kind]:
            bad.append("(c) a default_runtime table with a runtime_type is left: containerd "
                       "1.x would use it, not nvidia")
        others = [k for k in new if k not in old and k not in ("plugins", "version")]
        if others:
            bad.append(f"(c) new top-level keys {others}")
    changed = sorted({k for k in set(fo) | set(fn) if fo.get(k) != fn.get(k)})
    wrong = [k for k in changed if not any(k[:len(a)] == a for a in allowed)]
    if wrong:
        bad.append("(c) keys that should not change changed: " +
                   ", ".join(".".join(k) for k in wrong))
    else:
        print(f"ok (c) only the expected keys changed ({len(changed)} leaves)")

    ol = inp.decode("utf-8").splitlines()
    nl = out.decode("utf-8").splitlines()
    sm = difflib.SequenceMatcher(None, ol, nl, autojunk=False)
    lost = []
    for op, i1, i2, j1, j2 in sm.get_opcodes():
        if op == "equal" or op == "insert":
            continue
        for i in range(i1, i2):
            line = ol[i]
            s = line.strip()
            if re.match(r"default_runtime_name\s*=", s) or re.match(r'"default-runtime"\s*:', s):
                continue
            if re.match(r"runtime_type\s*=", s) and kind == "containerd" and \
                    any("default_runtime" in ol[k] and ol[k].lstrip().startswith("[")
                        for k in range(max(0, i - 40), i)):
                continue
            if kind == "docker":
                stem = line.rstrip()
                if any(x.rstrip() == stem + "," for x in nl[j1:j2]) or \
                        len([x for x in ol if x.strip()]) <= 1:
                    continue
            lost.append(f"{i + 1}: {line}")
    if lost:
        bad.append("(d) original lines lost or changed: " + " | ".join(lost[:8]))
    else:
        print(f"ok (d) every original line kept in order ({len(ol)} lines), bar those that "
              "must change")
    return bad


HEADER = re.compile(r"^\s*\[\[?\s*(.*?)\s*\]\]?\s*(#.*)?$")


def header_path(line):
    m = HEADER.match(line)
    if not m:
        return None
    d = tomllib.loads(f"[{m.group(1)}]")
    path = []
    while isinstance(d, dict) and d:
        k = next(iter(d))
        path.append(k)
        d = d[k]
    return tuple(path)


def runconfig(inp, d):
    text = open(inp, "rb").read().decode("utf-8").lstrip("\ufeff")
    doc = tomllib.loads(text)
    cid, v = cri_id(doc)
    drop_tables = {("grpc",), ("ttrpc",), ("debug",), ("metrics",),
                   ("plugins", "io.containerd.internal.v1.opt"), ("plugins", "opt"),
                   ("plugins", cid, "cni"), ("plugins", "io.containerd.grpc.v1.cri", "cni"),
                   ("plugins", "io.containerd.nri.v1.nri")}
    out, cur, top = [], None, True
    for line in text.splitlines():
        hp = header_path(line) if line.lstrip().startswith("[") else None
        if hp is not None:
            top = False
            cur = hp
        if top and re.match(r"\s*(version|root|state|temp)\s*=", line):
            continue
        if cur in drop_tables:
            continue
        # A base OCI spec file of the node: one under DIR (corpus.sh writes it).
        line = re.sub(r'^(\s*base_runtime_spec\s*=\s*)(["\']).*\2', rf"\g<1>'{d}/base-spec.json'",
                      line)
        out.append(line)
    q = '"'
    opt = "opt" if v == 1 else "io.containerd.internal.v1.opt"
    head = [f"version = {v}" if "version" in doc else "", f"root = {q}{d}/root{q}",
            f"state = {q}{d}/state{q}", f"temp = {q}{d}/tmp{q}", ""]
    tail = ["", "[grpc]", f"  address = {q}{d}/containerd.sock{q}", "[ttrpc]",
            f"  address = {q}{d}/containerd.sock.ttrpc{q}", "[debug]", '  address = ""',
            "[metrics]", '  address = ""', f'[plugins."{opt}"]', f"  path = {q}{d}/opt{q}",
            f'[plugins."{cid}".cni]', f"  bin_dir = {q}{d}/cni/bin{q}",
            f"  conf_dir = {q}{d}/cni/net.d{q}"]
    if v >= 2:  # NRI's socket too, so that two daemons can run side by side
        tail += ['[plugins."io.containerd.nri.v1.nri"]', f"  socket_path = {q}{d}/nri.sock{q}"]
    tail.append("")
    with open(f"{d}/config.toml", "w") as f:
        f.write("\n".join(head + out + tail))
    print(v)


def main():
    if len(sys.argv) >= 5 and sys.argv[1] == "check":
        bad = check(sys.argv[2], open(sys.argv[3], "rb").read(), open(sys.argv[4], "rb").read(),
                    open(sys.argv[5], "rb").read() if len(sys.argv) > 5 else None)
        for b in bad:
            print("not ok " + b)
        sys.exit(1 if bad else 0)
    if len(sys.argv) == 4 and sys.argv[1] == "runconfig":
        runconfig(sys.argv[2], sys.argv[3])
        return
    sys.exit(__doc__)


if __name__ == "__main__":
    main()
