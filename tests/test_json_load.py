"""The fast JSON load: same registries and same errors as the checked path, duplicates refused."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings

from medalliance import MedAllianceError, Registry, SchemaError, examples, synthetic
from medalliance._parse import json_keys_unique, loads_json, model_keys
from medalliance.io._files import registry_from_dict, registry_from_json, registry_to_json
from medalliance.io._json_load import fast_registry_from_json
from strategies import registries

BASE = {
    "schema_version": 1,
    "institutions": [{"id": "a", "name": "某村卫生室", "kind": "村卫生室"}],
}


def checked(text: str) -> Registry | str:
    """What the checked path (the Python parser with its duplicate hook) gives, or its message."""
    try:
        return registry_from_dict(loads_json(text))
    except MedAllianceError as exc:
        return str(exc)


def loaded(text: str) -> Registry | str:
    try:
        return registry_from_json(text)
    except MedAllianceError as exc:
        return str(exc)


def test_registry_has_no_wrap_or_before_validator() -> None:
    # a wrap validator made pydantic turn the whole JSON document into Python objects before
    # validating it (twice as slow); the fast load builds the registry with only this check
    # (the registry's fields have one wrap validator, which validates again parts given as
    # instances; the fast load skips it: its parts were just validated from the text)
    validators = Registry.__pydantic_decorators__.model_validators
    assert {name: v.info.mode for name, v in validators.items()} == {"_check_references": "after"}
    fields = Registry.__pydantic_decorators__.field_validators
    assert {name: v.info.mode for name, v in fields.items()} == {"_revalidate_parts": "wrap"}


@pytest.mark.parametrize("name", examples.names())
def test_bundled_examples_take_the_fast_path(name: str) -> None:
    reg = examples.load(name)
    text = registry_to_json(reg)
    fast = fast_registry_from_json(text, schema_version=1)
    assert fast == reg == checked(text)
    assert list(fast.institutions) == list(reg.institutions)  # canonical order kept


def test_synthetic_national_takes_the_fast_path() -> None:
    data = synthetic.national_data(seed=3, scale=0.002)
    for indent in (None, 2):
        text = json.dumps(data, ensure_ascii=False, indent=indent)
        fast = fast_registry_from_json(text, schema_version=1)
        assert fast is not None
        assert fast == checked(text)


@settings(max_examples=25, deadline=None)
@given(registries())
def test_fast_path_equals_checked_path(reg: Registry) -> None:
    text = registry_to_json(reg)
    assert fast_registry_from_json(text, schema_version=1) == checked(text) == reg


DUPLICATES = [
    # the same value twice validates fine, so only the key check can see these
    ('{"schema_version": 1, "schema_version": 1, "institutions": []}', "schema_version"),
    ('{"institutions": [{"id": "a", "id": "a", "name": "x", "kind": "村卫生室"}]}', "id"),
    ('{"institutions": [{"id" : "a", "id" : "a", "name": "x", "kind": "村卫生室"}]}', "id"),
    ('{"institutions": [{"id": "a", "name": "x", "kind": "村卫生室",\n "id"\n:\t"a"}]}', "id"),
    (
        '{"institutions": [{"id": "a", "name": "x", "kind": "村卫生室", '
        '"region": {"city": "某市", "city": "某市"}}]}',
        "city",
    ),
    (
        '{"sources": [{"id": "s", "title": "t"}], "institutions": [{"id": "a", "name": "x", '
        '"kind": "村卫生室", "provenance": {"source": "s", "source": "s"}}]}',
        "source",
    ),
    (
        '{"institutions": [{"id": "h", "name": "x", "kind": "综合医院", "tier": "secondary"}, '
        '{"id": "t", "name": "y", "kind": "乡镇卫生院"}], "alliances": [{"id": "g", "name": "z", '
        '"form": "县域医共体", "lead": ["h"], "memberships": [{"institution": "h", "role": "lead", '
        '"role": "lead"}, {"institution": "t"}]}]}',
        "role",
    ),
]


@pytest.mark.parametrize(("text", "key"), DUPLICATES)
def test_duplicate_keys_refused_at_every_level(text: str, key: str) -> None:
    assert fast_registry_from_json(text, schema_version=1) is None
    with pytest.raises(SchemaError, match=f"duplicate key '{key}' in a JSON object"):
        registry_from_json(text)


EDGES = {
    "lone surrogate": '{"institutions": [{"id": "a", "name": "x\\ud800", "kind": "村卫生室"}]}',
    "raw tab in text": '{"institutions": [{"id": "a", "name": "x\ty", "kind": "村卫生室"}]}',
    "NaN": '{"institutions": [{"id": "a", "name": "x", "kind": "村卫生室", "lat": NaN, "lon": 1}]}',
    "float count": '{"institutions": [{"id": "a", "name": "x", "kind": "村卫生室", "beds": 1.0}]}',
    "big count": '{"institutions": [{"id": "a", "name": "x", "kind": "村卫生室", "beds": 1'
    + "0" * 30
    + "}]}",
    "version 1.0": '{"schema_version": 1.0, "institutions": []}',
    "version true": '{"schema_version": true, "institutions": []}',
    "version 2": '{"schema_version": 2, "institutions": []}',
    "extra data": '{"institutions": []} x',
    "not an object": "[1, 2]",
    "unknown key": '{"institutions": [], "hospitals": []}',
    "escaped quote and colon in text": '{"institutions": [{"id": "a", "name": "x\\" : y", '
    '"kind": "村卫生室"}]}',
    "broken reference": '{"institutions": [{"id": "a", "name": "x", "kind": "村卫生室"}], '
    '"agreements": [{"id": "g", "alliance": "nope", "parties": ["a", "b"], '
    '"items": ["双向转诊"]}]}',
    "label spellings": '{"institutions": [{"id": "a", "name": "x", "kind": "社區衛生服務中心", '
    '"level": "二级甲等"}]}',
}


@pytest.mark.parametrize("text", EDGES.values(), ids=EDGES.keys())
def test_fast_and_checked_paths_agree(text: str) -> None:
    fast = fast_registry_from_json(text, schema_version=1)
    assert fast is None or fast == checked(text)
    assert loaded(text) == checked(text)


def test_key_count_is_an_upper_bound() -> None:
    assert json_keys_unique('{"a": 1, "b": {"c": "d:e"}}', 3)  # the tight count
    assert not json_keys_unique('{"a": 1, "a": 1}', 1)
    reg = registry_from_json(json.dumps(BASE))
    assert model_keys(reg.institutions) == 3


def test_an_integer_over_the_digit_limit_is_refused_on_both_paths() -> None:
    # a declared figure in yuan may be any number, so validation alone would accept 10**150;
    # the checked parser refuses integers of more than max_digits digits, and so must the load
    data = json.loads(registry_to_json(examples.load("beijing_pilots_2013")))
    figure = data["alliances"][0]["declared"][0]
    figure.update(value=10**150, unit="yuan", qualifier="exact")
    text = json.dumps(data, ensure_ascii=False)
    assert fast_registry_from_json(text, schema_version=1) is None
    with pytest.raises(MedAllianceError, match="more than 100 digits"):
        registry_from_json(text)
    figure["value"] = 10**99  # 100 digits: within the limit, the same registry on both paths
    text = json.dumps(data, ensure_ascii=False)
    assert fast_registry_from_json(text, schema_version=1) == checked(text)
