import json
import warnings

import numpy as np
import pytest

from phaselab.studies.detectors_world import (
    NEGATIVES,
    TARGETS,
    choose_thresholds,
    choose_thresholds_against,
    detectors_world_study,
    format_world_table,
    paired_rate_difference,
    plot_world_rocs,
    rescaled,
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


def test_held_out_non_speech_pools_the_bundled_the_game_and_the_stamp_sounds() -> None:
    scores = {"d": {"speech": np.array([0.9, 0.8]), "music": np.array([0.9, 0.1]), "game music": np.array([0.1, 0.2, 0.3]),
                    "animals and objects": np.array([0.6]), "twin": np.array([0.1, 0.2])}}
    groups = {"speech": np.array(["a", "b"]), "music": np.array(["m", "m"]), "game music": np.array(["g1", "g2", "g3"]),
              "animals and objects": np.array(["crow"]), "twin": np.array(["a", "b"])}
    rates = summarise_world(scores, groups, resamples=20)["rates"]["d"]
    assert rates["held-out non-speech"]["clips"] == 6 and rates["held-out non-speech"]["groups"] == 5
    assert rates["held-out non-speech"]["rate"] == pytest.approx(2 / 6)
    assert "held-out non-speech" not in summarise_world({"d": {k: scores["d"][k] for k in ("speech", "music")}},
                                                        groups, resamples=5)["rates"]["d"]  # the bundled set alone
    figure = plot_world_rocs(scores)  # twin, everyday, game music, animals and objects: four panels, one row
    assert [ax.get_visible() for ax in figure.axes] == [True] * 4
    scores["d"]["background"] = scores["d"]["shaped"] = np.array([0.3])
    figure = plot_world_rocs(scores)  # six: two rows of three
    assert len(figure.axes) == 6 and all(ax.get_visible() for ax in figure.axes)


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
    assert study["met"]["fooled"]["twin"] is False and set(study["met"]["fooled"]) == set(TARGETS) - {"game music", "animals and objects", "held-out non-speech"}  # not in the toy
    figure = plot_world_rocs(study["scores"])
    assert len(figure.axes) == len([n for n in NEGATIVES if n in ("twin", "everyday non-speech")])
    assert detectors_world_study(tmp_path / "missing.json") is None


def test_a_combined_detector_says_speech_only_when_every_part_clears_its_own_threshold() -> None:
    rng = np.random.default_rng(1)
    parts = {name: {"x": rng.random(500)} for name in ("silero", "is_speech", "is_speech_tonal")}
    thresholds = {"all_three": {"silero": 0.7, "is_speech": 0.2, "is_speech_tonal": 0.4}}
    combined = with_combined(parts, thresholds)["all_three"]["x"]
    every = np.all([parts[p]["x"] >= t for p, t in thresholds["all_three"].items()], axis=0)
    np.testing.assert_array_equal(combined >= 0.5, every)
    assert "all_three" not in with_combined(parts)  # no thresholds chosen: left out, not taken at 0.5


def test_rescaled_keeps_the_order_and_puts_the_threshold_at_one_half() -> None:
    scores = np.sort(np.random.default_rng(2).random(200))
    for threshold in (0.0, 0.05, 0.5, 0.93, 1.0):  # the ends too, without a warning (errors here)
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            mapped = rescaled(scores, threshold)
        assert np.all(np.diff(mapped) >= 0) and mapped.min() >= 0 and mapped.max() <= 1
        np.testing.assert_array_equal(mapped >= 0.5, scores >= threshold)


def test_chosen_thresholds_are_the_strictest_that_keep_the_validation_words() -> None:
    rng = np.random.default_rng(3)
    validation = {"a": rng.random(1000), "b": rng.beta(5, 1, 1000)}
    thresholds, share = choose_thresholds(validation, keep=0.95, step=0.005)
    kept = lambda t: np.mean(np.all([validation[p] >= t[p] for p in validation], axis=0))  # noqa: E731
    assert kept(thresholds) >= 0.95
    stricter = {p: float(np.quantile(v, share + 0.005)) for p, v in validation.items()}
    assert kept(stricter) < 0.95  # one more step breaks the budget
    assert thresholds["a"] == pytest.approx(np.quantile(validation["a"], share))  # each part gives up the same share
    assert thresholds["b"] == pytest.approx(np.quantile(validation["b"], share))


def test_thresholds_against_negatives_reject_what_can_be_rejected_within_the_speech_budget() -> None:
    rng = np.random.default_rng(4)
    speech = {"a": rng.uniform(0.2, 1.0, 500), "b": rng.uniform(0.2, 1.0, 500)}
    # part a alone tells the noise from speech (noise below 0.26, 7.5 % of speech too); b cannot (spread like speech)
    negatives = {"noise": {"a": rng.uniform(0.0, 0.26, 400), "b": rng.uniform(0.2, 1.0, 400)}}
    thresholds, chosen = choose_thresholds_against(speech, negatives, keep=0.9, step=0.01)
    kept = np.mean((speech["a"] > thresholds["a"]) & (speech["b"] > thresholds["b"]))
    assert kept >= 0.9 and chosen["speech_kept"] == pytest.approx(kept)
    assert chosen["taken"]["noise"] == 0.0 and thresholds["a"] >= 0.26 - 1e-9  # a does the rejecting ...
    assert chosen["quantiles"]["b"] == 0.0  # ... and b gives up no speech for nothing
    # the speech-only rule spreads the loss over both parts and lets noise through
    equal, _ = choose_thresholds(speech, keep=0.9, step=0.01)
    assert np.mean((negatives["noise"]["a"] > equal["a"]) & (negatives["noise"]["b"] > equal["b"])) > chosen["taken"]["noise"]
    with pytest.raises(ValueError, match="keep"):
        choose_thresholds_against(speech, negatives, keep=1.01)
    everything, chosen = choose_thresholds_against(speech, negatives, keep=1.0)  # q = 0 gives up no word
    assert chosen["speech_kept"] == 1.0 and all(t < speech[p].min() for p, t in everything.items())
    # a bounded set is held under its bound, the others minimised
    both = {**negatives, "twin": {"a": rng.uniform(0.2, 1.0, 400), "b": rng.uniform(0.0, 0.28, 400)}}
    t, chosen = choose_thresholds_against(speech, both, keep=0.8, bounds={"twin": 0.05}, step=0.01)
    assert chosen["taken"]["twin"] <= 0.05 and chosen["speech_kept"] >= 0.8 and chosen["taken"]["noise"] == 0.0
    with pytest.raises(ValueError, match="bounds"):
        choose_thresholds_against(speech, both, keep=0.95, bounds={"twin": 0.0}, step=0.01)
    with pytest.raises(ValueError, match="minimised"):
        choose_thresholds_against(speech, both, bounds={"twin": 0.1, "noise": 0.1})


def test_the_readme_quotes_the_committed_world_rates() -> None:
    from pathlib import Path

    from phaselab.paths import results_dir

    readme = " ".join((Path(__file__).resolve().parents[2] / "README.md").read_text().split())
    rates = detectors_world_study()["rates"]
    both = rates["silero_and_phase"]
    assert (f"({both['speech']['rate']:.3f}, {1 - both['twin']['rate']:.3f}, "
            f"{both['everyday non-speech']['rate']:.3f})") in readme
    assert f"Silero VAD takes {rates['silero']['twin']['rate']:.3f} of the random-phase twins" in readme
    shipped = rates["all_three_music_neg"]
    assert (f"it keeps {shipped['speech']['rate']:.3f} of the words, takes {shipped['twin']['rate']:.3f} of the twins and "
            f"{shipped['held-out non-speech']['rate']:.3f} of {shipped['held-out non-speech']['clips']} clips of "
            f"{shipped['held-out non-speech']['groups']} non-speech recordings for speech (95 % interval "
            f"{shipped['held-out non-speech']['low']:.3f}-{shipped['held-out non-speech']['high']:.3f}; Silero "
            f"{rates['silero']['held-out non-speech']['rate']:.3f}") in readme
    assert shipped["held-out non-speech"]["high"] < 0.05 and shipped["speech"]["rate"] >= 0.95 and shipped["twin"]["rate"] <= 0.05
    study = detectors_world_study()
    assert paired_rate_difference(study["scores"], study["groups"], "silero", "all_three_music_neg")["low"] > 0
    assert f"animal and object sounds alone are at {shipped['animals and objects']['rate']:.3f}" in readme
    others = [detectors_world_study(results_dir() / f"detectors_world_effects_s{s}.json")["rates"]["all_three_music_neg"]
              for s in (1, 0)]
    assert (f"would have given {others[0]['held-out non-speech']['rate']:.3f} and "
            f"{others[1]['held-out non-speech']['rate']:.3f}") in readme


def test_the_shipped_everyday_thresholds_are_those_of_the_committed_run() -> None:
    from phaselab.studies.detector import EVERYDAY_THRESHOLDS, everyday_thresholds

    shipped = json.loads(EVERYDAY_THRESHOLDS.read_text())
    study = detectors_world_study()
    assert everyday_thresholds() == pytest.approx(study["thresholds"]["all_three_music_neg"], abs=1e-12)
    assert shipped["chosen_on_validation"] == study["chosen_on_validation"]["all_three_music_neg"]
    assert study["settings"]["music_weights"] is None  # measured with the shipped music detector


def test_ship_is_refused_where_it_would_write_other_thresholds() -> None:
    import os
    import subprocess
    import sys
    from pathlib import Path

    script = Path(__file__).resolve().parents[2] / "benchmarks" / "experiments" / "detectors_world.py"
    result = subprocess.run([sys.executable, str(script), "--ship"], capture_output=True, text=True,
                            env={**os.environ, "PHASELAB_QUICK": "1"}, timeout=300)
    assert result.returncode == 2 and "--ship writes the shipped detector's thresholds" in result.stderr


def test_paired_difference_resamples_recordings_once_for_both_detectors() -> None:
    rng = np.random.default_rng(7)
    base = rng.random(200)
    groups = {"game music": np.repeat([f"r{i}" for i in range(50)], 4), "animals and objects": np.array(["x"] * 10)}
    scores = {"a": {"game music": base, "animals and objects": np.full(10, 0.9)},
              "same": {"game music": base.copy(), "animals and objects": np.full(10, 0.9)},
              "stricter": {"game music": base - 0.2, "animals and objects": np.full(10, 0.9)}}
    same = paired_rate_difference(scores, groups, "a", "same", resamples=100)
    assert same["difference"] == same["low"] == same["high"] == 0.0 and same["clips"] == 210 and same["groups"] == 51
    stricter = paired_rate_difference(scores, groups, "a", "stricter", "game music", resamples=300)
    assert stricter["difference"] == pytest.approx(np.mean((base > 0.5) & (base <= 0.7)))
    assert 0 < stricter["low"] < stricter["difference"] < stricter["high"]  # every resample: a is never stricter
