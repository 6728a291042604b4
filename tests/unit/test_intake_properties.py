"""Property tests of intake and validation: any bytes in, a 4xx or a clean batch out."""

from __future__ import annotations

import functools
import json
import math
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import falcon.testing
import pandas as pd
import pytest
from cerberus import Validator
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from roost.controllers.app import create_app
from roost.core.errors import BadRequestError, PayloadTooLargeError, RoostError
from roost.core.runtime.settings import Settings
from roost.core.serving.coercion import to_float, to_int
from roost.core.serving.column_decoding import MAX_ROW_KEYS, ColumnDecoder
from roost.core.serving.input_batch import InputBatch
from roost.core.serving.intake import parse_json, parse_with_jiter, records_from
from roost.core.serving.limits import IntakeLimits, enforce_limits
from roost.core.serving.validation import RECORD_FIELD, RecordValidator, ValidatedBatch
from roost_house_prices.schema import INPUT_SCHEMA

TESTING = "roost.adapters.testing"

#: The schema of the `echo` 1.0 test adapter.
ECHO_SCHEMA: dict[str, dict[str, Any]] = {
    "x": {"type": "float", "required": True, "min": -1e6, "max": 1e6},
    "label": {"type": "string", "nullable": True, "allowed": ["a", "b"]},
    "count": {"type": "integer", "min": 0},
}
SCHEMAS = {"echo": ECHO_SCHEMA, "house-prices": INPUT_SCHEMA}
LIMITS = [IntakeLimits(), IntakeLimits(max_records=3, max_fields_per_record=4)]
#: What the predict route may answer for any body at all.
PREDICT_STATUSES = {200, 400, 413, 415, 422}
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1

PROPERTY = settings(
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


# ------------------------------------------------------------------ strategies

_FIELD_NAMES = sorted(
    {*ECHO_SCHEMA, *INPUT_SCHEMA, "inputs", "parameters", "id", "extra"}
)
_NUMBER_TOKENS = [
    "NaN",
    "Infinity",
    "-Infinity",
    "nan",
    "1e400",
    "-1e400",
    "1e-400",
    "-0",
    "0.0",
    "1E5",
    "01",
    "1.",
    ".5",
    "0x10",
    "1_000",
    str(2**63),
    str(-(2**63) - 1),
]
_NUMBER_TEXTS = [
    "12",
    " 12 ",
    "-3.5",
    "1e3",
    "1_000",
    "0x10",
    "nan",
    "inf",
    "-Infinity",
    "",
    "\u0661\u0662",
    "1e400",
    str(2**63),
]
#: Digit runs: over the coercers' 100 characters, over float, over jiter's limit.
_long_digits = st.sampled_from([101, 400, 4400]).map(lambda count: "9" * count)
_number_texts = st.one_of(st.sampled_from(_NUMBER_TEXTS), _long_digits)


def _json_string(text: str, ascii_only: bool) -> str:
    """Quote text as JSON; with ascii_only, surrogates come out as escapes."""
    return json.dumps(text, ensure_ascii=ascii_only)


_any_text = st.text(
    st.characters(codec=None, exclude_categories=()), max_size=12
)  # surrogates and control characters included
_string_tokens = st.builds(
    _json_string,
    st.one_of(_any_text, _number_texts, st.sampled_from(["a", "b"])),
    st.booleans(),
)
_scalar_tokens = st.one_of(
    st.sampled_from(["null", "true", "false"]),
    st.sampled_from(_NUMBER_TOKENS),
    _long_digits,
    st.integers().map(str),
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
    st.floats(allow_nan=False, allow_infinity=False).map(repr),
    _string_tokens,
)
_key_tokens = st.one_of(st.sampled_from(_FIELD_NAMES).map(json.dumps), _string_tokens)


def _array(items: list[str]) -> str:
    return "[" + ",".join(items) + "]"


def _object(pairs: list[tuple[str, str]]) -> str:
    return "{" + ",".join(f"{key}:{value}" for key, value in pairs) + "}"


_json_tokens = st.recursive(
    _scalar_tokens,
    lambda children: st.one_of(
        st.lists(children, max_size=4).map(_array),
        st.lists(st.tuples(_key_tokens, children), max_size=4).map(_object),
    ),
    max_leaves=10,
)
_any_record_tokens = st.lists(st.tuples(_key_tokens, _json_tokens), max_size=6).map(
    _object
)


def _valid_tokens(rules: Mapping[str, Any]) -> st.SearchStrategy[str]:
    """JSON text of values a field accepts, numbers also as number strings."""
    kind = rules.get("type")
    options = [st.just("null")] if rules.get("nullable") else []
    if "allowed" in rules:
        options.append(st.sampled_from(rules["allowed"]).map(json.dumps))
    elif kind == "integer":
        whole = st.integers(rules.get("min", INT64_MIN), rules.get("max", INT64_MAX))
        options += [whole.map(str), whole.map(lambda n: json.dumps(f" {n} "))]
    elif kind in {"float", "number"}:
        real = st.floats(rules.get("min"), rules.get("max"), allow_nan=False)
        options += [real.map(repr), real.map(lambda v: json.dumps(repr(v)))]
    else:
        options.append(_string_tokens)
    return st.one_of(options)


def _tricky_tokens(rules: Mapping[str, Any]) -> st.SearchStrategy[str]:
    """JSON text of values at the edge of a field's rules, valid or not."""
    tokens = ["null", '""', '" "', "true", "0", "-0.0", "1e400"]
    for label in rules.get("allowed", []):
        tokens += [json.dumps(f" {label}"), json.dumps(label.swapcase())]
    for bound in (rules.get("min"), rules.get("max")):
        if bound is not None:
            tokens += [repr(bound), json.dumps(str(bound)), f"{bound}.5"]
            tokens += [repr(bound - 1), repr(bound + 1), repr(float(bound) * 1.0001)]
    return st.sampled_from(tokens)


#: How each field of a "chaotic" record is drawn.
_CHAOS = ["valid"] * 10 + ["tricky"] * 2 + ["hostile", "missing"]


def _pair(field: str, text: str) -> str:
    """Return `"field": text`, or "" for a field left out."""
    return f"{json.dumps(field)}:{text}" if text else ""


def _field_tokens(
    field: str, rules: Mapping[str, Any], pick: str
) -> st.SearchStrategy[str]:
    """A `"field": value` pair drawn the way `pick` says."""
    value = {
        "valid": _valid_tokens(rules),
        "tricky": _tricky_tokens(rules),
        "hostile": _json_tokens,
        "missing": st.just(""),
    }[pick]
    return value.map(lambda text: _pair(field, text))


def _record_tokens(schema: Mapping[str, Mapping[str, Any]]) -> st.SearchStrategy[str]:
    """A record of the schema's fields plus a few unknown ones.

    The record is clean, has one odd field, or has every field drawn at
    random, so that even wide schemas yield valid rows often.
    """
    names = list(schema)

    def fields(plan: Mapping[str, str]) -> st.SearchStrategy[tuple[str, ...]]:
        return st.tuples(
            *(
                _field_tokens(name, schema[name], plan.get(name, "valid"))
                for name in names
            )
        )

    one_off = st.tuples(
        st.sampled_from(names), st.sampled_from(["tricky", "hostile", "missing"])
    ).map(lambda choice: {choice[0]: choice[1]})
    chaotic = st.tuples(*(st.sampled_from(_CHAOS) for _ in names)).map(
        lambda picks: dict(zip(names, picks, strict=True))
    )
    plan = st.one_of(st.just({}), one_off, chaotic)
    extra = st.lists(st.tuples(_key_tokens, _json_tokens), max_size=2)
    return st.tuples(plan.flatmap(fields), extra).map(
        lambda parts: (
            "{"
            + ",".join([*filter(None, parts[0]), *(f"{k}:{v}" for k, v in parts[1])])
            + "}"
        )
    )


def _documents(schema: Mapping[str, Mapping[str, Any]]) -> st.SearchStrategy[str]:
    """Whole bodies: any JSON-ish value, or lists and envelopes of records."""
    records = st.one_of(_record_tokens(schema), _record_tokens(schema), _json_tokens)
    return st.one_of(
        _json_tokens,
        st.lists(_any_record_tokens, max_size=4).map(_array),
        st.lists(records, max_size=4).map(_array),
        st.lists(records, max_size=4).map(
            lambda items: _object([('"inputs"', _array(items))])
        ),
    )


def _to_bytes(text: str, noise: bytes) -> bytes:
    """Encode JSON-ish text (lone surrogates as CESU bytes), maybe with noise."""
    return text.encode("utf-8", "surrogatepass") + noise


def json_ish(schema: Mapping[str, Mapping[str, Any]]) -> st.SearchStrategy[bytes]:
    """JSON-ish request bodies aimed at one schema."""
    noise = st.sampled_from([b""] * 6 + [b" ", b"\n", b"x", b"\x00", b"]"])
    return st.builds(_to_bytes, _documents(schema), noise)


#: (schema name, body) pairs.
intake_cases = st.sampled_from(sorted(SCHEMAS)).flatmap(
    lambda name: st.tuples(st.just(name), json_ish(SCHEMAS[name]))
)
any_body = st.one_of(st.binary(max_size=200), json_ish(ECHO_SCHEMA))

_values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(),
    st.text(max_size=8),
    _number_texts,
    st.sampled_from(["a", "b", "A"]),
    st.lists(st.integers(), max_size=2),
    st.dictionaries(st.text(max_size=2), st.integers(), max_size=2),
)
echo_records = st.lists(
    st.dictionaries(
        st.sampled_from(["x", "label", "count", "other"]), _values, max_size=4
    ),
    max_size=6,
)


