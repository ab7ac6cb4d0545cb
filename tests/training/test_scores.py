import math

import numpy as np
import pytest
from scores_example import CLASSES, COMMAND_RECALL, F1, HISTORY, MACRO, PRED, TRUE

from phaselab.training.scores import (
    classification_scores,
    format_mean_sd,
    format_word_f1,
    mean_sd,
    rate_interval,
    word_f1_history,
)


def test_classification_scores_by_hand() -> None:
    scores = classification_scores(TRUE, PRED, CLASSES)
    assert scores["n"] == 6
    assert scores["accuracy"] == pytest.approx(4 / 6)
    for name, value in F1.items():
        assert scores["f1"][name] == pytest.approx(value)
    assert math.isnan(scores["f1"]["up"])
    assert scores["macro_f1"] == pytest.approx(MACRO)
    assert scores["command_recall"] == pytest.approx(COMMAND_RECALL)
    assert scores["confusion"] == [[2, 1, 0, 0], [0, 1, 1, 0], [0, 0, 1, 0], [0, 0, 0, 0]]
    assert scores["support"] == {"yes": 3, "no": 2, "unknown": 1, "up": 0}


def test_classification_scores_refuses_bad_input() -> None:
    with pytest.raises(ValueError, match="same shape"):
        classification_scores([0, 1], [0], CLASSES)
    with pytest.raises(ValueError, match="non-empty"):
        classification_scores([], [], CLASSES)


def test_word_f1_history_gathers_epochs_by_classes() -> None:
    table = word_f1_history(HISTORY, ("yes", "no", "unknown"))
    assert table.shape == (3, 3)
    np.testing.assert_allclose(table[:, 0], [0.0, 0.5, 1.0])
    assert math.isnan(table[1, 1]) and table[2, 1] == 0.75
    with pytest.raises(KeyError, match="val_f1_up"):
        word_f1_history(HISTORY, ("yes", "up"))


def test_format_word_f1_rows_are_epochs() -> None:
    lines = format_word_f1(HISTORY, ("yes", "no")).splitlines()
    assert lines[0].split() == ["epoch", "yes", "no"]
    assert lines[1].split() == ["1", "0.00", "0.25"]
    assert lines[2].split() == ["2", "0.50", "-"]
    assert [line.split()[0] for line in format_word_f1(HISTORY, ("yes",), every=2).splitlines()[1:]] == ["1", "3"]


def test_mean_sd_uses_the_sample_standard_deviation() -> None:
    assert mean_sd([0.7, 0.9]) == pytest.approx((0.8, 0.1414213562))
    one = mean_sd(iter([0.5]))
    assert one[0] == 0.5 and math.isnan(one[1])  # one seed: no spread measured
    assert format_mean_sd(*one) == "0.500" and format_mean_sd(0.8, 0.1414) == "0.800 ± 0.141"
    assert format_mean_sd(None, None) == "n/a" and format_mean_sd(0.5, None) == "0.500"  # NaN read back from JSON
    with pytest.raises(ValueError, match="at least one"):
        mean_sd([])


def test_rate_interval_covers_the_true_rate_about_as_often_as_it_says() -> None:
    """36 words at a true rate of 0.10, many times over: the 95 % interval holds 0.10 in 93-98 % of the draws."""
    counts = np.random.default_rng(0).binomial(36, 0.10, size=2000)
    inside = [low <= 0.10 <= high for low, high in (rate_interval(int(k), 36) for k in counts)]
    assert 0.93 <= np.mean(inside) <= 0.98
    low, high = rate_interval(6, 36)  # the shipped model's 6 of 36 other words: cannot be told from 0.10
    assert low < 0.10 < 1 / 6 < high
    assert rate_interval(0, 60)[0] == 0.0 and rate_interval(60, 60)[1] == pytest.approx(1.0)
    assert all(math.isnan(v) for v in rate_interval(0, 0))
    with pytest.raises(ValueError, match="between 0 and n"):
        rate_interval(5, 4)
