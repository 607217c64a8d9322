"""YAML text to plain data and back, with libyaml's C parser and emitter when present.

The parser (libyaml's, or PyYAML's pure-Python one when libyaml is absent) only builds the
node tree; plain data is built from it here, by a builder that knows eight tags (text,
integer, float, boolean, null, date, list, mapping) and refuses every other one, so no YAML
tag can construct an object. Before building, aliases are counted: a document whose aliases
would repeat more than :attr:`~medalliance.limits.Limits.max_alias_nodes` values (an "alias
bomb") or that refers to itself is refused. A key written twice, a list or mapping used as
a key, an integer longer than :attr:`~medalliance.limits.Limits.max_digits` digits and a
value its tag cannot hold (``!!int x``) are errors naming the line and column.
"""

from __future__ import annotations

import io
import re
from typing import Any

import yaml
from yaml.composer import Composer
from yaml.constructor import ConstructorError, SafeConstructor
from yaml.emitter import Emitter
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from yaml.parser import Parser
from yaml.reader import Reader
from yaml.representer import SafeRepresenter
from yaml.resolver import Resolver
from yaml.scanner import Scanner
from yaml.serializer import Serializer

from medalliance.errors import quote
from medalliance.limits import current as current_limits

__all__ = ["LIBYAML", "compose", "dump_yaml", "plain_data"]

LIBYAML: bool = bool(getattr(yaml, "__with_libyaml__", False))
"""Whether libyaml's C parser and emitter are used (else PyYAML's pure-Python ones).

Both give the same data and the same bytes; tests switch this off to check the other path."""

_T = "tag:yaml.org,2002:"
STR, INT, FLOAT, BOOL, NULL = _T + "str", _T + "int", _T + "float", _T + "bool", _T + "null"
TIMESTAMP, SEQ, MAP, MERGE, VALUE = (
    _T + "timestamp",
    _T + "seq",
    _T + "map",
    _T + "merge",
    _T + "value",
)
_NULLS = frozenset({"", "~", "null", "Null", "NULL"})
_SAFE = SafeConstructor()  # its int, float and timestamp readers; it never builds collections
_KINDS = "text, numbers, true/false, null, dates, lists and mappings"


class _Resolver(Resolver):
    """YAML 1.1 resolution without path resolvers, caching the tag of short plain scalars."""

    def __init__(self) -> None:
        super().__init__()
        self._plain_tags: dict[str, str] = {}

    def descend_resolver(self, current_node: Any, current_index: Any) -> None:
        return None

    def ascend_resolver(self) -> None:
        return None

    def resolve(self, kind: Any, value: Any, implicit: Any) -> Any:
        if kind is ScalarNode and implicit[0]:
            tag = self._plain_tags.get(value)
            if tag is None:
                tag = super().resolve(kind, value, implicit)  # type: ignore[no-untyped-call]
                if len(value) <= 64 and len(self._plain_tags) < 65_536:
                    self._plain_tags[value] = tag
            return tag
        return super().resolve(kind, value, implicit)  # type: ignore[no-untyped-call]


class _PureLoader(Reader, Scanner, Parser, Composer, _Resolver):
    """PyYAML's pure-Python parser and composer (nodes only)."""

    def __init__(self, stream: str) -> None:
        Reader.__init__(self, stream)
        Scanner.__init__(self)
        Parser.__init__(self)
        Composer.__init__(self)
        _Resolver.__init__(self)


class _PureDumper(Emitter, Serializer, _Resolver):
    """PyYAML's pure-Python serializer and emitter (nodes in, text out)."""

    def __init__(self, stream: io.StringIO, *, width: int) -> None:
        Emitter.__init__(self, stream, allow_unicode=True, width=width)
        Serializer.__init__(self)
        _Resolver.__init__(self)


if LIBYAML:  # pragma: no branch - libyaml is present where the tests run
    from yaml._yaml import CEmitter, CParser

    class _CLoader(CParser, _Resolver):
        """libyaml's parser and composer (nodes only)."""

        def __init__(self, stream: str) -> None:
            CParser.__init__(self, stream)
            _Resolver.__init__(self)

    class _CDumper(CEmitter, _Resolver):
        """libyaml's serializer and emitter (nodes in, text out)."""

        def __init__(self, stream: io.StringIO, *, width: int) -> None:
            CEmitter.__init__(self, stream, allow_unicode=True, width=width)
            _Resolver.__init__(self)


# -- reading -----------------------------------------------------------------------------------


def compose(text: str) -> Node | None:
    """The node tree of the one YAML document in ``text`` (None for an empty document).

    Raises
    ------
    yaml.YAMLError
        For malformed YAML, with the position.

    Examples
    --------
    >>> compose("a: [1, 2]").value[0][1].tag
    'tag:yaml.org,2002:seq'
    """
    loader = _CLoader(text) if LIBYAML else _PureLoader(text)
    try:
        node: Node | None = loader.get_single_node()
    finally:
        loader.dispose()
    return node


