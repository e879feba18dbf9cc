#!/usr/bin/env python3
"""The include graph keeps its layers: the host's lower folders include only the folders below
them (a runtime knows no scenario, a cluster no engine), and a plugin includes the SDK and its own
files, never the host's. Prints each include that breaks a rule as file:line and exits 1 when
there is one.

usage: check_layers.py SOURCE_DIR"""
import os
import re
import sys

src = sys.argv[1]
# host/<folder>: the host folders its files may include ("" headers); the flows above them
# (scenario, engine, cli) may include any folder.
allowed = {
    "core": {"core"},
    "runtime": {"core", "runtime"},
    "cluster": {"core", "runtime", "cluster"},
    "plugins": {"core", "plugins"},
    "report": {"core", "report"},
}
quoted = re.compile(r'^\s*#\s*include\s+"([^"]+)"')
bad = []


def sources(root):
    for dirpath, _, files in os.walk(root):
        for f in sorted(files):
            if f.endswith((".cpp", ".hpp", ".h")):
                yield os.path.join(dirpath, f)


for folder, ok in allowed.items():
    for path in sources(os.path.join(src, "host", folder)):
        for n, line in enumerate(open(path, errors="replace"), 1):
            m = quoted.match(line)
            if m and "/" in m.group(1) and m.group(1).split("/")[0] not in ok:
                bad.append(f"{os.path.relpath(path, src)}:{n}: host/{folder} includes \"{m.group(1)}\"; "
                           f"it may include only {', '.join(sorted(ok))}")

plugins = os.path.join(src, "plugins")
for kind in sorted(os.listdir(plugins)):
    if not os.path.isdir(os.path.join(plugins, kind)):
        continue
    for name in sorted(os.listdir(os.path.join(plugins, kind))):
        folder = os.path.join(plugins, kind, name)
        if not os.path.isdir(folder):
            continue
        for path in sources(folder):
            for n, line in enumerate(open(path, errors="replace"), 1):
                m = quoted.match(line)
                if m and not os.path.isfile(os.path.join(os.path.dirname(path), m.group(1))):
                    bad.append(f"{os.path.relpath(path, src)}:{n}: includes \"{m.group(1)}\", which is not a file of "
                               f"its own folder: a plugin includes the SDK (<pgorch/...>) and its own files only")
                elif m and os.path.dirname(os.path.normpath(os.path.join(os.path.dirname(path), m.group(1)))) != \
                        os.path.normpath(os.path.dirname(path)):
                    bad.append(f"{os.path.relpath(path, src)}:{n}: includes \"{m.group(1)}\" from outside its folder")
for b in bad:
    print(b)
print(f"{len(bad)} include(s) across a layer")
sys.exit(1 if bad else 0)
