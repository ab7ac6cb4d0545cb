"""Training runs for ``test_train_distributed.py``, each in a process of its own.

``python tests/helpers/distributed_runs.py mirrored TREE OUT`` splits the CPU into two logical
devices (which must happen before TensorFlow sets up its devices, hence a process of its
own), trains one short run on one device and on both, and the same run killed after its
first epoch under one and resumed under the other, both ways; it prints the four
histories as one JSON line ``RESULT {...}``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

CONFIG = {
    "model": "cnn1d", "model_kwargs": {"width": 0.125, "dropout": 0.0}, "epochs": 2, "batch_size": 8,
    "steps_per_epoch": 3, "schedule": "constant",
}
"""A ~3000-parameter model, 3 batches of 8 per epoch. No dropout: its masks are drawn per replica, so a
run with dropout agrees across devices in distribution only, not value by value."""


class Killed(Exception):
    """Stands for the process dying right after a backup."""


def mirrored(tree: str, out: str) -> dict[str, dict]:
    import tensorflow as tf

    cpu = tf.config.list_physical_devices("CPU")[0]
    tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
    from phaselab.training import loop as training

    config = training.TrainConfig(data=tree, **CONFIG)
    original = training.EpochCheckpoint.on_epoch_end

    def dies_after_the_first_backup(self, epoch, logs=None):
        original(self, epoch, logs)
        if epoch == 0:
            raise Killed

    histories = {}
    for devices in ("one", "mirrored"):
        histories[devices] = training.train(config, Path(out, devices), verbose=0, devices=devices).history
    for first, then in (("mirrored", "one"), ("one", "mirrored")):
        run = Path(out, f"{first}-then-{then}")
        training.EpochCheckpoint.on_epoch_end = dies_after_the_first_backup
        try:
            training.train(config, run, verbose=0, devices=first)
        except Killed:
            pass
        finally:
            training.EpochCheckpoint.on_epoch_end = original
        histories[run.name] = training.train(config, run, resume=True, verbose=0, devices=then).history
    return histories


if __name__ == "__main__":
    mode, *arguments = sys.argv[1:]
    result = {"mirrored": mirrored}[mode](*arguments)
    print("RESULT " + json.dumps(result))
