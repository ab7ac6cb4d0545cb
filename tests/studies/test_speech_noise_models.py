"""Tests of phaselab.studies.speech_noise_models: reading chapter 06's committed comparison back."""

from __future__ import annotations

import json

import numpy as np
import pytest

from phaselab.paths import results_dir
from phaselab.studies.speech_noise import KINDS
from phaselab.studies.speech_noise_models import (
    format_seed_summary,
    kind_accuracy,
    speech_noise_study,
    summarise_seeds,
)
from phaselab.training.scores import seed_interval

RESULTS = results_dir() / "speech_noise_real.json"


def test_speech_noise_study_has_the_files_runs_and_auc_gaps() -> None:
    committed = json.loads(RESULTS.read_text(encoding="utf-8"))
    study = speech_noise_study()
    assert study["runs"] == committed["runs"] and study["summary"] == committed["summary"]
    assert list(study["runs"]) == ["0", "1", "2"]
    encodings = list(committed["summary"])
    lines = study["table"].splitlines()
    assert len(lines) == 1 + len(encodings)  # header, a row per encoding
    for encoding, line in zip(encodings, lines[1:]):
        assert line.split()[0] == encoding and f"{committed['summary'][encoding]['auc']:.3f}" in line
    assert list(study["gaps"]) == [e for e in encodings if e != "magnitude"] == list(study["verdicts"])
    for encoding, gaps in study["gaps"].items():
        expected = [run[encoding]["auc"] - run["magnitude"]["auc"] for run in committed["runs"].values()]
        assert gaps == pytest.approx(expected)
        assert study["verdicts"][encoding] == pytest.approx(seed_interval(expected))
    assert len(study["differences"].splitlines()) == len(study["gaps"])
    assert study["differences"].startswith(f"{encodings[1]} − magnitude, ROC AUC")


def test_speech_noise_study_without_results_is_none(tmp_path) -> None:
    assert speech_noise_study(tmp_path / "absent.json") is None



def test_kind_accuracy_counts_each_kind() -> None:
    scores = np.array([0.9, 0.2, 0.7, 0.1, 0.6])
    kinds = np.array([0, 0, 1, 1, 3])
    result = kind_accuracy(scores, kinds)
    assert result["accuracy"] == pytest.approx(2 / 5)
    assert result["speech"] == 0.5 and result["twin"] == 0.5 and result["noise"] == 0.0
    assert np.isnan(result["shaped"])


def _result(accuracy: float, twin: float, seconds: float, params: int = 7086) -> dict:
    test = {"accuracy": accuracy, **dict.fromkeys(KINDS, 1.0), "twin": twin}
    return {"history": {}, "test": test, "params": params, "seconds": seconds}


def test_summarise_seeds_gives_the_mean_and_sample_spread_per_encoding() -> None:
    runs = {
        "0": {"magnitude": _result(0.90, 1.0, 50.0), "mag_if": _result(0.80, 0.9, 70.0, 7158)},
        "1": {"magnitude": _result(0.94, 0.8, 60.0), "mag_if": _result(0.80, 0.9, 80.0, 7158)},
        "2": {"magnitude": _result(0.92, 0.9, 70.0), "mag_if": _result(0.86, 0.9, 90.0, 7158)},
    }
    summary = summarise_seeds(runs)
    assert list(summary) == ["magnitude", "mag_if"]
    magnitude, mag_if = summary["magnitude"], summary["mag_if"]
    assert magnitude["seeds"] == 3 and magnitude["params"] == 7086 and mag_if["params"] == 7158
    assert magnitude["accuracy"] == pytest.approx(0.92) and magnitude["accuracy_std"] == pytest.approx(0.02)
    assert magnitude["twin"] == pytest.approx(0.9) and magnitude["twin_std"] == pytest.approx(0.1)
    assert magnitude["seconds"] == pytest.approx(60.0) and magnitude["seconds_std"] == pytest.approx(10.0)
    assert mag_if["accuracy"] == pytest.approx(0.82)
    assert mag_if["accuracy_std"] == pytest.approx(np.std([0.8, 0.8, 0.86], ddof=1))
    assert mag_if["speech"] == 1.0 and mag_if["speech_std"] == 0.0
    assert {f"{kind}_std" for kind in KINDS} <= set(magnitude)
    table = format_seed_summary(summary).splitlines()
    assert len(table) == 3 and "0.920 ± 0.020" in table[1] and table[2].startswith("mag_if")


def test_summarise_seeds_with_one_seed_has_no_spread() -> None:
    summary = summarise_seeds({"4": {"magnitude": _result(0.9, 1.0, 5.0)}})
    assert summary["magnitude"]["seeds"] == 1 and np.isnan(summary["magnitude"]["accuracy_std"])
    assert "±" not in format_seed_summary(summary).splitlines()[1]


def test_summarise_seeds_refuses_runs_that_do_not_match() -> None:
    with pytest.raises(ValueError, match="no runs"):
        summarise_seeds({})
    with pytest.raises(ValueError, match="seed 1 has encodings"):
        summarise_seeds({"0": {"magnitude": _result(0.9, 1.0, 5.0)}, "1": {"mag_if": _result(0.9, 1.0, 5.0)}})
    with pytest.raises(ValueError, match="differ in size"):
        summarise_seeds({"0": {"magnitude": _result(0.9, 1.0, 5.0)}, "1": {"magnitude": _result(0.9, 1.0, 5.0, 9)}})
