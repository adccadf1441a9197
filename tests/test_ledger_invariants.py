"""The ledger cannot drift: whatever sequence of valid and invalid events arrives, every balance equals the fold of
the events that were accepted, and ``verify`` agrees.

The state machine keeps its own list of accepted events and folds it with its own arithmetic (written here, not
taken from the action table), so a wrong sign or a half-written refusal in the code shows up as a difference.
"""

from dataclasses import dataclass, replace
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule, run_state_machine_as_test

from cooplink.node import Node, NodeError, RecordEvent
from cooplink.vf.effects import Situation, apply_event
from cooplink.vf.errors import VFError
from cooplink.vf.model import EconomicEvent, EconomicResource
from cooplink.vf.units import Measure, unit_named

D = Decimal
ZERO = D(0)

# (accounting, onhand) signs on the resource an event names, and on its to-resource.
SIGNS = {
    "produce": ((1, 1), (0, 0)), "raise": ((1, 1), (0, 0)),
    "lower": ((-1, -1), (0, 0)), "consume": ((-1, -1), (0, 0)),
    "transfer": ((-1, -1), (1, 1)), "move": ((-1, -1), (1, 1)),
}


@dataclass(frozen=True)
class Flow:
    """An accepted event as the model remembers it: quantities already in the resource's unit."""

    id: str
    action: str
    resource: str
    to_resource: str | None
    quantity: Decimal
    corrects: str | None = None


def fold(flows: list[Flow], resource_ids) -> dict[str, tuple[Decimal, Decimal]]:
    """Balances from nothing: each original flow counts with the quantity of its last correction."""
    restated = {f.corrects: f for f in flows if f.corrects}
    balances = {r: [ZERO, ZERO] for r in resource_ids}
    for flow in flows:
        if flow.corrects:
            continue
        last = flow
        while last.id in restated:
            last = restated[last.id]
        (acc, onh), (to_acc, to_onh) = SIGNS[flow.action]
        balances[flow.resource][0] += acc * last.quantity
        balances[flow.resource][1] += onh * last.quantity
        if flow.to_resource:
            balances[flow.to_resource][0] += to_acc * last.quantity
            balances[flow.to_resource][1] += to_onh * last.quantity
    return {r: (a, o) for r, (a, o) in balances.items()}


@dataclass(frozen=True)
class Op:
    """One event to record, and what the model expects of it."""

    draft: RecordEvent
    action: str
    resource: str | None  # None: creates its resource (produce/raise), or a to-resource is created (see creates_to)
    to_resource: str | None
    quantity: Decimal | None  # in the resource's unit; None for events that must be refused anyway
    valid: bool = True  # False: refused whatever the balances
    spec: str | None = None
    corrects: str | None = None
    creates_to: bool = False


GRAMS = st.integers(min_value=1, max_value=6000)
PIECES = st.integers(min_value=1, max_value=12)


def flour_quantity(grams: int, in_kg: bool) -> tuple[str, Decimal]:
    kg = D(grams) / 1000
    return (f"{kg} kg" if in_kg else f"{grams} g"), kg


