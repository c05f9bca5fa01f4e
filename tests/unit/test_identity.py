"""Content hashes, requestids, RQ job ids, DocNumbers and PrivateNote markers."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest

from portal.sync.identity import (
    PO_ROW_VOLATILE,
    Marker,
    adjustment_key,
    content_hash,
    doc_number,
    job_id,
    marker,
    parse_marker,
    request_id,
    written_fingerprint,
)

PRODUCT = {"id": "p1", "name": "Gauze", "pricePerUnit": 0.12, "lastUpdated": "2025-01-01T00:00:00Z", "tags": [1, 2]}


@pytest.mark.parametrize(
    ("other", "same"),
    [
        ({**PRODUCT, "lastUpdated": "2026-01-01T00:00:00Z"}, True),  # a save without content change
        ({**PRODUCT, "updatedBy": "Jane Doe"}, True),
        (dict(reversed(list(PRODUCT.items()))), True),  # key order
        ({**PRODUCT, "pricePerUnit": Decimal("0.120")}, True),  # same number, other type
        ({**PRODUCT, "name": "Gauze roll"}, False),
        ({**PRODUCT, "pricePerUnit": 0.13}, False),
        ({**PRODUCT, "tags": [2, 1]}, False),  # list order matters
        ({**PRODUCT, "extra": None}, False),
        ({**PRODUCT, "nested": {"lastUpdated": "x"}}, False),
    ],
)
def test_content_hash(other, same):
    assert (content_hash(other) == content_hash(PRODUCT)) is same


def test_content_hash_ignores_volatile_fields_at_any_depth():
    a = {"id": "o1", "product": {"id": "p", "lastUpdated": "a"}}
    b = {"id": "o1", "product": {"id": "p", "lastUpdated": "b"}}
    assert content_hash(a) == content_hash(b)
    assert re.fullmatch(r"[0-9a-f]{64}", content_hash(a))


def test_po_row_counters_do_not_change_the_hash():
    row = {"id": "o1", "status": "PLACED", "receivedItemsCount": 0, "total": "10.00 USD"}
    received = {**row, "receivedItemsCount": 3}
    assert content_hash(row, PO_ROW_VOLATILE) == content_hash(received, PO_ROW_VOLATILE)
    assert content_hash(row, PO_ROW_VOLATILE) != content_hash({**row, "status": "PENDING"}, PO_ROW_VOLATILE)


def test_content_hash_handles_unicode_and_dates():
    from datetime import date

    assert content_hash({"n": "アスピリン 🐟", "d": date(2025, 1, 1)}) == content_hash(
        {"d": date(2025, 1, 1), "n": "アスピリン 🐟"}
    )


@pytest.mark.parametrize(
    ("args", "differs_from_base"),
    [
        (("9341453050000001", "purchase_order", "ob1", "v1", 0), False),
        (("9341453050000002", "purchase_order", "ob1", "v1", 0), True),
        (("9341453050000001", "bill", "ob1", "v1", 0), True),
        (("9341453050000001", "purchase_order", "ob2", "v1", 0), True),
        (("9341453050000001", "purchase_order", "ob1", "v2", 0), True),
        (("9341453050000001", "purchase_order", "ob1", "v1", 1), True),
        (("9341453050000001", "purchase_order|ob1", "", "v1", 0), True),  # no separator confusion
    ],
)
def test_request_id_is_deterministic_and_distinct(args, differs_from_base):
    base = request_id("9341453050000001", "purchase_order", "ob1", "v1")
    value = request_id(*args)
    assert (value != base) is differs_from_base
    assert len(value) <= 36 and re.fullmatch(r"[0-9a-f]{32}", value)
    assert request_id(*args) == value


@pytest.mark.parametrize(
    ("kind", "parts", "expected"),
    [
        ("push", (42,), "push-42"),
        ("poll", ("acme", "products"), "poll-acme-products"),
        ("push", ("ff80818155df9de40155df9e31000001", "3f2a"), "push-ff80818155df9de40155df9e31000001-3f2a"),
    ],
)
def test_job_id_readable_when_possible(kind, parts, expected):
    assert job_id(kind, *parts) == expected


@pytest.mark.parametrize(
    ("a", "b"),
    [(("a-b", "c"), ("a", "b-c")), (("T-00042/p1",), ("T-00042_p1",)), (("a b",), ("a_b",)), (("x", "y"), ("x-y",))],
)
def test_job_id_never_collides_through_separators(a, b):
    first, second = job_id("push", *a), job_id("push", *b)
    assert first != second
    assert re.fullmatch(r"[A-Za-z0-9_-]+", first) and re.fullmatch(r"[A-Za-z0-9_-]+", second)


@pytest.mark.parametrize("kind", ["Push", "push-x", "", "push me"])
def test_job_id_kind_is_checked(kind):
    with pytest.raises(ValueError):
        job_id(kind, "1")


@pytest.mark.parametrize(
    ("number", "expected"),
    [
        ("PO-000123", "PO-000123"),
        ("  PO-1 ", "PO-1"),
        ("A" * 21, "A" * 21),
        ("OUT-00001", "OUT-00001"),
        ("T-00042/AB12", "T-00042/AB12"),
    ],
)
def test_doc_number_short_numbers_pass_through(number, expected):
    assert doc_number(number) == expected


@pytest.mark.parametrize(
    "number",
    ["A" * 22, "PO-2025-CENTRAL-WAREHOUSE-000123", "T-00042/ff80818155df9de40155df9e31000001", "PO~1"],
)
def test_doc_number_long_form_is_short_deterministic_and_marked(number):
    short = doc_number(number)
    assert len(short) <= 21 and "~" in short
    assert short == doc_number(number)
    assert short.startswith(number.strip()[:12])


def test_doc_number_long_forms_sharing_a_prefix_differ():
    a, b = "PO-2025-CENTRAL-WAREHOUSE-000123", "PO-2025-CENTRAL-WAREHOUSE-000124"
    assert doc_number(a) != doc_number(b)
    assert doc_number(a)[:12] == doc_number(b)[:12]


def test_doc_number_refuses_empty():
    with pytest.raises(ValueError):
        doc_number("  ")


@pytest.mark.parametrize(
    ("entity", "ident", "version", "text"),
    [
        (
            "purchase_order",
            "ff80818155df9de40155df9e31000001",
            "3F2A9C1B7D0E99",
            "[openboxes:purchase_order:ff80818155df9de40155df9e31000001:3f2a9c1b7d0e]",
        ),
        ("adjustment", adjustment_key("T-00042", "p1"), "", "[openboxes:adjustment:T-00042/p1:]"),
        ("shipment", "1", "ab", "[openboxes:shipment:1:ab]"),
    ],
)
def test_marker_round_trip(entity, ident, version, text):
    assert marker(entity, ident, version) == text
    note = f"OpenBoxes thing {ident}\nmore text {text} trailing"
    parsed = parse_marker(note)
    assert parsed == Marker(entity, ident, version.lower()[:12])
    assert parsed.matches(entity, ident) and parsed.matches(entity, ident, version)
    assert not parsed.matches(entity, ident + "x")
    assert not parsed.matches("other", ident)


@pytest.mark.parametrize(("ident", "version"), [("has space", ""), ("a:b", ""), ("a]b", ""), ("ok", "xyz")])
def test_marker_refuses_unsafe_parts(ident, version):
    with pytest.raises(ValueError):
        marker("purchase_order", ident, version)


@pytest.mark.parametrize("note", [None, "", "no marker here", "[openboxes:Bad:x:1]", "[openboxes:po:x]"])
def test_parse_marker_none(note):
    assert parse_marker(note) is None


def test_a_written_fingerprint_is_as_long_as_a_version_and_never_equal_to_one():
    payload = {"DisplayName": "Gauze & Co", "CompanyName": "Gauze & Co"}
    fingerprint = written_fingerprint(payload)
    assert len(fingerprint) == 64 and fingerprint.startswith("w:")
    assert fingerprint == written_fingerprint(dict(reversed(payload.items())))
    assert fingerprint[2:] == content_hash(payload)[:62] != fingerprint
