"""Training past one device: MirroredStrategy on two logical CPUs, MultiWorkerMirroredStrategy across two processes.

Tolerance: every epoch's training and validation loss within ``rtol=1e-3`` of the one-device
run with the same global batch. Reductions run in another order on several replicas (a
mean of per-replica means, BatchNormalization statistics from summed moments), which moves
the losses by about 1e-4 after a few steps; BatchNormalization left per replica (batch
statistics of 4 clips instead of 8) moves the first epoch's loss by about 8%, and a
worker fed the wrong share of a batch moves it as much.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from distributed_runs import CONFIG
from keyword_tree import write_tree

from phaselab.cli.main import main
from phaselab.training.config import TrainConfig
from phaselab.training.distributed import read_tf_config, worker_cluster
from phaselab.training.loop import train

HERE = Path(__file__).resolve().parents[1] / "helpers"
RTOL = 1e-3
ENV = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2", "MPLBACKEND": "Agg", "CUDA_VISIBLE_DEVICES": "",
       "PYTHONPATH": os.pathsep.join([str(HERE.parents[1]), str(HERE), os.environ.get("PYTHONPATH", "")])}
ENV.pop("TF_CONFIG", None)


@pytest.fixture(scope="module")
def tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_tree(tmp_path_factory.mktemp("tree"))


@pytest.fixture(scope="module")
def reference(tree: Path, tmp_path_factory: pytest.TempPathFactory) -> dict:
    """The one-device run every distributed run must reproduce."""
    return train(TrainConfig(data=str(tree), **CONFIG), tmp_path_factory.mktemp("one") / "run", verbose=0,
                 devices="one").history


def assert_same_losses(history: dict, reference: dict) -> None:
    assert history["epoch"] == reference["epoch"]
    for key in ("loss", "val_loss"):
        np.testing.assert_allclose(history[key], reference[key], rtol=RTOL, err_msg=key)


def test_mirrored_on_two_devices_trains_as_one_and_resumes_on_either(tree: Path, tmp_path: Path, reference: dict) -> None:
    done = subprocess.run([sys.executable, str(HERE / "distributed_runs.py"), "mirrored", str(tree), str(tmp_path)],
                          capture_output=True, text=True, env=ENV, timeout=600)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-3000:]
    histories = json.loads(done.stdout.split("RESULT ", 1)[1])
    assert set(histories) == {"one", "mirrored", "mirrored-then-one", "one-then-mirrored"}
    for name, history in histories.items():
        assert_same_losses(history, reference)


def free_ports(count: int) -> list[int]:
    sockets = [socket.socket() for _ in range(count)]
    for s in sockets:
        s.bind(("127.0.0.1", 0))
    ports = [s.getsockname()[1] for s in sockets]
    for s in sockets:
        s.close()
    return ports


def start_workers(tree: Path, runs: list[Path], extra: list[str]) -> list[subprocess.Popen]:
    hosts = ",".join(f"127.0.0.1:{port}" for port in free_ports(len(runs)))
    options = ["--data", str(tree), "--model", CONFIG["model"], "--model-kwargs", json.dumps(CONFIG["model_kwargs"]),
               "--epochs", str(CONFIG["epochs"] + 1), "--batch-size", str(CONFIG["batch_size"]),
               "--steps-per-epoch", str(CONFIG["steps_per_epoch"]), "--schedule", CONFIG["schedule"]]
    return [subprocess.Popen([sys.executable, "-m", "phaselab", "train", *options, "--out", str(run),
                              "--worker-hosts", hosts, "--worker-index", str(i), *extra],
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=ENV)
            for i, run in enumerate(runs)]


def stop(processes: list[subprocess.Popen]) -> None:
    for process in processes:
        if process.poll() is None:
            process.send_signal(signal.SIGKILL)
        process.communicate()


def backed_up_epochs(run: Path) -> int:
    try:
        return json.loads((run / "backup" / "state.json").read_text())["epoch"]
    except (OSError, ValueError, KeyError):
        return 0


def test_two_workers_train_one_model_and_a_killed_job_resumes(tree: Path, tmp_path: Path, reference: dict) -> None:
    """Worker 1 is killed after the first epoch's backup; the job restarts (on other ports) with --resume."""
    chief, other = tmp_path / "chief", tmp_path / "worker1"
    workers = start_workers(tree, [chief, other], [])
    try:
        deadline = time.monotonic() + 400
        while backed_up_epochs(chief) < 1 and time.monotonic() < deadline and workers[0].poll() is None:
            time.sleep(0.2)
        assert backed_up_epochs(chief) >= 1, workers[0].communicate()[0][-3000:] if workers[0].poll() is not None else "timeout"
        workers[1].send_signal(signal.SIGKILL)
    finally:
        stop(workers)
    killed_at = backed_up_epochs(chief)
    assert killed_at < CONFIG["epochs"] + 1 and not (chief / "model.keras").exists()

    workers = start_workers(tree, [chief, other], ["--resume"])
    try:
        outputs = [process.communicate(timeout=400)[0] for process in workers]
    finally:
        stop(workers)
    for process, output in zip(workers, outputs):
        assert process.returncode == 0, output[-3000:]
    assert (chief / "model.keras").is_file() and not other.exists()  # only the chief wrote a run directory
    history = json.loads((chief / "history.json").read_text())
    assert_same_losses({key: values[:CONFIG["epochs"]] for key, values in history.items()}, reference)
    assert history["epoch"] == list(range(1, CONFIG["epochs"] + 2))


