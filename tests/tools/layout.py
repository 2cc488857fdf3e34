#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""The architecture as a test (TAP): lib/'s folders and runtimes/ include only from the
folders their meson.build lists as dependencies (the include path is the rule; this says
which line breaks it), the folders form no cycle, no module (FOO.c with FOO.h) is part of
an include cycle with another, and every lib/ and runtimes/ .c file is under its line limit.

The module graph of check 3 is taken from the includes and, when a build directory is
given, from the objects too (who calls whom, by nm): a cycle of calls counts even when the
prototypes live in a shared header.

usage: layout.py SOURCE_ROOT [BUILD_DIR] [--max-lines N]
"""
import subprocess
import os
import re
import sys

root = sys.argv[1]
max_lines = int(sys.argv[sys.argv.index("--max-lines") + 1]) if "--max-lines" in sys.argv else 1200
n = 0
failed = 0


def ok(name):
    global n
    n += 1
    print(f"ok {n} - {name}")


def not_ok(name, *lines):
    global n, failed
    n += 1
    failed += 1
    print(f"not ok {n} - {name}")
    for line in lines:
        print(f"#   {line}")


# The folders: lib/NAME and runtimes, each with the *_dep names of its meson.build.
folders = {}
for d in sorted(os.listdir(os.path.join(root, "lib"))):
    if os.path.isdir(os.path.join(root, "lib", d)):
        folders[d] = os.path.join("lib", d)
folders["runtimes"] = "runtimes"
allowed = {}
for name, rel in folders.items():
    text = open(os.path.join(root, rel, "meson.build")).read()
    m = re.search(r"static_library\(.*?dependencies:\s*\[([^\]]*)\]", text, re.S)
    deps = set(re.findall(r"(\w+)_dep\b", m.group(1) if m else ""))
    allowed[name] = (deps & set(folders)) | {name}

header_home = {}
for name, rel in folders.items():
    for f in os.listdir(os.path.join(root, rel)):
        if f.endswith(".h"):
            header_home[f] = name

# 1. Each include goes down (or within the folder).
bad = []
edges = {}  # module -> set of modules it includes
for name, rel in folders.items():
    for f in sorted(os.listdir(os.path.join(root, rel))):
        if not f.endswith((".c", ".h")):
            continue
        mod = f[:-2]
        for lineno, line in enumerate(open(os.path.join(root, rel, f)), 1):
            m = re.match(r'\s*#\s*include\s+"([^"]+)"', line)
            if not m:
                continue
            h = os.path.basename(m.group(1))
            home = header_home.get(h)
            if home is None:
                continue  # config.h, generated headers
            if home not in allowed[name]:
                bad.append(f"{rel}/{f}:{lineno}: includes \"{h}\" from {home}/, "
                           f"which {name}/ may not use (it may use: {', '.join(sorted(allowed[name]))})")
            if h[:-2] != mod:
                edges.setdefault(mod, set()).add(h[:-2])
if bad:
    not_ok("every include goes down the layers", *bad)
else:
    ok("every include goes down the layers")


def find_cycle(graph):
    state = {}
    stack = []

    def visit(v):
        state[v] = 1
        stack.append(v)
        for w in sorted(graph.get(v, ())):
            if state.get(w) == 1:
                return stack[stack.index(w):] + [w]
            if w not in state:
                c = visit(w)
                if c:
                    return c
        stack.pop()
        state[v] = 2
        return None

    for v in sorted(graph):
        if v not in state:
            c = visit(v)
            if c:
                return c
    return None


# 2. The folders form no cycle.
c = find_cycle({k: v - {k} for k, v in allowed.items()})
if c:
    not_ok("the folders form no cycle", " -> ".join(c))
else:
    ok("the folders form no cycle")

# Calls between modules, from the static libraries' objects.
build = sys.argv[2] if len(sys.argv) > 2 and not sys.argv[2].startswith("--") else None
if build:
    defined = {}
    undefined = {}
    for dirpath, _, names in os.walk(build):
        for f in names:
            if not (f.startswith("libgp-") and f.endswith(".a")):
                continue
            out = subprocess.run(["nm", "-A", os.path.join(dirpath, f)], capture_output=True,
                                 text=True, check=True).stdout
            for line in out.splitlines():
                # "LIB.a:DIR/member.c.o:0000000000000000 T symbol" or "LIB.a:DIR/member.c.o:  U symbol"
                m = re.match(r"^.*?\.a:(.*?\.o):\s*[0-9a-f]*\s+(\w)\s+(\S+)$", line)
                if not m:
                    continue
                mod = os.path.basename(m.group(1)).split(".")[0]
                kind, sym = m.group(2), m.group(3)
                if kind == "U":
                    undefined.setdefault(mod, set()).add(sym)
                elif kind in "TDBR":
                    defined[sym] = mod
    for mod, syms in undefined.items():
        for sym in syms:
            other = defined.get(sym)
            if other and other != mod:
                edges.setdefault(mod, set()).add(other)

def cycles(graph):
    """Every group of modules that reach each other (Tarjan's strongly connected components)."""
    index, low, on, stack, out = {}, {}, set(), [], []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                on.discard(w)
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                out.append(sorted(group))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


# 3. No two modules include or call each other, directly or through others.
groups = cycles(edges)
if groups:
    not_ok("no include or call cycle between modules",
           *("these reach each other: " + ", ".join(g) for g in groups))
else:
    ok("no include or call cycle between modules")

# 4. No giant files.
big = []
for name, rel in folders.items():
    for f in sorted(os.listdir(os.path.join(root, rel))):
        if f.endswith(".c"):
            count = sum(1 for _ in open(os.path.join(root, rel, f)))
            if count > max_lines:
                big.append(f"{rel}/{f}: {count} lines (limit {max_lines})")
if big:
    not_ok(f"every lib/ and runtimes/ file has at most {max_lines} lines", *big)
else:
    ok(f"every lib/ and runtimes/ file has at most {max_lines} lines")
cmd_big = []
for f in sorted(os.listdir(os.path.join(root, "cmd"))):
    if f.endswith(".c"):
        count = sum(1 for _ in open(os.path.join(root, "cmd", f)))
        if count > 300:
            cmd_big.append(f"cmd/{f}: {count} lines (limit 300)")
if cmd_big:
    not_ok("every cmd/ file has at most 300 lines (cmd/ stays thin)", *cmd_big)
else:
    ok("every cmd/ file has at most 300 lines (cmd/ stays thin)")

print(f"1..{n}")
sys.exit(1 if failed else 0)
