"""The pure rules of orders, invoices and payments: money, rounding, totals and settlement.

Rounding (EN 16931): each line net is quantity × unit price rounded to the currency's minor unit, ROUND_HALF_UP;
VAT is computed per rate on the sum of the line nets at that rate, rounded the same way; gross = net + VAT.
Money is Decimal throughout, never float.
"""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from cooplink.vf.errors import VFError
from cooplink.vf.model import ClaimLine
from cooplink.vf.units import plain

# ISO 4217 codes this node accepts, with their minor units (digits after the decimal point).
CURRENCIES = {
    "EUR": 2, "USD": 2, "GBP": 2, "CHF": 2, "CAD": 2, "AUD": 2, "NZD": 2, "DKK": 2, "NOK": 2, "SEK": 2,
    "ISK": 0, "PLN": 2, "CZK": 2, "HUF": 2, "RON": 2, "BGN": 2, "JPY": 0, "CNY": 2, "INR": 2, "BRL": 2,
    "MXN": 2, "ZAR": 2, "KWD": 3, "BHD": 3, "TND": 3,
}
ZERO = Decimal(0)
HUNDRED = Decimal(100)


def currency_code(code: str, field: str = "currency") -> str:
    upper = (code or "").strip().upper()
    if upper not in CURRENCIES:
        raise VFError(field, f"not a known ISO 4217 currency code: {code!r}")
    return upper


def round_money(amount: Decimal, currency: str) -> Decimal:
    return amount.quantize(Decimal(1).scaleb(-CURRENCIES[currency]), rounding=ROUND_HALF_UP)


def positive(value: Decimal, field: str) -> Decimal:
    if not value > 0:
        raise VFError(field, f"must be more than zero, got {value}")
    return value


def tax_rate(value: Decimal, field: str = "taxRate") -> Decimal:
    if not ZERO <= value <= HUNDRED:
        raise VFError(field, f"a tax rate is a percent from 0 to 100, got {value}")
    return value


def line_net(quantity: Decimal, unit_price: Decimal, currency: str) -> Decimal:
    return round_money(quantity * unit_price, currency)


@dataclass(frozen=True, slots=True)
class Totals:
    net: Decimal
    tax_by_rate: tuple[tuple[Decimal, Decimal, Decimal], ...]  # (rate, taxable net, tax), by rate
    tax: Decimal
    gross: Decimal


def totals(lines: tuple[ClaimLine, ...] | list[ClaimLine], currency: str) -> Totals:
    bases: dict[Decimal, Decimal] = {}
    for line in lines:
        rate = plain(line.tax_rate)  # 19 and 19.00 are one rate
        bases[rate] = bases.get(rate, ZERO) + line.net
    by_rate = tuple((rate, base, round_money(base * rate / HUNDRED, currency))
                    for rate, base in sorted(bases.items()))
    net = sum((line.net for line in lines), ZERO)
    tax = sum((t for _, _, t in by_rate), ZERO)
    return Totals(round_money(net, currency), by_rate, round_money(tax, currency), round_money(net + tax, currency))


def status(gross: Decimal, settled: Decimal) -> str:
    """open | partially paid | paid: settled counts payments and credit notes alike."""
    if settled >= gross:
        return "paid"
    return "partially paid" if settled > 0 else "open"


def check_payment(amount: Decimal, currency: str, claim_currency: str, outstanding: Decimal) -> Decimal:
    """A payment's amount, or VFError: positive, in the claim's currency and minor unit, not over what is owed."""
    positive(amount, "amount")
    if currency != claim_currency:
        raise VFError("currency", f"the claim is in {claim_currency}, the payment in {currency}")
    if round_money(amount, currency) != amount:
        raise VFError("amount", f"{amount} has more decimals than {currency} has ({CURRENCIES[currency]})")
    if amount > outstanding:
        raise VFError("amount", f"{amount} {currency} is more than the {outstanding} {currency} outstanding")
    return amount