@pytest.mark.parametrize("text, message", [
    ("{not json", "TF_CONFIG is not valid JSON"),
    ('{"cluster": {"worker": ["a:1", "b:2"]}, "task": {"type": "worker", "index": 2}}', "worker index 2 is out of range"),
    ('{"cluster": {"worker": ["a:1", "b"]}, "task": {"type": "worker", "index": 0}}', "'b' is not a worker address"),
    ('{"cluster": {"chief": ["a:1"], "worker": ["b:2"]}, "task": {"type": "chief", "index": 0}}', "only \"worker\" tasks"),
    ('{"cluster": {"worker": ["a:1", "b:2"]}}', 'needs "task"'),
])
def test_a_bad_tf_config_is_named_in_one_line(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message) as error:
        read_tf_config(text)
    assert "\n" not in str(error.value)


def test_worker_cluster_writes_the_tf_config_it_reads() -> None:
    cluster = worker_cluster(["10.0.0.1:2222", "10.0.0.2:2222"], 1)
    assert read_tf_config(cluster.tf_config()) == cluster and not cluster.chief
    assert read_tf_config("") is None


@pytest.mark.parametrize("args, message", [
    (["--worker-hosts", "127.0.0.1:1,127.0.0.1:2", "--worker-index", "5"], "worker index 5 is out of range"),
    (["--worker-hosts", "127.0.0.1:1,127.0.0.1:2"], "--worker-hosts and --worker-index go together"),
    (["--worker-hosts", "127.0.0.1:1,127.0.0.1:2", "--worker-index", "0", "--devices", "one"], "cannot go with --devices one"),
    (["--worker-hosts", "127.0.0.1:{busy},127.0.0.1:2", "--worker-index", "0"], "port {busy} is in use"),
])
def test_cli_worker_mistakes_are_one_line_errors(
    tmp_path: Path, args: list[str], message: str, capsys: pytest.CaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TF_CONFIG", "")  # --worker-hosts writes it; put back after the test
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = str(busy.getsockname()[1])
        run = tmp_path / "run"
        assert main(["train", "--out", str(run), *(a.replace("{busy}", port) for a in args)]) == 1
    error = capsys.readouterr().err.strip()
    assert message.replace("{busy}", port) in error and "\n" not in error, error
    assert not run.exists()
