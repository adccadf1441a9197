"""The 19 ValueFlows 1.0 actions as data.

Each row mirrors the action's individual in the VF 1.0 ontology (all_vf.TTL); a test compares this table with
the TTL, so behaviour elsewhere is driven by these fields and never by an action's name.
Values are the TTL's own terms: 'notApplicable', 'increment', 'decrementIncrement', 'updateTo', ...
"""

from dataclasses import dataclass

from cooplink.vf.errors import VFError

NA = "notApplicable"


@dataclass(frozen=True, slots=True)
class Action:
    name: str
    label: str
    input_output: str  # input | output | outputInput | notApplicable
    pairs_with: str  # another action's name, or notApplicable
    create_resource: str  # optional | optionalTo | notApplicable
    event_quantity: str  # resource | effort | both
    accounting_effect: str  # increment | decrement | decrementIncrement | incrementTo | notApplicable
    onhand_effect: str
    location_effect: str  # new | update | updateTo | notApplicable
    contained_effect: str  # update | remove | notApplicable
    accountable_effect: str  # new | updateTo | notApplicable
    stage_effect: str  # update | notApplicable
    state_effect: str  # update | updateTo | notApplicable

    @property
    def can_be_input(self) -> bool:
        return self.input_output in ("input", "outputInput")

    @property
    def can_be_output(self) -> bool:
        return self.input_output in ("output", "outputInput")

    @property
    def has_to_resource(self) -> bool:
        """The flow goes from one resource to another (transfer, move, copy, ...)."""
        return self.create_resource == "optionalTo"

    @property
    def changes_quantities(self) -> bool:
        return self.accounting_effect != NA or self.onhand_effect != NA


def _a(name, label, io, pairs, create, qty, acc, onh, loc, cont, accb, stage, state) -> Action:
    return Action(name, label, io, pairs, create, qty, acc, onh, loc, cont, accb, stage, state)


#            name               label                 inputOutput   pairsWith  createResource  eventQty  accounting           onhand               location    contained  accountable  stage   state
ACTIONS: dict[str, Action] = {a.name: a for a in (
    _a("accept",            "accept",             "input",       "modify",  NA,            "resource", NA,                  "decrement",         "update",   NA,       NA,         NA,       "update"),
    _a("cite",              "cite",               "input",       NA,        NA,            "resource", NA,                  NA,                  NA,         NA,       NA,         NA,       "update"),
    _a("combine",           "combine",            "input",       NA,        NA,            "resource", NA,                  "decrement",         NA,         "update", NA,         NA,       "update"),
    _a("consume",           "consume",            "input",       NA,        NA,            "resource", "decrement",         "decrement",         NA,         NA,       NA,         NA,       "update"),
    _a("copy",              "copy",               NA,            NA,        "optionalTo",  "resource", "incrementTo",       "incrementTo",       "new",      NA,       "new",      NA,       "updateTo"),
    _a("deliverService",    "deliver service",    "outputInput", NA,        NA,            "resource", NA,                  NA,                  NA,         NA,       NA,         NA,       NA),
    _a("dropoff",           "dropoff",            "output",      "pickup",  NA,            "resource", NA,                  "increment",         "update",   NA,       NA,         "update", "update"),
    _a("lower",             "lower",              NA,            NA,        "optional",    "resource", "decrement",         "decrement",         NA,         NA,       "new",      NA,       "update"),
    _a("modify",            "modify",             "output",      "accept",  NA,            "resource", NA,                  "increment",         "update",   NA,       NA,         "update", "update"),
    _a("move",              "move",               NA,            NA,        "optionalTo",  "resource", "decrementIncrement", "decrementIncrement", "updateTo", NA,      NA,         NA,       "updateTo"),
    _a("pickup",            "pickup",             "input",       "dropoff", NA,            "resource", NA,                  "decrement",         "update",   NA,       NA,         NA,       "update"),
    _a("produce",           "produce",            "output",      NA,        "optional",    "resource", "increment",         "increment",         "new",      NA,       "new",      "update", "update"),
    _a("raise",             "raise",              NA,            NA,        "optional",    "resource", "increment",         "increment",         NA,         NA,       "new",      NA,       "update"),
    _a("separate",          "unpack",             "output",      NA,        NA,            "resource", NA,                  "increment",         NA,         "remove", NA,         "update", "update"),
    _a("transfer",          "transfer",           NA,            NA,        "optionalTo",  "resource", "decrementIncrement", "decrementIncrement", "updateTo", NA,      "updateTo", NA,       "updateTo"),
    _a("transferAllRights", "transfer all rights", NA,           NA,        "optionalTo",  "resource", "decrementIncrement", NA,                 NA,         NA,       "updateTo", NA,       "updateTo"),
    _a("transferCustody",   "transfer custody",   NA,            NA,        "optionalTo",  "resource", NA,                  "decrementIncrement", "updateTo", NA,       NA,         NA,       "updateTo"),
    _a("use",               "use",                "input",       NA,        NA,            "both",     NA,                  NA,                  NA,         NA,       NA,         NA,       "update"),
    _a("work",              "work",               "input",       NA,        NA,            "effort",   NA,                  NA,                  NA,         NA,       NA,         NA,       NA),
)}

# When provider and receiver differ, these actions also carry rights or custody across (VF's implied transfers).
IMPLIED_TRANSFER: dict[str, str] = {
    "consume": "transfer", "produce": "transfer", "deliverService": "transfer",
    "pickup": "transferCustody", "dropoff": "transferCustody", "accept": "transferCustody", "modify": "transferCustody",
}


# Actions that extensions declare (VF lets extensions add actions, declared with the same properties).
EXTENSION_ACTIONS: dict[str, Action] = {}

_TERMS = {
    "input_output": {"input", "output", "outputInput", NA}, "create_resource": {"optional", "optionalTo", NA},
    "event_quantity": {"resource", "effort", "both"},
    "accounting_effect": {"increment", "decrement", "decrementIncrement", "incrementTo", NA},
    "onhand_effect": {"increment", "decrement", "decrementIncrement", "incrementTo", NA},
    "location_effect": {"new", "update", "updateTo", NA}, "contained_effect": {"update", "remove", NA},
    "accountable_effect": {"new", "updateTo", NA}, "stage_effect": {"update", NA},
    "state_effect": {"update", "updateTo", NA},
}


def register_extension_action(action: Action) -> None:
    """Make an extension's action known: its name is prefixed ("food:sample") and its effects are VF's terms."""
    prefix, _, local = action.name.partition(":")
    if not prefix or not local:
        raise VFError("action", f"an extension action's name is 'module:action', got {action.name!r}")
    for name, allowed in _TERMS.items():
        if getattr(action, name) not in allowed:
            raise VFError("action", f"{action.name}: {name} must be one of {sorted(allowed)}")
    known = ACTIONS | EXTENSION_ACTIONS
    if action.pairs_with != NA and action.pairs_with not in known and action.pairs_with != action.name:
        raise VFError("action", f"{action.name}: pairsWith names no known action {action.pairs_with!r}")
    EXTENSION_ACTIONS[action.name] = action


def action_named(name: str) -> Action:
    action = ACTIONS.get(name) or EXTENSION_ACTIONS.get(name)
    if action is None:
        raise VFError("action", f"unknown action {name!r}; VF 1.0 knows {', '.join(sorted(ACTIONS))}")
    return action
