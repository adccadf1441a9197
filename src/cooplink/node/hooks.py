"""The hooks an industry module implements (pluggy), and what they exchange with the node.

The service layer owns its extension points, as pytest owns its hook specifications: the node calls these hooks,
so they live beside it and the layering arrow still points down. Module authors import them from
``cooplink.modules``. A module is a distribution whose entry point in the group ``cooplink.modules`` names an
object (usually its plugin module) implementing some of the hooks below; it acts only on nodes where it is enabled.
"""

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pluggy

PROJECT = "cooplink"
hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)

OWNERS = ("specification", "resource", "event", "agent")


@dataclass(frozen=True)
class ModuleInfo:
    name: str  # short and unique: also the prefix of its attributes and actions ("food")
    version: str
    description: str
    requires: tuple[str, ...] = ()  # other modules that must be enabled first


@dataclass(frozen=True)
class Attribute:
    """A typed attribute a module adds to specifications, resources, events or agents: ``food.allergens``."""

    owner: str  # specification | resource | event | agent
    name: str  # without the module prefix
    type: Any  # a Python type or annotation; values are validated with pydantic
    help: str = ""
    required_for: tuple[str, ...] = field(default=())  # for events: the actions that must carry it


@dataclass(frozen=True)
class Panel:
    """A block of the dashboard a module adds: a title and HTML rendered for a node."""

    title: str
    render: Any  # Callable[[Node], str]


class Hooks:
    """The hook specifications. Every hook is optional for a module."""

    @hookspec(firstresult=True)
    def cooplink_module(self) -> ModuleInfo:
        """Who the module is. Required."""

    @hookspec
    def cooplink_attributes(self) -> list[Attribute]:
        """The typed attributes the module adds."""

    @hookspec
    def cooplink_actions(self) -> list:
        """Extra actions, declared formally as VF asks of extensions: ``cooplink.vf.actions.Action`` rows whose
        name carries the module's prefix (``food:sample``) and whose effects use the VF vocabulary."""

    @hookspec
    def cooplink_migrations(self) -> Path | None:
        """The folder of the module's Alembic migrations (its own branch, labelled with the module's name)."""

    @hookspec(firstresult=True)
    def cooplink_pick(self, node, ledger, draft) -> list | None:
        """Choose the resources an event takes from when it names only a specification (e.g. first-expiry-first-
        out): return the RecordEvent drafts to record instead, or None to leave the draft as it is."""

    @hookspec
    def cooplink_validate_event(self, node, ledger, event, attributes: dict, resources: dict) -> None:
        """Refuse an event by raising ``VFError(field, reason)``: nothing of the transaction is written.
        ``resources`` are the resources the event touches as they stand before it."""

    @hookspec
    def cooplink_event_recorded(self, node, ledger, event, changed: dict) -> None:
        """React after an event is recorded, in the same transaction (``changed``: the resources' new states)."""

    @hookspec
    def cooplink_cli(self, app) -> None:
        """Add commands to the ``cooplink`` typer app (they must check the node has the module enabled)."""

    @hookspec
    def cooplink_api_routers(self, node) -> list:
        """FastAPI routers the node's API mounts under /modules/<name>/ (behind its authentication)."""

    @hookspec
    def cooplink_dashboard_panels(self, node) -> list[Panel]:
        """Panels the dashboard shows for this module."""