def run_machine(node: Node, max_examples: int = 30, steps: int = 20) -> None:
    class Ledger(RuleBasedStateMachine):
        def __init__(self):
            super().__init__()
            node.set_allow_negative_stock(False)
            self.allow_negative = False
            with node.reading() as ledger:
                self.base_events = ledger.event_count()
            self.flows: list[Flow] = []
            self.specs: dict[str, str] = {}  # resource id -> 'flour' | 'widget'

        # the model's bookkeeping ----------------------------------------------------------------------------
        def resources(self, spec: str) -> list[str]:
            return sorted(r for r, s in self.specs.items() if s == spec)

        def balances_after(self, ops: list[Op]):
            """The model's balances if these ops are recorded as one batch, or None if it must be refused."""
            flows, specs = list(self.flows), dict(self.specs)
            for op in ops:
                if not op.valid:
                    return None
                if op.corrects:
                    if any(f.corrects == op.corrects for f in flows):
                        return None
                    original = next(f for f in flows if f.id == op.corrects)
                    candidate = Flow("?", original.action, original.resource, original.to_resource, op.quantity,
                                     op.corrects)
                else:
                    resource = op.resource or "?new"
                    to_resource = op.to_resource or ("?to" if op.creates_to else None)
                    candidate = Flow("?", op.action, resource, to_resource, op.quantity)
                before = fold(flows, specs)
                for r in (candidate.resource, candidate.to_resource):
                    if r and r not in specs:
                        specs[r] = op.spec or specs.get(candidate.resource)
                after = fold(flows + [candidate], specs)
                if not self.allow_negative:
                    for r, (acc, onh) in after.items():
                        old_acc, old_onh = before.get(r, (ZERO, ZERO))
                        if (acc < old_acc and acc < 0) or (onh < old_onh and onh < 0):
                            return None
                flows.append(candidate)
            return flows

        def record(self, *ops: Op) -> None:
            expected = self.balances_after(list(ops))
            try:
                recorded = node.record(*(op.draft for op in ops))
            except NodeError as error:
                assert expected is None, f"refused although the model accepts it: {error}"
                return
            assert expected is not None, f"accepted although the model refuses it: {ops}"
            for op, event in zip(ops, recorded):
                resource = event.resource_inventoried_as
                to_resource = event.to_resource_inventoried_as
                for r in (resource, to_resource):
                    if r and r not in self.specs:
                        self.specs[r] = op.spec or self.specs[resource]
                self.flows.append(Flow(event.id, op.action, resource, to_resource, op.quantity, op.corrects))

        # valid (and over-reaching) events ---------------------------------------------------------------------
        @rule(action=st.sampled_from(["produce", "raise"]), grams=GRAMS, in_kg=st.booleans())
        def new_flour(self, action, grams, in_kg):
            text, kg = flour_quantity(grams, in_kg)
            self.record(Op(RecordEvent(action, quantity=text, spec="flour"), action, None, None, kg, spec="flour"))

        @rule(pieces=PIECES)
        def new_widgets(self, pieces):
            self.record(Op(RecordEvent("raise", quantity=f"{pieces} piece", spec="widget"), "raise", None, None,
                           D(pieces), spec="widget"))

        @precondition(lambda self: self.specs)
        @rule(action=st.sampled_from(["raise", "lower", "consume"]), pick=st.integers(0, 10 ** 6), grams=GRAMS,
              in_kg=st.booleans())
        def change(self, action, pick, grams, in_kg):
            self.record(self.change_op(action, pick, grams, in_kg))

        def change_op(self, action, pick, grams, in_kg) -> Op:
            ids = sorted(self.specs)
            resource = ids[pick % len(ids)]
            if self.specs[resource] == "flour":
                text, quantity = flour_quantity(grams, in_kg)
            else:
                quantity = D(grams % 12 + 1)
                text = f"{quantity} piece"
            return Op(RecordEvent(action, quantity=text, resource=resource), action, resource, None, quantity)

        @precondition(lambda self: self.resources("flour"))
        @rule(action=st.sampled_from(["transfer", "move"]), pick=st.integers(0, 10 ** 6),
              to=st.integers(0, 10 ** 6), grams=GRAMS, in_kg=st.booleans(), new=st.booleans())
        def transfer(self, action, pick, to, grams, in_kg, new):
            flour = self.resources("flour")
            resource = flour[pick % len(flour)]
            others = [r for r in flour if r != resource]
            text, kg = flour_quantity(grams, in_kg)
            if new or not others:
                draft = RecordEvent(action, quantity=text, resource=resource, new_to_resource=True)
                self.record(Op(draft, action, resource, None, kg, creates_to=True))
            else:
                target = others[to % len(others)]
                draft = RecordEvent(action, quantity=text, resource=resource, to_resource=target)
                self.record(Op(draft, action, resource, target, kg))

        @precondition(lambda self: self.flows)
        @rule(pick=st.integers(0, 10 ** 6), grams=st.integers(0, 6000), in_kg=st.booleans())
        def correct(self, pick, grams, in_kg):
            flow = self.flows[pick % len(self.flows)]
            if self.specs[flow.resource] == "flour":
                text, quantity = flour_quantity(grams, in_kg) if grams else ("0 kg", ZERO)
            else:
                quantity = D(grams % 13)
                text = f"{quantity} piece"
            draft = RecordEvent(flow.action, quantity=text, resource=flow.resource, to_resource=flow.to_resource,
                                corrects=flow.id)
            self.record(Op(draft, flow.action, flow.resource, flow.to_resource, quantity, corrects=flow.id))

        @rule(allow=st.booleans())
        def negative_stock(self, allow):
            node.set_allow_negative_stock(allow)
            self.allow_negative = allow

        # events that must be refused --------------------------------------------------------------------------
        @precondition(lambda self: self.resources("flour"))
        @rule(pick=st.integers(0, 10 ** 6), kind=st.sampled_from(["zero", "negative", "litre", "both", "unknown"]))
        def bad(self, pick, kind):
            self.record(self.bad_op(pick, kind))

        def bad_op(self, pick, kind) -> Op:
            flour = self.resources("flour")
            resource = flour[pick % len(flour)]
            draft = {"zero": RecordEvent("consume", quantity="0 g", resource=resource),
                     "negative": RecordEvent("raise", quantity="-5 g", resource=resource),
                     "litre": RecordEvent("consume", quantity="1 litre", resource=resource),
                     "both": RecordEvent("consume", quantity="1 g", resource=resource, spec="flour"),
                     "unknown": RecordEvent("squander", quantity="1 g", resource=resource)}[kind]
            return Op(draft, draft.action, resource, None, None, valid=False)

        @precondition(lambda self: self.specs)
        @rule(changes=st.lists(st.tuples(st.sampled_from(["raise", "lower", "consume"]), st.integers(0, 10 ** 6),
                                         GRAMS, st.booleans()), min_size=1, max_size=3),
              spoil=st.sampled_from([None, "zero", "litre", "unknown"]))
        def batch(self, changes, spoil):
            ops = [self.change_op(*change) for change in changes]
            if spoil and self.resources("flour"):
                ops.append(self.bad_op(changes[0][1], spoil))
            self.record(*ops)

        # what must always hold ---------------------------------------------------------------------------------
        @invariant()
        def balances_are_the_fold_of_the_accepted_events(self):
            expected = fold(self.flows, self.specs)
            with node.reading() as ledger:
                assert ledger.event_count() - self.base_events == len(self.flows)
                for resource_id, (accounting, onhand) in expected.items():
                    resource = ledger.resource(resource_id)
                    assert (resource.accounting_quantity, resource.onhand_quantity) == (accounting, onhand), \
                        resource_id
            report = node.verify()
            assert report.ok, report.differences

    run_state_machine_as_test(Ledger, settings=settings(
        max_examples=max_examples, stateful_step_count=steps, deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much]))


