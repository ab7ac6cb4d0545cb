"""Speech data: the Speech Commands layout, the bundled keyword sets, augmentation, ``tf.data`` pipelines.

Import from the modules (this package imports nothing, so ``phaselab.data.labels`` costs no TensorFlow):

- ``labels``: ``CLASSES``, ``COMMANDS``, ``SILENCE``, ``UNKNOWN``, ``kaggle_label``
- ``speech_commands``: ``SpeechCommands`` (a tree's clips and splits), ``resolve_data_root``, ``DEFAULT_DATA``
- ``download``: ``download_speech_commands``
- ``real``: the bundled real set (``bundle_real_speech``, ``read_manifest``)
- ``synth``, ``espeak``, ``background``: the synthetic set (``synthesize_dataset``), its voices and noises
- ``perturb``, ``augment``: ``AugmentConfig`` and ``SoundPreprocessor`` (speed, pitch, formants, noise, ...)
- ``sampler``: ``ClassBalancedSampler``
- ``pipeline``: ``make_dataset``, ``make_eval_dataset``, ``make_array_dataset`` (Keras/TensorFlow)
"""