# --------------------------------------------------------------------- helpers


def _walk(document: Any) -> Iterator[Any]:
    """Yield every key and value of a parsed JSON document."""
    stack = [document]
    while stack:
        item = stack.pop()
        yield item
        if isinstance(item, dict):
            stack.extend(item)
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)


def intake(raw: bytes, limits: IntakeLimits, validator: RecordValidator) -> Any:
    """Run the whole intake path: parse, pick the records, limits, validate."""
    batch = InputBatch.of_records(records_from(parse_json(raw)))
    enforce_limits(batch, limits)
    return validator.validate_batch(batch)


def assert_clean_batch(
    batch: ValidatedBatch, schema: Mapping[str, Mapping[str, Any]]
) -> None:
    """Check a batch's bookkeeping and that every framed value obeys its rules."""
    assert list(batch.frame.columns) == list(schema)
    assert len(batch.frame) == len(batch.valid_rows)
    assert not set(batch.valid_rows) & set(batch.problems)
    assert sorted([*batch.valid_rows, *batch.problems]) == list(range(batch.total))
    assert batch.valid_rows == sorted(batch.valid_rows)
    for index, fields in batch.problems.items():
        assert fields, index
        assert all(reasons for reasons in fields.values())
    for field, rules in schema.items():
        column = batch.frame[field]
        present = column[column.notna()].tolist()
        if rules.get("required") and not rules.get("nullable"):
            assert column.notna().all(), field
        if rules.get("type") in {"float", "number", "integer"}:
            assert all(math.isfinite(value) for value in present), field
        if rules.get("type") == "integer":
            assert all(float(value).is_integer() for value in present), field
        if "min" in rules:
            assert all(value >= rules["min"] for value in present), field
        if "max" in rules:
            assert all(value <= rules["max"] for value in present), field
        if "allowed" in rules:
            assert set(present) <= set(rules["allowed"]), field


#: What plain cerberus is given: each schema with its coercers written out by
#: hand (integer fields to_int, float fields to_float, the rule the README
#: documents), not derived the way RecordValidator derives them.
PLAIN_CERBERUS_SCHEMAS: dict[str, dict[str, dict[str, Any]]] = {
    "echo": {
        "x": {**ECHO_SCHEMA["x"], "coerce": to_float},
        "label": dict(ECHO_SCHEMA["label"]),
        "count": {**ECHO_SCHEMA["count"], "coerce": to_int},
    },
    "house-prices": {
        field: (
            {**rules, "coerce": to_float}
            if field == "LotFrontage"
            else {**rules, "coerce": to_int}
            if field
            in {
                "1stFlrSF",
                "BsmtFullBath",
                "Fireplaces",
                "GarageCars",
                "GrLivArea",
                "MSSubClass",
                "OverallCond",
                "OverallQual",
                "YearRemodAdd",
                "YrSold",
            }
            else dict(rules)
        )
        for field, rules in INPUT_SCHEMA.items()
    },
}


