"""Reading untrusted zips: every hostile class is refused before anything is decompressed."""

from __future__ import annotations

import os
import stat
import struct
import zipfile
import zlib

import pytest

from editor.core.stylepack.errors import PackError
from editor.core.stylepack.safezip import Limits, check_name, read_members


def _zip(path, entries, method=zipfile.ZIP_DEFLATED):
    with zipfile.ZipFile(path, "w", method) as zf:
        for name, data in entries:
            zf.writestr(name, data)
    return path


def _refused(path, words, limits=None):
    with pytest.raises(PackError) as err:
        read_members(path, limits or Limits())
    assert str(path) in str(err.value)
    assert words in str(err.value), str(err.value)


def test_reads_a_plain_zip(tmp_path):
    p = _zip(tmp_path / "ok.stylepack", [("a.txt", b"hello"), ("dir/b.bin", bytes(range(256)) * 10)])
    assert read_members(p) == {"a.txt": b"hello", "dir/b.bin": bytes(range(256)) * 10}


@pytest.mark.parametrize("name", ["../evil", "a/../../evil", "/etc/passwd", "C:/x", "a\\..\\b", "a//b",
                                  "./a", "a/./b", "x\x00y", "-rf", ".hidden", "sp ace", "é"])
def test_bad_names_are_refused(tmp_path, name):
    # zipfile normalizes some names on write, so the central directory is patched by hand
    p = tmp_path / "bad.stylepack"
    placeholder = "Q" * len(name.encode("utf-8"))
    _zip(p, [(placeholder, b"x")])
    raw = p.read_bytes().replace(placeholder.encode(), name.encode("utf-8"))
    p.write_bytes(raw)
    with pytest.raises(PackError) as err:
        read_members(p)
    assert "member name" in str(err.value)


def test_check_name_accepts_pack_paths():
    for name in ("manifest.json", "native/model-int8.scn", "thumbnails/a_b-c.png", "sample/fp32-x.ppm"):
        check_name("p", name)


def test_symlink_is_refused(tmp_path):
    p = tmp_path / "link.stylepack"
    with zipfile.ZipFile(p, "w") as zf:
        info = zipfile.ZipInfo("model.onnx")
        info.create_system = 3
        info.external_attr = (stat.S_IFLNK | 0o777) << 16
        zf.writestr(info, "/etc/passwd")
    _refused(p, "symbolic link")


def test_device_entry_is_refused(tmp_path):
    p = tmp_path / "fifo.stylepack"
    with zipfile.ZipFile(p, "w") as zf:
        info = zipfile.ZipInfo("pipe")
        info.create_system = 3
        info.external_attr = (stat.S_IFIFO | 0o644) << 16
        zf.writestr(info, "")
    _refused(p, "not a regular file")


def test_duplicate_names_are_refused(tmp_path):
    p = tmp_path / "dup.stylepack"
    with pytest.warns(UserWarning):
        _zip(p, [("model.onnx", b"one"), ("model.onnx", b"two")])
    _refused(p, "duplicate member name")


def test_names_differing_only_in_case_are_refused(tmp_path):
    p = _zip(tmp_path / "case.stylepack", [("Model.onnx", b"one"), ("model.onnx", b"two")])
    _refused(p, "duplicate member name")


def test_member_larger_than_the_limit_is_refused_before_inflating(tmp_path):
    p = _zip(tmp_path / "big.stylepack", [("zeros", b"\0" * (3 << 20))])
    _refused(p, "more than the", Limits(member_bytes=2 << 20, ratio=1e9))


def test_high_ratio_is_refused(tmp_path):
    p = _zip(tmp_path / "bomb.stylepack", [("zeros", b"\0" * (8 << 20))])
    _refused(p, "zip bomb")


def test_total_size_is_limited(tmp_path):
    blob = os.urandom(400_000)
    p = _zip(tmp_path / "many.stylepack", [(f"f{i}", blob) for i in range(4)])
    _refused(p, "members unpack to more than", Limits(total_bytes=1_000_000))


def test_entry_count_is_limited(tmp_path):
    p = _zip(tmp_path / "count.stylepack", [(f"f{i}", b"x") for i in range(20)])
    _refused(p, "entries", Limits(members=10))


def test_real_deep_bomb_is_refused_quickly(tmp_path):
    """A genuine bomb: 80 MiB of zeros in 80 KB on disk, past the per-member limit. Refused from
    the central directory alone, before any inflating."""
    p = tmp_path / "gib.stylepack"
    chunk = b"\0" * (1 << 20)
    comp = zlib.compressobj(9, zlib.DEFLATED, -15)
    crc, parts = 0, []
    for _ in range(80):
        parts.append(comp.compress(chunk))
        crc = zlib.crc32(chunk, crc)
    parts.append(comp.flush())
    data = b"".join(parts)
    name = b"zeros"
    local = struct.pack("<4sHHHHHIIIHH", b"PK\x03\x04", 20, 0, 8, 0, 0x21, crc, len(data), 80 << 20, len(name), 0)
    central = struct.pack("<4sHHHHHHIIIHHHHHII", b"PK\x01\x02", 20, 20, 0, 8, 0, 0x21, crc, len(data), 80 << 20,
                          len(name), 0, 0, 0, 0, 0, 0)
    body = local + name + data
    cd = central + name
    end = struct.pack("<4sHHHHIIH", b"PK\x05\x06", 0, 0, 1, 1, len(cd), len(body), 0)
    p.write_bytes(body + cd + end)
    _refused(p, "more than the")


def test_overlapping_entries_are_refused(tmp_path):
    """Two directory entries sharing one local entry (the overlapping-files bomb layout)."""
    p = _zip(tmp_path / "overlap.stylepack", [("aaaa", b"x" * 1000)])
    raw = p.read_bytes()
    cd_at = raw.index(b"PK\x01\x02")
    end_at = raw.index(b"PK\x05\x06")
    cd = raw[cd_at:end_at]
    cd2 = cd.replace(b"aaaa", b"bbbb")
    end = bytearray(raw[end_at:])
    struct.pack_into("<HHI", end, 8, 2, 2, len(cd) * 2)
    p.write_bytes(raw[:cd_at] + cd + cd2 + bytes(end))
    _refused(p, "overlap")


def test_encrypted_member_is_refused(tmp_path):
    p = _zip(tmp_path / "enc.stylepack", [("a", b"secret")], zipfile.ZIP_STORED)
    raw = bytearray(p.read_bytes())
    for magic, off in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        at = raw.index(magic)
        raw[at + off] |= 1
    p.write_bytes(bytes(raw))
    _refused(p, "encrypted")


def test_crc_mismatch_is_refused(tmp_path):
    p = _zip(tmp_path / "crc.stylepack", [("a", b"abcdefgh" * 10)], zipfile.ZIP_STORED)
    raw = bytearray(p.read_bytes())
    at = raw.index(b"abcdefgh")
    raw[at] ^= 0x01
    p.write_bytes(bytes(raw))
    _refused(p, "corrupt")


def test_not_a_zip_and_missing_file(tmp_path):
    p = tmp_path / "junk.stylepack"
    p.write_bytes(b"this is not a zip" * 10)
    _refused(p, "not a readable zip")
    _refused(tmp_path / "absent.stylepack", "cannot open")


def test_oversized_file_is_refused_unread(tmp_path):
    p = tmp_path / "huge.stylepack"
    with open(p, "wb") as f:
        f.truncate(2 << 20)   # sparse: nothing to read, only its size matters
    _refused(p, "more than the", Limits(pack_bytes=1 << 20))
