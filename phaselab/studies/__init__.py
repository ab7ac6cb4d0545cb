"""The experiments behind chapters 04-06, one module each.

- ``real_speech`` (04): ``real_speech_study``, ``learning_curve``
- ``encodings_real`` (05): the phase encodings compared on real speech
- ``speech_noise``, ``speech_noise_models`` (06): speech or noise, and its random-phase twin
- ``detector`` (06): the shipped speech detector (``is_speech``, ``detector_study``)
"""
