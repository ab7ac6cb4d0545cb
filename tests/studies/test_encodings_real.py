"""Tests of phaselab.studies.encodings_real: reading the committed comparison back, as chapter 05 does."""

from __future__ import annotations

import json

import matplotlib
import numpy as np
import pytest

from phaselab.paths import results_dir
from phaselab.studies.encodings_real import (
    CONDITIONS,
    REAL_ARMS,
    arm_baseline,
    arm_spec,
    load_speed,
    condition_audio,
    format_paired_differences,
    format_real_summary,
    paired_difference,
    plot_robustness,
    real_study_report,
    summarise_real,
)

RESULTS = results_dir() / "encodings_real.json"
SPEED = results_dir() / "bench_encodings.json"


@pytest.fixture(scope="module")
def committed() -> dict:
    return json.loads(RESULTS.read_text(encoding="utf-8"))


def test_real_study_report_has_a_row_per_arm_with_the_files_numbers(committed: dict) -> None:
    report = real_study_report()
    assert report["rows"] == committed["rows"] and report["settings"] == committed["settings"]
    present = list(dict.fromkeys(r["arm"] for r in committed["rows"]))
    arms = [a for a in REAL_ARMS if a in present] + [a for a in present if a not in REAL_ARMS]
    assert list(report["by_arm"]) == [e["arm"] for e in report["summary"]] == arms
    lines = report["table"].splitlines()
    assert len(lines) == 2 + len(arms)
    speed = load_speed(SPEED)
    assert report["speed"] == speed
    for arm, line in zip(arms, lines[2:]):
        runs = [r for r in committed["rows"] if r["arm"] == arm]
        cells = [cell.strip() for cell in line.strip("|").split("|")]
        assert cells[0] == arm and cells[1] == str(len(runs))
        for condition, cell in zip(CONDITIONS, cells[2:]):
            mean = np.mean([r["conditions"][condition]["macro_f1"] for r in runs])
            assert report["by_arm"][arm][condition][0] == pytest.approx(mean)
            assert cell.startswith(f"{mean:.3f}")
        assert cells[-1] == (f"{speed[arm]:.2f}x" if arm in speed else "n/a")


def test_arms_name_their_model_and_baseline() -> None:
    assert len(REAL_ARMS) == 15 and REAL_ARMS[-1] == "waveform"
    assert arm_spec("mel/phased") == ("enc-cnn", {"encoding": "phased"})
    assert arm_spec("linear/complex") == ("enc-cnn", {"encoding": "complex", "n_mels": None})
    assert arm_baseline("linear/cos_sin") == "linear/magnitude" and arm_baseline("mel/if") == "mel/magnitude"
    with pytest.raises(ValueError, match="unknown arm"):
        arm_spec("bark/if")


def test_real_study_report_without_results_is_none(tmp_path) -> None:
    assert real_study_report(tmp_path / "absent.json") is None
    (tmp_path / "empty.json").write_text(json.dumps({"settings": {}, "machine": "", "rows": []}))
    assert real_study_report(tmp_path / "empty.json") is None


def test_real_study_report_without_speed_drops_the_column(tmp_path) -> None:
    report = real_study_report(speed_path=tmp_path / "absent.json")
    assert report["speed"] is None and "training time" not in report["table"]


def test_format_paired_differences_gives_a_line_per_difference(committed: dict) -> None:
    differences = [paired_difference(committed["rows"], arm, condition=condition, draws=50)
                   for arm in ("mel/if", "mel-start/phased") for condition in ("clean", "noise 0 dB")]
    lines = format_paired_differences(differences).splitlines()
    assert len(lines) == 4
    for line, d in zip(lines, differences):
        assert line.split()[0] == d["arm"] and d["condition"] in line
        assert f"seeds {d['seeds']}: {d['mean']:+.3f}" in line and line.endswith(d["verdict"])
        assert f"over seeds {d['seed_ci'][0]:+.3f} .. {d['seed_ci'][1]:+.3f}" in line


