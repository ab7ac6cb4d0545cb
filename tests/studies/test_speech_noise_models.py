"""Tests of phaselab.studies.speech_noise_models: reading chapter 06's committed comparison back."""

from __future__ import annotations

import json

import pytest

from phaselab.paths import results_dir
from phaselab.studies.speech_noise_models import speech_noise_study
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
