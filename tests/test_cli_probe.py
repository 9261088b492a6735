"""`stylecut probe`: readable and JSON descriptions; bad files exit 2 with one line."""

from __future__ import annotations

import json
import subprocess
import sys

from editor.cli import main


def run_cli(*args):
    return subprocess.run([sys.executable, "-m", "editor", *map(str, args)],
                          capture_output=True, text=True)


def test_probe_text(bunny, capsys):
    assert main(["probe", str(bunny)]) == 0
    out = capsys.readouterr().out
    assert "h264 1280x720" in out and "25 fps" in out and "132 frames" in out
    assert "aac 48000 Hz, 6 channels (5.1)" in out


def test_probe_json(carphone, capsys):
    assert main(["probe", str(carphone), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["video"]["fps"] == "30000/1001" and data["video"]["frame_count"] == 120
    assert data["audio"] is None and data["path"] == str(carphone)


def test_bad_file_is_one_line_exit_2(tmp_path):
    bad = tmp_path / "story.mp4"
    bad.write_text("once upon a time\n" * 30)
    r = run_cli("probe", bad)
    assert r.returncode == 2
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and str(bad) in lines[0] and "text file" in lines[0]
    assert "Traceback" not in r.stderr and r.stdout == ""


def test_missing_file_is_one_line_exit_2(tmp_path):
    r = run_cli("probe", tmp_path / "gone.mov", "--json")
    assert r.returncode == 2 and "does not exist" in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1
