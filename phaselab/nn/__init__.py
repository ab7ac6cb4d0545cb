"""The network layer (Keras 3): feature layers over raw audio, circular convolution, model builders, cost.

Import from the modules (each imports Keras):

- ``features``: ``Spectrogram``, ``MelSpectrogram``, ``PhasedSpectrogram``, ``PhaseFeatures``
- ``circular``: ``CircularPad``, ``CircularConv3D`` (wrap-around padding and convolution along phase)
- ``masking``, ``blocks``: ``SpectralMasks``, ``conv_bn_relu``
- ``cnn3d``, ``baselines``, ``encoding_nets``: the 3D CNN, the 1D/2D baselines, one model per phase encoding
- ``registry``: ``build_model``, ``MODEL_NAMES``
- ``cost``: ``flops``, ``summary_table``, ``training_rate``, ``largest_batch``
"""
