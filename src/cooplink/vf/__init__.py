"""The irreducible core: the ValueFlows 1.0 model, its actions, units, effects and track & trace.

Pure Python, no I/O, and it imports nothing else of cooplink.
"""

from cooplink.vf.actions import ACTIONS, Action, action_named
from cooplink.vf.errors import VFError
from cooplink.vf.model import (
    Agent,
    EconomicEvent,
    EconomicResource,
    Process,
    ProcessSpecification,
    Recipe,
    RecipeFlow,
    RecipeProcess,
    ResourceSpecification,
)
from cooplink.vf.units import Measure, Unit, unit_named

__all__ = [
    "ACTIONS", "Action", "action_named", "VFError", "Agent", "EconomicEvent", "EconomicResource", "Process",
    "ProcessSpecification", "Recipe", "RecipeFlow", "RecipeProcess", "ResourceSpecification", "Measure", "Unit",
    "unit_named",
]
