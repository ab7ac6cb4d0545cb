"""Tests of phaselab.studies.encodings_real: reading the committed comparison back, as chapter 05 does."""

from __future__ import annotations

import json

import numpy as np
import pytest

from phaselab.paths import results_dir
from phaselab.studies.encodings_real import (
    CONDITIONS,
    format_paired_differences,
    paired_difference,
    real_study_report,
)

RESULTS = results_dir() / "encodings_real.json"
SPEED = results_dir() / "bench_encodings.json"


@pytest.fixture(scope="module")
def committed() -> dict:
    return json.loads(RESULTS.read_text(encoding="utf-8"))


def test_real_study_report_has_a_row_per_encoding_with_the_files_numbers(committed: dict) -> None:
    report = real_study_report()
    assert report["rows"] == committed["rows"] and report["settings"] == committed["settings"]
    encodings = [e for e in committed["settings"]["encodings"] if any(r["encoding"] == e for r in committed["rows"])]
    assert list(report["by_encoding"]) == [e["encoding"] for e in report["summary"]] == encodings
    lines = report["table"].splitlines()
    assert len(lines) == 2 + len(encodings)
    speed = {row["encoding"]: row["time_vs_magnitude"] for row in json.loads(SPEED.read_text())["encodings"]}
    assert report["speed"] == speed
    for encoding, line in zip(encodings, lines[2:]):
        runs = [r for r in committed["rows"] if r["encoding"] == encoding]
        cells = [cell.strip() for cell in line.strip("|").split("|")]
        assert cells[0] == encoding and cells[1] == str(len(runs))
        for condition, cell in zip(CONDITIONS, cells[2:]):
            mean = np.mean([r["conditions"][condition]["macro_f1"] for r in runs])
            assert report["by_encoding"][encoding][condition][0] == pytest.approx(mean)
            assert cell.startswith(f"{mean:.3f}")
        assert cells[-1] == f"{speed[encoding]:.2f}x"


def test_real_study_report_without_results_is_none(tmp_path) -> None:
    assert real_study_report(tmp_path / "absent.json") is None
    (tmp_path / "empty.json").write_text(json.dumps({"settings": {}, "machine": "", "rows": []}))
    assert real_study_report(tmp_path / "empty.json") is None


def test_real_study_report_without_speed_drops_the_column(tmp_path) -> None:
    report = real_study_report(speed_path=tmp_path / "absent.json")
    assert report["speed"] is None and "training time" not in report["table"]


def test_format_paired_differences_gives_a_line_per_difference(committed: dict) -> None:
    differences = [paired_difference(committed["rows"], encoding, condition=condition, draws=50)
                   for encoding in ("if", "phased") for condition in ("clean", "noise 0 dB")]
    lines = format_paired_differences(differences).splitlines()
    assert len(lines) == 4
    for line, d in zip(lines, differences):
        assert line.split()[0] == d["encoding"] and d["condition"] in line
        assert f"seeds {d['seeds']}: {d['mean']:+.3f}" in line and line.endswith(d["verdict"])
        assert f"over seeds {d['seed_ci'][0]:+.3f} .. {d['seed_ci'][1]:+.3f}" in line
