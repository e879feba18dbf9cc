#!/usr/bin/env python3
"""Seeds for fuzz.archive, written when the test runs (no archive is tracked in git): a small
tree with a symlink and a hard link, a member that climbs out with "..", and a symlink followed by
a file written through it.

usage: archive_seeds.py OUT_DIR"""
import io
import os
import sys
import tarfile

out = sys.argv[1]
os.makedirs(out, exist_ok=True)


def member(name, kind=tarfile.REGTYPE, data=b"", link=""):
    info = tarfile.TarInfo(name)
    info.type, info.size, info.linkname, info.mtime = kind, len(data), link, 0
    info.mode = 0o755 if kind == tarfile.DIRTYPE else 0o644
    return info, io.BytesIO(data) if data else None


seeds = {
    "seed-tree.tar": [member("top/", tarfile.DIRTYPE), member("top/a.txt", data=b"hello\n"),
                      member("top/link", tarfile.SYMTYPE, link="a.txt"),
                      member("top/hard", tarfile.LNKTYPE, link="top/a.txt")],
    "seed-dotdot.tar": [member("../up", data=b"x")],
    "seed-symlink-then-file.tar": [member("evil", tarfile.SYMTYPE, link="/tmp"), member("evil/planted", data=b"owned")],
}
for name, members in seeds.items():
    with tarfile.open(os.path.join(out, name), "w", format=tarfile.GNU_FORMAT) as tar:
        for info, data in members:
            tar.addfile(info, data)
