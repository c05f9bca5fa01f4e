"""Names used by the demo data set, including the hard cases (unicode, very long, separators)."""

from __future__ import annotations

LONG_WORDS = "extra-strength sterile single-use individually wrapped latex-free hospital grade"
PRODUCT_NAME_OVER_100 = (
    f"Amoxicillin/clavulanic acid 875mg/125mg {LONG_WORDS} tablets, blister pack of 14, batch-tracked"
)
PRODUCT_NAME_OVER_500 = " ".join(
    f"Comprehensive emergency obstetric care kit ({LONG_WORDS}), part {i}" for i in range(1, 6)
)
SUPPLIER_NAME_OVER_100 = (
    "International Consolidated Medical and Surgical Supplies Distribution Company of the Great Lakes Region"
)
SUPPLIER_NAME_OVER_500 = " and ".join(["Worldwide Humanitarian Pharmaceutical Procurement Cooperative"] * 9)

# case name → (names, note); each name becomes one record listed under the case.
HARD_PRODUCT_NAMES = {
    "product_unicode_names": (
        (
            "Paracétamol 500 mg comprimé",
            "Ibuprofène 400 mg — boîte de 20",
            "アスピリン錠 100mg",
            "Шприц одноразовый 10 мл",
            "Ω-3 fish oil capsules 🐟",
            "Ceftriaxone 1g – vial (Ø 20mm)",
        ),
        "non-ASCII names (accents, CJK, Cyrillic, emoji, dashes)",
    ),
    "product_name_over_100": ((PRODUCT_NAME_OVER_100,), f"{len(PRODUCT_NAME_OVER_100)} characters"),
    "product_name_over_500": ((PRODUCT_NAME_OVER_500,), f"{len(PRODUCT_NAME_OVER_500)} characters"),
    "product_name_special_characters": (
        (
            "Tape: surgical, 2.5cm x 5m",
            "Gloves\tnitrile\tsize M",
            "Bandage\nelastic 10cm",
            "Children's paracetamol syrup 120mg/5ml",
            "O'Neil's \"extra\" gauze; 10 pcs: sterile",
        ),
        "colons, tabs, newlines, apostrophes and double quotes in names",
    ),
}
HARD_SUPPLIER_NAMES = {
    "supplier_unicode_names": (
        ("Société Générale d'Équipement Médical", "北京医疗器械有限公司"),
        "non-ASCII supplier names",
    ),
    "supplier_name_over_100": ((SUPPLIER_NAME_OVER_100,), f"{len(SUPPLIER_NAME_OVER_100)} characters"),
    "supplier_name_over_500": ((SUPPLIER_NAME_OVER_500,), f"{len(SUPPLIER_NAME_OVER_500)} characters"),
    "supplier_name_special_characters": (
        ("Acme: East\tDivision\nSupplies", "O'Brien & Sons Medical"),
        "colon, tab, newline, apostrophe, ampersand",
    ),
}

DRUGS = ("Ibuprofen", "Paracetamol", "Amoxicillin", "Metformin", "Ceftriaxone", "Artemether", "Zinc sulfate",
         "Ciprofloxacin", "Doxycycline", "Omeprazole", "Salbutamol", "Furosemide")  # fmt: skip
DRUG_VARIANTS = ("100mg tablet", "200mg tablet", "250mg capsule", "500mg tablet", "1g vial", "5ml syrup",
                 "10ml ampoule", "20mg/ml oral solution", "125mg dispersible tablet", "400mg tablet",
                 "50mg tablet", "2g vial")  # fmt: skip
SUPPLIES = ("Gauze pad", "Syringe", "Needle", "Surgical mask", "Nitrile glove", "Bandage", "IV cannula",
            "Alcohol swab", "Glucose test strip", "Urine cup", "Suture kit", "Scalpel blade")  # fmt: skip
SUPPLY_VARIANTS = ("small", "medium", "large", "box of 10", "box of 50", "pack of 100", "sterile", "2ml",
                   "5ml", "10ml", "18G", "22G")  # fmt: skip
SUPPLIER_PARTS = (
    ("Acme", "Global", "Medline", "Apex", "Summit", "Harbor", "Nordic", "Atlas", "Unity", "Crescent"),
    ("Medical", "Pharma", "Supplies", "Health", "Distribution"),
    ("Ltd", "Inc", "GmbH", "S.A."),
)
SAME_NAME = "Riverside Clinic"  # a supplier and a customer destination are both called this
CUSTOMERS = (SAME_NAME, "St. Mary's Hospital", "Clinique Sainte-Thérèse", "District Health Office: North",
             "Hôpital Saint-Luc", "Mobile Clinic 1", "Community Pharmacy", "Kigali Health Center", "Ward 3B",
             "Outreach Team")  # fmt: skip
CITIES = (("Boston", "MA", "USA"), ("Lyon", "Auvergne-Rhône-Alpes", "France"), ("Kigali", None, "Rwanda"),
          ("Port-au-Prince", "Ouest", "Haiti"), ("Toronto", "ON", "Canada"),
          ("München", "Bayern", "Germany"))  # fmt: skip


def ordinary_product_names() -> list[str]:
    """Every generated drug and supply name (unshuffled)."""
    names = [f"{base} {variant}" for base in DRUGS for variant in DRUG_VARIANTS]
    return names + [f"{base}, {variant}" for base in SUPPLIES for variant in SUPPLY_VARIANTS]


def ordinary_supplier_names() -> list[str]:
    """Every generated supplier name (unshuffled)."""
    first, second, third = SUPPLIER_PARTS
    return [f"{a} {b} {c}" for a in first for b in second for c in third]


def address(n: int) -> dict:
    """A deterministic postal address (Location.address shape)."""
    city, region, country = CITIES[n % len(CITIES)]
    return {"address": f"{10 + n} Main Street", "address2": None, "city": city, "stateOrProvince": region,
            "postalCode": f"{10000 + n * 7}", "country": country, "description": None}  # fmt: skip
