import matplotlib
import numpy as np
import pytest
from keyword_tree import write_tree

from phaselab.studies.encodings import (
    ROW_KEYS,
    StudyBudget,
    chance_macro_f1,
    format_summary,
    run_encoding_study,
    summarise,
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
    assert b["runs"] == 1 and np.isnan(b["macro_f1_std"]) and b["seconds"] == 60.0  # one run: no spread measured
    text = format_summary(summary)
    assert "0.600 ± 0.141" in text and len(text.splitlines()) == 3 and "±" not in text.splitlines()[2]


def test_chance_is_far_below_perfect_and_seeded() -> None:
    chance = chance_macro_f1(draws=20)
    assert chance == chance_macro_f1("synthetic", draws=20)
    assert 0.01 < chance < 0.15  # 11 classes present, guesses spread over 12


