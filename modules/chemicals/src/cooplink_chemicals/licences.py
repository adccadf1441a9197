"""The licences agents hold to receive hazardous goods, kept in the module's own table (its Alembic branch).

A licence covers one category of hazard (ghs.CATEGORIES) for a period; a licence document covering several
categories is kept as one row per category under the same number. Revoking sets ``revoked_on``: the licence
still covers what happened before that day (the ledger's past stays explainable) and nothing from then on.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

from sqlalchemy import (CheckConstraint, Column, Date, Index, Integer, MetaData, PrimaryKeyConstraint, String,
                        Table, Text, UniqueConstraint, or_, select)

from cooplink.modules import VFError
from cooplink_chemicals.ghs import CATEGORIES

MODULE = "chemicals"

metadata = MetaData()  # the module's own: the core's metadata (and its migration check) never sees this table
licences = Table(
    "chemicals_licences", metadata,
    Column("id", Integer, nullable=False, autoincrement=True),
    Column("agent", String(500), nullable=False),
    Column("category", String(20), nullable=False),
    Column("number", String(100), nullable=False),
    Column("valid_from", Date, nullable=False),
    Column("valid_until", Date, nullable=False),
    Column("revoked_on", Date),
    Column("note", Text),
    PrimaryKeyConstraint("id", name="pk_chemicals_licences"),
    UniqueConstraint("agent", "category", "number", name="uq_chemicals_licences_agent"),
    CheckConstraint("valid_from <= valid_until", name="ck_chemicals_licences_period"),
    Index("ix_chemicals_licences_agent", "agent"),
)


@dataclass(frozen=True)
class Licence:
    id: int
    agent: str
    category: str
    number: str
    valid_from: date
    valid_until: date
    revoked_on: date | None = None
    note: str | None = None

    def valid_on(self, day: date) -> bool:
        return self.valid_from <= day <= self.valid_until and (self.revoked_on is None or day < self.revoked_on)

    def status(self, day: date) -> str:
        if self.revoked_on is not None and day >= self.revoked_on:
            return "revoked"
        if day > self.valid_until:
            return "expired"
        return "valid" if day >= self.valid_from else "not yet valid"


def today() -> date:
    """Today in UTC, the clock events are stamped with."""
    return datetime.now(timezone.utc).date()


def as_date(value: date | str | None, field: str) -> date | None:
    if value is None or isinstance(value, date):
        return value
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise VFError(field, f"not a date (YYYY-MM-DD): {value!r}") from None


def require_enabled(node) -> None:
    """Module commands act only where the module is enabled (elsewhere its table may not even exist)."""
    node.modules.require(MODULE)


# commands: each one transaction on the node ----------------------------------------------------------------------
def add(node, agent: str, categories: list[str], number: str, valid_until: date | str,
        valid_from: date | str | None = None, note: str | None = None) -> list[Licence]:
    """Record a licence an agent holds, for one or more categories."""
    require_enabled(node)
    rows = _new_rows(categories, number, as_date(valid_from, "valid_from") or today(),
                     as_date(valid_until, "valid_until"), note)
    with node.writing() as ledger:
        agent_id = agent_iri(node, ledger, agent)
        for row in rows:
            _refuse_duplicate(ledger.connection, agent_id, row)
            ledger.connection.execute(licences.insert().values(agent=agent_id, **row))
        return _select(ledger.connection, licences.c.agent == agent_id, licences.c.number == number.strip())


def _new_rows(categories, number, valid_from, valid_until, note) -> list[dict]:
    unknown = [c for c in categories if c not in CATEGORIES]
    if unknown or not categories:
        raise VFError("category", f"{', '.join(map(repr, unknown)) or 'none given'}: a licence covers one or more "
                                  f"of {', '.join(CATEGORIES)}")
    if not number or not number.strip():
        raise VFError("number", "a licence needs its number")
    if valid_until < valid_from:
        raise VFError("valid_until", f"{valid_until} is before the licence's first day {valid_from}")
    return [{"category": c, "number": number.strip(), "valid_from": valid_from, "valid_until": valid_until,
             "note": note} for c in dict.fromkeys(categories)]


def _refuse_duplicate(connection, agent_id: str, row: dict) -> None:
    taken = select(licences.c.id).where(licences.c.agent == agent_id, licences.c.category == row["category"],
                                        licences.c.number == row["number"])
    if connection.execute(taken).first() is not None:
        raise VFError("number", f"licence {row['number']} for {row['category']} goods is already recorded "
                                f"for {agent_id}")


def revoke(node, agent: str, number: str, on: date | str | None = None) -> list[Licence]:
    """Revoke a licence (every category under its number) from a day on, today by default."""
    require_enabled(node)
    day = as_date(on, "revoked_on") or today()
    number = number.strip()
    with node.writing() as ledger:
        agent_id = agent_iri(node, ledger, agent)
        mine = (licences.c.agent == agent_id, licences.c.number == number, licences.c.revoked_on.is_(None))
        if not _select(ledger.connection, *mine):
            raise VFError("number", f"{agent_id} holds no unrevoked licence numbered {number!r}")
        ledger.connection.execute(licences.update().where(*mine).values(revoked_on=day))
        return _select(ledger.connection, licences.c.agent == agent_id, licences.c.number == number)


def listed(node, agent: str | None = None) -> list[Licence]:
    """Every licence recorded here (revoked and expired ones too), or one agent's."""
    require_enabled(node)
    with node.reading() as ledger:
        if agent is None:
            return _select(ledger.connection)
        return _select(ledger.connection, licences.c.agent == agent_iri(node, ledger, agent))


def agent_iri(node, ledger, ref: str) -> str:
    """An agent by IRI (a partner need not be known here) or by short name (which must be)."""
    iri = node.agent_iri(ref)
    if not ref.startswith(("http://", "https://", "urn:")) and ledger.agent(iri) is None:
        raise VFError("agent", f"no agent {ref!r} on this node (add it with 'cooplink agent add')")
    return iri


# queries inside a transaction the caller holds --------------------------------------------------------------------
def categories_held(connection, agent: str, day: date) -> set[str]:
    """The categories an agent holds a valid licence for on a day."""
    query = select(licences.c.category).where(
        licences.c.agent == agent, licences.c.valid_from <= day, licences.c.valid_until >= day,
        or_(licences.c.revoked_on.is_(None), licences.c.revoked_on > day))
    return set(connection.execute(query).scalars())


def expiring(connection, day: date, within_days: int = 30) -> list[Licence]:
    """Licences valid on a day whose last day falls within the next ``within_days`` days."""
    query = (licences.c.valid_from <= day, licences.c.valid_until >= day,
             licences.c.valid_until <= day + timedelta(days=within_days),
             or_(licences.c.revoked_on.is_(None), licences.c.revoked_on > day))
    return sorted(_select(connection, *query), key=lambda licence: (licence.valid_until, licence.agent))


def _select(connection, *conditions) -> list[Licence]:
    query = select(licences).where(*conditions).order_by(licences.c.agent, licences.c.number, licences.c.category)
    return [Licence(**row._mapping) for row in connection.execute(query)]
