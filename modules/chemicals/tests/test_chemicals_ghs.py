"""The GHS table and the attribute types built on it (no database needed)."""

import pytest
from pydantic import TypeAdapter, ValidationError

from cooplink_chemicals import ghs
from cooplink_chemicals.plugin import Hazards, UNNumber

hazards = TypeAdapter(Hazards)
un_number = TypeAdapter(UNNumber)


def test_every_statement_is_an_h_code_and_every_category_is_a_licence_category():
    assert len(ghs.HAZARDS) > 80
    for code, hazard in ghs.HAZARDS.items():
        assert code == hazard.code and code[0] == "H" and code[1:4].isdigit() and 200 <= int(code[1:4]) < 500
        assert hazard.category in (*ghs.CATEGORIES, None)
    assert {h.category for h in ghs.HAZARDS.values()} == {*ghs.CATEGORIES, None}


@pytest.mark.parametrize("code, category", [
    ("H225", "flammable"), ("H314", "corrosive"), ("H301", "toxic"), ("H350i", "toxic"), ("H271", "oxidizing"),
    ("H280", "gas"), ("H201", "explosive"), ("H315", None), ("H410", None), ("H227", None)])
def test_statements_map_to_the_licence_their_goods_need(code, category):
    assert ghs.hazard(code).category == category


def test_codes_are_normalised_sorted_and_deduplicated_and_combined_statements_split():
    assert hazards.validate_python(["h319", "H225", "H300+H310+H330", "H225"]) == \
        ["H225", "H300", "H310", "H319", "H330"]


def test_the_case_of_a_suffix_carries_meaning():
    assert hazards.validate_python(["H360Fd", "H360FD"]) == ["H360FD", "H360Fd"]
    with pytest.raises(ValidationError, match="H360fD"):
        hazards.validate_python(["H360fD"])


@pytest.mark.parametrize("bad", [["H999"], ["225"], ["H225+H9"], "H225", ["EUH999"]])
def test_unknown_or_malformed_codes_are_refused(bad):
    with pytest.raises(ValidationError):
        hazards.validate_python(bad)


def test_required_categories_group_codes_in_a_fixed_order():
    assert ghs.required_categories(["H319", "H314", "H225", "H226"]) == \
        {"flammable": ["H225", "H226"], "corrosive": ["H314"]}
    assert ghs.required_categories(["H315", "H319"]) == {}


@pytest.mark.parametrize("given, kept", [("1170", "1170"), ("UN1170", "1170"), ("un 1203", "1203"), (1005, "1005"),
                                         (4, "0004")])
def test_un_numbers_are_kept_as_four_digits(given, kept):
    assert un_number.validate_python(given) == kept


@pytest.mark.parametrize("bad", ["117", "11700", "UNXXXX", "0000", True, 12345, None])
def test_malformed_un_numbers_are_refused(bad):
    with pytest.raises(ValidationError):
        un_number.validate_python(bad)
