"""Importing phaselab keeps TensorFlow's C++ log out of stderr, and lets real errors through."""

from __future__ import annotations

import os
import subprocess
import sys
import types

import pytest

from phaselab import quiet
from phaselab.paths import repo_root

PREDICT = """
import numpy as np
import phaselab.nn.features  # phaselab first, as every chapter does; it imports TensorFlow
import keras
model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)])
for n in (3, 5, 7):  # three batch sizes
    assert model.predict(np.zeros((n, 4), "float32"), verbose=0).shape == (n, 2)
print("predicted")
"""


def test_importing_phaselab_nn_and_predicting_prints_nothing_to_stderr():
    env = {k: v for k, v in os.environ.items() if k != "TF_CPP_MIN_LOG_LEVEL"}  # however Jupyter was started
    env["PYTHONPATH"] = str(repo_root())
    done = subprocess.run([sys.executable, "-c", PREDICT], capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stdout == "predicted\n" and done.stderr == ""


def test_a_value_already_set_wins(monkeypatch):
    monkeypatch.setenv("TF_CPP_MIN_LOG_LEVEL", "1")
    quiet.install()
    assert os.environ["TF_CPP_MIN_LOG_LEVEL"] == "1"


class _Loader:
    """A module that writes two notes and an error line to file descriptor 2, then maybe fails."""

    def __init__(self, fail: bool) -> None:
        self.fail = fail

    def create_module(self, spec):
        return None

    def exec_module(self, module):
        os.write(2, b"WARNING: All log messages before absl::InitializeLog() is called are written to STDERR\n"
                    b"I0000 00:00:1796621432.584045   12100 cudart_stub.cc:31] Could not find cuda drivers\n"
                    b"E0000 00:00:1796621444.869320   12100 plugin.cc:52] a plugin failed to load\n")
        if self.fail:
            raise ImportError("the library is broken")


@pytest.mark.parametrize("fail", [False, True])
def test_the_quiet_import_drops_the_notes_and_writes_back_errors(capfd, fail):
    loader = quiet._QuietLoader(_Loader(fail))
    if fail:
        with pytest.raises(ImportError, match="the library is broken"):
            loader.exec_module(types.ModuleType("fake"))
    else:
        loader.exec_module(types.ModuleType("fake"))
    err = capfd.readouterr().err
    assert err == "E0000 00:00:1796621444.869320   12100 plugin.cc:52] a plugin failed to load\n"


def test_a_probe_for_tensorflow_before_its_import_leaves_the_import_quiet():
    probe_first = "import importlib.util, phaselab\nassert importlib.util.find_spec('tensorflow')\n" + PREDICT
    env = {k: v for k, v in os.environ.items() if k != "TF_CPP_MIN_LOG_LEVEL"}
    env["PYTHONPATH"] = str(repo_root())
    done = subprocess.run([sys.executable, "-c", probe_first], capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 0 and done.stderr == "", done.stderr
