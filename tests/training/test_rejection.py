"""Tests of phaselab.training.rejection: the confidence threshold, the windows of sounds, the false-alarm rates."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from phaselab.data.labels import CLASSES
from phaselab.training.scores import rate_interval
from tests.training.test_inference import constant_model, one_hot_logits


def test_decide_turns_unsure_commands_into_the_likelier_of_unknown_and_silence() -> None:
    from phaselab.training.rejection import decide

    p = np.zeros((4, len(CLASSES)))
    p[0, [0, 10, 11]] = [0.8, 0.1, 0.1]  # sure "yes"
    p[1, [0, 10, 11]] = [0.5, 0.2, 0.3]  # unsure "yes", silence likelier than unknown
    p[2, [3, 10, 11]] = [0.45, 0.4, 0.15]  # unsure "down", unknown likelier
    p[3, [10, 11]] = [0.4, 0.6]  # silence: never changed
    assert [CLASSES[i] for i in decide(p)] == ["yes", "yes", "down", "silence"]
    assert [CLASSES[i] for i in decide(p, 0.6)] == ["yes", "silence", "unknown", "silence"]
    assert [CLASSES[i] for i in decide(p, 0.5)] == ["yes", "silence", "unknown", "silence"]  # at the threshold: no
    with pytest.raises(ValueError, match="threshold must be"):
        decide(p, 1.0)
    per_class = np.zeros(len(CLASSES))
    per_class[CLASSES.index("down")] = 0.5  # only "down" must be sure: the unsure "yes" stays
    assert [CLASSES[i] for i in decide(p, per_class)] == ["yes", "yes", "unknown", "silence"]
    with pytest.raises(ValueError, match="one per class"):
        decide(p, np.zeros(3))

def test_choose_threshold_keeps_the_loss_within_bounds() -> None:
    from phaselab.training.rejection import choose_threshold, decide
    from phaselab.training.scores import classification_scores

    rng = np.random.default_rng(0)
    truth = rng.integers(0, len(CLASSES), 300)
    logits = rng.normal(size=(300, len(CLASSES))) + 2.5 * np.eye(len(CLASSES))[truth]
    p = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    for loss in (0.0, 0.01, 0.05):
        chosen = choose_threshold(truth, p, max_loss=loss)
        macro = classification_scores(truth, decide(p, chosen["threshold"]), CLASSES)["macro_f1"]
        assert macro == chosen["macro_f1"] >= chosen["macro_f1_argmax"] - loss - 1e-12
        above = [t for t in np.arange(chosen["threshold"] + 0.01, 0.995, 0.01)]
        assert all(classification_scores(truth, decide(p, t), CLASSES)["macro_f1"] < chosen["macro_f1_argmax"] - loss
                   for t in above)
    assert choose_threshold(truth, p, 0.05)["threshold"] > choose_threshold(truth, p, 0.0)["threshold"]

def test_gate_silences_only_the_clips_below_the_floor() -> None:
    from phaselab.training.rejection import decide, gate

    p = np.full((3, len(CLASSES)), 0.01)
    p[:, 2] = 0.89  # "up" for all three
    speech = np.array([0.95, 0.4, 0.0])
    assert np.array_equal(gate(p, speech, 0.0), p.astype(np.float32))  # floor 0: everything through
    assert [CLASSES[i] for i in decide(gate(p, speech, 0.5))] == ["up", "silence", "silence"]
    assert [CLASSES[i] for i in decide(gate(p, speech, 0.4))] == ["up", "up", "silence"]  # at the floor: through
    assert p[1, 2] == 0.89  # the input is not changed
    with pytest.raises(ValueError, match="one speech score per clip"):
        gate(p, speech[:2], 0.5)


def test_choose_gate_spends_half_the_budget_on_the_gate_and_stays_within_it() -> None:
    from phaselab.training.rejection import choose_gate, decide, gate
    from phaselab.training.scores import classification_scores

    rng = np.random.default_rng(1)
    truth = rng.integers(0, len(CLASSES), 400)
    logits = rng.normal(size=(400, len(CLASSES))) + 2.5 * np.eye(len(CLASSES))[truth]
    p = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    speech = np.where(truth == CLASSES.index("silence"), rng.uniform(0, 0.3, 400), rng.uniform(0.3, 1, 400))
    for loss in (0.0, 0.02):
        chosen = choose_gate(truth, p, speech, max_loss=loss)
        gated = gate(p, speech, chosen["floor"])
        macro = classification_scores(truth, decide(gated, chosen["threshold"]), CLASSES)["macro_f1"]
        assert macro == pytest.approx(chosen["macro_f1"]) and macro >= chosen["macro_f1_argmax"] - loss - 1e-9
        gate_only = classification_scores(truth, decide(gated), CLASSES)["macro_f1"]
        assert gate_only >= chosen["macro_f1_argmax"] - loss / 2 - 1e-9
    assert chosen["floor"] >= 0.3  # quiet silence below 0.3 is gated at no cost


def test_sound_windows_cut_recordings_into_seconds(tmp_path: Path) -> None:
    from phaselab.signal.audio import write_wav
    from phaselab.training.rejection import sound_windows, wav_files

    ramp = np.linspace(-0.5, 0.5, 43200).astype(np.float32)  # 2.7 s
    write_wav(tmp_path / "long.wav", ramp)
    (tmp_path / "sub").mkdir()
    write_wav(tmp_path / "sub" / "short.WAV", ramp[:4800])  # 0.3 s
    (tmp_path / "notes.txt").write_text("not audio")
    assert [p.name for p in wav_files([tmp_path])] == ["long.wav", "short.WAV"]
    windows, sources = sound_windows([tmp_path])
    assert windows.shape == (4, 16000) and sources == ["long.wav@0", "long.wav@1", "long.wav@2", "short.WAV@0"]
    np.testing.assert_allclose(windows[1], ramp[16000:32000], atol=1e-4)
    assert np.all(windows[2, 11200:] == 0) and np.all(windows[3, 4800:] == 0)  # padded
    assert len(sound_windows([tmp_path / "long.wav"], min_seconds=0.8)[0]) == 2  # 0.7 s left: dropped
    with pytest.raises(ValueError, match="no such file or folder"):
        wav_files([tmp_path / "missing"])
    (tmp_path / "empty").mkdir()
    with pytest.raises(ValueError, match="no WAV file in .*empty"):
        wav_files([tmp_path / "empty"])

def test_false_alarms_count_windows_taken_for_commands(tmp_path: Path) -> None:
    from phaselab.signal.audio import write_wav
    from phaselab.training.rejection import false_alarms

    write_wav(tmp_path / "hum.wav", 0.1 * np.sin(np.arange(40000) / 10).astype(np.float32))  # 3 windows
    logits = np.log(np.full(len(CLASSES), 0.4 / 11))
    logits[CLASSES.index("go")] = np.log(0.6)
    unsure_go = constant_model(tmp_path / "go.keras", logits)
    found = false_alarms(unsure_go, [tmp_path])
    assert (found["n"], found["rate"], found["commands"]) == (3, 1.0, {"go": 3})
    assert found["probabilities"].shape == (3, len(CLASSES)) and found["sources"][0] == "hum.wav@0"
    assert false_alarms(unsure_go, [tmp_path], threshold=0.7)["rate"] == 0.0
    assert false_alarms(constant_model(tmp_path / "s.keras", one_hot_logits("silence")), [tmp_path])["rate"] == 0.0

def test_the_bundled_other_words_are_no_speech_commands_words() -> None:
    from phaselab.data.labels import WORDS_V2
    from phaselab.paths import data_dir
    from phaselab.signal.audio import read_wav
    from phaselab.training.rejection import wav_files

    folder = data_dir() / "other_words"
    files = wav_files([folder])
    assert len(files) == 36 and (folder / "LICENSE-asterisk-core-sounds-CC-BY-SA-3.0.txt").is_file()
    names = {p.stem for p in files}
    assert not names & set(WORDS_V2) and not any(word in name for name in names for word in ("yes", "up", "stop"))
    assert all(0.3 < len(read_wav(p)) / 16000 <= 1.3 for p in files)

def test_the_readme_quotes_the_measured_false_alarms() -> None:
    """The README's false-alarm rates and threshold are those of ``benchmarks/results/false_alarms.json``."""
    repo = Path(__file__).resolve().parents[2]
    result = json.loads((repo / "benchmarks" / "results" / "false_alarms.json").read_text(encoding="utf-8"))
    readme = " ".join((repo / "README.md").read_text(encoding="utf-8").split())
    before, after = result["without_threshold"], result["with_threshold"]
    assert result["validation_choice"]["threshold"] == after["threshold"]
    assert result["macro_f1_loss"] == pytest.approx(before["macro_f1"] - after["macro_f1"])
    for text in (f"takes {100 * before['unknown_words']:.0f} % of the test speakers' `unknown` words and "
                 f"{100 * before['other_words']:.0f} % of `data/other_words`",
                 f"({after['threshold']:.2f}: a less probable command",
                 f"brings these to {100 * after['unknown_words']:.0f} % and {100 * after['other_words']:.0f} %, for "
                 f"{result['macro_f1_loss']:.3f} macro F1 on the test speakers ({before['macro_f1']:.3f} -> "
                 f"{after['macro_f1']:.3f})"):
        assert text in readme, text
    assert result["met"]["other_words"] is False and "**not met**" in readme  # said as it is
    gated, choice = result["with_silero_gate"], result["validation_gate_choice"]
    assert (gated["floor"], gated["threshold"]) == (choice["floor"], choice["threshold"])
    text = (f"floor {choice['floor']:.2f} and threshold {choice['threshold']:.2f}, both chosen on the validation split, "
            f"`phaselab.training.rejection.choose_gate`) brings the everyday sounds to {100 * gated['everyday']:.0f} % for "
            f"{result['macro_f1_loss_with_gate']:.3f} macro F1, and leaves the other words at "
            f"{100 * gated['other_words']:.0f} %")
    assert text in readme, text
    assert not all(result["met_with_gate"].values()) and "still **not met**" in readme
    ours, ours_choice = result["with_everyday_gate"], result["validation_everyday_gate_choice"]
    assert (ours["floor"], ours["threshold"]) == (ours_choice["floor"], ours_choice["threshold"])
    text = (f"floor {ours_choice['floor']:.2f} and threshold {ours_choice['threshold']:.2f}, chosen the same way) brings "
            f"the everyday sounds to {100 * ours['everyday']:.0f} % (")
    assert text in readme, text
    assert result["met_with_everyday_gate"]["everyday"] and not result["met_with_everyday_gate"]["other_words"]
    assert f"the other-words one is not ({100 * ours['other_words']:.0f} %)" in readme
    n = len(list((repo / "data" / "other_words").rglob("*.wav")))
    low, high = rate_interval(round(ours["other_words"] * n), n)
    assert f"{round(ours['other_words'] * n)} of the {n} other words is {100 * low:.0f}-{100 * high:.0f} %" in readme
    assert f"for the same {result['macro_f1_loss_with_everyday_gate']:.3f} macro F1: that target is met" in readme


