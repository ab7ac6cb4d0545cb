"""phaselab.studies.encodings_real: the paired comparison, its summary and the test conditions' audio."""

import matplotlib
import numpy as np
import pytest

from phaselab.studies.encodings_real import (
    CONDITIONS,
    condition_audio,
    format_real_summary,
    paired_difference,
    plot_robustness,
    summarise_real,
)

matplotlib.use("Agg")


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
