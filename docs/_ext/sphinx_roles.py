"""Griffe extension for the API reference: Sphinx roles in docstrings become cross-references.

The docstrings in ``src/`` name other objects with Sphinx roles, e.g.
``:class:`~medalliance.errors.MedAllianceError```. mkdocstrings renders docstrings as Markdown,
where such roles would show up literally. Once the whole package is loaded, this extension
rewrites each role into an autorefs link, e.g.
``[`MedAllianceError`][medalliance.errors.MedAllianceError]``, when the name resolves to an
object the reference pages render, and into inline code otherwise.
A leading ``~`` shows only the last component of the name, as in Sphinx.

Enabled in ``mkdocs.yml`` under the python handler's ``extensions`` option; the docs build only.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import griffe

_ROLE = re.compile(r":(?:py:)?(?:class|func|meth|attr|data|mod|exc|obj):`(~?)([\w.]+)`")


def _walk(obj: griffe.Object) -> Iterator[griffe.Object]:
    yield obj
    for member in obj.members.values():
        if isinstance(member, griffe.Object):
            yield from _walk(member)


class SphinxRoles(griffe.Extension):
    """Rewrite Sphinx roles in every docstring of the package."""

    def on_package(self, *, pkg: griffe.Module, **kwargs: Any) -> None:
        for obj in _walk(pkg):
            if obj.docstring is not None:
                docstring = obj.docstring
                docstring.value = _ROLE.sub(lambda m, o=obj: _link(o, m), docstring.value)


def _link(obj: griffe.Object, match: re.Match[str]) -> str:
    tilde, name = match.groups()
    shown = name.rsplit(".", 1)[-1] if tilde else name
    target: str | None
    if name.startswith(obj.package.name + "."):
        target = name
    else:
        head, _, rest = name.partition(".")
        try:
            target = obj.resolve(head) + (f".{rest}" if rest else "")
        except griffe.NameResolutionError:
            target = None
    if target is None or not _rendered(obj, target):
        return f"`{shown}`"
    return f"[`{shown}`][{target}]"


def _rendered(obj: griffe.Object, path: str) -> bool:
    """Whether the reference pages show ``path``: an object of this package with a docstring."""
    if not path.startswith(obj.package.name + "."):
        return False
    try:
        target = obj.modules_collection.get_member(path)
        if target.is_alias:
            target = target.final_target
    except (KeyError, griffe.AliasResolutionError):
        return False
    return bool(target.docstring)
