"""The version of medalliance.

Modules inside the package import it from here, never from the package ``__init__``.
"""

__version__ = "0.1.0"
