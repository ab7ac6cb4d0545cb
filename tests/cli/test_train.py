from dataclasses import replace
from pathlib import Path

import pytest

from phaselab.cli.main import build_parser
from phaselab.cli.train import MODELS, _overrides, run_config
from phaselab.data.augment import AugmentConfig
from phaselab.nn.registry import MODEL_NAMES
from phaselab.training.config import DEFAULT_MODEL


def parse(*argv: str):
    return build_parser().parse_args(list(argv))


def test_model_names_match_the_models_module() -> None:
    assert MODELS == MODEL_NAMES


def test_only_given_options_become_config_fields(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    values = _overrides(parse("train", "--model", "cnn2d", "--data", "trees/sc", "--out", "run", "--jit",
                              "--model-kwargs", '{"width": 0.5}'))
    assert values == {"model": "cnn2d", "data": str(tmp_path / "trees" / "sc"), "jit_compile": True,
                      "model_kwargs": {"width": 0.5}}
    assert _overrides(parse("train", "--data", "mini", "--out", "run")) == {"data": "mini"}


def test_weight_average_option() -> None:
    assert _overrides(parse("train", "--out", "run", "--weight-average", "0.995")) == {"weight_average": 0.995}
    assert _overrides(parse("train", "--out", "run", "--weight-average", "0")) == {"weight_average": None}


def test_augment_options() -> None:
    values = _overrides(parse("train", "--out", "run", "--no-augment", "--augment", '{"noise_fraction": 0.3}'))
    assert AugmentConfig(**values["augment"]) == replace(AugmentConfig.none(), noise_fraction=0.3)
    changed = _overrides(parse("train", "--out", "run", "--augment", '{"shift_ms": 0}'))["augment"]
    assert AugmentConfig(**changed) == replace(AugmentConfig.real_speech(), shift_ms=0)  # changes the default recipe


@pytest.mark.parametrize("text", ["[1, 2]", "{width: 1}"])
def test_bad_json_options_are_refused(text: str, capsys: pytest.CaptureFixture) -> None:
    with pytest.raises(SystemExit):
        parse("train", "--out", "run", "--model-kwargs", text)
    assert "--model-kwargs" in capsys.readouterr().err


def test_a_new_run_without_options_gets_the_default_recipe(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from phaselab.training.config import TrainConfig

    monkeypatch.delenv("PHASELAB_DATA", raising=False)
    config = run_config(parse("train", "--out", str(tmp_path / "run")))
    assert config == TrainConfig(DEFAULT_MODEL, data="real") and DEFAULT_MODEL == "cnn2d-mel"
    resumed = tmp_path / "old"
    resumed.mkdir()
    TrainConfig("cnn1d", epochs=3).save(resumed / "config.json")
    assert run_config(parse("train", "--out", str(resumed), "--resume")) == TrainConfig("cnn1d", epochs=3)


def test_default_data_of_a_new_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from phaselab.cli.train import _default_data

    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("PHASELAB_DATA", raising=False)
    assert _default_data() == "real"
    monkeypatch.setenv("PHASELAB_DATA", "sc")
    assert _default_data() == str(tmp_path / "sc")
    monkeypatch.setenv("PHASELAB_DATA", "real, words")  # several trees: each named or made absolute
    assert _default_data() == f"real,{tmp_path / 'words'}"


def test_every_recipe_field_has_an_option_whose_help_shows_the_dataclass_default() -> None:
    import dataclasses

    from phaselab.cli.main import build_parser
    from phaselab.cli.train import RECIPE_OPTIONS
    from phaselab.training.config import TrainConfig

    train = build_parser()._subparsers._group_actions[0].choices["train"]
    by_dest = {action.dest: action for action in train._actions}
    fields = {f.name: f for f in dataclasses.fields(TrainConfig)}
    covered = set(RECIPE_OPTIONS) | {"model", "model_kwargs", "data", "augment"}
    assert set(fields) - covered == {"balanced"}  # class-balanced batches: always on from the command line
    for name in RECIPE_OPTIONS:
        default = fields[name].default
        assert f"(default {'none' if default is None else default})" in by_dest[name].help, name