matplotlib.use("Agg")


def _real_row(arm: str, seed: int, predictions: list[int], truth: list[int]) -> dict:
    from phaselab.data.labels import CLASSES
    from phaselab.training.scores import classification_scores

    f1 = classification_scores(truth, predictions, CLASSES)["macro_f1"]
    return {"arm": arm, "encoding": arm.partition("/")[2], "seed": seed, "truth": truth, "speakers": [f"p{i // 2}" for i in range(len(truth))],
            "params": 10, "mflops": 1.0, "minutes": 1.0,
            "conditions": {c: {"macro_f1": f1, "predictions": predictions} for c in CONDITIONS}}


def test_paired_difference_sees_a_clear_gap_and_a_tie() -> None:
    rng = np.random.default_rng(0)
    truth = [int(v) for v in rng.integers(0, 12, 240)]
    noisy = lambda share, seed: [t if r > share else (t + 1) % 12 for t, r in zip(truth, np.random.default_rng(seed).random(240))]
    rows = []
    for seed in range(3):
        rows += [_real_row("mel/magnitude", seed, noisy(0.1, seed), truth),
                 _real_row("mel/if", seed, noisy(0.5, seed + 10), truth),
                 _real_row("mel/phased", seed, noisy(0.1, seed + 20), truth)]
    worse = paired_difference(rows, "mel/if")
    assert worse["verdict"] == "worse" and worse["seed_ci"][1] < 0 and worse["speaker_ci"][1] < 0
    one_seed = paired_difference([row for row in rows if row["seed"] == 0], "mel/if")
    assert one_seed["verdict"] == "worse over test speakers, one seed: no interval over seeds"
    assert np.isnan(one_seed["seed_ci"][0]) and one_seed["speaker_ci"][1] < 0  # one seed does not decide
    tie = paired_difference(rows, "mel/phased")
    assert tie["verdict"] == "no evidence of a difference" and tie["speaker_ci"][0] < 0 < tie["speaker_ci"][1]
    summary = summarise_real(rows)
    assert [e["arm"] for e in summary] == ["mel/magnitude", "mel/phased", "mel/if"]
    assert "| mel/magnitude | 3 |" in format_real_summary(summary)
    plot_robustness(summary)


def test_condition_audio_is_the_same_for_every_model_and_changes_the_clips() -> None:
    from phaselab.data.speech_commands import SpeechCommands, resolve_data_root

    clips = SpeechCommands(resolve_data_root("real")).clips("test")[:3]
    noise = [np.random.default_rng(5).standard_normal(40000).astype(np.float32)]
    clean = condition_audio(clips, "clean", noise)
    loud = condition_audio(clips, "noise 0 dB", noise)
    assert clean.shape == loud.shape == (3, 16384) and np.array_equal(loud, condition_audio(clips, "noise 0 dB", noise))
    assert not np.allclose(clean, loud) and not np.allclose(clean, condition_audio(clips, "phase rotation", noise))
    with pytest.raises(ValueError, match="unknown condition"):
        condition_audio(clips, "underwater", noise)


def test_findings_quote_the_committed_summary(committed: dict) -> None:
    """benchmarks/FINDINGS.md's block (written by encodings_real.py --findings) holds the file's summary table."""
    findings = (results_dir().parent / "FINDINGS.md").read_text(encoding="utf-8")
    block = findings.split("<!-- encodings_real.py --findings: begin -->")[1].split("<!-- encodings_real.py --findings: end -->")[0]
    table = format_real_summary(summarise_real(committed["rows"]), load_speed(SPEED))
    assert table in block


