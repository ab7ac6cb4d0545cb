"""``phaselab train``, ``phaselab evaluate`` and ``phaselab predict``.

TensorFlow is imported inside the command functions only, so ``phaselab --help`` stays fast.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import re
from dataclasses import asdict
from pathlib import Path
from typing import Any

from phaselab.cli.main import positive_int, probability
from phaselab.training.config import DEFAULT_MODEL

__all__ = ["register", "run_config", "MODELS"]

MODELS: tuple[str, ...] = ("cnn3d", "cnn3d-small", "cnn2d", "cnn2d-mel", "cnn2d-phase", "cnn1d", "dscnn", "enc-cnn",
                           "enc-small")
"""The names of :data:`phaselab.nn.registry.MODEL_NAMES`, repeated here so ``--help`` needs no TensorFlow."""



def _json_object(text: str) -> dict[str, Any]:
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise argparse.ArgumentTypeError(f"not valid JSON ({exc}): {text!r}") from exc
    if not isinstance(value, dict):
        raise argparse.ArgumentTypeError(f"expected a JSON object like '{{\"width\": 0.5}}', got {text!r}")
    return value


def _data_path(value: str) -> str:
    """A bundled set's name or an absolute path, or several, comma-separated (so config.json does not depend on the working directory)."""
    from phaselab.data.speech_commands import DATA_NAMES

    return ",".join(part if part in DATA_NAMES else str(Path(part).resolve()) for part in (p.strip() for p in value.split(",")))


def _default_data() -> str:
    """The data of a new run without ``--data``: ``$PHASELAB_DATA``, else the default bundled set."""
    from phaselab.data.speech_commands import DEFAULT_DATA

    return _data_path(os.environ.get("PHASELAB_DATA") or DEFAULT_DATA)


RECIPE_OPTIONS: tuple[str, ...] = (
    "epochs", "batch_size", "steps_per_epoch", "optimizer", "learning_rate", "schedule", "loss", "seed",
    "unknown_share", "unknown_weight", "weight_average", "train_speakers", "mixed_precision", "jit_compile",
)
"""The :class:`~phaselab.training.config.TrainConfig` fields that ``phaselab train`` takes as ``--field-name``
options, made from the dataclass (type, default) and its docstring (help)."""

_METAVARS = {"weight_average": "MOMENTUM", "train_speakers": "SHARE", "unknown_share": "SHARE"}
_ALIASES = {"jit_compile": ("--jit",)}


def _field_help() -> dict[str, str]:
    """The first sentence of each field's entry in :class:`TrainConfig`'s ``Attributes`` section."""
    from phaselab.training.config import TrainConfig

    lines = (TrainConfig.__doc__ or "").split("Attributes\n    ----------\n", 1)[-1].splitlines()
    helps: dict[str, list[str]] = {}
    name = None
    for line in lines:
        entry = re.match(r"^    (\w+) : ", line)
        if entry:
            name = entry.group(1)
            helps[name] = []
        elif name and line.startswith("        "):
            helps[name].append(line.strip())
        elif line.strip() and not line.startswith(" "):
            break
    first = {key: re.split(r"(?<!e\.g\.)(?<!i\.e\.)(?<=\.)\s", " ".join(words), maxsplit=1)[0].rstrip(".")
             for key, words in helps.items()}
    plain = {key: re.sub(r":\w+:`~?([^`]+)`", r"\1", text).replace("``", "") for key, text in first.items()}
    return {key: text.replace("%", "%%") for key, text in plain.items()}


def _recipe_arguments(parser: argparse.ArgumentParser) -> None:
    """``--epochs``, ``--batch-size``, ...: one option per field of :data:`RECIPE_OPTIONS`, default shown from the dataclass."""
    from phaselab.training.config import SCHEDULES, TrainConfig

    helps = _field_help()
    for spec in dataclasses.fields(TrainConfig):
        if spec.name not in RECIPE_OPTIONS:
            continue
        default = spec.default
        shown = "none" if default is None else default
        options = ("--" + spec.name.replace("_", "-"), *_ALIASES.get(spec.name, ()))
        help_text = f"{helps.get(spec.name, spec.name)} (default {shown})"
        if spec.type == "bool":
            parser.add_argument(*options, dest=spec.name, action="store_true", default=None, help=help_text)
            continue
        kind = {"int": positive_int, "int | None": positive_int, "float": float, "float | None": float}.get(spec.type, str)
        if spec.name == "seed":
            kind = int
        parser.add_argument(*options, dest=spec.name, type=kind, metavar=_METAVARS.get(spec.name),
                            choices={"schedule": SCHEDULES}.get(spec.name), help=help_text)


