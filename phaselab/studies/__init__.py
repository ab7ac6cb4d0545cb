"""The experiments behind chapters 04-06: phase encodings, speech or noise, the detector, real speech.
"""

from __future__ import annotations

from phaselab.exports import lazy_exports

_EXPORTS: dict[str, str] = {
    "ARMS": "real_speech",
    "Arm": "real_speech",
    "CONDITIONS": "encodings_real",
    "DETECTOR_ENCODING": "detector",
    "FRAME_LENGTH": "speech_noise",
    "FRAME_STEP": "speech_noise",
    "KINDS": "speech_noise",
    "MIX": "speech_noise",
    "MODEL_SAMPLES": "speech_noise",
    "NOISE_SPLITS": "speech_noise",
    "REAL_ENCODINGS": "encodings_real",
    "REAL_EPOCHS": "encodings_real",
    "ROW_KEYS": "encodings",
    "SNRS_DB": "encodings_real",
    "StudyBudget": "encodings",
    "TwinCloseness": "speech_noise",
    "WEIGHTS": "detector",
    "chance_macro_f1": "encodings",
    "compare_encodings_on_speech_noise": "speech_noise_models",
    "condition_audio": "encodings_real",
    "detector_study": "detector",
    "fit_speech_noise": "speech_noise_models",
    "format_paired_differences": "encodings_real",
    "format_real_summary": "encodings_real",
    "format_seed_summary": "speech_noise_models",
    "is_speech": "detector",
    "kind_accuracy": "speech_noise_models",
    "learning_curve": "real_speech",
    "leave_one_noise_out": "detector",
    "load_detector": "detector",
    "load_real_study": "encodings_real",
    "load_speed": "encodings_real",
    "make_speech_noise_examples": "speech_noise",
    "make_speech_noise_set": "speech_noise",
    "noise_recordings": "speech_noise",
    "noise_split": "speech_noise",
    "paired_difference": "encodings_real",
    "plot_learning_curve": "real_speech",
    "plot_robustness": "encodings_real",
    "plot_speech_noise_curves": "speech_noise_models",
    "plot_study": "encodings",
    "random_phase_twin": "speech_noise",
    "real_speech_study": "real_speech",
    "real_study_report": "encodings_real",
    "run_arm": "real_speech",
    "run_encoding_study": "encodings",
    "run_real_encoding": "encodings_real",
    "shaped_noise": "speech_noise",
    "speech_noise_study": "speech_noise_models",
    "speech_probability": "speech_noise_models",
    "speech_scores": "detector",
    "summarise_real": "encodings_real",
    "summarise_seeds": "speech_noise_models",
    "train_detector": "detector",
    "training_clips": "speech_noise",
    "twin_closeness": "speech_noise",
}
"""Public name -> the module of ``phaselab.studies`` that defines it (imported on first use)."""

__all__ = sorted(_EXPORTS)
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
