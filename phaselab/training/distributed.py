"""Training past one device, on ``tf.distribute``: mirrored replicas on one machine, workers on many.

Several devices (``train(..., devices=...)``, ``phaselab train --devices``; :func:`make_strategy`)
    ``"auto"`` (the default): a ``MultiWorkerMirroredStrategy`` if ``TF_CONFIG`` names a
    cluster, else a ``MirroredStrategy`` when more than one GPU is visible, else one device.
    ``"one"``, ``"mirrored"`` (every GPU, or every logical CPU device when there is no GPU)
    and ``"multiworker"`` choose explicitly. Each replica holds a copy of the model and gets
    an equal share of every batch; ``batch_size`` is the *global* batch (e.g. 64 on 2 GPUs =
    32 per GPU) and must split evenly. BatchNormalization takes its statistics over the
    global batch (``synchronized``), so a run on N devices follows the run on one up to
    floating-point rounding (dropout masks, drawn per replica, are the exception), and a
    backup written on one set of devices resumes on another. Validation runs on a
    one-device twin of the model. Restrict the GPUs with ``CUDA_VISIBLE_DEVICES``.
Several machines
    Every machine runs ``phaselab train`` with the same options and ``--worker-hosts
    H0:P,H1:P,... --worker-index I`` (or its own ``TF_CONFIG``). Worker 0, the chief, checks
    and writes the run directory; the others write to a temporary folder, deleted at the
    end. Every worker builds the same seeded stream of global batches and keeps its
    replicas' shares of each (``tf.data`` auto-sharding by ``DATA``), so each worker
    augments every clip of the batch and uses its share only. A killed worker stops the
    job; restarted with ``--resume`` (on any ports), the chief reads its backup and sends the
    weights, optimizer state and epoch to the others, so only the chief's machine needs the
    run directory.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from typing import Any

import keras
import numpy as np

__all__ = ["DEVICES", "make_strategy", "Cluster", "worker_cluster", "read_tf_config"]


DEVICES: tuple[str, ...] = ("auto", "one", "mirrored", "multiworker")
"""The ``devices`` choices of :func:`train` and :func:`make_strategy`."""


@dataclass(frozen=True)
class Cluster:
    """The workers of a multi-worker job, as ``TF_CONFIG`` gives them.

    Attributes
    ----------
    workers : tuple of str
        ``host:port`` of every worker, worker 0 (the chief) first.
    index : int
        This process's place in ``workers``.
    """

    workers: tuple[str, ...]
    index: int

    @property
    def chief(self) -> bool:
        """Worker 0 writes the run directory; the others write theirs to a temporary folder."""
        return self.index == 0

    def tf_config(self) -> str:
        """The ``TF_CONFIG`` JSON of this worker."""
        return json.dumps({"cluster": {"worker": list(self.workers)}, "task": {"type": "worker", "index": self.index}})


def _host_port(text: str) -> tuple[str, int]:
    """``host:port`` split and checked (a one-line ValueError naming it otherwise)."""
    host, colon, port = str(text).rpartition(":")
    if not colon or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError(f"{text!r} is not a worker address of the form host:port (port 1-65535)")
    return host, int(port)


def worker_cluster(workers: list[str] | tuple[str, ...], index: int) -> Cluster:
    """A :class:`Cluster` from worker addresses and this worker's index, checked.

    Raises
    ------
    ValueError
        An address that is not ``host:port``, the same address twice, fewer than two
        workers, or an index out of range.
    """
    workers = tuple(str(worker).strip() for worker in workers)
    for worker in workers:
        _host_port(worker)
    if len(set(workers)) != len(workers):
        raise ValueError(f"the worker addresses must differ, got {', '.join(workers)}")
    if len(workers) < 2:
        raise ValueError(f"a multi-worker job needs at least two workers, got {len(workers)}")
    if isinstance(index, bool) or not isinstance(index, int) or not 0 <= index < len(workers):
        raise ValueError(f"worker index {index!r} is out of range: {len(workers)} workers, indices 0 to {len(workers) - 1}")
    return Cluster(workers, index)


def read_tf_config(text: str | None = None) -> Cluster | None:
    """The :class:`Cluster` of ``TF_CONFIG`` (``$TF_CONFIG`` if ``text`` is None); None if unset or empty.

    Only clusters of ``worker`` tasks are read (worker 0 is the chief), the form
    ``phaselab train --worker-hosts`` writes:
    ``{"cluster": {"worker": ["host:port", ...]}, "task": {"type": "worker", "index": i}}``.

    Raises
    ------
    ValueError
        One line saying what is wrong with it (not JSON, no worker list, another task type,
        an index out of range, a bad address).
    """
    text = os.environ.get("TF_CONFIG", "") if text is None else text
    if not text.strip():
        return None
    try:
        config = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"TF_CONFIG is not valid JSON ({exc})") from None
    if not isinstance(config, dict) or not isinstance(config.get("cluster"), dict):
        raise ValueError('TF_CONFIG needs a "cluster" object, e.g. {"cluster": {"worker": ["host:port", ...]}, '
                         '"task": {"type": "worker", "index": 0}}')
    others = set(config["cluster"]) - {"worker"}
    if others:
        raise ValueError(f"TF_CONFIG: only \"worker\" tasks are supported (worker 0 is the chief), got {', '.join(sorted(others))}")
    workers = config["cluster"].get("worker")
    if not isinstance(workers, list) or not all(isinstance(w, str) for w in workers):
        raise ValueError('TF_CONFIG: cluster.worker must be a list of "host:port" strings')
    task = config.get("task")
    if not isinstance(task, dict) or task.get("type") != "worker" or "index" not in task:
        raise ValueError('TF_CONFIG needs "task": {"type": "worker", "index": I}, this process\'s place in cluster.worker')
    return worker_cluster(workers, task["index"])


def _check_port_free(address: str) -> None:
    """Refuse early, in one line, a local worker address whose port another process holds."""
    import socket

    host, port = _host_port(address)
    try:
        local = {"localhost", socket.gethostname(), socket.getfqdn()}
        addresses = {info[4][0] for info in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)}
    except OSError:
        return  # an unknown host: TensorFlow says so
    if host not in local and not any(a.startswith("127.") or a == "::1" for a in addresses):
        return  # another machine's address: only that machine can tell
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as TensorFlow's server: a closed port is free
        try:
            probe.bind(("", port))
        except OSError:
            raise ValueError(f"worker address {address}: port {port} is in use on this machine "
                             "(another worker or program holds it); choose another port") from None


def make_strategy(devices: str = "auto") -> Any:
    """The ``tf.distribute`` strategy that trains on ``devices``; None under another Keras backend.

    Parameters
    ----------
    devices : str
        ``"auto"``: ``"multiworker"`` if ``TF_CONFIG`` names a cluster, else
        ``"mirrored"`` if TensorFlow sees several GPUs, else ``"one"``.
        ``"one"``: the default strategy (one device). ``"mirrored"``: a
        ``MirroredStrategy`` over every GPU, or over every logical CPU device if there is no
        GPU. ``"multiworker"``: a ``MultiWorkerMirroredStrategy`` over the workers of
        ``TF_CONFIG`` (:func:`read_tf_config`), each with its GPUs (or its CPU).

    Returns
    -------
    tf.distribute.Strategy or None
        Create it before any other TensorFlow work of the process (a multi-worker strategy
        refuses to start later).

    Raises
    ------
    ValueError
        An unknown choice; ``"mirrored"``/``"multiworker"`` under another backend;
        ``"multiworker"`` without a usable ``TF_CONFIG``; a local port in use.
    """
    if devices not in DEVICES:
        raise ValueError(f"unknown devices {devices!r}; choose one of {', '.join(DEVICES)}")
    if keras.backend.backend() != "tensorflow":
        if devices in ("mirrored", "multiworker"):
            raise ValueError(f"devices={devices!r} needs the TensorFlow backend (KERAS_BACKEND=tensorflow); under "
                             f"{keras.backend.backend()} phaselab trains on one device")
        return None
    import tensorflow as tf

    cluster = read_tf_config() if devices in ("auto", "multiworker") else None
    if devices == "multiworker" and cluster is None:
        raise ValueError("devices='multiworker' needs TF_CONFIG (or phaselab train --worker-hosts H:P,H:P --worker-index I)")
    if cluster is not None:
        _check_port_free(cluster.workers[cluster.index])
        try:
            return tf.distribute.MultiWorkerMirroredStrategy()
        except RuntimeError as exc:  # "Collective ops must be configured at program startup"
            raise ValueError("a multi-worker strategy must be created before any other TensorFlow work in the "
                             f"process (call train(devices='multiworker') first, in a fresh process): {exc}") from None
    gpus = tf.config.list_logical_devices("GPU")
    if devices == "mirrored":
        return tf.distribute.MirroredStrategy([d.name for d in gpus or tf.config.list_logical_devices("CPU")])
    if devices == "auto" and len(gpus) > 1:
        return tf.distribute.MirroredStrategy()
    return tf.distribute.get_strategy()


def _replicas(strategy: Any) -> int:
    return 1 if strategy is None else int(strategy.num_replicas_in_sync)


def _worker(strategy: Any) -> tuple[int, int]:
    """(this worker's index, workers) of a strategy; (0, 1) for a one-machine strategy."""
    resolver = getattr(strategy, "cluster_resolver", None)
    if resolver is None or not resolver.cluster_spec().as_dict():
        return 0, 1
    return int(resolver.task_id), len(resolver.cluster_spec().as_dict().get("worker", []))


def _from_chief(strategy: Any, values: list[np.ndarray]) -> list[np.ndarray]:
    """``values`` as the chief (the holder of replica 0) has them, on every worker of ``strategy``.

    A sum all-reduce to which only replica 0 contributes (the others add zeros): a broadcast
    over the strategy's collectives, with no file shared between the machines.
    """
    if _worker(strategy)[1] == 1:
        return values
    import tensorflow as tf

    def send() -> list[Any]:
        context = tf.distribute.get_replica_context()
        first = tf.equal(context.replica_id_in_sync_group, 0)
        return [context.all_reduce(tf.distribute.ReduceOp.SUM, tf.where(first, tf.constant(v), tf.zeros_like(v)))
                for v in values]

    received = strategy.run(send)
    return [np.asarray(strategy.experimental_local_results(r)[0]) for r in received]


def _share_state(strategy: Any, source: keras.Model, model: keras.Model) -> None:
    """Give every worker's ``model`` the chief's ``source`` state: weights, optimizer state, seed states.

    ``source`` is a one-device twin of ``model`` (same variables, same order) into which the
    chief restored its backup; every worker calls this, in the same order of collectives.
    """
    def state(m: keras.Model) -> list[keras.Variable]:
        return [*m.trainable_variables, *m.non_trainable_variables, *m.optimizer.variables]

    targets, values = state(model), [keras.ops.convert_to_numpy(v) for v in state(source)]
    if len(targets) != len(values):
        raise ValueError(f"cannot share the restored state: {len(values)} variables for a model with {len(targets)}")
    wide = [v.astype(np.int64 if np.issubdtype(v.dtype, np.integer) else np.float64) for v in values]
    for variable, value, old in zip(targets, _from_chief(strategy, wide), values):
        variable.assign(value.astype(old.dtype))


def _batch_norms(model: keras.Model) -> list[keras.layers.BatchNormalization]:
    return [layer for layer in model._flatten_layers() if isinstance(layer, keras.layers.BatchNormalization)]


def _set_synchronized(model: keras.Model, synchronized: bool) -> list[bool]:
    """Set ``synchronized`` of every BatchNormalization layer; returns the old values, in order."""
    layers = _batch_norms(model)
    old = [layer.synchronized for layer in layers]
    for layer in layers:
        layer.synchronized = synchronized
    return old


def _shard_by_data(dataset: Any) -> Any:
    """A ``tf.data`` training set that a multi-worker strategy shards by its elements (``AutoShardPolicy.DATA``).

    :func:`make_dataset` generates its stream from a seed (no files to share out), so every
    worker builds the same stream of global batches; the strategy splits each global batch
    into one share per replica, and each worker keeps its replicas' shares of every batch.
    Other datasets (another backend's ``PyDataset``) are returned unchanged.
    """
    if keras.backend.backend() != "tensorflow":
        return dataset
    import tensorflow as tf

    if not isinstance(dataset, tf.data.Dataset):
        return dataset
    options = tf.data.Options()
    options.experimental_distribute.auto_shard_policy = tf.data.experimental.AutoShardPolicy.DATA
    return dataset.with_options(options)


def _build_for_multiworker(model: keras.Model, strategy: Any, spec: Any) -> None:
    """Build the model's training state from the data's ``element_spec`` before ``fit``, under a multi-worker strategy.

    Keras 3's ``fit`` builds it from the first distributed batch with
    ``strategy.reduce("MEAN", batch)``, which ``MultiWorkerMirroredStrategy`` cannot do for a
    nested batch ("Attempt to convert a value (PerReplica...) to a Tensor";
    keras-team/keras#20585). Built here from the shapes (the optimizer's variables
    included), ``fit`` has nothing left to build, and its own attempt is switched off.
    """
    import tensorflow as tf

    model._symbolic_build(data_batch=spec)
    if not model.optimizer.built:
        model.optimizer.build(model.trainable_variables)
    model._maybe_symbolic_build = lambda iterator=None, data_batch=None: None
    step = model.train_step

    def train_step(data: Any) -> Any:
        return tf.nest.map_structure(lambda value: tf.reshape(value, [1]), step(data))

    model.train_step = train_step
