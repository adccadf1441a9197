"""Units and measures.

A unit is known by its OM2 name (what VF files use: ``kilogram``) and its UN/ECE Recommendation 20 code (what UBL
invoices use: ``KGM``). Conversion goes through pint with Decimal magnitudes, so 250 g becomes exactly 0.25 kg;
units of different dimensions (kg and litre) never convert.
"""

from dataclasses import dataclass
from decimal import Context, Decimal, DivisionByZero, Inexact, InvalidOperation, Overflow, localcontext
from fractions import Fraction
from functools import lru_cache

from cooplink.vf.errors import VFError


# Arithmetic on quantities: wide enough for any real stock, and an error rather than a rounding if ever not.
EXACT = Context(prec=60, traps=[Inexact, InvalidOperation, DivisionByZero, Overflow])


@dataclass(frozen=True, slots=True)
class Unit:
    name: str  # OM2 local name, our canonical key
    rec20: str  # UN/ECE Rec 20 common code
    symbol: str
    pint: str  # the expression pint understands


# Counts are dimensionless (one = piece = each), as in UBL where C62 and H87 are both "a count".
_UNITS = (
    Unit("one", "C62", "1", "dimensionless"),
    Unit("piece", "H87", "pc", "dimensionless"),
    Unit("each", "EA", "ea", "dimensionless"),
    Unit("dozen", "DZN", "dz", "12 * dimensionless"),
    Unit("pair", "PR", "pr", "2 * dimensionless"),
    Unit("milligram", "MGM", "mg", "milligram"),
    Unit("gram", "GRM", "g", "gram"),
    Unit("kilogram", "KGM", "kg", "kilogram"),
    Unit("tonne", "TNE", "t", "tonne"),
    Unit("millilitre", "MLT", "ml", "millilitre"),
    Unit("litre", "LTR", "l", "litre"),
    Unit("cubicMetre", "MTQ", "m³", "meter ** 3"),
    Unit("millimetre", "MMT", "mm", "millimeter"),
    Unit("centimetre", "CMT", "cm", "centimeter"),
    Unit("metre", "MTR", "m", "meter"),
    Unit("kilometre", "KMT", "km", "kilometer"),
    Unit("squareMetre", "MTK", "m²", "meter ** 2"),
    Unit("second-Time", "SEC", "s", "second"),
    Unit("minute-Time", "MIN", "min", "minute"),
    Unit("hour", "HUR", "h", "hour"),
    Unit("day", "DAY", "d", "day"),
    Unit("kilowattHour", "KWH", "kWh", "kilowatt_hour"),
)

_BY_KEY: dict[str, Unit] = {}
for _u in _UNITS:
    for _key in (_u.name, _u.rec20, _u.symbol):
        _BY_KEY.setdefault(_key.lower(), _u)
UNITS: dict[str, Unit] = {u.name: u for u in _UNITS}
# Spellings met in real files.
for _alias, _name in {"liter": "litre", "meter": "metre", "minute": "minute-Time", "second": "second-Time",
                      "unit": "one", "pcs": "piece", "kilo": "kilogram"}.items():
    _BY_KEY[_alias] = UNITS[_name]
OM2 = "http://www.ontology-of-units-of-measure.org/resource/om-2/"


def unit_named(name: str, field: str = "hasUnit") -> Unit:
    """Find a unit by OM2 name or IRI, Rec 20 code or symbol (case-insensitive)."""
    key = name.rsplit("/", 1)[-1].rsplit("#", 1)[-1].removeprefix("om2:").strip().lower()
    try:
        return _BY_KEY[key]
    except KeyError:
        raise VFError(field, f"unknown unit {name!r}") from None