def test_the_readme_quotes_the_mel_verdicts_of_the_committed_study(committed: dict) -> None:
    """The README's sentences on the mel arms and the waveform hold for the committed results."""
    readme = " ".join((results_dir().parents[1] / "README.md").read_text(encoding="utf-8").split())
    rows = committed["rows"]
    minus = lambda x: f"−{abs(x):.3f}"
    verdicts = {arm: {c: paired_difference(rows, arm, condition=c, draws=500) for c in ("clean", "noise 0 dB", "phase rotation")}
                for arm in ("mel/cos_sin", "mel/complex", "mel/phased", "waveform", "mel/mag_if")}
    for arm in ("mel/cos_sin", "mel/complex", "waveform"):
        assert all(d["verdict"] == "worse" and len(d["seeds"]) == 3 for d in verdicts[arm].values()), arm
    assert all(d["verdict"] == "worse over test speakers, not shown over seeds" for d in verdicts["mel/phased"].values())
    clean = {arm: v["clean"]["mean"] for arm, v in verdicts.items()}
    assert f"(clean {minus(clean['mel/cos_sin'])} and {minus(clean['mel/complex'])}, both 95 % intervals below zero)" in readme
    assert f"(clean {minus(clean['mel/phased'])}: worse over test speakers, not shown over seeds)" in readme
    assert f"is worse too ({minus(clean['waveform'])})" in readme
    mag_if = verdicts["mel/mag_if"]
    low, high = mag_if["clean"]["seed_ci"]
    assert mag_if["clean"]["verdict"] == "no evidence of a difference" and mag_if["noise 0 dB"]["verdict"] == "worse"
    assert f"(95 % CI over seeds {minus(low)} to +{high:.3f})" in readme
    assert f"is worse at 0 dB ({minus(mag_if['noise 0 dB']['mean'])}" in readme
    magnitude = next(e for e in summarise_real(rows) if e["arm"] == "mel/magnitude")["clean"]
    assert f"clean macro F1 {magnitude[0]:.3f} ± {magnitude[1]:.3f}" in readme


def test_the_readme_quotes_the_linear_verdicts_of_the_committed_study(committed: dict) -> None:
    """The README's sentence on the linear grid: a verdict for each arm with 3 seeds, the others listed as training."""
    readme = " ".join((results_dir().parents[1] / "README.md").read_text(encoding="utf-8").split())
    rows = committed["rows"]
    minus = lambda x: f"−{abs(x):.3f}" if x < 0 else f"+{x:.3f}"  # noqa: E731
    hard = ("clean", "noise 0 dB", "phase rotation")

    def claim(arm: str, baseline: str | None = None) -> str:
        ds = {c: paired_difference(rows, arm, baseline=baseline, condition=c, draws=2000) for c in hard}
        verdicts = {d["verdict"] for d in ds.values()}
        if len(verdicts) == 1:
            return f"{verdicts.pop()} in all three (clean {minus(ds['clean']['mean'])})"
        words = {"clean": "clean", "noise 0 dB": "at 0 dB", "phase rotation": "rotated"}
        groups: dict[str, list[str]] = {}
        for c in hard:
            groups.setdefault(ds[c]["verdict"], []).append(c)
        return ", ".join(f"{v} {' and '.join(words[c] for c in cs)} ({', '.join(minus(ds[c]['mean']) for c in cs)})"
                         for v, cs in groups.items())

    assert f"against the mel magnitude clean, at 0 dB and rotated, is {claim('linear/magnitude', 'mel/magnitude')}" in readme
    labels = {"linear/cos_sin": "cos/sin", "linear/complex": "the complex STFT", "linear/if": "IF alone",
              "linear/group_delay": "group delay alone", "linear/mag_if": "magnitude and IF",
              "linear/phased": "the phased volume"}
    for arm, label in labels.items():
        seeds = {row["seed"] for row in rows if row["arm"] == arm}
        if len(seeds) >= 3:
            assert f"{label} is {claim(arm)}" in readme, arm
        else:
            assert f"{label} ({len(seeds)})" in readme.split("Still training")[1], arm
