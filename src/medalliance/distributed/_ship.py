"""A registry shipped to worker processes once, and kept there (internal).

A national registry is a frozen pydantic model of millions of small objects, never a networkx
graph. :class:`Shipped` carries it pickled (bytes, pickled once in the parent) with a digest;
on a worker, :meth:`Shipped.registry` unpickles it the first time that worker sees the digest
and returns the same object afterwards, so the compiled core (:func:`medalliance.compiled.
compiled`, cached with the registry object) is built once per worker process, not once per task.
"""

from __future__ import annotations

import hashlib
import pickle
import threading
from collections import OrderedDict
from dataclasses import dataclass, field

from medalliance.compiled import compiled
from medalliance.model._require import require_registry
from medalliance.model.registry import Registry

_KEEP = 4  # registries kept per worker process (least recently used dropped)
_LOCK = threading.Lock()
_ON_WORKER: OrderedDict[str, Registry] = OrderedDict()


@dataclass(frozen=True)
class Shipped:
    """A registry as bytes and digest, resolved once per process by :meth:`registry`.

    Examples
    --------
    >>> from medalliance import examples
    >>> box = Shipped.of(examples.load("gangkou"))
    >>> box.registry() is box.registry()
    True
    """

    digest: str
    data: bytes = field(repr=False)

    @classmethod
    def of(cls, registry: Registry) -> Shipped:
        """Pickle ``registry`` once (in the parent process).

        Examples
        --------
        >>> from medalliance import examples
        >>> len(Shipped.of(examples.load("gangkou")).digest)
        40
        """
        require_registry(registry)
        data = pickle.dumps(registry, protocol=pickle.HIGHEST_PROTOCOL)
        box = cls(digest=hashlib.sha1(data, usedforsecurity=False).hexdigest(), data=data)
        with _LOCK:  # the parent already holds it: never unpickle a copy here
            _remember(box.digest, registry)
        return box

    def registry(self) -> Registry:
        """The registry, unpickled and compiled the first time this process asks.

        Examples
        --------
        >>> from medalliance import examples
        >>> reg = examples.load("gangkou")
        >>> Shipped.of(reg).registry() is reg
        True
        """
        with _LOCK:
            found = _ON_WORKER.get(self.digest)
            if found is not None:
                _ON_WORKER.move_to_end(self.digest)
                return found
            reg = pickle.loads(self.data)  # bytes pickled by Shipped.of in this library's parent
            if not isinstance(reg, Registry):  # pragma: no cover - only Shipped.of builds one
                raise TypeError("a shipped registry must unpickle to a Registry")
            compiled(reg)
            _remember(self.digest, reg)
            return reg


def _remember(digest: str, registry: Registry) -> None:
    _ON_WORKER[digest] = registry
    _ON_WORKER.move_to_end(digest)
    while len(_ON_WORKER) > _KEEP:
        _ON_WORKER.popitem(last=False)
