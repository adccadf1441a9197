"""The ledger's tables (SQLAlchemy Core). Alembic migrations in ``migrations/`` create and evolve them.

Quantities are exact decimals: NUMERIC on PostgreSQL, canonical text on SQLite (whose NUMERIC is a float).
Events are append-only, ordered by ``seq``; resources carry their balances, kept in the same transaction as the
events that change them, so reading a balance never scans the ledger.
"""

from decimal import Decimal

from sqlalchemy import Boolean, Column, ForeignKey, Integer, MetaData, String, Table, Text, UniqueConstraint, types


class ExactDecimal(types.TypeDecorator):
    impl = types.String
    cache_ok = True

    def load_dialect_impl(self, dialect):
        if dialect.name == "postgresql":
            return dialect.type_descriptor(types.Numeric(asdecimal=True))
        return dialect.type_descriptor(types.String(64))

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        return value if dialect.name == "postgresql" else str(value)

    def process_result_value(self, value, dialect):
        return None if value is None else Decimal(value)


metadata = MetaData(naming_convention={
    "ix": "ix_%(table_name)s_%(column_0_name)s", "uq": "uq_%(table_name)s_%(column_0_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s", "pk": "pk_%(table_name)s",
})

IRI = String(500)

settings = Table(
    "settings", metadata,
    Column("key", String(100), primary_key=True),
    Column("value", Text, nullable=False),
)

agents = Table(
    "agents", metadata,
    Column("id", IRI, primary_key=True),
    Column("name", Text, nullable=False),
    Column("kind", String(20), nullable=False),
    Column("note", Text),
)

resource_specifications = Table(
    "resource_specifications", metadata,
    Column("id", IRI, primary_key=True),
    Column("name", Text, nullable=False),
    Column("default_unit_of_resource", String(40)),
    Column("default_unit_of_effort", String(40)),
    Column("resource_classified_as", Text, nullable=False, default="[]"),  # JSON list of IRIs
    Column("substitutable", Boolean, nullable=False, default=False),
    Column("medium_of_exchange", Boolean, nullable=False, default=False),
    Column("note", Text),
)

process_specifications = Table(
    "process_specifications", metadata,
    Column("id", IRI, primary_key=True),
    Column("name", Text, nullable=False),
    Column("note", Text),
)

processes = Table(
    "processes", metadata,
    Column("id", IRI, primary_key=True),
    Column("name", Text, nullable=False),
    Column("based_on", IRI, ForeignKey("process_specifications.id")),
    Column("has_beginning", String(40)),
    Column("has_end", String(40)),
    Column("finished", Boolean, nullable=False, default=False),
    Column("note", Text),
)

resources = Table(
    "resources", metadata,
    Column("id", IRI, primary_key=True),
    Column("conforms_to", IRI, ForeignKey("resource_specifications.id"), nullable=False),
    Column("unit", String(40), nullable=False),
    Column("name", Text),
    Column("accounting_quantity", ExactDecimal, nullable=False),
    Column("onhand_quantity", ExactDecimal, nullable=False),
    Column("primary_accountable", IRI),
    Column("current_location", Text),
    Column("contained_in", IRI),
    Column("stage", IRI),
    Column("state", Text),
    Column("tracking_identifier", Text, index=True),
    Column("lot_code", Text),
    Column("lot_expiration", String(40)),
    Column("classified_as", Text, nullable=False, default="[]"),
    Column("note", Text),
)

events = Table(
    "events", metadata,
    Column("seq", Integer, primary_key=True, autoincrement=True),
    Column("id", IRI, nullable=False, unique=True),
    Column("action", String(40), nullable=False),
    Column("provider", IRI, nullable=False),
    Column("receiver", IRI, nullable=False),
    Column("resource_inventoried_as", IRI, index=True),
    Column("to_resource_inventoried_as", IRI, index=True),
    Column("resource_conforms_to", IRI),
    Column("resource_quantity", ExactDecimal),
    Column("resource_unit", String(40)),
    Column("effort_quantity", ExactDecimal),
    Column("effort_unit", String(40)),
    Column("input_of", IRI, index=True),
    Column("output_of", IRI, index=True),
    Column("at_location", Text),
    Column("to_location", Text),
    Column("state", Text),
    Column("has_point_in_time", String(40)),
    Column("corrects", IRI, unique=True),  # an event is corrected at most once
    Column("realization_of", IRI),
    Column("note", Text),
    Column("creates", String(20)),  # resource | toResource: the event created that resource
    Column("recorded_at", String(40), nullable=False),
)

recipes = Table(
    "recipes", metadata,
    Column("id", IRI, primary_key=True),
    Column("name", Text, nullable=False),
    Column("primary_output", IRI),
    Column("note", Text),
)

recipe_processes = Table(
    "recipe_processes", metadata,
    Column("id", IRI, primary_key=True),
    Column("recipe", IRI, ForeignKey("recipes.id"), nullable=False, index=True),
    Column("name", Text, nullable=False),
    Column("process_conforms_to", IRI),
    Column("note", Text),
)