def _overrides(args: argparse.Namespace) -> dict[str, Any]:
    """The TrainConfig fields given on the command line (options left out are absent)."""
    values = {
        "model": args.model,
        "model_kwargs": args.model_kwargs,
        "data": None if args.data is None else _data_path(args.data),
        **{name: getattr(args, name) for name in RECIPE_OPTIONS},
    }
    values = {key: value for key, value in values.items() if value is not None}
    if args.weight_average is not None:
        values["weight_average"] = args.weight_average or None
    if args.no_augment or args.augment is not None:
        from phaselab.data.augment import AugmentConfig

        base = asdict(AugmentConfig.none() if args.no_augment else AugmentConfig.real_speech())
        values["augment"] = {**base, **(args.augment or {})}
    return values


def run_config(args: argparse.Namespace) -> Any:
    """The TrainConfig of ``phaselab train``: the saved one updated by the options when
    resuming, else the options over the defaults (model :data:`DEFAULT_MODEL`, data from
    :func:`_default_data`)."""
    from phaselab.training.config import TrainConfig
    from phaselab.training.rundir import CONFIG_FILE

    overrides = _overrides(args)
    config_path = Path(args.out) / CONFIG_FILE
    if args.resume and config_path.is_file():
        saved = TrainConfig.load(config_path)
        augment = {**saved.augment, **overrides.pop("augment", {})}
        return TrainConfig.from_dict({**saved.to_dict(), **overrides, "augment": augment})
    overrides.setdefault("model", DEFAULT_MODEL)
    overrides.setdefault("data", _default_data())
    return TrainConfig.from_dict(overrides)


DEVICES: tuple[str, ...] = ("auto", "one", "mirrored", "multiworker")
"""The choices of ``--devices`` (:data:`phaselab.training.distributed.DEVICES`, repeated so ``--help`` needs no TensorFlow)."""


def _worker_hosts(text: str) -> list[str]:
    """An argparse ``type``: comma-separated ``host:port`` addresses."""
    hosts = [host.strip() for host in text.split(",") if host.strip()]
    if not hosts:
        raise argparse.ArgumentTypeError(f"expected host:port,host:port,..., got {text!r}")
    return hosts


def _devices(args: argparse.Namespace) -> str:
    """The ``devices`` of :func:`phaselab.training.loop.train`; with ``--worker-hosts``, writes ``TF_CONFIG`` for it.

    Raises
    ------
    ValueError
        ``--worker-hosts`` without ``--worker-index`` (or the other way round), with
        ``--devices`` other than ``multiworker``/``auto``, a bad address or index (checked by
        :func:`phaselab.training.distributed.worker_cluster`), or a ``TF_CONFIG`` that cannot be read.
    """
    from phaselab.training.distributed import read_tf_config, worker_cluster

    if (args.worker_hosts is None) != (args.worker_index is None):
        raise ValueError("--worker-hosts and --worker-index go together: every worker gets the same list and its own index")
    if args.worker_hosts is None:
        if args.devices in ("auto", "multiworker"):
            read_tf_config()  # a bad TF_CONFIG is refused now, in one line
        return args.devices
    if args.devices not in ("auto", "multiworker"):
        raise ValueError(f"--worker-hosts trains on several machines; it cannot go with --devices {args.devices}")
    os.environ["TF_CONFIG"] = worker_cluster(args.worker_hosts, args.worker_index).tf_config()
    return "multiworker"


def _train(args: argparse.Namespace) -> int:
    from phaselab.training.distributed import read_tf_config
    from phaselab.training.loop import train

    devices = _devices(args)
    result = train(run_config(args), args.out, resume=args.resume, verbose=1, devices=devices)
    cluster = read_tf_config() if devices in ("auto", "multiworker") else None
    if cluster is not None and not cluster.chief:
        print(f"worker {cluster.index}: finished; the chief (worker 0) wrote the run directory")
        return 0
    history = result.history
    if history.get("val_macro_f1"):
        print(f"{args.out}: {len(history['epoch'])} epochs, final validation macro F1 {history['val_macro_f1'][-1]:.3f}")
    return 0


def _model_or_shipped(name: str | None) -> str:
    """The model named on the command line, else the shipped keyword model."""
    if name:
        return name
    from phaselab.training.shipped import shipped_model_path

    return str(shipped_model_path())


def _looks_like_model(value: str) -> bool:
    """A ``.keras`` file or a run directory (holds ``model.keras``), not a clip."""
    path = Path(value)
    return path.suffix == ".keras" or (path.is_dir() and (path / "model.keras").is_file())


def _evaluate(args: argparse.Namespace) -> int:
    from phaselab.atomic import check_output_file

    if args.json:
        check_output_file(args.json, "the scores")  # before the scoring (and TensorFlow), not after it
    from phaselab.atomic import write_json
    from phaselab.training.inference import evaluate, format_scores

    speech = None
    if args.gate is not None:
        from phaselab.studies.detector import everyday_scores as speech
    scores = evaluate(_model_or_shipped(args.model), args.data, split=args.split, batch_size=args.batch_size,
                      threshold=args.threshold, everyday=args.everyday or (), other_words=args.other_words or (),
                      speech=speech, speech_floor=args.gate if args.gate is not None else 0.0)
    print(format_scores(scores))
    if args.json:
        write_json(scores, args.json)
    return 0


