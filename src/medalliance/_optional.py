"""Lazy imports of optional dependencies, with an error that names the extra to install.

Core modules never import pandas, matplotlib, scipy or FHIR packages at import time; the
functions that need one call :func:`require` inside their body.

Examples
--------
>>> require("math", extra="core").sqrt(4.0)
2.0
>>> require("no_such_package_xyz", extra="tables")  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
ImportError: no_such_package_xyz is needed for this; install it with: pip install 'medal...
"""

from __future__ import annotations

import importlib
from types import ModuleType

__all__ = ["require"]


def require(module: str, *, extra: str) -> ModuleType:
    """Import ``module`` or raise an :class:`ImportError` naming the extra that provides it.

    Parameters
    ----------
    module : str
        Dotted module name, e.g. ``"pandas"`` or ``"fhir.resources"``.
    extra : str
        The medalliance extra that installs it (``tables``, ``plot``, ``fhir``, ...).

    Returns
    -------
    module
        The imported module.

    Raises
    ------
    ImportError
        When the module cannot be imported; the message says what to install.

    Examples
    --------
    >>> require("json", extra="core").dumps([1])
    '[1]'
    """
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        top = module.split(".", maxsplit=1)[0]
        msg = f"{top} is needed for this; install it with: pip install 'medalliance[{extra}]'"
        raise ImportError(msg, name=top) from exc