def plain_data(node: Node | None, *, shared: bool) -> Any:
    r"""Plain data of a node tree; ``shared`` when the text has aliases (``*``).

    With aliases the tree is checked first: nothing may refer to itself, and aliases may
    not repeat more than ``max_alias_nodes`` values in all.

    Raises
    ------
    yaml.constructor.ConstructorError
        For a refused tag, value or key, or an alias bomb, with the position.

    Examples
    --------
    >>> plain_data(compose("a: &x [1, 2]\nb: *x"), shared=True)
    {'a': [1, 2], 'b': [1, 2]}
    >>> try:
    ...     plain_data(compose("a: !!binary aGk="), shared=False)
    ... except ConstructorError as exc:
    ...     print(exc.problem_mark.line, exc.problem_mark.column, exc.problem[:28])
    0 3 tag !!binary is not accepted
    """
    if node is None:
        return None
    if shared:
        _check_aliases(node, current_limits().max_alias_nodes)
    return _build(node, {} if shared else None)


def _children(node: Node) -> list[Node]:
    if isinstance(node, SequenceNode):
        return list(node.value)
    if isinstance(node, MappingNode):
        return [n for pair in node.value for n in pair]
    return []


def _check_aliases(root: Node, limit: int) -> None:
    """Refuse a node tree whose aliases repeat more than ``limit`` values or loop.

    Aliases make the composer reuse one node in several places. The expanded size of each
    node (itself plus the expanded sizes of its children) is computed once per node, and
    what the aliases add is that size minus the number of distinct nodes: counting stops at
    the first list or mapping past the limit, before anything is built.
    """
    size: dict[int, int] = {}
    open_nodes: set[int] = set()
    stack: list[tuple[Node, bool]] = [(root, False)]
    while stack:
        node, done = stack.pop()
        key = id(node)
        if done:
            open_nodes.discard(key)
            size[key] = total = 1 + sum(size[id(c)] for c in _children(node))
            if total - len(size) > limit:
                msg = (
                    f"aliases (*name) repeat more than {limit:,} values here; the limit is "
                    "medalliance.limits max_alias_nodes"
                )
                raise ConstructorError(None, None, msg, node.start_mark)
            continue
        if key in size:
            continue
        if key in open_nodes:
            msg = "an alias (*name) refers to a list or mapping that contains it"
            raise ConstructorError(None, None, msg, node.start_mark)
        if isinstance(node, ScalarNode):
            size[key] = 1
            continue
        open_nodes.add(key)
        stack.append((node, True))
        stack.extend((c, False) for c in _children(node) if id(c) not in size)


def _tag_name(tag: str) -> str:
    return "!!" + tag[len(_T) :] if tag.startswith(_T) else tag


def _refused(node: Node, why: str) -> ConstructorError:
    return ConstructorError(None, None, why, node.start_mark)


def _unsupported(node: Node) -> ConstructorError:
    return _refused(node, f"tag {_tag_name(node.tag)} is not accepted: medalliance reads {_KINDS}")


def _int(node: ScalarNode) -> Any:
    value, limit = node.value, current_limits().max_digits
    digits = len(value)
    if digits > limit and (digits := len(value.lstrip("+-").replace("_", ""))) > limit:
        msg = (
            f"an integer of {digits:,} digits; the limit is {limit:,} "
            "(medalliance.limits max_digits)"
        )
        raise _refused(node, msg)
    return _checked(node, _SAFE.construct_yaml_int, "an integer")


def _float(node: ScalarNode) -> Any:
    return _checked(node, _SAFE.construct_yaml_float, "a number")


def _bool(node: ScalarNode) -> Any:
    flag = SafeConstructor.bool_values.get(node.value.lower())
    if flag is None:
        raise _refused(node, f"{quote(node.value)} is not true or false")
    return flag


def _null(node: ScalarNode) -> None:
    if node.value not in _NULLS:
        raise _refused(node, f"{quote(node.value)} is not null")


def _timestamp(node: ScalarNode) -> Any:
    if SafeConstructor.timestamp_regexp.match(node.value) is None:
        raise _refused(node, f"{quote(node.value)} is not a date")
    try:
        return _SAFE.construct_yaml_timestamp(node)
    except ValueError:  # 2024-02-30: kept as text for the model to report where it is
        return node.value


def _as_text(node: ScalarNode) -> str:
    value: str = node.value
    return value


_SCALARS = {
    INT: _int,
    FLOAT: _float,
    BOOL: _bool,
    NULL: _null,
    TIMESTAMP: _timestamp,
    MERGE: _as_text,  # '<<' as a value (not a key): the text itself
    VALUE: _as_text,  # '=' likewise
}


def _scalar(node: ScalarNode) -> Any:
    """A scalar of any tag but ``!!str`` (which the callers handle inline)."""
    read = _SCALARS.get(node.tag)
    if read is None:
        raise _unsupported(node)
    return read(node)


def _checked(node: ScalarNode, read: Any, what: str) -> Any:
    try:
        return read(node)
    except (ValueError, IndexError, TypeError) as exc:
        tag = _tag_name(node.tag)
        msg = f"{quote(node.value)} is not {what} ({tag}); quote it to keep it as text"
        raise _refused(node, msg) from exc


