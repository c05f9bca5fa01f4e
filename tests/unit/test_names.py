"""QuickBooks-safe names: forbidden characters, UTF-16 lengths, hash-tagged truncation, suffixes."""

from __future__ import annotations

import pytest

from portal.sync.names import clean_name, clean_text, fit_name, utf16_len, with_suffix
from sandbox.openboxes.demo_names import PRODUCT_NAME_OVER_100, PRODUCT_NAME_OVER_500, SUPPLIER_NAME_OVER_500


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Tape: surgical, 2.5cm x 5m", "Tape - surgical, 2.5cm x 5m"),
        ("Gloves\tnitrile\tsize M", "Gloves nitrile size M"),
        ("Bandage\nelastic 10cm", "Bandage elastic 10cm"),
        ("Acme: East\tDivision\nSupplies", "Acme - East Division Supplies"),
        ("Children's paracetamol syrup", "Children's paracetamol syrup"),
        ("O'Neil's \"extra\" gauze; 10 pcs: sterile", "O'Neil's \"extra\" gauze; 10 pcs - sterile"),
        ("a:b", "a - b"),
        ("Acme:", "Acme"),
        (": Acme", "Acme"),
        ("Ω-3 oil -", "Ω-3 oil -"),
        ("  spaced   out \r\n", "spaced out"),
        ("Paracétamol 500 mg comprimé", "Paracétamol 500 mg comprimé"),
        ("アスピリン錠 100mg", "アスピリン錠 100mg"),
        ("\x00ctrl\x7f", "ctrl"),
        (None, ""),
    ],
)
def test_clean_name(text, expected):
    assert clean_name(text) == expected


@pytest.mark.parametrize(("text", "units"), [("abc", 3), ("é", 1), ("🐟", 2), ("アスピリン", 5)])
def test_utf16_len(text, units):
    assert utf16_len(text) == units


@pytest.mark.parametrize(
    ("text", "limit"),
    [
        (PRODUCT_NAME_OVER_100, 100),
        (PRODUCT_NAME_OVER_500, 100),
        (SUPPLIER_NAME_OVER_500, 500),
        ("🐟" * 80, 100),  # 160 UTF-16 units
        ("x" * 101, 100),
    ],
)
def test_fit_name_shortens_with_a_hash_tag(text, limit):
    name = fit_name(text, limit)
    assert utf16_len(name) <= limit
    assert " ~" in name and fit_name(text, limit) == name
    assert not any(c in name for c in ":\t\n")


def test_fit_name_keeps_short_names_and_separates_shared_prefixes():
    assert fit_name("Gauze", 100) == "Gauze"
    assert fit_name("x" * 100, 100) == "x" * 100
    a, b = "y" * 120 + "A", "y" * 120 + "B"
    assert fit_name(a, 100) != fit_name(b, 100)


@pytest.mark.parametrize(
    ("name", "suffix", "limit", "expected_len"),
    [
        ("Riverside Clinic", " (customer)", 500, 27),
        ("z" * 500, " (customer)", 500, 500),
        ("z" * 95, " [AB12]", 100, 100),
    ],
)
def test_with_suffix_fits(name, suffix, limit, expected_len):
    result = with_suffix(name, suffix, limit)
    assert result.endswith(suffix) and utf16_len(result) == expected_len


def test_clean_text_keeps_colons_and_cuts():
    assert clean_text("A: b\tc", 100) == "A: b c"
    assert clean_text("x" * 150, 100) == "x" * 100


@pytest.mark.parametrize(("value", "expected"), [(12345, "12345"), (1.5, "1.5"), (True, "True"), ("a:b", "a - b")])
def test_names_of_other_json_types_become_text(value, expected):
    assert clean_name(value) == expected and fit_name(value, 100) == expected
    assert clean_text(value, 100) == (expected if value != "a:b" else "a:b")


def test_stored_text_drops_nul_and_fits():
    from portal.sync.names import stored_text

    assert stored_text("Gauze\x00Works", 100) == "GauzeWorks"
    assert stored_text(800123, 3) == "800" and stored_text(None, 5) == ""
