"""phaselab.training.config: TrainConfig's round trip and its error messages."""

import json
from pathlib import Path

import pytest

from phaselab.data.augment import AugmentConfig
from phaselab.training.config import TrainConfig


def test_config_round_trip(tmp_path: Path) -> None:
    config = TrainConfig(
        "cnn2d", model_kwargs={"width": 0.5}, data="/somewhere", epochs=3, batch_size=64, steps_per_epoch=7,
        optimizer="adadelta", learning_rate=1.0, loss="categorical_crossentropy", seed=5,
        augment={"noise_fraction": 0.5, "pitch_range": (-1.0, 2.0)}, unknown_share=0.1, balanced=False,
        mixed_precision=True, jit_compile=True,
    )
    loaded = TrainConfig.load(config.save(tmp_path / "config.json"))
    assert loaded == config
    assert loaded.augment_config() == AugmentConfig(noise_fraction=0.5, pitch_range=(-1.0, 2.0))
    assert json.loads((tmp_path / "config.json").read_text())["augment"]["pitch_range"] == [-1.0, 2.0]
    assert loaded.differences(config) == []
    assert TrainConfig("cnn2d", seed=1).differences(TrainConfig("cnn2d", seed=2)) == ["seed: 1 != 2"]


@pytest.mark.parametrize(
    "values, message",
    [
        ({"model": "cnn4d"}, "unknown model 'cnn4d'"),
        ({"model": "cnn1d", "epoch": 3}, "unknown TrainConfig fields: epoch"),
        ({"model": "cnn1d", "model_kwargs": {"widht": 0.5}}, "model 'cnn1d' takes no argument widht"),
        ({"model": "cnn1d", "model_kwargs": {"n_classes": 3}}, "cannot set n_classes"),
        ({"model": "cnn1d", "augment": {"noise": 1}}, "unknown augment settings: noise"),
        ({"model": "cnn1d", "augment": {"noise_fraction": 2.0}}, "noise_fraction must be in"),
        ({"model": "cnn1d", "epochs": 0}, "epochs must be at least 1"),
        ({"model": "cnn1d", "loss": "mse"}, "unknown loss"),
        ({"model": "cnn1d", "optimizer": "adamm"}, "unknown Keras optimizer 'adamm'"),
        ({"epochs": 3}, "needs a 'model'"),
        ({"model": "cnn1d", "weight_average": 1.0}, "weight_average must be between 0 and 1"),
    ],
)
def test_config_errors_name_the_problem(tmp_path: Path, values: dict, message: str) -> None:
    path = tmp_path / "config.json"
    path.write_text(json.dumps(values))
    with pytest.raises(ValueError, match=message) as info:
        TrainConfig.load(path)
    assert str(path) in str(info.value)
