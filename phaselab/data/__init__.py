"""Speech data: the Speech Commands layout, the bundled keyword set, augmentation, pipelines.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS: dict[str, str] = {
    "AugmentConfig": "augment",
    "BACKGROUND_NOISE": "speech_commands",
    "CLASSES": "labels",
    "COMMANDS": "labels",
    "ClassBalancedSampler": "sampler",
    "Clip": "speech_commands",
    "DATA_NAMES": "speech_commands",
    "DEFAULT_DATA": "speech_commands",
    "DownloadError": "download",
    "KNOWN_SHA256": "download",
    "LimitedVocabularyEncoder": "labels",
    "NOISE_FILES": "background",
    "NOISE_RMS": "background",
    "NOISE_SECONDS": "background",
    "OFFICIAL_BASE_URL": "download",
    "OFFICIAL_TEST_SOURCE": "real",
    "PoolClip": "real",
    "SILENCE": "labels",
    "SILENCE_FOLDERS": "labels",
    "SPLITS": "speech_commands",
    "SPLIT_SHARES": "real",
    "SoundPreprocessor": "augment",
    "Speaker": "espeak",
    "SpeechCommands": "speech_commands",
    "TEST_VOICES": "synth",
    "TRAIN_VOICES": "synth",
    "TWO_TAKE_WORDS": "real",
    "UNKNOWN": "labels",
    "VARIANTS": "synth",
    "VERSIONS": "speech_commands",
    "WORDS_V1": "labels",
    "WORDS_V2": "labels",
    "add_noise": "augment",
    "archive_name": "download",
    "assign_split": "real",
    "background_noises": "background",
    "bundle_real_speech": "real",
    "bundled_data_root": "speech_commands",
    "change_speed": "perturb",
    "class_indices": "pipeline",
    "class_weights": "pipeline",
    "decode_clips": "pipeline",
    "default_dest": "download",
    "download_speech_commands": "download",
    "espeak_path": "espeak",
    "extend_dataset": "synth",
    "extract_tree": "download",
    "fit_centered": "perturb",
    "kaggle_label": "labels",
    "make_dataset": "pipeline",
    "make_eval_dataset": "pipeline",
    "make_speakers": "synth",
    "mix_at_snr": "augment",
    "noise_segment": "augment",
    "normalize": "augment",
    "pad": "augment",
    "place_word": "espeak",
    "read_manifest": "real",
    "resample": "perturb",
    "resolve_data_root": "speech_commands",
    "reverberate": "perturb",
    "rotate_phase": "augment",
    "select_clips": "real",
    "shift_pitch": "perturb",
    "shift_time": "perturb",
    "split_counts": "real",
    "synthesize_dataset": "synth",
    "synthesize_samples": "synth",
    "synthesize_word": "espeak",
    "tilt_spectrum": "perturb",
    "time_stretch": "perturb",
    "warp_formants": "perturb",
}
"""Public name -> the module of ``phaselab.data`` that defines it (imported on first use)."""

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        value = getattr(importlib.import_module(f"phaselab.data.{_EXPORTS[name]}"), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_EXPORTS))
