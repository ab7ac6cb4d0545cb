"""phaselab: what the phase of audio carries, and how to feed it to a network.

The top-level package stays light: importing it (or :mod:`phaselab.signal.encodings`) pulls in
NumPy and SciPy only. TensorFlow is imported by :mod:`phaselab.nn.features` and the modules
built on it, and only when they are imported. Importing phaselab first keeps TensorFlow's C++
log out of the way when it comes (:mod:`phaselab.quiet`).
"""

from phaselab import quiet

quiet.install()

__version__ = "0.1.0"

from phaselab.constants import SAMPLE_RATE  # noqa: E402

__all__ = ["SAMPLE_RATE", "__version__"]