@pytest.fixture(scope="module")
def validators() -> dict[str, RecordValidator]:
    """One shared RecordValidator per schema (they are safe to share)."""
    return {name: RecordValidator(schema) for name, schema in SCHEMAS.items()}


@pytest.fixture(scope="module")
def app_client(tmp_path_factory: pytest.TempPathFactory) -> falcon.testing.TestClient:
    """One in-process app serving the test adapters, built once for the module."""
    model_dir: Path = tmp_path_factory.mktemp("intake-properties") / "models"
    settings_ = Settings.for_profile(
        "testing", adapter_namespace=TESTING, model_dir=model_dir, default_model="echo"
    )
    return falcon.testing.TestClient(create_app(settings_))


# ---------------------------------------------------------------------- intake


class TestIntakePipeline:
    """parse_json -> records_from -> validate: a 4xx error or a clean batch."""

    def _check(
        self,
        raw: bytes,
        limits: IntakeLimits,
        name: str,
        validators: dict[str, RecordValidator],
    ) -> None:
        try:
            batch = intake(raw, limits, validators[name])
        except PayloadTooLargeError as error:
            assert f"at most {limits.max_records} are allowed" in error.message
            return
        except BadRequestError as error:
            assert error.message
            return
        assert isinstance(batch, ValidatedBatch)
        assert_clean_batch(batch, SCHEMAS[name])

    @settings(PROPERTY, max_examples=300)
    @given(
        raw=st.binary(max_size=300),
        limits=st.sampled_from(LIMITS),
        name=st.sampled_from(sorted(SCHEMAS)),
    )
    def test_any_bytes(
        self,
        validators: dict[str, RecordValidator],
        raw: bytes,
        limits: IntakeLimits,
        name: str,
    ) -> None:
        """Arbitrary bytes give a BadRequest/PayloadTooLarge error or a clean batch."""
        self._check(raw, limits, name, validators)

    @settings(PROPERTY, max_examples=200)
    @given(case=intake_cases, limits=st.sampled_from(LIMITS))
    def test_json_ish_text(
        self,
        validators: dict[str, RecordValidator],
        case: tuple[str, bytes],
        limits: IntakeLimits,
    ) -> None:
        """JSON-ish text (NaN, surrogates, huge numbers): a 4xx or a clean batch."""
        name, raw = case
        self._check(raw, limits, name, validators)

    @settings(PROPERTY, max_examples=300)
    @example(raw=b'[{"x": 1e400}]')
    @given(raw=st.builds(_to_bytes, _json_tokens, st.just(b"")))
    def test_parsed_documents_are_strict(self, raw: bytes) -> None:
        """What parse_json returns holds no NaN, no infinity, no lone surrogate."""
        try:
            document = parse_json(raw)
        except BadRequestError:
            return
        for item in _walk(document):
            if isinstance(item, float):
                assert math.isfinite(item), raw[:200]
            elif isinstance(item, str):
                item.encode("utf-8")  # a lone surrogate cannot be encoded

    @PROPERTY
    @given(records=st.lists(_values, min_size=1, max_size=5))
    def test_records_that_are_not_objects(
        self, validators: dict[str, RecordValidator], records: list[Any]
    ) -> None:
        """A record that is not an object is a problem of its own, never a crash."""
        batch = validators["echo"].validate(records)
        assert_clean_batch(batch, ECHO_SCHEMA)
        for index, record in enumerate(records):
            if not isinstance(record, dict):
                assert list(batch.problems[index]) == [RECORD_FIELD]


class TestFramedValues:
    """What reaches the model is exactly the value that was validated."""

    @PROPERTY
    @example(count=2**53)
    @given(count=st.integers(min_value=0, max_value=2**53))
    def test_optional_integers_reach_the_frame_exactly(
        self, validators: dict[str, RecordValidator], count: int
    ) -> None:
        """An optional integer is a float64 column: exact up to 2**53, as documented."""
        records = [{"x": 1, "count": count}, {"x": 2, "count": str(count)}]
        batch = validators["echo"].validate(records)
        assert batch.valid_rows == [0, 1]
        assert [int(value) for value in batch.frame["count"]] == [count, count]


# ---------------------------------------------------------------- through HTTP


class TestPredictRouteAnswers:
    """The in-process app answers any body with a documented status and JSON."""

    @settings(PROPERTY, max_examples=150)
    @given(
        body=any_body,
        content_type=st.sampled_from(
            [
                None,
                "application/json",
                "application/json; charset=utf-8",
                "application/problem+json",
                "text/plain",
                "application/x-www-form-urlencoded",
            ]
        ),
        path=st.sampled_from(
            [
                "/v1/models/echo/predict",
                "/v1/models/echo/versions/1.0/predict",
                "/v1/models/echo/versions/1.0/predict?partial=true",
                "/v1/predict/regression",
            ]
        ),
    )
    def test_any_body_gets_a_documented_answer(
        self,
        app_client: falcon.testing.TestClient,
        body: bytes,
        content_type: str | None,
        path: str,
    ) -> None:
        """The status is 200/400/413/415/422 and every error is JSON with `error`."""
        headers = {} if content_type is None else {"Content-Type": content_type}
        response = app_client.simulate_post(path, body=body, headers=headers)
        assert response.status_code in PREDICT_STATUSES, response.text[:300]
        assert response.headers["Content-Type"].startswith("application/json")
        payload = response.json
        if response.status_code == 200:
            assert isinstance(payload["predictions"], list)
        else:
            assert isinstance(payload["error"], str)
            assert payload["error"]
            assert payload["request_id"] == response.headers["X-Request-ID"]


# ------------------------------------------------------------------ equivalence