def test_random_sequences_of_events_never_let_balances_drift(widgets):
    run_machine(widgets)


# The pure engine, without a database: many more examples. -----------------------------------------------------

KG = unit_named("kilogram")
G = unit_named("gram")
FLOUR = "spec:flour"

# (accounting, onhand) signs for every action that changes quantities, on the resource and on the to-resource,
# written out from VF 1.0 (the TTL test checks the table they must agree with).
PURE_SIGNS = {
    "accept": ((0, -1), None), "combine": ((0, -1), (0, 0)), "consume": ((-1, -1), None),
    "copy": ((0, 0), (1, 1)), "dropoff": ((0, 1), None), "lower": ((-1, -1), None), "modify": ((0, 1), None),
    "move": ((-1, -1), (1, 1)), "pickup": ((0, -1), None), "produce": ((1, 1), None), "raise": ((1, 1), None),
    "separate": ((0, 1), None), "transfer": ((-1, -1), (1, 1)), "transferAllRights": ((-1, 0), (1, 0)),
    "transferCustody": ((0, -1), (0, 1)), "cite": ((0, 0), None), "use": ((0, 0), None),
}

AMOUNTS = st.decimals(min_value=0, max_value=1000, places=3, allow_nan=False, allow_infinity=False)


def _resource(resource_id: str, accounting: Decimal, onhand: Decimal) -> EconomicResource:
    return EconomicResource(id=resource_id, conforms_to=FLOUR, unit=KG, accounting_quantity=accounting,
                            onhand_quantity=onhand)


