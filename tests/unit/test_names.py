"""QuickBooks-safe names: forbidden characters, UTF-16 lengths, hash-tagged truncation, suffixes."""

from __future__ import annotations

import pytest

from portal.sync.errors import describe_outside_charset
from portal.sync.names import (
    clean_name,
    clean_text,
    fit_name,
    latin1_texts,
    names_in,
    outside_latin1,
    refused_characters,
    to_latin1,
    utf16_len,
    with_suffix,
)
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


# --- character set (a US company stores ISO-8859-1 only) -------------------------------------------


@pytest.mark.parametrize(
    ("text", "refused", "latin1"),
    [
        ("Paracétamol 500 mg comprimé ½ ×", [], "Paracétamol 500 mg comprimé ½ ×"),
        ("Gauze Ω✓", ["Ω", "✓"], "Gauze ??"),
        ("Őrség – “extra” ﬁlm…", ["Ő", "–", "“", "”", "ﬁ", "…"], 'Orség - "extra" film...'),
        ("Ω-3 fish oil 🐟🐟", ["Ω", "🐟"], "?-3 fish oil ??"),
        ("北京", ["北", "京"], "??"),
        ("Łódź", ["Ł", "ź"], "?ódz"),
    ],
)
def test_characters_beyond_latin_1_are_named_and_changed(text, refused, latin1):
    assert outside_latin1(text) == refused
    assert to_latin1(text) == latin1
    assert outside_latin1(to_latin1(text)) == []


def test_every_text_of_a_body_is_changed_and_each_change_reported():
    changed = []
    body = {"Name": "Gauze Ω", "Sku": "GZ-1", "Line": [{"Description": "✓ ok"}, 3], "Active": True}
    assert latin1_texts(body, changed) == {"Name": "Gauze ?", "Sku": "GZ-1", "Line": [{"Description": "? ok"}, 3],
                                           "Active": True}  # fmt: skip
    assert changed == [("Gauze Ω", "Gauze ?"), ("✓ ok", "? ok")]


def test_the_refusal_names_the_characters_the_name_and_the_fix():
    assert refused_characters("Gauze Ω✓") == "‘Ω’ and ‘✓’ in the name Gauze Ω✓"
    assert refused_characters("a☃b★c✓") == "‘☃’, ‘★’ and ‘✓’ in the name a☃b★c✓"
    message = describe_outside_charset(["Gauze Ω✓", "北京 Medical"])
    assert message.startswith("QuickBooks refused ‘Ω’ and ‘✓’ in the name Gauze Ω✓; ‘北’ and ‘京’ in the name 北京")
    assert "Rename it in OpenBoxes" in message and "Sync preferences" in message


def test_names_are_found_at_any_depth_of_a_snapshot():
    snapshot = {"order": {"origin": {"name": "Ωmega", "organization": {"name": "Ωmega Ltd"}}, "status": "PLACED"},
                "products": {"p1": {"name": "Gauze", "description": "Ω"}}}  # fmt: skip
    assert list(names_in(snapshot)) == ["Ωmega", "Ωmega Ltd", "Gauze"]


@pytest.mark.parametrize(("value", "expected"), [(12345, "12345"), (1.5, "1.5"), (True, "True"), ("a:b", "a - b")])
def test_names_of_other_json_types_become_text(value, expected):
    assert clean_name(value) == expected and fit_name(value, 100) == expected
    assert clean_text(value, 100) == (expected if value != "a:b" else "a:b")


def test_stored_text_drops_nul_and_fits():
    from portal.sync.names import stored_text

    assert stored_text("Gauze\x00Works", 100) == "GauzeWorks"
    assert stored_text(800123, 3) == "800" and stored_text(None, 5) == ""