def test_phaselab_evaluate_with_the_gate_gives_the_measured_rates(tmp_path: Path) -> None:
    """``phaselab evaluate --threshold T --gate F`` (as the README gives it) scores what ``false_alarms.py`` measured."""
    from phaselab.cli.main import main

    repo = Path(__file__).resolve().parents[2]
    result = json.loads((repo / "benchmarks" / "results" / "false_alarms.json").read_text(encoding="utf-8"))
    ours = result["with_everyday_gate"]
    everyday = [str(repo / p) for p in result["material"]["everyday"]["paths"]]
    command = ["evaluate", "--threshold", f"{ours['threshold']:g}", "--gate", f"{ours['floor']:g}",
               "--everyday", *everyday, "--other-words", str(repo / "data" / "other_words"), "--json", str(tmp_path / "s.json")]
    assert main(command) == 0
    scores = json.loads((tmp_path / "s.json").read_text(encoding="utf-8"))
    assert scores["macro_f1"] == pytest.approx(ours["macro_f1"]) and scores["false_alarm_rate"] == pytest.approx(ours["unknown_words"])
    assert scores["everyday_false_alarms"]["rate"] == pytest.approx(ours["everyday"])
    assert scores["other_words_false_alarms"]["rate"] == pytest.approx(ours["other_words"])
    readme = " ".join((repo / "README.md").read_text(encoding="utf-8").split())
    assert f"phaselab evaluate --threshold {ours['threshold']:g} --gate {ours['floor']:g}" in readme
