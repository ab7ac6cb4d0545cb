"""Lazy re-exports: a subpackage names its modules' public functions without importing them all up front.

``phaselab.training`` re-exports ``TrainConfig``, ``train``, ...; importing the subpackage should
not import TensorFlow until one of them is used (``phaselab --help`` stays fast). Each subpackage's
``__init__`` holds its table of names and calls :func:`lazy_exports` (PEP 562 ``__getattr__``).

Examples
--------
>>> getattr_, dir_ = lazy_exports("phaselab.signal", {"coloured_noise": "noise"})
>>> getattr_("coloured_noise").__name__
'coloured_noise'
>>> "coloured_noise" in dir_()
True
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Mapping
from typing import Any

__all__ = ["lazy_exports"]


def lazy_exports(package: str, exports: Mapping[str, str]) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """The module ``__getattr__`` and ``__dir__`` of ``package`` for names defined in its submodules.

    Parameters
    ----------
    package : str
        The subpackage's ``__name__``.
    exports : mapping of str to str
        Public name -> the submodule (of ``package``) that defines it.

    Returns
    -------
    (__getattr__, __dir__)
        ``__getattr__(name)`` imports the submodule, caches the value in the package and returns it;
        an unknown name raises AttributeError as a module would.
    """

    def __getattr__(name: str) -> Any:
        if name in exports:
            value = getattr(importlib.import_module(f"{package}.{exports[name]}"), name)
            setattr(sys.modules[package], name, value)
            return value
        raise AttributeError(f"module {package!r} has no attribute {name!r}")

    def __dir__() -> list[str]:
        return sorted(set(vars(sys.modules[package])) | set(exports))

    return __getattr__, __dir__