recipe_flows = Table(
    "recipe_flows", metadata,
    Column("id", IRI, primary_key=True),
    Column("recipe", IRI, ForeignKey("recipes.id"), nullable=False, index=True),
    Column("action", String(40), nullable=False),
    Column("resource_conforms_to", IRI),
    Column("resource_quantity", ExactDecimal),
    Column("resource_unit", String(40)),
    Column("effort_quantity", ExactDecimal),
    Column("effort_unit", String(40)),
    Column("recipe_input_of", IRI),
    Column("recipe_output_of", IRI),
    Column("note", Text),
)

# Typed attributes that industry modules add to specifications, resources and events (validated by the module).
attributes = Table(
    "attributes", metadata,
    Column("owner_kind", String(20), primary_key=True),  # specification | resource | event
    Column("owner_id", IRI, primary_key=True),
    Column("name", String(100), primary_key=True),  # module.attribute, e.g. food.allergens
    Column("value", Text, nullable=False),  # JSON
)

# API tokens of local users and scripts; only a hash of each token is kept.
api_tokens = Table(
    "api_tokens", metadata,
    Column("id", String(40), primary_key=True),
    Column("name", Text, nullable=False),
    Column("role", String(20), nullable=False),  # admin | member | viewer
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("created_at", String(40), nullable=False),
    Column("revoked_at", String(40)),
)

# Federation (link layer) ---------------------------------------------------------------------------------------------
# Peers this node talks to, found by their actor IRI; a peer is never deleted, only removed (its messages then fail).
peers = Table(
    "peers", metadata,
    Column("id", IRI, primary_key=True),  # the peer's actor IRI
    Column("name", Text, nullable=False),
    Column("inbox", IRI, nullable=False),
    Column("added_at", String(40), nullable=False),
    Column("removed_at", String(40)),
)

# Every key ever pinned for a peer: the current one has no retired_at (rotation retires the old, never forgets it).
peer_keys = Table(
    "peer_keys", metadata,
    Column("key_id", IRI, primary_key=True),
    Column("peer", IRI, ForeignKey("peers.id"), nullable=False, index=True),
    Column("public_key", String(100), nullable=False),  # publicKeyMultibase
    Column("pinned_at", String(40), nullable=False),
    Column("retired_at", String(40)),
)

# Each node maps a peer's specifications to its own, once: what a peer's message names lands in this node's books
# under our_spec. A specification not mapped yet waits in mapping_reviews (with a suggestion) and so do the
# activities that name it; approving the review learns the map and applies them.
product_maps = Table(
    "product_maps", metadata,
    Column("peer", IRI, ForeignKey("peers.id"), primary_key=True),
    Column("their_spec", IRI, primary_key=True),
    Column("our_spec", IRI, ForeignKey("resource_specifications.id"), nullable=False),
    Column("learned_at", String(40), nullable=False),
)

mapping_reviews = Table(
    "mapping_reviews", metadata,
    Column("peer", IRI, ForeignKey("peers.id"), primary_key=True),
    Column("their_spec", IRI, primary_key=True),
    Column("name", Text),  # as the peer's message names it
    Column("classified_as", Text, nullable=False),  # JSON list of classification IRIs, as sent
    Column("unit", String(40)),
    Column("suggestion", IRI),  # a local specification, from classification and name
    Column("first_seen_at", String(40), nullable=False),
    Column("decision", String(10)),  # approved | rejected; none while the review is open
    Column("decided_at", String(40)),
)

# What a peer may read from this node beyond what it was sent (e.g. "trace": upstream trails of what it received).
peer_grants = Table(
    "peer_grants", metadata,
    Column("peer", IRI, ForeignKey("peers.id"), primary_key=True),
    Column("scope", String(40), primary_key=True),
    Column("granted_at", String(40), nullable=False),
)

# Activities received: one row per (activity id), written in the transaction that applies its effect, so a message
# delivered ten times has one effect.
inbox = Table(
    "inbox", metadata,
    Column("activity_id", IRI, primary_key=True),
    Column("peer", IRI, nullable=False, index=True),
    Column("type", String(40), nullable=False),
    Column("body", Text, nullable=False),
    Column("received_at", String(40), nullable=False),
    # applied | waiting (an invoice before its delivery) | refused; indexed: after each applied activity the
    # waiting ones are looked up
    Column("status", String(20), nullable=False, index=True),
    Column("note", Text),
)

# What must reach a peer, written in the same transaction as the command that caused it; the delivery worker sends.
outbox = Table(
    "outbox", metadata,
    Column("seq", Integer, primary_key=True, autoincrement=True),
    Column("activity_id", IRI, nullable=False, unique=True),
    Column("peer", IRI, nullable=False, index=True),
    Column("target", IRI, nullable=False),  # the peer's inbox URL
    Column("body", Text, nullable=False),  # the activity, serialised once: what is signed is what is sent
    Column("created_at", String(40), nullable=False),
    Column("status", String(20), nullable=False, index=True),  # pending | delivered | dead
    Column("attempts", Integer, nullable=False, default=0),
    Column("next_attempt_at", String(40)),
    Column("last_error", Text),
    Column("delivered_at", String(40)),
)

