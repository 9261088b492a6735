"""Reading a zip file someone else made, without trusting it.

Everything is checked from the central directory and the local headers before a single byte
is decompressed: entry names (no absolute paths, no `..`, no backslashes, a small character
set), entry types (regular files only: no symlinks, devices or fifos), duplicate names (also
names that differ only in case, which collide on case-insensitive file systems), encryption,
compression methods, declared sizes and compression ratios (zip bombs), and overlapping
entries (the "overlapping files" bomb, whose entries share one compressed stream). Only then
are members read, each with a hard byte limit, into memory: nothing touches the disk here.
"""

from __future__ import annotations

import os
import re
import stat
import struct
import zipfile
import zlib
from dataclasses import dataclass

from editor.core.stylepack.errors import PackError

MiB = 1024 * 1024


@dataclass(frozen=True)
class Limits:
    pack_bytes: int = 256 * MiB      # the zip file itself
    members: int = 256               # entries in the central directory
    member_bytes: int = 64 * MiB     # one member, uncompressed
    total_bytes: int = 256 * MiB     # all members, uncompressed
    ratio: float = 200.0             # uncompressed / compressed, checked for members above ...
    ratio_floor: int = 64 * 1024     # ... this size (tiny files legitimately compress well)


DEFAULT_LIMITS = Limits()
NAME_PART = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
MAX_NAME = 200
_LOCAL_HEADER = struct.Struct("<4sHHHHHIIIHH")   # 30 bytes
_LOCAL_MAGIC = b"PK\x03\x04"


def check_name(pack: str, name: str) -> None:
    """Refuse any member name that could escape a folder or mean different things on
    different systems."""
    if not name or len(name) > MAX_NAME:
        raise PackError(pack, f"member name {name[:60]!r} is empty or longer than {MAX_NAME} characters")
    if "\\" in name or "\x00" in name:
        raise PackError(pack, f"member name {name!r} contains a backslash or NUL")
    if name.startswith("/") or re.match(r"^[A-Za-z]:", name):
        raise PackError(pack, f"member name {name!r} is an absolute path")
    parts = name.rstrip("/").split("/")
    if any(p in ("", ".", "..") for p in parts):
        raise PackError(pack, f"member name {name!r} has an empty, '.' or '..' component")
    bad = [p for p in parts if not NAME_PART.match(p)]
    if bad:
        raise PackError(pack, f"member name {name!r} uses characters outside A-Z a-z 0-9 . _ -")


def _entry_kind(info: zipfile.ZipInfo) -> str:
    mode = info.external_attr >> 16
    kind = stat.S_IFMT(mode)
    if info.is_dir():
        return "dir"
    if kind == stat.S_IFLNK:
        return "symlink"
    if kind not in (0, stat.S_IFREG):
        return "special"
    return "file"


def _check_layout(pack: str, fh, infos: list[zipfile.ZipInfo], dir_start: int) -> None:
    """Every entry's local header and data must lie inside the file, before the central
    directory, and must not overlap another entry's."""
    spans = []
    for info in infos:
        fh.seek(info.header_offset)
        raw = fh.read(_LOCAL_HEADER.size)
        if len(raw) != _LOCAL_HEADER.size:
            raise PackError(pack, f"member {info.filename!r}: local header lies outside the file")
        fields = _LOCAL_HEADER.unpack(raw)
        if fields[0] != _LOCAL_MAGIC:
            raise PackError(pack, f"member {info.filename!r}: no local header at offset {info.header_offset}")
        name_len, extra_len = fields[9], fields[10]
        start = info.header_offset
        end = start + _LOCAL_HEADER.size + name_len + extra_len + info.compress_size
        if end > dir_start:
            raise PackError(pack, f"member {info.filename!r}: data runs past the start of the central directory")
        spans.append((start, end, info.filename))
    spans.sort()
    for (s0, e0, n0), (s1, e1, n1) in zip(spans, spans[1:]):
        if s1 < e0:
            raise PackError(pack, f"members {n0!r} and {n1!r} overlap in the file (a zip bomb layout)")


