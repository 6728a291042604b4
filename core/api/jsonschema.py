"""Convert an adapter's cerberus record schema into JSON Schema (2020-12).

The result describes what roost's validator accepts, so clients, the docs
page and contract testers read an adapter's input from the OpenAPI document.

| cerberus | JSON Schema |
|---|---|
| `type` string, integer, float or number | string, integer, number |
| `type` boolean, list, dict | boolean, array, object |
| `nullable: True` | `"null"` added to `type` (and to `enum`) |
| `required: True` | the field named in the record's `required` |
| `allowed` / `forbidden` | `enum` (of the items, for a list) / `not: {enum}` |
| `min` / `max` on numbers | `minimum` / `maximum` |
| `minlength` / `maxlength` / `empty: False` | `minLength` / `maxLength` / 1 |
| `regex` | `pattern`, anchored at both ends as cerberus matches it |
| `schema` of a list / a dict | `items` / `properties` |
| `default`; `meta` (text, or a mapping with `description`) | the same |

Records and nested dicts get `additionalProperties: true`: roost ignores
fields a schema does not name. Rules with no JSON Schema counterpart
(`check_with`, `dependencies`, `excludes`, `anyof`...) are left out, so there
the description accepts a little more than the validator does.

Numbers, and why numeric strings are described: roost coerces values before
validating (`roost.core.serving.coercion`): an integer field takes 12, 12.0 and "12",
a float field 1.5 and "1.5"; booleans are never numbers; integers must fit in
64 bits (hence the int64 bounds on unbounded integer fields). A numeric
field's schema is an `anyOf`: first its canonical type with its bounds (what
clients should send, and what Swagger UI shows), then a string branch whose
pattern matches the whole numbers in the same bounds ("7", "+007", "7.0").
Why not the canonical type alone: a contract tester's negative cases would
send "7" expecting a 4xx and get a 200. Why not any digit string: its
positive cases would send "0" to a field whose minimum is 20 and get a 422.
Decimal fractions and exponents in strings ("1.5", "1e3") stay undescribed
(a numeric range over decimals is no regular expression worth publishing),
as do numeric strings for fields with `allowed` values.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from roost.core.serving.coercion import COERCERS, INT64_MAX, INT64_MIN, MAX_NUMBER_TEXT

__all__ = ["field_schema", "numeric_string_pattern", "record_schema"]

#: cerberus type name -> JSON Schema type name.
JSON_TYPES: Mapping[str, str] = {
    "string": "string",
    "integer": "integer",
    "float": "number",
    "number": "number",
    "boolean": "boolean",
    "list": "array",
    "dict": "object",
}
#: Larger magnitudes get no string spelling, so patterns stay short.
LARGEST_SPELLED = 10**15 - 1
_COLLECTIONS = (list, tuple, set, frozenset)


def record_schema(schema: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    """Return the JSON Schema of one record validated by `schema`."""
    result: dict[str, Any] = {
        "type": "object",
        "properties": {
            str(name): field_schema(rules) for name, rules in schema.items()
        },
    }
    required = [str(name) for name, rules in schema.items() if rules.get("required")]
    if required:
        result["required"] = required
    result["additionalProperties"] = True
    return result


def field_schema(rules: Mapping[str, Any]) -> dict[str, Any]:
    """Return the JSON Schema of one field described by cerberus `rules`."""
    kinds = _kinds(rules.get("type"))
    result: dict[str, Any] = {}
    if kinds:
        types = [JSON_TYPES[kind] for kind in kinds]
        result["type"] = types[0] if len(types) == 1 else types
    _add_bounds(result, rules, kinds)
    _add_sizes(result, rules, kinds)
    _add_values(result, rules, kinds)
    if isinstance(rules.get("regex"), str):
        result["pattern"] = f"^(?:{rules['regex']})$"
    _add_nested(result, rules, kinds)
    result = _with_numeric_strings(result, rules, kinds)
    if rules.get("nullable"):
        result = _nullable(result)
    _add_annotations(result, rules)
    return result


def numeric_string_pattern(minimum: float | None, maximum: float | None) -> str | None:
    """Return a regex of the whole numbers in [minimum, maximum] as text.

    A sign, leading zeros and a zero fraction ("+007.00") match, as the
    coercer reads them. Magnitudes are capped at `LARGEST_SPELLED`. None when
    no whole number lies in the range.
    """
    low = -LARGEST_SPELLED if minimum is None else math.ceil(minimum)
    high = LARGEST_SPELLED if maximum is None else math.floor(maximum)
    low, high = max(low, -LARGEST_SPELLED), min(high, LARGEST_SPELLED)
    if low > high:
        return None
    branches = []
    if high >= 0:
        branches.append(r"\+?0*(?:" + "|".join(_range_regex(max(low, 0), high)) + ")")
    if low <= 0:
        branches.append("-0*(?:" + "|".join(_range_regex(max(-high, 0), -low)) + ")")
    return "^(?:" + "|".join(branches) + r")(?:\.0*)?$"


def _kinds(raw: Any) -> list[str]:
    """Return the cerberus type names; an unknown one lifts the type constraint."""
    names = [raw] if isinstance(raw, str) else list(raw or [])
    if not names or any(name not in JSON_TYPES for name in names):
        return []
    return list(dict.fromkeys(names))


def _add_bounds(
    result: dict[str, Any], rules: Mapping[str, Any], kinds: list[str]
) -> None:
    if not kinds or any(kind not in {"integer", "float", "number"} for kind in kinds):
        return
    for rule, keyword in (("min", "minimum"), ("max", "maximum")):
        bound = rules.get(rule)
        if isinstance(bound, int | float) and not isinstance(bound, bool):
            result[keyword] = bound
    if kinds == ["integer"] and "coerce" not in rules:
        result["minimum"] = max(result.get("minimum", INT64_MIN), INT64_MIN)
        result["maximum"] = min(result.get("maximum", INT64_MAX), INT64_MAX)


def _add_sizes(
    result: dict[str, Any], rules: Mapping[str, Any], kinds: list[str]
) -> None:
    if kinds not in (["list"], ["string"]):
        return
    noun = "Items" if kinds == ["list"] else "Length"
    if isinstance(rules.get("minlength"), int):
        result[f"min{noun}"] = rules["minlength"]
    if isinstance(rules.get("maxlength"), int):
        result[f"max{noun}"] = rules["maxlength"]
    if rules.get("empty") is False:
        result[f"min{noun}"] = max(result.get(f"min{noun}", 0), 1)


def _add_values(
    result: dict[str, Any], rules: Mapping[str, Any], kinds: list[str]
) -> None:
    allowed = rules.get("allowed")
    if isinstance(allowed, _COLLECTIONS):
        if kinds == ["list"]:
            result["items"] = {"enum": _plain(allowed)}
        else:
            result["enum"] = _plain(allowed)
    forbidden = rules.get("forbidden")
    if isinstance(forbidden, _COLLECTIONS):
        result["not"] = {"enum": _plain(forbidden)}


def _add_nested(
    result: dict[str, Any], rules: Mapping[str, Any], kinds: list[str]
) -> None:
    nested = rules.get("schema")
    if not isinstance(nested, Mapping):
        return
    if kinds == ["list"] and "items" not in result:
        result["items"] = field_schema(nested)
    elif kinds == ["dict"]:
        result.update(record_schema(nested))


def _with_numeric_strings(
    result: dict[str, Any], rules: Mapping[str, Any], kinds: list[str]
) -> dict[str, Any]:
    """Add the string spelling that roost's own coercer accepts (module doc)."""
    coerced = len(kinds) == 1 and kinds[0] in COERCERS and "coerce" not in rules
    if not coerced or "enum" in result or "not" in result:
        return result
    pattern = numeric_string_pattern(result.get("minimum"), result.get("maximum"))
    if pattern is None:
        return result
    spelled = {
        "type": "string",
        "pattern": pattern,
        "maxLength": MAX_NUMBER_TEXT,
        "description": "the same number written as a string; roost coerces it",
    }
    return {"anyOf": [result, spelled]}


