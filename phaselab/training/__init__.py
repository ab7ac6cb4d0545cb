"""Training and scoring: the recipe (``TrainConfig``), the one training loop, callbacks, losses, scores.
"""

from __future__ import annotations

from phaselab.exports import lazy_exports

_EXPORTS: dict[str, str] = {
    "AveragedWeights": "callbacks",
    "BEST_FILE": "rundir",
    "BestModel": "callbacks",
    "CONFIG_FILE": "rundir",
    "Cluster": "distributed",
    "DAMPING_EPSILON": "losses",
    "DEVICES": "distributed",
    "EVAL_SPLITS": "inference",
    "EpochCheckpoint": "callbacks",
    "HistoryLog": "callbacks",
    "JURIES": "shipped",
    "LOSSES": "losses",
    "MODEL_FILE": "rundir",
    "NonFiniteLoss": "callbacks",
    "Prediction": "inference",
    "SCHEDULES": "config",
    "SHIPPED_MODEL": "shipped",
    "SHIPPED_SCORES": "shipped",
    "SYNTHETIC_RECIPE": "config",
    "StopOnNonFiniteLoss": "callbacks",
    "TrainConfig": "config",
    "TrainResult": "config",
    "VOICE_SPLITS": "inference",
    "ValidationScores": "callbacks",
    "check_keras_file": "rundir",
    "classification_scores": "scores",
    "compile_model": "loop",
    "damped_log_loss": "losses",
    "evaluate": "inference",
    "format_jury_scores": "shipped",
    "format_jury_summary": "inference",
    "format_run_summary": "inference",
    "format_scores": "inference",
    "format_word_f1": "scores",
    "forward": "inference",
    "get_loss": "losses",
    "load_model": "rundir",
    "make_strategy": "distributed",
    "mean_sd": "scores",
    "predict": "inference",
    "read_history": "rundir",
    "read_tf_config": "distributed",
    "roc_auc": "scores",
    "score_juries": "shipped",
    "score_voices": "inference",
    "seed_interval": "scores",
    "ship": "shipped",
    "shipped_model_path": "shipped",
    "shipped_scores": "shipped",
    "speaker_subset": "loop",
    "split_probabilities": "inference",
    "summarise_juries": "inference",
    "summarise_runs": "inference",
    "train": "loop",
    "word_f1_history": "scores",
    "worker_cluster": "distributed",
}
"""Public name -> the module of ``phaselab.training`` that defines it (imported on first use)."""

__all__ = sorted(_EXPORTS)
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
