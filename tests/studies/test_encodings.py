import matplotlib
import numpy as np
import pytest
from keyword_tree import write_tree

from phaselab.studies.encodings import (
    ROW_KEYS,
    StudyBudget,
    chance_macro_f1,
    format_summary,
    plot_study,
    run_encoding_study,
    summarise,
)
from phaselab.studies.encodings_real import (
    CONDITIONS,
    condition_audio,
    format_real_summary,
    paired_difference,
    plot_robustness,
    summarise_real,
)

matplotlib.use("Agg")


def _row(encoding: str, seed: int, macro_f1: float) -> dict:
    return {"encoding": encoding, "seed": seed, "accuracy": macro_f1 + 0.1, "macro_f1": macro_f1, "params": 10,
            "mflops": 1.5, "seconds": 60.0 + seed, "val_macro_f1": [0.1, macro_f1]}


def test_budget_refuses_empty_training() -> None:
    with pytest.raises(ValueError, match="positive"):
        StudyBudget(epochs=0)
    assert StudyBudget(filters=(4, 8)).as_dict()["filters"] == [4, 8]


def test_study_trains_and_scores_every_encoding_and_seed(tmp_path) -> None:
    tree = write_tree(tmp_path / "tree")
    budget = StudyBudget(epochs=2, steps_per_epoch=2, batch_size=8, filters=(4,))
    rows = run_encoding_study(["magnitude", "cos_sin"], [0, 1], budget, data=str(tree), verbose=False)
    assert [(row["encoding"], row["seed"]) for row in rows] == [
        ("magnitude", 0), ("cos_sin", 0), ("magnitude", 1), ("cos_sin", 1)]
    for row in rows:
        assert set(row) == set(ROW_KEYS) and len(row["val_macro_f1"]) == 2
        assert 0.0 <= row["macro_f1"] <= 1.0 and row["params"] > 0 and row["mflops"] > 0
    again = run_encoding_study(["magnitude"], [0], budget, data=str(tree), verbose=False)
    assert again[0]["val_macro_f1"] == pytest.approx(rows[0]["val_macro_f1"], abs=1e-6)


def test_summary_gives_mean_and_spread_per_encoding() -> None:
    summary = summarise([_row("a", 0, 0.5), _row("b", 0, 0.7), _row("a", 1, 0.7)])
    assert [e["encoding"] for e in summary] == ["a", "b"]
    a, b = summary
    assert a["runs"] == 2 and a["macro_f1"] == pytest.approx(0.6) and a["macro_f1_std"] == pytest.approx(np.sqrt(0.02))
    assert b["runs"] == 1 and b["macro_f1_std"] == 0.0 and b["seconds"] == 60.0
    text = format_summary(summary)
    assert "0.600 ± 0.141" in text and len(text.splitlines()) == 3


def test_chance_is_far_below_perfect_and_seeded() -> None:
    chance = chance_macro_f1("mini", draws=20)
    assert chance == chance_macro_f1("mini", draws=20)
    assert 0.01 < chance < 0.15  # 11 classes present, guesses spread over 12


def test_plot_has_a_curve_per_run() -> None:
    figure = plot_study([_row("a", 0, 0.5), _row("a", 1, 0.7)])
    assert sum(len(axis.get_lines()) for axis in figure.axes) >= 2


def _real_row(encoding: str, seed: int, predictions: list[int], truth: list[int]) -> dict:
    from phaselab.data.labels import CLASSES
    from phaselab.training.scores import classification_scores

    f1 = classification_scores(truth, predictions, CLASSES)["macro_f1"]
    return {"encoding": encoding, "seed": seed, "truth": truth, "speakers": [f"p{i // 2}" for i in range(len(truth))],
            "params": 10, "mflops": 1.0, "minutes": 1.0,
            "conditions": {c: {"macro_f1": f1, "predictions": predictions} for c in CONDITIONS}}


def test_paired_difference_sees_a_clear_gap_and_a_tie() -> None:
    rng = np.random.default_rng(0)
    truth = [int(v) for v in rng.integers(0, 12, 240)]
    noisy = lambda share, seed: [t if r > share else (t + 1) % 12 for t, r in zip(truth, np.random.default_rng(seed).random(240))]
    rows = []
    for seed in range(3):
        rows += [_real_row("magnitude", seed, noisy(0.1, seed), truth), _real_row("if", seed, noisy(0.5, seed + 10), truth),
                 _real_row("phased", seed, noisy(0.1, seed + 20), truth)]
    worse = paired_difference(rows, "if")
    assert worse["verdict"] == "worse" and worse["seed_ci"][1] < 0 and worse["speaker_ci"][1] < 0
    one_seed = paired_difference([row for row in rows if row["seed"] == 0], "if")
    assert one_seed["verdict"] == "no clear difference" and np.isnan(one_seed["seed_ci"][0])
    assert one_seed["speaker_ci"][1] < 0  # the speakers alone would say "worse": one seed does not decide
    tie = paired_difference(rows, "phased")
    assert tie["verdict"] == "no clear difference" and tie["speaker_ci"][0] < 0 < tie["speaker_ci"][1]
    summary = summarise_real(rows)
    assert [e["encoding"] for e in summary] == ["magnitude", "phased", "if"]
    assert "| magnitude | 3 |" in format_real_summary(summary)
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
