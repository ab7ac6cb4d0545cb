"""The network layer (Keras 3): feature layers over raw audio, circular convolution, model builders, cost."""