def read_members(path, limits: Limits = DEFAULT_LIMITS) -> dict[str, bytes]:
    """All regular-file members of the zip at `path`, by name, after the checks above.

    Directory entries are accepted and dropped. Raises PackError naming the pack."""
    pack = os.fspath(path)
    try:
        st = os.stat(pack)
    except OSError as exc:
        raise PackError(pack, f"cannot open ({exc.strerror})") from None
    if not stat.S_ISREG(st.st_mode):
        raise PackError(pack, "not a regular file")
    if st.st_size > limits.pack_bytes:
        raise PackError(pack, f"the pack is {st.st_size} bytes, more than the {limits.pack_bytes} allowed")
    try:
        fh = open(pack, "rb")
    except OSError as exc:
        raise PackError(pack, f"cannot open ({exc.strerror})") from None
    with fh:
        try:
            zf = zipfile.ZipFile(fh)
        except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError,
                struct.error, NotImplementedError) as exc:
            raise PackError(pack, f"not a readable zip file ({exc})") from None
        with zf:
            infos = zf.infolist()
            if len(infos) > limits.members:
                raise PackError(pack, f"{len(infos)} entries, more than the {limits.members} allowed")
            seen: dict[str, str] = {}
            total = 0
            for info in infos:
                name = info.filename
                # zipfile cuts names at a NUL byte; other unzip tools may not, so the stored
                # name must pass as well
                check_name(pack, info.orig_filename)
                check_name(pack, name)
                key = name.rstrip("/").lower()
                if key in seen:
                    raise PackError(pack, f"duplicate member name {name!r} (also {seen[key]!r})")
                seen[key] = name
                kind = _entry_kind(info)
                if kind == "symlink":
                    raise PackError(pack, f"member {name!r} is a symbolic link")
                if kind == "special":
                    raise PackError(pack, f"member {name!r} is not a regular file")
                if info.flag_bits & 0x1:
                    raise PackError(pack, f"member {name!r} is encrypted")
                if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
                    raise PackError(pack, f"member {name!r} uses compression method {info.compress_type} "
                                          "(only stored and deflate are read)")
                if info.file_size > limits.member_bytes:
                    raise PackError(pack, f"member {name!r} unpacks to {info.file_size} bytes, more than "
                                          f"the {limits.member_bytes} allowed")
                if info.file_size > limits.ratio_floor and \
                        info.file_size > limits.ratio * max(info.compress_size, 1):
                    raise PackError(pack, f"member {name!r} compresses {info.file_size} bytes into "
                                          f"{info.compress_size} (ratio above {limits.ratio:g}: a zip bomb?)")
                if info.compress_type == zipfile.ZIP_STORED and info.compress_size != info.file_size:
                    raise PackError(pack, f"member {name!r} is stored but its sizes disagree")
                total += info.file_size
                if total > limits.total_bytes:
                    raise PackError(pack, f"members unpack to more than the {limits.total_bytes} bytes allowed")
            dir_start = getattr(zf, "start_dir", st.st_size)
            try:
                _check_layout(pack, fh, infos, dir_start)
            except OSError as exc:
                raise PackError(pack, f"cannot read ({exc.strerror})") from None
            members = {}
            for info in infos:
                if info.is_dir():
                    continue
                members[info.filename] = _read_one(pack, zf, info)
            return members


def _read_one(pack: str, zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes:
    """The member's bytes, never more than it declared; CRC checked by zipfile at the end."""
    chunks, got = [], 0
    try:
        with zf.open(info) as src:
            while True:
                block = src.read(min(1 * MiB, info.file_size - got + 1))
                if not block:
                    break
                got += len(block)
                if got > info.file_size:
                    raise PackError(pack, f"member {info.filename!r} unpacks to more than its declared size")
                chunks.append(block)
    except PackError:
        raise
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError, NotImplementedError) as exc:
        raise PackError(pack, f"member {info.filename!r} is corrupt ({exc})") from None
    if got != info.file_size:
        raise PackError(pack, f"member {info.filename!r} is truncated ({got} of {info.file_size} bytes)")
    return b"".join(chunks)
