"""The signal layer (NumPy and SciPy only): audio, STFT, phase kernels and encodings, noise.

Nothing here imports TensorFlow (``tests/signal/test_layering.py`` checks it), so a learner
without a GPU stack can use every function of chapters 01-03.
"""
