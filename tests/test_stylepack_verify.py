"""`verify_pack` on a real exported pack: it passes, and every kind of damage is caught."""

from __future__ import annotations

import json
import random
import struct
import time
import zipfile

import pytest
from stylepack_support import built_pack, members_of, rezip

from editor.core.stylepack import manifest as mf
from editor.core.stylepack.errors import PackError
from editor.core.stylepack.verify import load_members, verify_pack


@pytest.fixture(scope="module")
def pack(request, tmp_path_factory):
    return built_pack(request, tmp_path_factory)


def _refused(path, words):
    with pytest.raises(PackError) as err:
        verify_pack(path)
    assert str(path) in str(err.value)
    assert words in str(err.value), str(err.value)
    return err.value


def test_exported_pack_verifies(pack):
    verified = verify_pack(pack)
    m = verified.manifest
    assert m["format_version"] == mf.FORMAT_VERSION
    assert [s["style_index"] for s in m["styles"]] == [0, 2]
    assert {n["precision"] for n in m["native_models"]} == {"int8", "fp32"}
    assert any("byte for byte (4 outputs)" in c for c in verified.checks)


def test_one_flipped_byte_in_any_member_is_caught(pack, tmp_path):
    """Content flips with the zip's own CRC recomputed: only the pack's checksums can tell."""
    members = members_of(pack)
    rng = random.Random(7)
    for name, blob in members.items():
        at = rng.randrange(len(blob))
        damaged = dict(members)
        damaged[name] = blob[:at] + bytes([blob[at] ^ 0x10]) + blob[at + 1:]
        path = rezip(tmp_path / f"flip-{name.replace('/', '_')}.stylepack", damaged, fix_manifest=False)
        with pytest.raises(PackError) as err:
            load_members(path)
        assert str(path) in str(err.value)


def test_raw_flips_inside_member_data_are_caught(pack, tmp_path):
    """Flips in the stored (compressed) bytes of each member, the zip left as it is."""
    raw = pack.read_bytes()
    with zipfile.ZipFile(pack) as zf:
        infos = zf.infolist()
    for info in infos:
        name_len, extra_len = struct.unpack_from("<HH", raw, info.header_offset + 26)
        start = info.header_offset + 30 + name_len + extra_len
        at = start + info.compress_size // 2
        bad = tmp_path / "raw.stylepack"
        bad.write_bytes(raw[:at] + bytes([raw[at] ^ 0xFF]) + raw[at + 1:])
        with pytest.raises(PackError):
            load_members(bad)


def test_checksum_mismatch_names_the_member(pack, tmp_path):
    members = members_of(pack)
    members["model.onnx"] = members["model.onnx"][:-1] + b"\x00"
    err = _refused(rezip(tmp_path / "x.stylepack", members, fix_manifest=False), "checksum mismatch")
    assert "model.onnx" in str(err)


def test_manifest_checksum_file_protects_the_manifest(pack, tmp_path):
    members = members_of(pack)
    members[mf.MANIFEST] = members[mf.MANIFEST].replace(b'"StyleCut tests"', b'"Somebody else"')
    _refused(rezip(tmp_path / "m.stylepack", members, fix_manifest=False), "checksum mismatch")


def test_unknown_format_version(pack, tmp_path):
    def edit(m):
        m["format_version"] = 2
    _refused(rezip(tmp_path / "v2.stylepack", members_of(pack), edit=edit), "format version 2 is not supported")


def test_manifest_naming_a_missing_file(pack, tmp_path):
    members = members_of(pack)
    del members["thumbnails/test-moss.png"]
    _refused(rezip(tmp_path / "missing.stylepack", members, fix_manifest=False), "missing from the pack")


def test_manifest_reference_outside_files_list(pack, tmp_path):
    def edit(m):
        m["styles"][0]["thumbnail"] = "thumbnails/nowhere.png"
    _refused(rezip(tmp_path / "ref.stylepack", members_of(pack), edit=edit), "which is not in 'files'")


def test_unlisted_member_is_refused(pack, tmp_path):
    members = members_of(pack)
    members["extra.bin"] = b"smuggled"
    _refused(rezip(tmp_path / "extra.stylepack", members), "not listed in the manifest")


@pytest.mark.parametrize("edit, words", [
    (lambda m: m.update(id="../up"), "id '../up'"),
    (lambda m: m["styles"][1].update(style_index=7), "outside 0..2"),
    (lambda m: m["styles"][1].update(style_index=0), "style index 0 appears twice"),
    (lambda m: m["styles"][1].update(id="test-ember"), "appears twice"),
    (lambda m: m.update(styles=[]), "no styles"),
    (lambda m: m["input"].update(processing_size=True), "must be int"),
    (lambda m: m["input"].update(size_multiple=16), "accepts sides multiple of 8"),
    (lambda m: m.update(native_model="model.onnx"), "not one of native_models"),
    (lambda m: m["sample"].update(outputs=m["sample"]["outputs"][1:]), "no sample output"),
    (lambda m: m.pop("licence"), "lacks 'licence'"),
    (lambda m: m.update(format="zip"), "format is 'zip'"),
])
def test_schema_violations(pack, tmp_path, edit, words):
    _refused(rezip(tmp_path / "schema.stylepack", members_of(pack), edit=edit), words)


