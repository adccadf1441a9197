"""Industry modules: found through the ``cooplink.modules`` entry point group, acting only where enabled.

A node lists its enabled modules in its settings. Opening a node whose enabled module is not installed fails
rather than run without the module's rules (and so risk writing what it would refuse, or losing what it keeps).
"""

import json
from functools import lru_cache
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

import pluggy

from cooplink.node.hooks import OWNERS, PROJECT, Attribute, Hooks, ModuleInfo
from cooplink.vf.actions import register_extension_action
from cooplink.vf.errors import VFError

ENTRY_POINT_GROUP = "cooplink.modules"


@lru_cache(maxsize=1)
def installed() -> dict[str, Any]:
    """Every installed module's plugin object, by module name."""
    found = {}
    for entry_point in entry_points(group=ENTRY_POINT_GROUP):
        try:
            plugin = entry_point.load()
        except Exception as error:  # a broken install: say which, in one line, rather than a traceback
            raise VFError("modules", f"module entry point {entry_point.name} ({entry_point.value}) does not "
                                     f"load: {type(error).__name__}: {error}") from error
        info = module_info(plugin)
        if info.name in found:
            raise VFError("modules", f"two installed distributions both provide module {info.name!r}")
        found[info.name] = plugin
    for name, plugin in found.items():  # known even where disabled: events recorded with them stay readable
        declared_actions(name, plugin)
    return found


def declared_actions(name: str, plugin) -> list:
    """A module's extension actions, checked and made known to the action table (recording one still needs the
    module enabled: Modules.check_action)."""
    actions = getattr(plugin, "cooplink_actions", lambda: [])() or []
    for action in actions:
        if not action.name.startswith(f"{name}:"):
            raise VFError("modules", f"module {name}'s action {action.name!r} must be named '{name}:…'")
        register_extension_action(action)
    return actions


def module_info(plugin) -> ModuleInfo:
    info = plugin.cooplink_module() if hasattr(plugin, "cooplink_module") else None
    if not isinstance(info, ModuleInfo):
        raise VFError("modules", f"{plugin!r} does not say which module it is (cooplink_module hook)")
    return info


class Modules:
    """The modules enabled on one node, with what they declared."""

    def __init__(self, enabled: list[str], available: dict[str, Any] | None = None):
        available = installed() if available is None else available
        missing = [name for name in enabled if name not in available]
        if missing:
            raise VFError("modules", f"module {', '.join(missing)} is enabled on this node but not installed; "
                                     "install it (or disable it) before starting the node")
        self.enabled = list(enabled)
        self.manager = pluggy.PluginManager(PROJECT)
        self.manager.add_hookspecs(Hooks)
        for name in enabled:
            self.manager.register(available[name], name=name)
        self.hook = self.manager.hook
        self.attributes = self._collect_attributes()
        self.actions = self._collect_actions()

    def __bool__(self) -> bool:
        return bool(self.enabled)

    def _collect_attributes(self) -> dict[tuple[str, str], Attribute]:
        from pydantic import TypeAdapter

        declared = {}
        for name in self.enabled:
            plugin = self.manager.get_plugin(name)
            for attribute in getattr(plugin, "cooplink_attributes", lambda: [])() or []:
                if attribute.owner not in OWNERS:
                    raise VFError("modules", f"{name}.{attribute.name}: owner must be one of {OWNERS}")
                declared[(attribute.owner, f"{name}.{attribute.name}")] = (attribute, TypeAdapter(attribute.type))
        return declared

    def _collect_actions(self) -> dict[str, Any]:
        actions = {}
        for name in self.enabled:
            for action in declared_actions(name, self.manager.get_plugin(name)):
                actions[action.name] = action
        return actions

    def require(self, name: str) -> None:
        """For a module's own commands and routes: refuse to act on a node where the module is not enabled."""
        if name not in self.enabled:
            raise VFError("module", f"module {name!r} is not enabled on this node (cooplink module enable {name})")

    def check_action(self, action: str) -> None:
        """An extension action may be recorded only where its module is enabled."""
        if ":" in action and action not in self.actions:
            raise VFError("action", f"{action!r} belongs to module {action.split(':')[0]!r}, "
                                    "which is not enabled on this node")

    def validate_attributes(self, owner: str, values: dict[str, Any]) -> dict[str, str]:
        """Each value checked against its module's declared type; returned as stored JSON text."""
        stored = {}
        for name, value in values.items():
            declared = self.attributes.get((owner, name))
            if declared is None:
                raise VFError(name, f"no enabled module declares a {owner} attribute {name!r}")
            attribute, adapter = declared
            try:
                checked = adapter.validate_python(value)
            except Exception as error:  # pydantic's ValidationError, said in one line (its str ends in a URL)
                reason = "; ".join(e["msg"] for e in error.errors()) if hasattr(error, "errors") else str(error)
                raise VFError(name, f"not a valid {attribute.help or attribute.type}: {reason}") from None
            stored[name] = json.dumps(adapter.dump_python(checked, mode="json"))
        return stored

    def required_event_attributes(self, action: str) -> list[str]:
        return [name for (owner, name), (attribute, _) in self.attributes.items()
                if owner == "event" and action in attribute.required_for]

    def migration_folders(self) -> list[Path]:
        return migration_folders(self.manager.get_plugin(name) for name in self.enabled)

    def collect(self, hook: str, **kwargs) -> dict[str, list]:
        """The items a list-returning hook (API routers, dashboard panels) gives, by the module giving them: a
        plain hook call would mix every module's answers together."""
        found = {}
        for name in self.enabled:
            others = [self.manager.get_plugin(n) for n in self.enabled if n != name]
            answers = self.manager.subset_hook_caller(hook, remove_plugins=others)(**kwargs)
            found[name] = [item for answer in answers for item in (answer or [])]
        return found


def migration_folders(plugins) -> list[Path]:
    folders = []
    for plugin in plugins:
        folder = getattr(plugin, "cooplink_migrations", lambda: None)()
        if folder is not None:
            folders.append(Path(folder))
    return folders


def enabled_in(settings: dict[str, str]) -> list[str]:
    return json.loads(settings.get("modules", "[]"))
