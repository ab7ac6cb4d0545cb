import json

import numpy as np
import pytest

from phaselab.studies.detectors_world import (
    NEGATIVES,
    TARGETS,
    detectors_world_study,
    format_world_table,
    plot_world_rocs,
    score_world,
    summarise_world,
    with_combined,
    world_sets,
)


@pytest.fixture(scope="module")
def sets() -> dict:
    return world_sets(speech_clips=6, background_per_recording=1, seed=0)


def test_sets_hold_one_second_clips_with_their_groups(sets: dict) -> None:
    assert {"speech", "twin", "shaped", "background", "music", "instrument", "animal", "singing",
            "read speech"} <= set(sets)
    for name, (audio, groups) in sets.items():
        assert audio.shape == (len(groups), 16000), name
    # twins and shaped noise are made from the speech clips, one each, at their level
    speech, speakers = sets["speech"]
    twin, twin_groups = sets["twin"]
    assert list(twin_groups) == list(speakers)
    np.testing.assert_allclose(np.sqrt((twin ** 2).mean(1)), np.sqrt((speech ** 2).mean(1)), rtol=0.05)  # clipped at 1
    assert len(set(sets["background"][1])) == 13


def _toy() -> tuple[dict, dict]:
    rng = np.random.default_rng(0)
    groups = {"speech": np.repeat(["a", "b", "c", "d"], 5), "twin": np.repeat(["a", "b", "c", "d"], 5),
              "music": np.repeat(["m1", "m2"], 10), "animal": np.repeat(["w"], 4)}
    perfect = {"speech": rng.uniform(0.6, 1, 20), "twin": rng.uniform(0, 0.4, 20), "music": rng.uniform(0, 0.4, 20),
               "animal": rng.uniform(0, 0.4, 4)}
    fooled = {**perfect, "twin": perfect["speech"][::-1].copy()}
    return {"perfect": perfect, "fooled": fooled}, groups


def test_rates_aucs_and_pooled_everyday() -> None:
    scores, groups = _toy()
    summary = summarise_world(scores, groups, resamples=50)
    perfect, fooled = summary["rates"]["perfect"], summary["rates"]["fooled"]
    assert perfect["speech"]["rate"] == 1.0 and perfect["twin"]["rate"] == 0.0
    assert fooled["twin"]["rate"] == 1.0
    assert perfect["everyday non-speech"]["clips"] == 24 and perfect["everyday non-speech"]["groups"] == 3
    assert perfect["animal"]["low"] is None  # one recording: no interval
    assert summary["auc"]["perfect"]["twin"]["auc"] == 1.0
    assert summary["auc"]["fooled"]["twin"]["auc"] == 0.5
    low, high = summary["auc"]["fooled"]["twin"]["low"], summary["auc"]["fooled"]["twin"]["high"]
    assert low <= 0.5 <= high
    assert "everyday non-speech" in format_world_table(summary)
    from phaselab.display.tables import table

    rates, auc = (table(block) for block in format_world_table(summary).split("\n\n"))  # chapter 06 shows them so
    assert rates.caption.startswith("taken for speech") and rates.columns[:3] == ["set", "clips", "groups"]
    assert auc.caption.startswith("ROC AUC") and auc.columns == ["against", "perfect", "fooled"]


def test_combined_is_the_smaller_score() -> None:
    scores = with_combined({"silero": {"x": np.array([0.9, 0.2])}, "is_speech": {"x": np.array([0.1, 0.8])}})
    np.testing.assert_array_equal(scores["silero_and_phase"]["x"], [0.1, 0.2])
    assert "silero_and_tonal" not in scores


def test_score_world_scores_every_set(sets: dict) -> None:
    scores = score_world(sets, {"loudness": lambda audio: np.sqrt((audio ** 2).mean(1))})
    assert set(scores["loudness"]) == set(sets)


def test_study_reads_a_results_file_and_draws_the_curves(tmp_path) -> None:
    scores, groups = _toy()
    summary = summarise_world(scores, groups, resamples=20)
    path = tmp_path / "world.json"
    path.write_text(json.dumps({**summary, "detectors": {"perfect": "", "fooled": ""}, "settings": {},
                                "machine": "", "groups": {k: v.tolist() for k, v in groups.items()},
                                "scores": {d: {s: v.tolist() for s, v in t.items()} for d, t in scores.items()}}))
    study = detectors_world_study(path)
    assert study["met"]["perfect"] == {"speech": True, "twin": True, "everyday non-speech": True}
    assert study["met"]["fooled"]["twin"] is False and set(study["met"]["fooled"]) == set(TARGETS)
    figure = plot_world_rocs(study["scores"])
    assert len(figure.axes) == len([n for n in NEGATIVES if n in ("twin", "everyday non-speech")])
    assert detectors_world_study(tmp_path / "missing.json") is None