def _flow(action: str, grams: int, in_kg: bool, **fields) -> EconomicEvent:
    quantity = Measure(D(grams) / 1000, KG) if in_kg else Measure(D(grams), G)
    to = "t" if PURE_SIGNS[action][1] is not None else None
    return EconomicEvent(id=f"e{grams}", action=action, provider="A", receiver="A", resource_inventoried_as="r",
                         to_resource_inventoried_as=to, resource_quantity=quantity, **fields)


@settings(max_examples=600, deadline=None)
@given(action=st.sampled_from(sorted(PURE_SIGNS)), grams=st.integers(1, 2_000_000), in_kg=st.booleans(),
       balances=st.tuples(AMOUNTS, AMOUNTS, AMOUNTS, AMOUNTS), allow_negative=st.booleans())
def test_apply_event_is_the_signed_sum(action, grams, in_kg, balances, allow_negative):
    r = _resource("r", balances[0], balances[1])
    t = _resource("t", balances[2], balances[3])
    event = _flow(action, grams, in_kg)
    kg = D(grams) / 1000
    (acc, onh), to_signs = PURE_SIGNS[action]
    expected_r = (r.accounting_quantity + acc * kg, r.onhand_quantity + onh * kg)
    goes_negative = (acc < 0 and expected_r[0] < 0) or (onh < 0 and expected_r[1] < 0)
    situation = Situation(resources={"r": r, "t": t}, allow_negative=allow_negative)
    if goes_negative and not allow_negative:
        with pytest.raises(VFError) as raised:
            apply_event(event, situation)
        assert raised.value.field == "resourceQuantity"
        return
    changed = apply_event(event, situation)
    assert (changed["r"].accounting_quantity, changed["r"].onhand_quantity) == expected_r
    if to_signs is not None:
        to_acc, to_onh = to_signs
        assert (changed["t"].accounting_quantity, changed["t"].onhand_quantity) == \
            (t.accounting_quantity + to_acc * kg, t.onhand_quantity + to_onh * kg)
    # what leaves one resource arrives at the other (copy makes, combine packs: neither is a transfer)
    if action in ("transfer", "move", "transferAllRights", "transferCustody"):
        assert changed["r"].accounting_quantity + changed["t"].accounting_quantity == \
            r.accounting_quantity + t.accounting_quantity
        assert changed["r"].onhand_quantity + changed["t"].onhand_quantity == r.onhand_quantity + t.onhand_quantity


@settings(max_examples=400, deadline=None)
@given(action=st.sampled_from(sorted(PURE_SIGNS)), grams=st.integers(1, 100_000), new_grams=st.integers(0, 100_000),
       in_kg=st.booleans(), balances=st.tuples(AMOUNTS, AMOUNTS, AMOUNTS, AMOUNTS))
def test_a_correction_is_as_if_the_event_had_said_the_new_quantity(action, grams, new_grams, in_kg, balances):
    start = {"r": _resource("r", balances[0], balances[1]), "t": _resource("t", balances[2], balances[3])}
    original = replace(_flow(action, grams, in_kg), seq=1)
    after = {**start, **apply_event(original, Situation(resources=start, allow_negative=True))}
    correction = replace(_flow(action, new_grams, not in_kg), id="fix", corrects=original.id)
    corrected = {**after, **apply_event(correction, Situation(resources=after, corrected=original,
                                                              allow_negative=True))}
    if new_grams:
        direct = {**start, **apply_event(replace(correction, corrects=None), Situation(resources=start,
                                                                                      allow_negative=True))}
    else:
        direct = start  # a correction to zero backs the event out
    for resource_id in ("r", "t"):
        assert (corrected[resource_id].accounting_quantity, corrected[resource_id].onhand_quantity) == \
            (direct[resource_id].accounting_quantity, direct[resource_id].onhand_quantity)
