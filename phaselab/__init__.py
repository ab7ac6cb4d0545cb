"""phaselab: what the phase of audio carries, and how to feed it to a network.

The top-level package stays light: importing it (or :mod:`phaselab.signal.encodings`) pulls in
NumPy and SciPy only. TensorFlow is imported by :mod:`phaselab.nn.features` and the modules
built on it, and only when they are imported.
"""

__version__ = "0.1.0"

from phaselab.constants import SAMPLE_RATE

__all__ = ["SAMPLE_RATE", "__version__"]
