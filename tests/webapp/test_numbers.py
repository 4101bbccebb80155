"""Whole JSON numbers are integers however they are written (webapp/numbers.py)."""

from __future__ import annotations

import orjson

from waemu.webapp import numbers


def parse(text: str) -> object:
    raw = text.encode()
    return numbers.parsed(raw, orjson.loads(raw))


def test_whole_floats_become_ints_at_any_depth() -> None:
    found = parse('{"a": 6.0, "b": [1e3, {"c": -2.0}], "d": "6.0"}')
    assert found == {"a": 6, "b": [1000, {"c": -2}], "d": "6.0"}
    assert isinstance(found, dict)
    assert type(found["a"]) is int
    assert type(found["b"][0]) is int


def test_fractions_and_other_values_stay_as_they_are() -> None:
    found = parse('{"a": 2.5, "b": true, "c": null, "d": 7, "e": -0.25}')
    assert found == {"a": 2.5, "b": True, "c": None, "d": 7, "e": -0.25}
    assert type(found["b"]) is bool


def test_floats_beyond_exact_integers_stay_floats() -> None:
    found = parse('{"a": 1e300, "b": 9007199254740992.0, "c": 9007199254740994.0}')
    assert found == {"a": 1e300, "b": 2**53, "c": 9007199254740994.0}
    assert isinstance(found, dict)
    assert type(found["a"]) is float and type(found["c"]) is float


def test_a_body_without_a_float_is_returned_untouched() -> None:
    data = {"to": "16315551234", "text": {"body": "Hello there"}}
    assert numbers.parsed(orjson.dumps(data), data) is data