def _predict(args: argparse.Namespace) -> int:
    from phaselab.training.inference import predict

    items = list(args.items)
    model = args.model
    if model is None and len(items) > 1 and _looks_like_model(items[0]):
        model = items.pop(0)  # the older form: phaselab predict MODEL CLIP...
    for prediction in predict(_model_or_shipped(model), items, top=args.top):
        guesses = ", ".join(f"{label} {p:.3f}" for label, p in prediction.top)
        print(f"{prediction.path}: {guesses}")
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``train``, ``evaluate`` and ``predict`` commands."""
    parser = subparsers.add_parser(
        "train",
        help="train a keyword model into a run directory",
        description="Train a keyword model into RUN_DIR (config.json, history, checkpoints, model.keras, plots). "
        "A killed run continues from its last finished epoch with --resume; other options given with "
        "--resume must match the saved config.json.",
    )
    parser.add_argument("--model", help=f"one of {', '.join(MODELS)} (default {DEFAULT_MODEL})")
    parser.add_argument("--model-kwargs", type=_json_object, help="JSON object of model builder arguments, e.g. '{\"width\": 0.5}'")
    parser.add_argument("--data", help="a Speech Commands tree, or a bundled set: real, synthetic (alias mini) or both; several, comma-separated, are read as one (default: $PHASELAB_DATA or real)")
    parser.add_argument("--out", required=True, metavar="RUN_DIR", help="the run directory (must be new or empty unless --resume)")
    parser.add_argument("--resume", action="store_true", help="continue the run in RUN_DIR from its last finished epoch")
    _recipe_arguments(parser)
    parser.add_argument("--augment", type=_json_object, help="JSON object of AugmentConfig fields to change")
    parser.add_argument("--no-augment", action="store_true", help="no augmentation and no silence clips")
    parser.add_argument("--devices", choices=DEVICES, default="auto",
                        help="one: one device; mirrored: every GPU of this machine (or its logical CPUs); multiworker: "
                        "the workers of $TF_CONFIG or --worker-hosts; auto (default): multiworker if TF_CONFIG is set, "
                        "else mirrored if there are several GPUs, else one")
    parser.add_argument("--worker-hosts", type=_worker_hosts, metavar="HOST:PORT,...",
                        help="train one model on several machines: every worker's address, the same list on each "
                        "(worker 0, the chief, writes RUN_DIR); writes TF_CONFIG")
    parser.add_argument("--worker-index", type=int, metavar="I", help="this machine's place in --worker-hosts (0 is the chief)")
    parser.set_defaults(func=_train)

    parser = subparsers.add_parser("evaluate", help="score a trained model on a Speech Commands tree")
    parser.add_argument("model", metavar="RUN_DIR_OR_MODEL", nargs="?",
                        help="a run directory or a .keras file (default: the keyword model phaselab ships)")
    parser.add_argument("--data", help="a Speech Commands tree or a bundled set: real, synthetic, both (default: $PHASELAB_DATA or real)")
    parser.add_argument("--split", choices=("test", "validation", "all"), default="test",
                        help="'all' for a tree without list files (default %(default)s)")
    parser.add_argument("--batch-size", type=positive_int, default=64, help="clips per forward pass")
    parser.add_argument("--threshold", type=probability, default=0.0,
                        help="a command less probable than this counts as no command (unknown or silence; "
                        "default %(default)s: the most probable class)")
    parser.add_argument("--everyday", nargs="+", metavar="WAV_OR_FOLDER",
                        help="non-speech sounds (WAV files or folders): also report the share of their 1 s windows "
                        "taken for a command")
    parser.add_argument("--other-words", nargs="+", metavar="WAV_OR_FOLDER",
                        help="spoken words that are no command (WAV files or folders): also report the share "
                        "taken for a command")
    parser.add_argument("--gate", type=probability, nargs="?", const=0.5, metavar="FLOOR",
                        help="put phaselab's speech detector (chapter 06) in front of the model: a clip or window it "
                        "gives a speech score below FLOOR (default 0.5, its own verdict) is silence")
    parser.add_argument("--json", metavar="OUT", help="also write the scores to this JSON file")
    parser.set_defaults(func=_evaluate)

    parser = subparsers.add_parser("predict", help="the top classes of WAV clips")
    parser.add_argument("items", metavar="[MODEL] CLIP", nargs="+",
                        help="WAV files, after an optional model (a .keras file or a run directory; "
                        "default: the keyword model phaselab ships)")
    parser.add_argument("--model", help="a .keras file or a run directory (default: the shipped keyword model)")
    parser.add_argument("--top", type=positive_int, default=3, help="classes to show per clip (default %(default)s)")
    parser.set_defaults(func=_predict)
