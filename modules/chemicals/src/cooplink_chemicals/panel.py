"""The dashboard panel: hazardous goods in stock, and licences that expire within 30 days."""

from html import escape

from cooplink_chemicals import ghs, licences
from cooplink_chemicals.rules import HAZARDS, agent_name

EXPIRY_WARNING_DAYS = 30


def render(node) -> str:
    licences.require_enabled(node)
    day = licences.today()
    with node.reading() as ledger:
        stock = hazardous_stock(ledger)
        ending = [(licence, agent_name(ledger, licence.agent))
                  for licence in licences.expiring(ledger.connection, day, EXPIRY_WARNING_DAYS)]
    return (f'<section class="module-panel chemicals">{_stock_table(stock)}'
            f'{_expiring_table(ending, day)}</section>')


def hazardous_stock(ledger) -> list[tuple]:
    """(resource, specification name, hazard codes) for every resource with a quantity whose kind has hazards."""
    rows = []
    for spec_id, codes in sorted(ledger.owners_with("specification", HAZARDS).items()):
        if not codes:
            continue
        spec = ledger.spec(spec_id)
        for resource in ledger.find_resources(conforms_to=spec_id, include_empty=False):
            rows.append((resource, spec.name if spec else spec_id, codes))
    return rows


def _stock_table(stock) -> str:
    if not stock:
        return "<h3>Hazardous stock</h3><p>No hazardous goods in stock.</p>"
    rows = "".join(
        f"<tr><td>{escape(resource.tracking_identifier or resource.name or resource.id)}</td>"
        f"<td>{escape(spec_name)}</td>"
        f'<td class="number">{escape(str(resource.onhand_quantity))} {escape(resource.unit.name)}</td>'
        f"<td>{_codes(codes)}</td>"
        f"<td>{escape(', '.join(ghs.required_categories(codes)) or 'none')}</td></tr>"
        for resource, spec_name, codes in stock)
    return ("<h3>Hazardous stock</h3><table><thead><tr><th>Resource</th><th>Specification</th><th>On hand</th>"
            f"<th>Hazards</th><th>Licence needed</th></tr></thead><tbody>{rows}</tbody></table>")


def _codes(codes) -> str:
    """Each code with its statement as a tooltip, as labels carry them."""
    return " ".join(f'<abbr title="{escape(ghs.hazard(c).statement)}">{escape(c)}</abbr>' for c in codes)


def _expiring_table(ending, day) -> str:
    title = f"<h3>Licences expiring within {EXPIRY_WARNING_DAYS} days</h3>"
    if not ending:
        return f"{title}<p>None.</p>"
    rows = "".join(
        f"<tr><td>{escape(name)}</td><td>{escape(licence.category)}</td><td>{escape(licence.number)}</td>"
        f"<td>{licence.valid_until.isoformat()}</td>"
        f'<td class="number">{(licence.valid_until - day).days}</td></tr>'
        for licence, name in ending)
    return (f"{title}<table><thead><tr><th>Agent</th><th>Category</th><th>Number</th><th>Valid until</th>"
            f"<th>Days left</th></tr></thead><tbody>{rows}</tbody></table>")
