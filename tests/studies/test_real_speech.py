"""Tests of phaselab.studies.real_speech: summarising runs, the learning curve, the committed results."""

from __future__ import annotations

import math
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import pytest

from phaselab.studies.real_speech import (
    ARMS,
    Arm,
    format_summary,
    learning_curve,
    load_results,
    plot_learning_curve,
    summarise,
)

RESULTS = Path(__file__).resolve().parents[2] / "benchmarks" / "results" / "real_speech.json"


def row(arm: str, data: str, seed: int, clips: int, real: float, synthetic: float, share: float | None = None) -> dict:
    scores = {"macro_f1": real, "accuracy": real, "command_recall": real, "false_alarm_rate": 1 - real, "f1": {}}
    return {"arm": arm, "data": data, "seed": seed, "train_clips": clips, "train_speakers": share,
            "scores": {"real test speakers": scores, "synthetic held-out voices": {**scores, "macro_f1": synthetic}}}


ROWS = [
    row("real, all speakers", "real", 0, 2000, 0.8, 0.5), row("real, all speakers", "real", 1, 2000, 0.7, 0.6),
    row("real, 1/4 of speakers", "real", 0, 500, 0.5, 0.4, 0.25), row("real, 1/4 of speakers", "real", 1, 520, 0.6, 0.4, 0.25), row("synthetic voices only", "synthetic", 0, 800, 0.3, 0.9),
]


def test_summarise_means_and_spreads_in_table_order() -> None:
    summary = summarise(ROWS)
    assert [e["arm"] for e in summary] == ["synthetic voices only", "real, 1/4 of speakers", "real, all speakers"]
    assert summary[1]["seeds"] == [0, 1]
    mean, sd = summary[2]["real test speakers"]["macro_f1"]
    assert mean == pytest.approx(0.75) and sd == pytest.approx(math.sqrt(0.005))
    one = summary[0]["real test speakers"]["macro_f1"]
    assert one[0] == 0.3 and math.isnan(one[1])  # one seed: no spread measured
    text = format_summary(summary)
    assert "| real, all speakers | 2,000 | 2 | 0.750 ± 0.071 |" in text and "n/a" in text  # no validation jury here


def test_learning_curve_takes_real_arms_by_size() -> None:
    sizes, scores = learning_curve(ROWS)
    assert sizes == [510, 2000] and scores == [[0.5, 0.6], [0.8, 0.7]]  # a share's seeds draw different speakers
    ax = plot_learning_curve(ROWS)
    assert ax.get_xscale() == "log" and len(ax.lines) == 2  # means and target: no extrapolated trend
    assert [t.get_text() for t in ax.texts] == ["+0.200"]  # each doubling labelled with its gain


def test_arm_keys() -> None:
    assert Arm("x", "real", 0.25).key == "real-0.25" and Arm("x", "both").key == "both"
    assert len({arm.key for arm in ARMS}) == len(ARMS)


def test_committed_results_cover_every_arm_with_two_seeds() -> None:
    rows = load_results(RESULTS)["rows"]
    for arm in ARMS:
        seeds = sorted(r["seed"] for r in rows if r["arm"] == arm.name)
        assert seeds == [0, 1], (arm.name, seeds)
    for r in rows:
        for jury in ("real test speakers", "synthetic held-out voices"):
            assert 0.0 <= r["scores"][jury]["macro_f1"] <= 1.0


def test_real_speech_study_is_the_committed_results_summarised_per_arm() -> None:
    from phaselab.studies.real_speech import real_speech_study

    results = load_results(RESULTS)
    study = real_speech_study()
    assert study["rows"] == results["rows"] and study["machine"] == results["machine"]
    assert list(study["summary"]) == [arm.name for arm in ARMS]  # one entry per arm, in table order
    table = study["table"].splitlines()
    assert len(table) == 2 + len(ARMS)  # header, rule, a row per arm
    for arm, line in zip(ARMS, table[2:]):
        runs = [r for r in results["rows"] if r["arm"] == arm.name]
        real = [r["scores"]["real test speakers"]["macro_f1"] for r in runs]
        synthetic = [r["scores"]["synthetic held-out voices"]["macro_f1"] for r in runs]
        entry = study["summary"][arm.name]
        assert entry["seeds"] == sorted(r["seed"] for r in runs) and len(runs) == 2
        assert entry["real test speakers"]["macro_f1"][0] == pytest.approx(sum(real) / len(real))
        assert entry["synthetic held-out voices"]["macro_f1"][0] == pytest.approx(sum(synthetic) / len(synthetic))
        cells = [cell.strip() for cell in line.strip("|").split("|")]
        assert cells[0] == arm.name and cells[2] == "2"
        assert cells[3].startswith(f"{sum(real) / len(real):.3f} ± ") and cells[8].startswith(f"{sum(synthetic) / 2:.3f}")


def test_real_speech_study_reads_another_file(tmp_path: Path) -> None:
    import json

    from phaselab.studies.real_speech import real_speech_study

    path = tmp_path / "real_speech.json"
    path.write_text(json.dumps({"machine": "a test", "rows": ROWS}), encoding="utf-8")
    study = real_speech_study(path)
    assert study["machine"] == "a test" and list(study["summary"]) == ["synthetic voices only", "real, 1/4 of speakers",
                                                                      "real, all speakers"]