def _build(node: Node, memo: dict[int, Any] | None) -> Any:
    cls = node.__class__
    if cls is ScalarNode:
        return node.value if node.tag == STR else _scalar(node)  # type: ignore[arg-type]
    if memo is not None:
        done = memo.get(id(node))
        if done is not None:
            return done
    out: Any
    if cls is SequenceNode and node.tag == SEQ:
        out = [_build(child, memo) for child in node.value]
    elif cls is MappingNode and node.tag == MAP:
        out = _mapping(node, memo)  # type: ignore[arg-type]
    else:
        raise _unsupported(node)
    if memo is not None:
        memo[id(node)] = out
    return out


def _key(node: Node) -> Any:
    if node.__class__ is not ScalarNode:
        msg = "a list or mapping cannot be a key; keys are text or numbers"
        raise _refused(node, msg)
    return node.value if node.tag == STR else _scalar(node)


def _mapping(node: MappingNode, memo: dict[int, Any] | None) -> dict[Any, Any]:
    out: dict[Any, Any] = {}
    for key_node, value_node in node.value:
        if key_node.tag == MERGE:
            return _merged_mapping(node, memo)
        key = _key(key_node)
        if key in out:
            raise _refused(key_node, f"duplicate key {quote(key)}")
        out[key] = _build(value_node, memo)
    return out


def _merged_mapping(node: MappingNode, memo: dict[int, Any] | None) -> dict[Any, Any]:
    """A mapping with ``<<`` merge keys.

    Keys written in the mapping override merged ones; of the merged mappings, the first one
    listed wins.
    """
    merged: dict[Any, Any] = {}
    explicit: dict[Any, Any] = {}
    merges = 0
    for key_node, value_node in node.value:
        if key_node.__class__ is ScalarNode and key_node.tag == MERGE:
            merges += 1
            if merges > 1:
                raise _refused(key_node, "duplicate key '<<'")
            sources = value_node.value if isinstance(value_node, SequenceNode) else [value_node]
            for source in sources:
                if not isinstance(source, MappingNode):
                    raise _refused(source, "'<<' merges a mapping or a list of mappings")
                for k, v in _build(source, memo).items():
                    merged.setdefault(k, v)
            continue
        key = _key(key_node)
        if key in explicit:
            raise _refused(key_node, f"duplicate key {quote(key)}")
        explicit[key] = _build(value_node, memo)
    merged.update(explicit)
    return merged


# -- writing -----------------------------------------------------------------------------------

_QUOTE_DOUBLE = re.compile("[\r\x85\u2028\u2029]").search
"""Line breaks other than newline: single quotes or plain style would fold them into a space
on reading, so strings holding one are written double-quoted, where they are escaped."""
_REPRESENTER = SafeRepresenter()


def _text(value: str) -> ScalarNode:
    return ScalarNode(STR, value, style='"' if _QUOTE_DOUBLE(value) else None)


def _mapping_node(value: dict[Any, Any]) -> Node:
    return MappingNode(MAP, [(_node(k), _node(v)) for k, v in value.items()], flow_style=False)


def _sequence_node(value: list[Any] | tuple[Any, ...]) -> Node:
    return SequenceNode(SEQ, [_node(v) for v in value], flow_style=False)


def _float_node(value: float) -> Node:
    node: Node = _REPRESENTER.represent_float(value)
    return node


_NODES: dict[type, Any] = {
    str: _text,
    dict: _mapping_node,
    list: _sequence_node,
    tuple: _sequence_node,
    type(None): lambda _: ScalarNode(NULL, "null"),
    bool: lambda v: ScalarNode(BOOL, "true" if v else "false"),
    int: lambda v: ScalarNode(INT, str(v)),
    float: _float_node,
}


def _node(value: Any) -> Node:
    make = _NODES.get(value.__class__)
    if make is None:
        msg = f"cannot write a {value.__class__.__name__} as YAML plain data"
        raise TypeError(msg)
    node: Node = make(value)
    return node


def dump_yaml(data: Any, *, width: int = 100) -> str:
    r"""YAML text of plain data (dicts, lists, text, numbers, booleans, None).

    Keys keep their order, Chinese is written as text (characters beyond U+FFFF too), and
    lists of a mapping's value start at the key's indentation (libyaml's only style; the
    pure-Python emitter is used in the same style, so both give the same bytes).

    Examples
    --------
    >>> print(dump_yaml({"name": "某院\x85分院", "beds": [1, 2]}), end="")
    name: "某院\N分院"
    beds:
    - 1
    - 2
    """
    node = _node(data)
    if LIBYAML:
        text = _emit(_CDumper, node, width)
        if "\\U" not in text:
            return text
        # libyaml escapes every character beyond U+FFFF (CJK extension B and later, used in
        # some names): such documents are written by the pure-Python emitter, which keeps
        # them as text; both emitters write everything else alike.
    return _emit(_PureDumper, node, width)


def _emit(dumper_class: Any, node: Node, width: int) -> str:
    stream = io.StringIO()
    dumper = dumper_class(stream, width=width)
    dumper.open()
    dumper.serialize(node)
    dumper.close()
    return stream.getvalue()
