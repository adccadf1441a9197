"""The commands that manage a node's industry modules and their attributes (part of the Node service)."""

import json

from cooplink.ledger.database import migrate
from cooplink.node.plugins import Modules, enabled_in, installed, migration_folders, module_info
from cooplink.vf.errors import VFError

OWNER_KINDS = {"specification": "specs", "resource": "resources", "event": "events", "agent": "agents"}


class ModuleCommands:
    """Mixed into Node: each method one transaction, like every other command."""

    def module_list(self) -> list[dict]:
        """Installed modules, and whether each is enabled here (an enabled one is always installed)."""
        return [{"name": name, "version": info.version, "description": info.description,
                 "requires": list(info.requires), "enabled": name in self.modules.enabled}
                for name, info in ((n, module_info(p)) for n, p in sorted(installed().items()))]

    def enable_module(self, name: str) -> None:
        plugin = installed().get(name)
        if plugin is None:
            raise VFError("module", f"no module {name!r} is installed")
        if name in self.modules.enabled:
            raise VFError("module", f"module {name!r} is already enabled")
        missing = [r for r in module_info(plugin).requires if r not in self.modules.enabled]
        if missing:
            raise VFError("module", f"module {name!r} needs {', '.join(missing)} enabled first")
        enabled = [*self.modules.enabled, name]
        Modules(enabled)  # checks what it declares before anything is written
        if migration_folders([plugin]):
            migrate(self.engine, f"{name}@head", migration_folders(installed().values()))  # disabled ones' too
        self._save_modules(enabled)

    def disable_module(self, name: str, drop_data: bool = False) -> None:
        """Stop a module acting here. Its tables and attributes stay unless drop_data, which reverts its
        migrations and deletes its attributes."""
        if name not in self.modules.enabled:
            raise VFError("module", f"module {name!r} is not enabled")
        dependants = [n for n in self.modules.enabled
                      if name in module_info(self.modules.manager.get_plugin(n)).requires]
        if dependants:
            raise VFError("module", f"module {', '.join(dependants)} needs {name!r}; disable it first")
        if drop_data:
            plugin = self.modules.manager.get_plugin(name)
            if migration_folders([plugin]):
                migrate(self.engine, f"{name}@base", migration_folders(installed().values()), down=True)
            with self.writing() as ledger:
                ledger.drop_attributes(name)
        self._save_modules([n for n in self.modules.enabled if n != name])

    def _save_modules(self, enabled: list[str]) -> None:
        with self.writing() as ledger:
            ledger.set_setting("modules", json.dumps(enabled))
        self.settings["modules"] = json.dumps(enabled)
        self.modules = Modules(enabled_in(self.settings))

    def set_attributes(self, owner: str, ref: str, values: dict) -> dict:
        """Give a specification, resource, event or agent module attributes (validated by their modules)."""
        _check_owner(owner)  # before the values, which would otherwise be blamed for it
        stored = self.modules.validate_attributes(owner, values)
        with self.writing() as ledger:
            owner_id = self._owner_iri(ledger, owner, ref)
            ledger.put_attributes(owner, owner_id, stored)
            return ledger.attributes_of(owner, owner_id)

    def attributes_of(self, owner: str, ref: str) -> dict:
        """All module attributes kept for it, also those of modules since disabled (their data stays)."""
        with self.reading() as ledger:
            return ledger.attributes_of(owner, self._owner_iri(ledger, owner, ref))

    def attributes_for(self, owner: str, iris: list[str]) -> dict[str, dict]:
        """The module attributes of many specifications, resources, ... at once (by IRI; {} for those without)."""
        with self.reading() as ledger:
            found = ledger.attributes_of_many(owner, list(iris))
        return {iri: found.get(iri, {}) for iri in iris}

    def _owner_iri(self, ledger, owner: str, ref: str) -> str:
        _check_owner(owner)
        if owner == "resource":
            return self.resource_iri(ledger, ref)
        iri = self.agent_iri(ref) if owner == "agent" else self.iri(OWNER_KINDS[owner], ref)
        found = {"specification": ledger.spec, "event": ledger.event, "agent": ledger.agent}[owner](iri)
        if found is None:
            raise VFError(owner, f"no {owner} {ref!r}")
        return iri


def _check_owner(owner: str) -> None:
    if owner not in OWNER_KINDS:
        raise VFError("owner", f"attributes belong to a {', '.join(OWNER_KINDS)}, not a {owner!r}")