def _nullable(result: dict[str, Any]) -> dict[str, Any]:
    """Let `null` through as well, keeping the other constraints."""
    if "anyOf" in result:
        return {"anyOf": [*result["anyOf"], {"type": "null"}]}
    if "type" in result:
        types = result["type"] if isinstance(result["type"], list) else [result["type"]]
        result["type"] = [*types, "null"]
    if "enum" in result and None not in result["enum"]:
        result["enum"] = [*result["enum"], None]
    return result


def _add_annotations(result: dict[str, Any], rules: Mapping[str, Any]) -> None:
    meta = rules.get("meta")
    if isinstance(meta, str):
        result["description"] = meta
    elif isinstance(meta, Mapping) and isinstance(meta.get("description"), str):
        result["description"] = meta["description"]
    default = _plain([rules.get("default")])
    if "default" in rules and default:
        result["default"] = default[0]


def _plain(values: Any) -> list[Any]:
    """Return the JSON-representable values, sets in a stable order."""
    items = sorted(values, key=repr) if isinstance(values, set | frozenset) else values
    return [
        value
        for value in items
        if value is None
        or isinstance(value, str | bool | int)
        or (isinstance(value, float) and math.isfinite(value))
    ]


def _range_regex(low: int, high: int) -> list[str]:
    """Return regex alternatives matching the decimal integers low..high (>= 0)."""
    if low > high:
        return []
    if low == 0 and len(str(high + 1)) > len(str(high)):
        digits = len(str(high))
        return ["[0-9]" if digits == 1 else f"[0-9]{{1,{digits}}}"]
    if len(str(low)) != len(str(high)):
        boundary = 10 ** len(str(low)) - 1
        return _range_regex(low, boundary) + _range_regex(boundary + 1, high)
    return _same_length(str(low), str(high))


def _same_length(low: str, high: str) -> list[str]:
    """Return alternatives matching the equal-length digit strings low..high."""
    if low == high:
        return [low]
    shared = next(i for i, (a, b) in enumerate(zip(low, high, strict=True)) if a != b)
    prefix, low, high = low[:shared], low[shared:], high[shared:]
    rest = len(low) - 1
    if rest == 0:
        return [prefix + _digits(int(low), int(high))]
    from_zero, to_nine = low[1:] == "0" * rest, high[1:] == "9" * rest
    first = int(low[0]) + (0 if from_zero else 1)
    last = int(high[0]) - (0 if to_nine else 1)
    tail = "[0-9]" if rest == 1 else f"[0-9]{{{rest}}}"
    alternatives = []
    if not from_zero:
        alternatives += [prefix + low[0] + t for t in _same_length(low[1:], "9" * rest)]
    if first <= last:
        alternatives.append(prefix + _digits(first, last) + tail)
    if not to_nine:
        alternatives += [
            prefix + high[0] + t for t in _same_length("0" * rest, high[1:])
        ]
    return alternatives


def _digits(first: int, last: int) -> str:
    return str(first) if first == last else f"[{first}-{last}]"