def test_absurd_native_tensor_shape(pack, tmp_path):
    """A tensor table entry claiming 2^32 elements: refused by name before the C loader."""
    members = members_of(pack)
    blob = bytearray(members["native/model-int8.scn"])
    table, = struct.unpack_from("<I", blob, 76)
    struct.pack_into("<II4I", blob, table, 1, 4, 65536, 65536, 1, 1)
    members["native/model-int8.scn"] = bytes(blob)
    _refused(rezip(tmp_path / "shape.stylepack", members), "absurd shape")


def test_native_model_the_runtime_refuses(pack, tmp_path):
    members = members_of(pack)
    blob = bytearray(members["native/model-fp32.scn"])
    blob[-1] ^= 0x55       # payload changed, the model's own FNV checksum now disagrees
    members["native/model-fp32.scn"] = bytes(blob)
    _refused(rezip(tmp_path / "native.stylepack", members), "native runtime refuses it")


def test_wrong_sample_output_is_caught(pack, tmp_path):
    members = members_of(pack)
    out = bytearray(members["sample/int8-test-moss.ppm"])
    out[-1] ^= 1
    members["sample/int8-test-moss.ppm"] = bytes(out)
    _refused(rezip(tmp_path / "sample.stylepack", members), "differs from the stored sample output")


def test_swapped_style_indices_are_caught(pack, tmp_path):
    """The manifest says ember is index 2 and moss index 0: the samples no longer match."""
    def edit(m):
        m["styles"][0]["style_index"], m["styles"][1]["style_index"] = 2, 0
    _refused(rezip(tmp_path / "swap.stylepack", members_of(pack), edit=edit), "differs from the stored sample")


def test_ort_model_replaced_by_garbage(pack, tmp_path):
    members = members_of(pack)
    members["model.ort"] = b"not a flatbuffer" * 100
    _refused(rezip(tmp_path / "ort.stylepack", members), "onnxruntime cannot load or run it")


@pytest.mark.parametrize("source, words", [("sample/input.ppm", "is PPM, not PNG"), (None, "not a readable PNG")])
def test_thumbnail_that_is_not_png(pack, tmp_path, source, words):
    members = members_of(pack)
    members["thumbnails/test-ember.png"] = members[source] if source else b"\x89PNG junk" * 50
    _refused(rezip(tmp_path / "thumb.stylepack", members), words)


def test_fuzzed_packs_fail_cleanly(pack, tmp_path):
    """Random damage to a valid pack for a bounded time (fixed seed): verification either
    passes or raises PackError, never anything else. Half the mutations keep the manifest
    consistent so the damage reaches the model loaders (the C one included)."""
    rng = random.Random(1234)
    raw = pack.read_bytes()
    members = members_of(pack)
    names = sorted(members)
    deadline = time.monotonic() + 8.0
    runs = refused = 0
    while time.monotonic() < deadline and runs < 400:
        runs += 1
        path = tmp_path / f"fuzz{runs % 4}.stylepack"
        if rng.random() < 0.5:
            data = bytearray(raw)
            for _ in range(rng.randint(1, 8)):
                data[rng.randrange(len(data))] = rng.randrange(256)
            if rng.random() < 0.2:
                del data[rng.randrange(len(data)):]
            path.write_bytes(bytes(data))
        else:
            name = rng.choice([n for n in names if n not in (mf.MANIFEST, mf.MANIFEST_SUM)])
            blob = bytearray(members[name])
            for _ in range(rng.randint(1, 16)):
                blob[rng.randrange(len(blob))] = rng.randrange(256)
            damaged = dict(members)
            damaged[name] = bytes(blob)
            rezip(path, damaged)
        try:
            verify_pack(path)
        except PackError as exc:
            refused += 1
            assert str(path) in str(exc)
    assert runs >= 20 and refused >= runs * 0.7


def test_manifest_json_is_strict_about_types(pack, tmp_path):
    members = members_of(pack)
    data = json.loads(members[mf.MANIFEST])
    data["files"][0]["bytes"] = "12"
    text = json.dumps(data).encode()
    members[mf.MANIFEST] = text
    import hashlib
    members[mf.MANIFEST_SUM] = hashlib.sha256(text).hexdigest().encode()
    _refused(rezip(tmp_path / "types.stylepack", members, fix_manifest=False), "must be int")


def test_onnx_with_external_data_is_refused(pack, tmp_path):
    """An initializer pointing at a file outside the pack is refused before onnxruntime reads it."""
    import onnx

    members = members_of(pack)
    model = onnx.load_model_from_string(members["model.onnx"])
    init = model.graph.initializer[0]
    init.ClearField("raw_data")
    del init.float_data[:]
    init.data_location = onnx.TensorProto.EXTERNAL
    entry = init.external_data.add()
    entry.key, entry.value = "location", "../../../../etc/passwd"
    members["model.onnx"] = model.SerializeToString()
    _refused(rezip(tmp_path / "external.stylepack", members), "refers to external data")
