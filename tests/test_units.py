"""Units: OM2 names and Rec 20 codes, exact Decimal conversion through pint, and what is refused."""

from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, strategies as st

from cooplink.node import RecordEvent
from cooplink.vf.errors import VFError
from cooplink.vf.units import OM2, UNITS, Measure, conversion_factor, unit_named


@pytest.mark.parametrize("code, name", [
    ("KGM", "kilogram"), ("GRM", "gram"), ("LTR", "litre"), ("C62", "one"), ("H87", "piece"), ("HUR", "hour"),
    ("MIN", "minute-Time"),
])
def test_rec20_codes_name_their_om2_unit(code, name):
    unit = unit_named(code)
    assert unit.rec20 == code
    assert unit.name == name
    assert unit_named(code.lower()) is unit
    assert unit_named(name) is unit  # the OM2 name finds the same unit
    assert unit_named(OM2 + name) is unit  # and so does its full OM2 IRI
    assert unit_named("om2:" + name) is unit


def test_symbols_and_spellings_met_in_files():
    assert unit_named("kg").name == "kilogram"
    assert unit_named("g").name == "gram"
    assert unit_named("liter").name == "litre"
    assert unit_named("minute").name == "minute-Time"
    assert unit_named("https://www.ontology-of-units-of-measure.org/resource/om-2/litre").name == "litre"


def test_every_unit_has_a_distinct_rec20_code():
    codes = [u.rec20 for u in UNITS.values()]
    assert len(codes) == len(set(codes))
    for unit in UNITS.values():
        assert unit_named(unit.rec20) is unit


def test_an_unknown_unit_names_the_field():
    with pytest.raises(VFError) as raised:
        unit_named("furlong")
    assert raised.value.field == "hasUnit"
    with pytest.raises(VFError) as raised:
        Measure.parse("3 furlong")
    assert raised.value.field == "resourceQuantity"


def test_250_grams_are_exactly_a_quarter_kilogram():
    converted = Measure.of("250", "GRM").to(unit_named("KGM"))
    assert type(converted.value) is Decimal
    assert converted.value == Decimal("0.25")
    assert str(converted.value) == "0.25"
    assert converted.unit.name == "kilogram"


@pytest.mark.parametrize("amount, source, target, expected", [
    ("1", "kg", "g", "1000"),
    ("1.5", "t", "g", "1500000"),
    ("0.001", "g", "kg", "0.000001"),
    ("3", "dozen", "piece", "36"),
    ("90", "MIN", "HUR", "1.5"),
    ("2", "HUR", "MIN", "120"),
    ("1", "ml", "cubicMetre", "0.000001"),
    ("2500", "ml", "LTR", "2.5"),
    ("1", "day", "hour", "24"),
])
def test_exact_conversions(amount, source, target, expected):
    converted = Measure.of(amount, source).to(unit_named(target))
    assert type(converted.value) is Decimal
    assert str(converted.value) == expected


def test_kilogram_and_litre_do_not_convert():
    with pytest.raises(VFError) as raised:
        Measure.of("1", "kg").to(unit_named("LTR"))
    assert raised.value.field == "hasUnit"
    assert "litre" in str(raised.value)


def test_a_minute_has_no_exact_decimal_value_in_hours():
    with pytest.raises(VFError) as raised:
        Measure.of("1", "MIN").to(unit_named("HUR"), "resourceQuantity")
    assert raised.value.field == "resourceQuantity"
    assert "exact" in str(raised.value)


@pytest.mark.parametrize("amount, source, target", [
    ("90." + "0" * 58 + "3", "MIN", "HUR"),  # 1.5000…005 h: 62 digits, once silently rounded to 1.5
    ("1." + "1" * 70, "g", "kg"),
    ("1E+70", "g", "kg"),
    (str(60 * (10 ** 70 + 1)), "MIN", "HUR"),
])
def test_a_conversion_wider_than_a_balance_is_refused_never_rounded(amount, source, target):
    with pytest.raises(VFError) as raised:
        Measure.of(amount, source).to(unit_named(target), "resourceQuantity")
    assert raised.value.field == "resourceQuantity"


def test_wide_but_exact_conversions_are_kept_whole():
    assert Measure.of("90." + "0" * 50 + "3", "MIN").to(unit_named("HUR")).value == Decimal("1.5" + "0" * 50 + "05")
    assert Measure.of(str(60 * (10 ** 50 + 1)), "MIN").to(unit_named("HUR")).value == Decimal(10 ** 50 + 1)


def test_conversion_factors_are_exact_fractions():
    assert conversion_factor(unit_named("g"), unit_named("kg")) == Fraction(1, 1000)
    assert conversion_factor(unit_named("MIN"), unit_named("HUR")) == Fraction(1, 60)
    assert conversion_factor(unit_named("kWh"), unit_named("kWh")) == 1
    for unit in UNITS.values():
        assert type(conversion_factor(unit, unit)) is Fraction


def test_floats_never_leak_in():
    # A float is taken at its shortest text, never its binary expansion 0.1000000000000000055511151231257827...
    assert Measure.of(0.1, "kg").value == Decimal("0.1")
    assert type(Measure.of(0.1, "kg").value) is Decimal
    assert Measure.of(0.1, "kg").to(unit_named("g")).value == Decimal("100")
    assert type(Measure.parse("2.5 kg").value) is Decimal


@pytest.mark.parametrize("text", ["NaN kg", "Infinity kg", "ten kg", "5", "5 kg extra"])
def test_numbers_must_be_finite_decimals(text):
    with pytest.raises(VFError) as raised:
        Measure.parse(text)
    assert raised.value.field == "resourceQuantity"


MASS = [unit_named(u) for u in ("mg", "g", "kg", "t")]


@given(st.decimals(min_value=Decimal("-1e9"), max_value=Decimal("1e9"), places=4, allow_nan=False,
                   allow_infinity=False),
       st.sampled_from(MASS), st.sampled_from(MASS))
def test_mass_conversions_round_trip_exactly(value, source, target):
    there = Measure(value, source).to(target)
    assert type(there.value) is Decimal
    assert there.to(source).value == value
    assert Fraction(there.value) == Fraction(value) * conversion_factor(source, target)


# Through the service layer, on both backends: the event keeps what was said, the resource gets it in its unit.

def test_grams_recorded_into_a_kilogram_resource(widgets):
    [made] = widgets.record(RecordEvent("raise", quantity="2 kg", spec="flour"))
    [used] = widgets.record(RecordEvent("consume", quantity="250 g", resource=made.resource_inventoried_as))
    flour = widgets.resource(made.resource_inventoried_as)
    assert flour.unit.name == "kilogram"
    assert flour.accounting_quantity == Decimal("1.75")
    assert flour.onhand_quantity == Decimal("1.75")
    assert type(flour.onhand_quantity) is Decimal
    stored = widgets.event(used.id)
    assert stored.resource_quantity.value == Decimal("250")
    assert stored.resource_quantity.unit.name == "gram"
    assert widgets.verify().ok


def test_a_resource_created_in_another_unit_keeps_its_specification_unit(widgets):
    [made] = widgets.record(RecordEvent("raise", quantity="1500 g", spec="flour"))
    flour = widgets.resource(made.resource_inventoried_as)
    assert flour.unit.name == "kilogram"
    assert flour.onhand_quantity == Decimal("1.5")
    assert widgets.verify().ok
