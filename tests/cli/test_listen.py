"""Tests of ``phaselab listen``: the commands of a recording printed with their times; bad files in one line."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from phaselab.cli.listen import _DEFAULTS, format_time
from phaselab.cli.main import build_parser, main
from phaselab.data.speech_commands import resolve_data_root
from phaselab.signal.audio import read_wav, write_wav
from phaselab.training.listen import LISTEN_DEFAULTS


def test_defaults_shown_by_help_are_the_library_defaults() -> None:
    assert _DEFAULTS == LISTEN_DEFAULTS
    args = build_parser().parse_args(["listen", "x.wav"])
    assert (args.stride_ms, args.average_ms, args.threshold, args.suppression_ms, args.minimum_count) == (
        LISTEN_DEFAULTS["stride_ms"], LISTEN_DEFAULTS["average_window_ms"], LISTEN_DEFAULTS["detection_threshold"],
        LISTEN_DEFAULTS["suppression_ms"], LISTEN_DEFAULTS["minimum_count"])
    assert args.gate == LISTEN_DEFAULTS["speech_floor"] and not args.no_gate  # the gate is on unless turned off
    assert build_parser().parse_args(["listen", "x.wav", "--gate", "0.3"]).gate == 0.3
    assert build_parser().parse_args(["listen", "x.wav", "--no-gate"]).no_gate


@pytest.mark.parametrize("option", [["--threshold", "1.5"], ["--threshold", "x"], ["--stride-ms", "0"],
                                    ["--minimum-count", "0"], ["--gate", "2"]])
def test_bad_settings_are_usage_errors(option: list[str], capsys: pytest.CaptureFixture) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["listen", "x.wav", *option])
    assert exit_info.value.code == 2
    assert "error: argument" in capsys.readouterr().err


def write_header_only(path: Path, rate: int) -> Path:
    """A WAV header announcing ``rate`` Hz and one second of int16 samples, with the samples."""
    import struct

    data = np.zeros(1000, np.int16).tobytes()
    fmt = struct.pack("<HHIIHH", 1, 1, rate, rate * 2, 2, 16)
    path.write_bytes(b"RIFF" + struct.pack("<I", 36 + len(data)) + b"WAVEfmt " + struct.pack("<I", 16) + fmt
                     + b"data" + struct.pack("<I", len(data)) + data)
    return path


def test_bad_files_are_one_line_errors(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    (tmp_path / "empty.wav").write_bytes(b"")
    (tmp_path / "notes.wav").write_text("hello")
    (tmp_path / "cut.wav").write_bytes(write_header_only(tmp_path / "whole.wav", 16000).read_bytes()[:-500])
    write_header_only(tmp_path / "rate.wav", 500)
    cases = {"empty.wav": "empty", "notes.wav": "not a WAV", "cut.wav": "truncated", "rate.wav": "500 Hz",
             "missing.wav": "no such file"}
    for name, message in cases.items():
        assert main(["listen", str(tmp_path / name)]) == 1
        err = capsys.readouterr().err
        assert err.startswith("phaselab listen: error: ") and message in err and err.count("\n") == 1, err


def test_time_format() -> None:
    assert [format_time(s) for s in (0.0, 9.876, 59.99, 60.0, 3725.5)] == ["0.00 s", "9.88 s", "59.99 s", "1:00.00", "62:05.50"]


def test_listen_prints_the_commands_of_a_recording(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    """Three test-speaker commands with background noise between them."""
    root = resolve_data_root("real")
    noise = read_wav(root / "_background_noise_" / "recorded_air_conditioner.wav")[:32000]
    listed = (root / "testing_list.txt").read_text().split()
    clips = [root / next(name for name in listed if name.startswith(word)) for word in ("yes/", "stop/", "left/")]
    quiet = 0.05 * noise / np.sqrt(np.mean(noise**2)) * 0.2
    audio = np.concatenate([quiet] + [x for c in clips for x in (read_wav(c), quiet)])
    path = write_wav(tmp_path / "three words.wav", audio)
    assert main(["listen", str(path), "--threshold", "0.5"]) == 0  # at the default 0.6 the "yes" (0.51) is missed
    done = capsys.readouterr()
    rows = [line.split() for line in done.out.splitlines()]  # 2.10 s yes 0.54 (best window 0.98)
    assert all(row[4:6] == ["(best", "window"] and float(row[6].rstrip(")")) >= float(row[3]) for row in rows)
    heard = [(float(row[0]), row[2], float(row[3])) for row in rows]
    assert all(row_unit == "s" for row_unit in (line.split()[1] for line in done.out.splitlines()))
    said = [(2.0 + 3.0 * i, word) for i, word in enumerate(("yes", "stop", "left"))]  # after 2 s of noise each
    hits = [any(abs(t - start) <= 0.75 and label == word for t, label, _ in heard) for start, word in said]
    assert all(hits) and len(heard) == len(said), done.out  # the gate dropped an "up" on the onset of "stop"
    assert all(0.5 <= p <= 1.0 for _, _, p in heard)  # printed to two decimals
    assert [t for t, _, _ in heard] == sorted(t for t, _, _ in heard)
    assert f"{len(heard)} commands in 11.00 s" in done.err


def test_silence_is_no_command(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    path = write_wav(tmp_path / "quiet.wav", np.zeros(48000, np.float32))
    assert main(["listen", str(path)]) == 0
    assert capsys.readouterr().out.strip() == f"{path}: no command heard in 3.00 s"


def test_the_gate_drops_commands_heard_in_a_trumpet(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    """Three test-speaker commands with a solo trumpet between them: the gate prints a subset of ``--no-gate``'s, without the trumpet's."""
    from phaselab.data.everyday import everyday_root

    root = resolve_data_root("real")
    listed = (root / "testing_list.txt").read_text().split()
    clips = [root / next(name for name in listed if name.startswith(word)) for word in ("yes/", "stop/", "left/")]
    trumpet = read_wav(everyday_root() / "solo_trumpet_sorohanro.wav")
    trumpet = 0.05 * trumpet / np.sqrt(np.mean(trumpet**2))
    stretches = [trumpet[i * 48000:(i + 1) * 48000] for i in range(4)]
    path = write_wav(tmp_path / "trumpet.wav", np.concatenate(
        [stretches[0]] + [x for i, c in enumerate(clips) for x in (read_wav(c), stretches[i + 1])]))
    printed = {}
    for options in (["--no-gate"], []):
        assert main(["listen", str(path), *options]) == 0
        printed[not options] = capsys.readouterr().out.splitlines()
    assert set(printed[True]) < set(printed[False]), printed
    trumpet_only = [line for line in printed[False] if float(line.split()[0]) + 1.0 <= 3.0]  # before the first word
    assert trumpet_only and not set(trumpet_only) & set(printed[True]), printed  # measured: "off" at 1.20 s, gone