@dataclass(frozen=True, slots=True)
class Measure:
    """A quantity with its unit: VF's om2:Measure (hasNumericalValue, hasUnit)."""

    value: Decimal
    unit: Unit

    @classmethod
    def of(cls, value, unit: str | Unit, field: str = "hasNumericalValue") -> "Measure":
        return cls(to_decimal(value, field), unit if isinstance(unit, Unit) else unit_named(unit))

    @classmethod
    def parse(cls, text: str, field: str = "resourceQuantity") -> "Measure":
        """'250 g' or '2.5 kilogram'."""
        parts = text.split()
        if len(parts) != 2:
            raise VFError(field, f"expected '<number> <unit>', got {text!r}")
        return cls.of(parts[0], unit_named(parts[1], field), field)

    def to(self, unit: Unit, field: str = "hasUnit") -> "Measure":
        """The same amount in another unit, exactly: refused if the units differ in kind or the result has no
        exact decimal value (1 minute in hours)."""
        if unit is self.unit:
            return self
        factor = conversion_factor(self.unit, unit, field)
        try:
            with localcontext(EXACT):
                if _terminates(factor.denominator):  # 1000, 0.001, 12: a decimal product
                    return Measure(plain(self.value * Decimal(factor.numerator) / Decimal(factor.denominator)),
                                   unit)
                exact = Fraction(self.value) * factor
                return Measure(_exact_decimal(exact, f"{self} in {unit.name}", field), unit)
        except (Inexact, InvalidOperation, Overflow):  # the EXACT traps: a bare decimal error names no field
            raise VFError(field, f"{self} in {unit.name} has more digits than can be kept exactly") from None

    def __str__(self) -> str:
        return f"{self.value} {self.unit.name}"


def to_decimal(value, field: str) -> Decimal:
    if isinstance(value, float):
        value = repr(value)  # the float's shortest text, never its binary expansion
    try:
        number = Decimal(value)
    except Exception:
        raise VFError(field, f"not a number: {value!r}") from None
    if not number.is_finite():
        raise VFError(field, f"not a finite number: {value!r}")
    return number


def conversion_factor(source: Unit, target: Unit, field: str = "hasUnit") -> Fraction:
    source_base, source_kind = _in_base_units(source.name)
    target_base, target_kind = _in_base_units(target.name)
    if source_kind != target_kind:
        raise VFError(field, f"{source.name} cannot be converted to {target.name}")
    return source_base / target_base


@lru_cache(maxsize=None)
def _in_base_units(name: str) -> tuple[Fraction, str]:
    """One of the unit in SI base units, as an exact fraction, and the dimension it measures."""
    with localcontext(Context(prec=60)):  # pint's own arithmetic, free of the EXACT traps
        quantity = _registry().parse_expression(UNITS[name].pint).to_base_units()
    return Fraction(Decimal(quantity.magnitude)), str(quantity.dimensionality)


def _terminates(denominator: int) -> bool:
    """A fraction with this denominator has a finite decimal expansion."""
    for prime in (2, 5):
        while denominator % prime == 0:
            denominator //= prime
    return denominator == 1


def _exact_decimal(value: Fraction, what: str, field: str) -> Decimal:
    if not _terminates(value.denominator):
        raise VFError(field, f"{what} has no exact decimal value; record it in a unit that has one")
    # In the caller's EXACT context: a result wider than it is refused, never rounded.
    return plain(Decimal(value.numerator) / Decimal(value.denominator))


def plain(number: Decimal) -> Decimal:
    """The shortest exact form without an exponent: 1E+3 becomes 1000, 2.500 becomes 2.5. Worked in the EXACT
    context whatever the caller's: the default one would round a balance wider than 28 digits when shown."""
    with localcontext(EXACT):
        return canonical(number)


def canonical(number: Decimal) -> Decimal:
    """plain(), in the caller's context: for code already working in EXACT (the effects of an event)."""
    number = number.normalize()
    return number.quantize(_ONE) if number.as_tuple().exponent > 0 else number


_ONE = Decimal(1)


@lru_cache(maxsize=1)
def _registry():
    import pint  # loaded only when two different units first meet

    return pint.UnitRegistry(non_int_type=Decimal)