def assert_same_as_plain_cerberus(
    name: str, validator: RecordValidator, records: list[Any]
) -> None:
    """Check failing records, failing fields and the frame against plain cerberus."""
    schema = SCHEMAS[name]
    compiled = PLAIN_CERBERUS_SCHEMAS[name]
    expected: dict[int, set[str]] = {}
    documents = []
    for index, record in enumerate(records):
        plain = Validator(compiled, allow_unknown=True)
        if plain.validate(record):
            documents.append(plain.document)
        else:
            expected[index] = set(plain.errors)
    batch = validator.validate(records)
    actual = {index: set(fields) for index, fields in batch.problems.items()}
    assert actual == expected
    known = [
        {field: document[field] for field in schema if field in document}
        for document in documents
    ]
    pd.testing.assert_frame_equal(
        batch.frame, validator.to_frame(known), check_exact=True
    )


class TestValidationEquivalence:
    """RecordValidator agrees with plain cerberus run record by record."""

    @settings(PROPERTY, max_examples=250)
    @given(records=echo_records)
    def test_same_failures_as_plain_cerberus(
        self, validators: dict[str, RecordValidator], records: list[dict[str, Any]]
    ) -> None:
        """The failing records and their failing fields are what cerberus reports."""
        assert_same_as_plain_cerberus("echo", validators["echo"], records)

    @settings(PROPERTY, max_examples=80)
    @given(
        tokens=st.lists(_record_tokens(INPUT_SCHEMA), min_size=1, max_size=4).map(
            _array
        )
    )
    def test_house_prices_records_match_plain_cerberus(
        self, validators: dict[str, RecordValidator], tokens: str
    ) -> None:
        """On the house-prices schema, too, roost reports what cerberus reports."""
        try:
            records = parse_json(tokens.encode("utf-8", "surrogatepass"))
        except BadRequestError:
            return
        assert_same_as_plain_cerberus(
            "house-prices", validators["house-prices"], records
        )


# ------------------------------------------------------------ orjson fast path

_flat_records = st.lists(
    st.lists(st.tuples(_key_tokens, _scalar_tokens), max_size=6).map(_object),
    max_size=5,
).map(_array)
_flat_bodies = st.one_of(
    _flat_records,
    _flat_records.map(lambda records: '{"inputs":' + records + "}"),
    st.tuples(_flat_records, _scalar_tokens).map(
        lambda pair: '{"inputs":' + pair[0] + ',"id":' + pair[1] + "}"
    ),
    st.lists(_any_record_tokens, max_size=3).map(_array),
    _json_tokens,
)


def _mutated(raw: bytes, position: int, byte: int) -> bytes:
    """Replace, within a body, one byte with another."""
    if not raw:
        return raw
    index = position % len(raw)
    return raw[:index] + bytes([byte]) + raw[index + 1 :]


def _outcome(parse: Any, raw: bytes) -> tuple[str, Any]:
    """What a parser makes of raw: ("ok", exact shape) or ("error", message)."""
    try:
        return "ok", _exact(parse(raw))
    except BadRequestError as error:
        return "error", error.message