# Commerce (node layer) -----------------------------------------------------------------------------------------------
# Orders: VF Agreements, each with Commitments (the goods lines, numbered from 1, and the reciprocal payment).
agreements = Table(
    "agreements", metadata,
    Column("id", IRI, primary_key=True),
    Column("direction", String(10), nullable=False),  # sale | purchase
    Column("counterparty", IRI, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("payment_terms_days", Integer, nullable=False),
    Column("created_on", String(10), nullable=False),
    Column("name", Text),
    Column("note", Text),
    # proposed: a customer peer's purchase order this node has not accepted yet; accepted; rejected
    Column("status", String(10), nullable=False, server_default="accepted"),
)

commitments = Table(
    "commitments", metadata,
    Column("id", IRI, primary_key=True),
    Column("clause_of", IRI, ForeignKey("agreements.id"), nullable=False, index=True),
    Column("position", Integer, nullable=False),  # 1, 2, ... the goods lines; 0 the reciprocal payment
    Column("action", String(40), nullable=False),
    Column("provider", IRI, nullable=False),
    Column("receiver", IRI, nullable=False),
    Column("resource_conforms_to", IRI),
    Column("quantity", ExactDecimal),
    Column("unit", String(40)),
    Column("unit_price", ExactDecimal),
    Column("tax_rate", ExactDecimal),
    Column("amount", ExactDecimal),  # the payment commitment's total
)

# Which event fulfils which commitment, by how much (in the commitment's unit).
fulfillments = Table(
    "fulfillments", metadata,
    Column("event", IRI, primary_key=True),
    Column("commitment", IRI, ForeignKey("commitments.id"), primary_key=True),
    Column("quantity", ExactDecimal, nullable=False),
)

# Invoices, bills and credit notes: VF Claims. A sale invoice's number is allocated from claim_numbers in the
# transaction that writes it; a bill keeps its supplier's number.
claims = Table(
    "claims", metadata,
    Column("id", IRI, primary_key=True),
    Column("number", String(60), nullable=False),
    Column("direction", String(10), nullable=False),  # sale | purchase
    Column("agreement", IRI, ForeignKey("agreements.id"), nullable=False, index=True),
    Column("provider", IRI, nullable=False),
    Column("receiver", IRI, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("issued_on", String(10), nullable=False),
    Column("due_on", String(10), nullable=False),
    Column("credits", IRI, index=True),  # a credit note: the claim it reduces
    Column("note", Text),
    Column("recorded_at", String(40), nullable=False),
    UniqueConstraint("direction", "provider", "number", name="uq_claims_direction_provider_number"),
)

claim_lines = Table(
    "claim_lines", metadata,
    Column("claim", IRI, ForeignKey("claims.id"), primary_key=True),
    Column("position", Integer, primary_key=True),
    Column("commitment", IRI),
    Column("resource_conforms_to", IRI, nullable=False),
    Column("quantity", ExactDecimal, nullable=False),
    Column("unit", String(40), nullable=False),
    Column("unit_price", ExactDecimal, nullable=False),
    Column("tax_rate", ExactDecimal, nullable=False),
    Column("net", ExactDecimal, nullable=False),
)

# The delivery events a claim is triggered by; a delivery is claimed once (the unique event column).
claim_triggers = Table(
    "claim_triggers", metadata,
    Column("event", IRI, primary_key=True),
    Column("claim", IRI, ForeignKey("claims.id"), nullable=False, index=True),
)

# The last number given in each series ("INV-2026", "CN-2026"), one row a series and year.
claim_numbers = Table(
    "claim_numbers", metadata,
    Column("series", String(20), primary_key=True),
    Column("last", Integer, nullable=False),
)

# Payment events, each settling one claim (VF settles). Money is not inventoried in the ledger, so a payment is
# kept here rather than as a resource-changing event.
payments = Table(
    "payments", metadata,
    Column("id", IRI, primary_key=True),
    Column("settles", IRI, ForeignKey("claims.id"), nullable=False, index=True),
    Column("provider", IRI, nullable=False),
    Column("receiver", IRI, nullable=False),
    Column("amount", ExactDecimal, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("paid_on", String(10), nullable=False),
    Column("note", Text),
    Column("recorded_at", String(40), nullable=False),
)

disputes = Table(
    "disputes", metadata,
    Column("id", IRI, primary_key=True),
    Column("subject", IRI, nullable=False, index=True),  # a delivery event or a claim
    Column("subject_kind", String(10), nullable=False),  # delivery | claim
    Column("reason", Text, nullable=False),
    Column("expected", ExactDecimal, nullable=False),
    Column("actual", ExactDecimal, nullable=False),
    Column("measure", String(40), nullable=False),  # the unit (delivery) or currency (claim) of both figures
    Column("opened_at", String(40), nullable=False),
    Column("resolved_by", IRI),  # a credit note or a corrected delivery
    Column("resolved_at", String(40)),
    Column("opened_by", IRI),  # the agent that opened it: this node, or the peer that sent it
)
