#!/usr/bin/env python3
"""No version a mirror can drop: every exact PostgreSQL version a shipped scenario or a test
fixture pins must be an npm-published server build (npm-versions.txt: immutable); anything else
is a selector ("17") resolved when the test runs. Prints each offending pin as file:line and
exits 1 when there is one.

usage: check_pins.py SOURCE_DIR"""
import os
import re
import sys

src = sys.argv[1]
here = os.path.dirname(os.path.abspath(__file__))
npm = {l.strip() for l in open(os.path.join(here, "npm-versions.txt")) if l.strip() and not l.startswith("#")}
# Deliberately unavailable versions, each with why it may stay.
allowed = {"15.99": "a version nobody provides: the exit-3 test of tests/fixtures/upgrade/bad-version"}

# Where versions that run live: shipped scenarios, the fixtures tests run, the test scripts and
# the tests that provision (the parse-only fixtures under tests/fixtures/scenarios never run).
roots = ["scenarios", "tests/fixtures/perf", "tests/fixtures/upgrade", "tests/fixtures/inplace",
         "tests/fixtures/docker", "tests/fixtures/db_port", "tests/upgrade", "tests/perf", "tests/e2e",
         "tests/docker", "tests/inplace", "tests/pg", "tests/verify", "tests/fixtures/verify", "bench",
         "tests/migrations", "tests/fixtures/migrations"]
patterns = [
    re.compile(r"""db_version:\s*["']?(\d+\.\d+(?:\.\d+)?)["']?"""),         # manifests
    re.compile(r"""provision\s+pgdg\s+(\d+\.\d+)\b"""),                      # scripts
    re.compile(r"""(?:install|provision)\(\s*(?:"pgdg",\s*)?"(\d+\.\d+)"\s*[,)]"""),  # C++ tests
    re.compile(r"""db_version: \\"(\d+\.\d+)\\\""""),                         # printf templates
]
bad = []
for root in roots:
    for dirpath, _, files in os.walk(os.path.join(src, root)):
        for f in files:
            if not f.endswith((".yaml", ".sh", ".cpp", ".hpp")):
                continue
            path = os.path.join(dirpath, f)
            for n, line in enumerate(open(path, errors="replace"), 1):
                if line.lstrip().startswith(("#", "//")):
                    continue
                for p in patterns:
                    for v in p.findall(line):
                        if v not in npm and v not in allowed:
                            bad.append(f"{os.path.relpath(path, src)}:{n}: pins {v}, which is no npm server build: "
                                       f"use a selector (\"{v.split('.')[0]}\") or a version of tests/lint/npm-versions.txt")
for b in bad:
    print(b)
print(f"{len(bad)} pinned version(s) a mirror can drop")
sys.exit(1 if bad else 0)
