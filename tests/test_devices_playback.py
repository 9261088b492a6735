"""Emulated playback on hand-worked schedules (exact fractions, no wall clock)."""

from fractions import Fraction as F

import pytest

from editor.core.devices.playback import simulate


def test_slower_than_the_camera_drops_the_frames_that_arrive_while_busy():
    # 25 fps camera (a frame every 40 ms), 50 ms inference. Frame 0 runs 0-50 ms; frame 1
    # (40 ms) arrives while busy and is dropped; frame 2 (80 ms) runs 80-130; and so on.
    pb = simulate(50, 25, 10)
    assert [s.source_frame for s in pb.shown] == [0, 2, 4, 6, 8]
    assert [s.done for s in pb.shown] == [F(1, 20), F(13, 100), F(21, 100), F(29, 100), F(37, 100)]
    assert pb.dropped == 5
    assert pb.shown_fps == pytest.approx(12.5)            # 5 results within the 0.4 s clip
    assert pb.mean_latency_ms() == pytest.approx(50.0)
    assert pb.ticks == [None, None, 0, 0, 2, 2, 4, 4, 6, 6]


def test_a_frame_arriving_as_inference_ends_finds_the_phone_idle():
    pb = simulate(40, 25, 10)
    assert [s.source_frame for s in pb.shown] == list(range(10))
    assert pb.dropped == 0 and pb.shown_fps == pytest.approx(25.0)
    assert pb.ticks == [None] + list(range(9))            # one frame behind, never skipping


def test_faster_than_the_camera_shows_every_frame_after_its_inference():
    pb = simulate(10, 25, 4)
    assert pb.dropped == 0
    assert pb.ticks == [None, 0, 1, 2]
    assert pb.mean_latency_ms() == pytest.approx(10.0)


def test_ntsc_rate_stays_exact():
    # 30000/1001 fps: frame k arrives at k * 1001/30000 s. 100 ms inference: frame 0 runs
    # 0-0.1 s; frame 2 (0.0667 s) is dropped, frame 3 arrives at 0.1001 s and runs to 0.2001 s;
    # frame 6 would arrive at 0.2002 s, past the end of a 6-frame clip.
    pb = simulate(100, F(30000, 1001), 6)
    assert [s.source_frame for s in pb.shown] == [0, 3]
    assert pb.shown[1].start == F(3003, 30000)
    assert pb.shown[1].done == F(3003, 30000) + F(1, 10)
    assert pb.dropped == 4


def test_keep_latest_runs_on_the_newest_buffered_frame():
    # One-slot buffer: when inference ends, the newest frame that arrived meanwhile runs at once.
    pb = simulate(50, 25, 10, keep_latest=True)
    assert [s.source_frame for s in pb.shown] == [0, 1, 2, 3, 5, 6, 7, 8, 9]
    assert [s.start for s in pb.shown][:5] == [0, F(1, 20), F(1, 10), F(3, 20), F(1, 5)]
    assert pb.dropped == 1
    assert pb.shown_fps == pytest.approx(20.0)             # 8 results by 0.4 s


def test_sustained_load_throttling_slows_inference_after_its_onset():
    # 30 ms until 0.1 s of load, then twice as slow.
    pb = simulate(30, 25, 10, throttle={"after_s": 0.1, "factor": 2})
    assert [s.source_frame for s in pb.shown] == [0, 1, 2, 3, 5, 7, 9]
    assert pb.shown[3].done - pb.shown[3].start == F(3, 50)


def test_same_schedule_every_run_and_bad_arguments():
    assert simulate(33.3, 30, 90).ticks == simulate(33.3, 30, 90).ticks
    with pytest.raises(ValueError):
        simulate(0, 25, 10)
    with pytest.raises(ValueError):
        simulate(10, 0, 10)


def test_cli_play_with_throttling(tmp_path, capsys):
    import json

    import onnx

    from editor.cli import main
    from editor.core.devices.onnx_build import style_network

    model = tmp_path / "s.onnx"
    onnx.save(style_network(8, 1), model)
    args = ["devices", "play", str(model), "--device", "sd821-4t", "--size", "160x96", "--fps", "30",
            "--frames", "300", "--json"]
    assert main(args) == 0
    steady = json.loads(capsys.readouterr().out)
    assert main(args + ["--throttle", "2:4"]) == 0      # ~10 ms a frame, ~41 ms after 2 s
    hot = json.loads(capsys.readouterr().out)
    assert hot["inference_ms"] == steady["inference_ms"]
    assert hot["processed"] < steady["processed"] and hot["max_latency_ms"] > steady["max_latency_ms"]
    assert main(args + ["--throttle", "soon"]) == 2
    assert "AFTER_S:FACTOR" in capsys.readouterr().err
