"""A registry shipped to worker processes once, and kept there (internal).

A national registry is a frozen pydantic model of millions of small objects, never a networkx
graph. :class:`Shipped` carries it pickled (bytes, pickled once in the parent) with a digest;
on a worker, :meth:`Shipped.registry` unpickles it the first time that worker sees the digest
and returns the same object afterwards, so the compiled core (:func:`medalliance.compiled.
compiled`, cached with the registry object) is built once per worker process, not once per task.
"""

from __future__ import annotations

import hashlib
import importlib
import pickle
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

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
        """Pickle ``registry`` once per registry (in the parent process; kept with its core).

        Examples
        --------
        >>> from medalliance import examples
        >>> reg = examples.load("gangkou")
        >>> len(Shipped.of(reg).digest), Shipped.of(reg) is Shipped.of(reg)
        (40, True)
        """
        require_registry(registry)

        def build() -> Shipped:
            data = pickle.dumps(registry, protocol=pickle.HIGHEST_PROTOCOL)
            return cls(digest=hashlib.sha1(data, usedforsecurity=False).hexdigest(), data=data)

        box = compiled(registry).memo("distributed.shipped", build)
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


def on_cluster(registry: Registry, box: Shipped) -> Any:
    """``box`` as a graph argument: on the cluster once, not once per graph.

    When the scheduler in force is ``dask.distributed`` (a client made the default, as
    ``Client(...)`` does), the box is scattered to every worker (``broadcast=True``) the
    first time and the future is kept with the registry's compiled core: later graphs
    depend on that future and carry its key, not the megabytes; a worker that joins later
    or restarts gets it from a peer, as for any dask dependency; a box lost with every worker
    (``client.restart()``) is scattered again by the next call. Such graphs must be computed
    on that client. Under any other scheduler it is a pure ``dask.delayed`` value, one task
    per graph.

    Examples
    --------
    >>> from medalliance import examples
    >>> reg = examples.load("gangkou")
    >>> on_cluster(reg, Shipped.of(reg)).compute(scheduler="sync").digest == Shipped.of(reg).digest
    True
    """
    client = _running_client()
    if client is None:
        dask = importlib.import_module("dask")
        return dask.delayed(box, pure=True, name="medalliance-registry-" + box.digest)
    slot: dict[str, Any] = compiled(registry).memo(
        ("distributed.scattered", box.digest, client.id), dict
    )
    with _LOCK:
        future = slot.get("future")
        if future is None or future.status != "finished":  # first, or lost (workers restarted)
            future = slot["future"] = client.scatter(box, broadcast=True, hash=True)
    return future


def _running_client() -> Any:
    """The default ``dask.distributed`` client, when one runs and is the scheduler in force."""
    if importlib.import_module("dask").config.get("scheduler", None) != "dask.distributed":
        return None
    try:
        distributed = importlib.import_module("distributed")
    except ImportError:  # pragma: no cover - the dask extra installs distributed
        return None
    try:
        client = distributed.default_client()
    except ValueError:  # no client
        return None
    return client if client.status == "running" else None


def _remember(digest: str, registry: Registry) -> None:
    _ON_WORKER[digest] = registry
    _ON_WORKER.move_to_end(digest)
    while len(_ON_WORKER) > _KEEP:
        _ON_WORKER.popitem(last=False)