def _exact(value: Any) -> Any:
    """A value with every scalar tagged by type, so 1, 1.0, -0.0 and 0 differ."""
    if isinstance(value, dict):
        return {key: _exact(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_exact(item) for item in value]
    if isinstance(value, float):
        return ("float", value.hex())
    return (type(value).__name__, value)


class TestFlatFastPath:
    """Flat bodies parsed by orjson give exactly what jiter gives, errors included."""

    @settings(PROPERTY, max_examples=400)
    @example(text='[{"x": 1, "x": 2}]')
    @example(text='[{"x": 18446744073709551616}]')
    @example(text='[{"x": -9223372036854775809}]')
    @example(text='[{"x": 1e400}]')
    @example(text='[{"x": "a:b"}]')
    @example(text='{"inputs": [{"x": 1}], "parameters": {"a": 1}}')
    @example(text='[{"x": ' + "[" * 300 + "1" + "]" * 300 + "}]")  # jiter's depth
    @given(text=_flat_bodies)
    def test_same_outcome_as_jiter(self, text: str) -> None:
        """Documents, values' types and bits, and error messages all agree."""
        raw = _to_bytes(text, b"")
        if not raw.strip():
            return
        assert _outcome(parse_json, raw) == _outcome(parse_with_jiter, raw)

    @settings(PROPERTY, max_examples=300)
    @given(
        text=_flat_bodies,
        position=st.integers(min_value=0),
        byte=st.sampled_from(b'{}[]:,"\\0123456789eE.-+ nt\xff'),
    )
    def test_same_outcome_as_jiter_after_one_byte_changes(
        self, text: str, position: int, byte: int
    ) -> None:
        """Near misses (a brace, quote, digit or colon changed) agree too."""
        raw = _mutated(_to_bytes(text, b""), position, byte)
        if not raw.strip():
            return
        assert _outcome(parse_json, raw) == _outcome(parse_with_jiter, raw)

    def test_house_prices_bodies_take_the_fast_path_and_agree(self) -> None:
        """The packaged test houses, as a predict body, parse the same both ways."""
        frame = pd.read_csv(
            Path(__file__).parents[2]
            / "adapters/house-prices/src/roost_house_prices/data/test.csv"
        ).head(200)
        records = frame.astype(object).where(frame.notna(), None)
        raw = json.dumps(records.to_dict(orient="records")).encode()
        assert _outcome(parse_json, raw) == _outcome(parse_with_jiter, raw)


# ---------------------------------------------------------- column decoding

_schema_bodies = st.sampled_from(sorted(SCHEMAS)).flatmap(
    lambda name: st.tuples(
        st.just(name),
        st.lists(_record_tokens(SCHEMAS[name]), max_size=4).map(_array),
    )
)


def _strict_columns(
    fields: tuple[str, ...], raw: bytes
) -> tuple[dict[str, list[Any]], int] | None:
    """The strict path's columns and widest record, when every record has `fields`."""
    try:
        records = records_from(parse_json(raw))
    except BadRequestError:
        return None
    if not records:
        return None
    if not all(isinstance(r, dict) and set(fields) <= set(r) for r in records):
        return None
    columns = {field: [_exact(r[field]) for r in records] for field in fields}
    return columns, InputBatch.of_records(records).widest


@functools.cache
def _decoder(fields: tuple[str, ...]) -> ColumnDecoder:
    """One decoder per field list: they are safe to share, and slow to build."""
    return ColumnDecoder(fields)


def _decoded_columns(
    decoder: ColumnDecoder, raw: bytes
) -> tuple[dict[str, list[Any]], int] | None:
    """The decoder's columns and widest record, or None when it declines."""
    decoded = decoder.decode(raw, list)
    if decoded is None:  # a whole row's shape gets its struct when seen again
        decoded = decoder.decode(raw, list)
    if decoded is None:
        return None
    assert decoded.columns is not None
    assert decoded.fields == decoder.fields
    assert all(len(values) == decoded.count for values in decoded.columns.values())
    columns = {
        field: [_exact(v) for v in decoded.columns[field]] for field in decoded.fields
    }
    return columns, decoded.widest


#: Complete echo records as a JSON encoder writes them: no ":" in any string.
_complete_echo_bodies = st.lists(
    st.fixed_dictionaries(
        {
            "x": st.one_of(
                st.floats(allow_nan=False, allow_infinity=False),
                st.integers(-(2**62), 2**62),
            ),
            "label": st.one_of(
                st.none(), st.sampled_from(["a", "b"]), st.text(max_size=6)
            ).filter(lambda label: label is None or ":" not in label),
            "count": st.one_of(st.integers(-(2**62), 2**62), st.none()),
        }
    ),
    min_size=1,
    max_size=6,
).map(lambda records: json.dumps(records).encode())


class TestColumnDecoding:
    """Bodies decoded into columns hold exactly what the strict path gives."""

    @settings(PROPERTY, max_examples=300)
    @example(case=("echo", '[{"x": 1, "label": "a", "count": 2, "x": 3}]'))
    @example(case=("echo", '[{"x": 1, "label": "a:b", "count": 2}]'))
    @example(case=("echo", '[{"x": 1e400, "label": "a", "count": 2}]'))
    @example(case=("echo", '[{"x": [1], "label": "a", "count": 2}]'))
    @example(case=("echo", '[{"x": 1, "label": "a"}]'))
    @example(case=("echo", '[{"x": 1, "label": "a", "count": 2, "id": 7}]'))
    @example(case=("echo", '[{"x": 1, "label": "a", "count": 2, "id": 7, "id": 8}]'))
    @example(case=("echo", '[{"x": 1, "label": "\\u0061", "count": 1e2}]'))
    @example(
        case=("echo", '[{"x": 99999999999999999999999, "label": null, "count": 0}]')
    )
    @given(case=_schema_bodies)
    def test_columns_equal_the_strict_path_or_none(self, case: tuple[str, str]) -> None:
        """Decoded columns equal the strict records' values, types and bits."""
        name, text = case
        fields = tuple(SCHEMAS[name])
        raw = _to_bytes(text, b"")
        decoded = _decoded_columns(_decoder(fields), raw)
        if decoded is not None:
            assert decoded == _strict_columns(fields, raw)

    @settings(PROPERTY, max_examples=200)
    @given(raw=_complete_echo_bodies)
    def test_complete_flat_bodies_take_the_column_path(self, raw: bytes) -> None:
        """Complete records of scalars, as encoders write them, are always decoded."""
        fields = tuple(ECHO_SCHEMA)
        decoded = _decoded_columns(_decoder(fields), raw)
        assert decoded is not None, raw[:200]
        assert decoded == _strict_columns(fields, raw)

    @settings(PROPERTY, max_examples=300)
    @given(
        case=_schema_bodies,
        position=st.integers(min_value=0),
        byte=st.sampled_from(b'{}[]:,"\\0123456789eE.-+ nt\xff'),
    )
    def test_columns_after_one_byte_changes_equal_the_strict_path_or_none(
        self, case: tuple[str, str], position: int, byte: int
    ) -> None:
        """Near misses (a brace, quote, digit or colon changed) agree too."""
        name, text = case
        fields = tuple(SCHEMAS[name])
        raw = _mutated(_to_bytes(text, b""), position, byte)
        decoded = _decoded_columns(_decoder(fields), raw)
        if decoded is not None:
            assert decoded == _strict_columns(fields, raw)

    @pytest.mark.parametrize(
        ("body", "why"),
        [
            (b'[{"x": 1, "label": "a", "count": 2, "x": 3}]', "duplicate key"),
            (b'[{"x": 1, "label": "a:b", "count": 2}]', "':' in a string"),
            (b'{"inputs": [{"x": 1, "label": "a", "count": 2}]}', "envelope"),
            (b'[{"x": [1], "label": "a", "count": 2}]', "nested value"),
            (b'[{"x": 1, "label": "a"}]', "missing field"),
            (b'[{"x": NaN, "label": "a", "count": 2}]', "NaN"),
            (b'[{"x": 1e400, "label": "a", "count": 2}]', "beyond float range"),
            (b"[]", "no records"),
            (b"", "empty body"),
            (b'[{"x": 1, "label": "a", "count": 2}] x', "trailing bytes"),
        ],
    )
    def test_declines_what_only_the_strict_path_can_answer(
        self, body: bytes, why: str
    ) -> None:
        """Anything but complete flat records goes the strict way."""
        decoder = ColumnDecoder(tuple(ECHO_SCHEMA))
        assert decoder.decode(body, list) is None, why

    def test_limits_are_the_data_planes(self) -> None:
        """Decoding counts every record; the data plane's limits then refuse it."""
        decoder = ColumnDecoder(tuple(ECHO_SCHEMA))
        body = json.dumps([{"x": 1, "label": "a", "count": 2}] * 4).encode()
        batch = decoder.decode(body, list)
        assert batch is not None
        assert (batch.count, batch.widest) == (4, 3)
        enforce_limits(batch, IntakeLimits(max_records=4, max_fields_per_record=3))
        with pytest.raises(PayloadTooLargeError, match="4 records"):
            enforce_limits(batch, IntakeLimits(max_records=3))
        with pytest.raises(BadRequestError, match="record 0 has 3 fields"):
            enforce_limits(batch, IntakeLimits(max_fields_per_record=2))

    def test_needs_two_fields(self) -> None:
        """One field would make the column reader return values, not rows."""
        with pytest.raises(ValueError, match="two fields"):
            ColumnDecoder(("x",))

    def test_house_prices_bodies_are_decoded_and_predicted_alike(self) -> None:
        """Test houses take the column path; answers equal the strict path's."""
        frame = pd.read_csv(
            Path(__file__).parents[2]
            / "adapters/house-prices/src/roost_house_prices/data/test.csv"
        ).head(300)
        records = frame[list(INPUT_SCHEMA)].astype(object)
        records = records.where(records.notna(), None).to_dict(orient="records")
        raw = json.dumps(records).encode()
        fields = tuple(INPUT_SCHEMA)
        decoded = _decoded_columns(_decoder(fields), raw)
        assert decoded is not None
        assert decoded == _strict_columns(fields, raw)

    @staticmethod
    def _answer(
        app_client: falcon.testing.TestClient,
        batch: InputBatch,
        partial: bool,
    ) -> tuple[str, Any]:
        dataplane = app_client.app.dataplane
        try:
            result = dataplane.predict("echo", batch, "1.0", partial=partial)
        except RoostError as error:
            return type(error).__name__, (error.message, error.__dict__)
        return "ok", (_exact(result.predictions), result.problems, result.total)

    @settings(PROPERTY, max_examples=200)
    @example(text='[{"x": 1, "label": "a", "count": 2}]', partial=False)
    @example(text='[{"x": 1, "label": "c", "count": 2}]', partial=False)
    @example(text='[{"x": "1.5", "label": "a", "count": -1}]', partial=True)
    @given(
        text=st.lists(_record_tokens(ECHO_SCHEMA), min_size=1, max_size=4).map(_array),
        partial=st.booleans(),
    )
    def test_dataplane_answers_as_on_the_strict_path(
        self, app_client: falcon.testing.TestClient, text: str, partial: bool
    ) -> None:
        """Predictions, problems and errors match the strict records' exactly."""
        raw = _to_bytes(text, b"")
        dataplane = app_client.app.dataplane
        try:
            strict = InputBatch.of_records(records_from(parse_json(raw)))
        except BadRequestError:
            with pytest.raises(BadRequestError):
                dataplane.decode_records(raw, "echo", "1.0")
            return
        decoded = dataplane.decode_records(raw, "echo", "1.0")
        assert self._answer(app_client, decoded, partial) == self._answer(
            app_client, strict, partial
        )

    @settings(PROPERTY, max_examples=100)
    @given(raw=_complete_echo_bodies, partial=st.booleans())
    def test_dataplane_decodes_flat_bodies_into_columns(
        self, app_client: falcon.testing.TestClient, raw: bytes, partial: bool
    ) -> None:
        """Complete flat bodies reach the model as columns, with the same answers."""
        dataplane = app_client.app.dataplane
        decoded = dataplane.decode_records(raw, "echo", "1.0")
        assert decoded.columns is not None
        strict = InputBatch.of_records(records_from(parse_json(raw)))
        assert self._answer(app_client, decoded, partial) == self._answer(
            app_client, strict, partial
        )


# ------------------------------------------------------------ whole rows

#: Keys a whole row may carry beside the schema's (some close to its fields).
_EXTRA_KEYS = ["Id", "SalePrice", "extra", "inputs", "X", "x ", "", "a:b", "\u00e9"]
#: What may happen to one record of a whole-row body.
#: Keys that keep a whole row on the strict path: ":" and what msgspec cannot
#: name, and "}", which ends the decoder's guess at the first record early.
_UNCLEAN_KEY = frozenset(':"\\}' + "".join(map(chr, range(32))))
_TWISTS = ["none"] * 8 + ["duplicate", "drop", "add", "reorder", "nested"]
_plain_scalar_tokens = st.one_of(
    st.sampled_from(["null", "true", "false"]),
    st.integers(-(2**62), 2**62).map(str),
    st.floats(allow_nan=False, allow_infinity=False).map(repr),
    st.text(max_size=8).filter(lambda text: ":" not in text).map(json.dumps),
)
#: Values of the keys the model does not read: mostly what CSV rows hold.
_extra_value_tokens = st.one_of(
    _plain_scalar_tokens, _plain_scalar_tokens, _scalar_tokens, _json_tokens
)


def _key_token(key: str, ascii_only: bool) -> str:
    return _json_string(key, ascii_only)


@st.composite
def _whole_row_bodies(
    draw: st.DrawFn, schema: Mapping[str, Mapping[str, Any]], *, clean: bool = False
) -> str:
    """Records of the schema's fields plus the same other keys in every record.

    Unless `clean`, values may be at the edge of the rules or hostile, and a
    record may repeat a key, lack one, hold another, change the key order or
    nest a value; `clean` bodies are valid JSON a CSV-to-JSON client writes.
    """
    names = list(schema)
    extra = draw(
        st.lists(
            st.one_of(st.sampled_from(_EXTRA_KEYS), st.text(max_size=5)),
            min_size=1,
            max_size=5,
            unique=True,
        ).map(lambda keys: [key for key in keys if key not in schema])
    )
    if clean:
        # ":" would be counted as a key's; msgspec names no field with the rest
        extra = [key for key in extra if not set(key) & _UNCLEAN_KEY] or ["Id"]
    ascii_keys = True if clean else draw(st.booleans())
    order = draw(st.permutations([*names, *extra]))
    records = []
    for _ in range(draw(st.integers(1, 4))):
        values: dict[str, str] = {}
        for name in names:
            rules = schema[name]
            tokens = _valid_tokens(rules)
            if not clean:
                tokens = st.one_of(tokens, tokens, tokens, _tricky_tokens(rules))
            values[name] = draw(tokens)
        for key in extra:
            values[key] = draw(_plain_scalar_tokens if clean else _extra_value_tokens)
        pairs = [(_key_token(key, ascii_keys), values[key]) for key in order]
        twist = "none" if clean else draw(st.sampled_from(_TWISTS))
        where = draw(st.integers(0, len(pairs) - 1))
        if twist == "duplicate":
            repeated = (pairs[where][0], draw(_extra_value_tokens))
            pairs.insert(draw(st.integers(0, len(pairs))), repeated)
        elif twist == "drop":
            del pairs[where]
        elif twist == "add":
            pairs.append((draw(_key_tokens), draw(_extra_value_tokens)))
        elif twist == "reorder":
            pairs = draw(st.permutations(pairs))
        elif twist == "nested":
            nested = draw(st.sampled_from(["[]", "[1]", '{"a": 1}', '[{"b": null}]']))
            pairs[where] = (pairs[where][0], nested)
        records.append(_object(pairs))
    return _array(records)


_whole_row_cases = st.sampled_from(sorted(SCHEMAS)).flatmap(
    lambda name: st.tuples(st.just(name), _whole_row_bodies(SCHEMAS[name]))
)
_clean_whole_row_cases = st.sampled_from(sorted(SCHEMAS)).flatmap(
    lambda name: st.tuples(st.just(name), _whole_row_bodies(SCHEMAS[name], clean=True))
)
#: A whole-row body of echo's fields and two others.
_ECHO_ROW = b'[{"id": 7, "x": 1, "label": "a", "note": "n", "count": 2}]'


def _warm_decoder(body: bytes) -> ColumnDecoder:
    """A new echo decoder that has read `body`'s shape twice, so it has its struct."""
    decoder = ColumnDecoder(tuple(ECHO_SCHEMA))
    decoder.decode(body, list)
    assert decoder.decode(body, list) is not None
    return decoder


def _house_rows(count: int) -> list[dict[str, Any]]:
    """The first test.csv houses as the original client sent them: whole rows."""
    frame = pd.read_csv(
        Path(__file__).parents[2]
        / "adapters/house-prices/src/roost_house_prices/data/test.csv"
    ).head(count)
    rows: list[dict[str, Any]] = json.loads(frame.to_json(orient="records"))
    return rows


class TestWholeRowDecoding:
    """Records carrying other keys beside the schema's decode as the strict path."""

    @settings(PROPERTY, max_examples=300)
    @example(case=("echo", '[{"x": 1, "label": "a", "count": 2, "id": 7}]'))
    @example(case=("echo", '[{"x": 1, "label": "a", "count": 2, "id": 7, "id": 8}]'))
    @example(case=("echo", '[{"x": 1, "id": 7, "label": "a", "count": 2, "x": 1}]'))
    @example(case=("echo", '[{"x": 1, "label": "a", "count": 2, "id": NaN}]'))
    @example(case=("echo", '[{"x": 1, "label": "a", "count": 2, "id": 1e400}]'))
    @example(case=("echo", '[{"x": 1, "label": "a", "count": 2, "id": "\\ud800"}]'))
    @example(case=("echo", '[{"x": 1, "label": "a", "count": 2, "id": [1]}]'))
    @example(case=("echo", '[{"x": 1, "label": "a", "count": 2, "id": "a:b"}]'))
    @example(case=("echo", '[{"x": 1, "label": "a", "count": 2, "id": 01}]'))
    @example(case=("echo", '[{"x":1,"label":"a","count":2,"id":7},{"x":1}]'))
    @example(
        case=("echo", '[{"x": 1, "label": "a", "count": 2, "id": ' + "9" * 30 + "}]")
    )
    @given(case=_whole_row_cases)
    def test_columns_equal_the_strict_path_or_none(self, case: tuple[str, str]) -> None:
        """Decoded columns and widths equal the strict records', whatever the body."""
        name, text = case
        fields = tuple(SCHEMAS[name])
        raw = _to_bytes(text, b"")
        decoded = _decoded_columns(_decoder(fields), raw)
        if decoded is not None:
            assert decoded == _strict_columns(fields, raw)

    @settings(PROPERTY, max_examples=200)
    @given(case=_clean_whole_row_cases)
    # a "}" inside the first record's strings is not the record's end
    @example(case=("echo", '[{"x":0.0,"label":null,"count":0,"Id":"A\\rW}"}]'))
    @example(case=("echo", '[{"x":1,"label":"}}","count":2,"Id":"{}"}]'))
    def test_clean_whole_rows_take_the_column_path(self, case: tuple[str, str]) -> None:
        """Whole rows of scalars, as a client writes them, are decoded into columns."""
        name, text = case
        fields = tuple(SCHEMAS[name])
        raw = _to_bytes(text, b"")
        decoded = _decoded_columns(_decoder(fields), raw)
        assert decoded is not None, raw[:300]
        assert decoded == _strict_columns(fields, raw)

    @settings(PROPERTY, max_examples=300)
    @given(
        case=_clean_whole_row_cases,
        position=st.integers(min_value=0),
        byte=st.sampled_from(b'{}[]:,"\\0123456789eE.-+ nt\xff'),
    )
    def test_columns_after_one_byte_changes_equal_the_strict_path_or_none(
        self, case: tuple[str, str], position: int, byte: int
    ) -> None:
        """Near misses of whole rows (a brace, quote, digit or colon) agree too."""
        name, text = case
        fields = tuple(SCHEMAS[name])
        decoder = _decoder(fields)
        clean = _to_bytes(text, b"")
        _decoded_columns(decoder, clean)  # the shape is known, as in production
        raw = _mutated(clean, position, byte)
        decoded = _decoded_columns(decoder, raw)
        if decoded is not None:
            assert decoded == _strict_columns(fields, raw)

    @pytest.mark.parametrize(
        ("body", "why"),
        [
            (
                b'[{"id": 7, "x": 1, "label": "a", "note": "n", "id": 8, "count": 2}]',
                "a repeated other key",
            ),
            (
                b'[{"id": 7, "x": 1, "label": "a", "note": "n", "count": 2, "x": 3}]',
                "a repeated field",
            ),
            (b'[{"id": 7, "x": 1, "label": "a", "note": [1], "count": 2}]', "nested"),
            (b'[{"id": NaN, "x": 1, "label": "a", "note": "n", "count": 2}]', "NaN"),
            (b'[{"id": 1e400, "x": 1, "label": "a", "note": "n", "count": 2}]', "inf"),
            (b'[{"id": 7, "x": 1, "label": "a", "note": "a:b", "count": 2}]', "':'"),
            (
                b'[{"id": 7, "x": 1, "label": "a", "note": "\\ud800", "count": 2}]',
                "a lone surrogate",
            ),
            (
                b'[{"id": 7, "x": 1, "label": "a", "note": "\xff", "count": 2}]',
                "invalid UTF-8",
            ),
            (
                b'[{"id": 7, "x": 1, "label": "a", "note": "n", "count": 2},'
                b' {"id": 7, "x": 1, "label": "a", "count": 2}]',
                "a later record lacks a key",
            ),
            (
                b'[{"id": 7, "x": 1, "label": "a", "note": "n", "count": 2},'
                b' {"id": 7, "x": 1, "label": "a", "note": "n", "count": 2, "y": 1}]',
                "a later record has another key",
            ),
            (b'[{"id": 7, "x": 1, "label": "a", "note": "n"}]', "a missing field"),
            (
                b'{"inputs": [{"id": 7, "x": 1, "label": "a", "note": "n",'
                b' "count": 2}]}',
                "envelope",
            ),
        ],
    )
    def test_declines_what_only_the_strict_path_can_answer(
        self, body: bytes, why: str
    ) -> None:
        """A decoder that knows the shape leaves near misses to the strict path."""
        decoder = _warm_decoder(_ECHO_ROW)
        assert decoder.decode(body, list) is None, why
        assert decoder.decode(body, list) is None, why

    def test_a_new_shape_gets_its_struct_when_seen_again(self) -> None:
        """The first body of a new shape goes the strict way; the next one does not."""
        decoder = ColumnDecoder(tuple(ECHO_SCHEMA))
        assert decoder.decode(_ECHO_ROW, list) is None
        batch = decoder.decode(_ECHO_ROW, list)
        assert batch is not None
        assert batch.columns == {"x": (1,), "label": ("a",), "count": (2,)}
        assert (batch.count, batch.widest, batch.fields) == (1, 5, tuple(ECHO_SCHEMA))

    def test_many_shapes_are_each_read_right(self) -> None:
        """More shapes than a decoder keeps, interleaved, each read by its own keys."""
        decoder = ColumnDecoder(tuple(ECHO_SCHEMA))
        for _ in range(3):
            for extra in range(1, 13):
                record = {"x": 1, "label": "a", "count": 2}
                record.update({f"k{key}": key for key in range(extra)})
                raw = json.dumps([record, record]).encode()
                decoded = _decoded_columns(decoder, raw)
                assert decoded == _strict_columns(tuple(ECHO_SCHEMA), raw)
                assert decoded is not None
                assert decoded[1] == 3 + extra

    def test_rows_wider_than_the_struct_limit_go_the_strict_way(self) -> None:
        """A row of more keys than a struct is built for is never decoded."""
        record = {"x": 1, "label": "a", "count": 2}
        record.update({f"k{key}": key for key in range(MAX_ROW_KEYS - 2)})
        decoder = ColumnDecoder(tuple(ECHO_SCHEMA))
        raw = json.dumps([record]).encode()
        assert _decoded_columns(decoder, raw) is None
        del record["k0"]
        raw = json.dumps([record]).encode()
        assert _decoded_columns(decoder, raw) == _strict_columns(
            tuple(ECHO_SCHEMA), raw
        )

    def test_limits_see_the_whole_rows_width(self) -> None:
        """Too wide a whole row is refused with the strict path's own message."""
        decoder = _warm_decoder(_ECHO_ROW)
        raw = _ECHO_ROW[:-1] + b"," + _ECHO_ROW[1:]
        decoded = decoder.decode(raw, list)
        assert decoded is not None and decoded.columns is not None
        strict = InputBatch.of_records(records_from(parse_json(raw)))
        limits = IntakeLimits(max_records=2, max_fields_per_record=4)
        messages = []
        for batch in (decoded, strict):
            with pytest.raises(BadRequestError) as raised:
                enforce_limits(batch, limits)
            messages.append(raised.value.message)
        assert (
            messages[0]
            == messages[1]
            == (
                "record 0 has 5 fields; at most 4 are allowed"
                " (ROOST_MAX_FIELDS_PER_RECORD)"
            )
        )
        enforce_limits(decoded, IntakeLimits(max_records=2, max_fields_per_record=5))

    def test_house_prices_whole_rows_are_decoded_as_strictly(self) -> None:
        """test.csv's whole rows (80 keys, 24 read) decode to the strict values."""
        raw = json.dumps(_house_rows(300)).encode()
        fields = tuple(INPUT_SCHEMA)
        decoded = _decoded_columns(ColumnDecoder(fields), raw)
        assert decoded is not None
        assert decoded[1] == 80
        assert decoded == _strict_columns(fields, raw)

    @settings(PROPERTY, max_examples=200)
    @example(text=_ECHO_ROW.decode(), partial=False)
    @example(text='[{"id": 7, "x": 1, "label": "c", "count": 2}]', partial=False)
    @example(text='[{"x": "1.5", "label": "a", "count": -1, "id": 7}]', partial=True)
    @given(text=_whole_row_bodies(ECHO_SCHEMA), partial=st.booleans())
    def test_dataplane_answers_as_on_the_strict_path(
        self, app_client: falcon.testing.TestClient, text: str, partial: bool
    ) -> None:
        """Predictions, problems and errors of whole rows match the strict path's."""
        raw = _to_bytes(text, b"")
        dataplane = app_client.app.dataplane
        try:
            strict = InputBatch.of_records(records_from(parse_json(raw)))
        except BadRequestError:
            for _ in range(2):
                with pytest.raises(BadRequestError):
                    dataplane.decode_records(raw, "echo", "1.0")
            return
        for _ in range(2):  # a new shape is read by its struct the second time
            decoded = dataplane.decode_records(raw, "echo", "1.0")
            assert TestColumnDecoding._answer(
                app_client, decoded, partial
            ) == TestColumnDecoding._answer(app_client, strict, partial)

    def test_dataplane_reads_repeated_whole_rows_into_columns(
        self, app_client: falcon.testing.TestClient
    ) -> None:
        """A client repeating its whole rows has them read as columns from then on."""
        raw = json.dumps(
            [{"id": n, "x": n, "label": "a", "count": n, "note": "n"} for n in range(5)]
        ).encode()
        dataplane = app_client.app.dataplane
        decoded = [dataplane.decode_records(raw, "echo", "1.0") for _ in range(3)]
        assert [batch.columns is None for batch in decoded] == [True, False, False]
        assert decoded[2].columns == {
            "x": tuple(range(5)),
            "label": ("a",) * 5,
            "count": tuple(range(5)),
        }
