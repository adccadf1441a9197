"""What an industry module author needs: the hook marker and the types the hooks exchange.

A module is its own distribution. It declares an entry point in the group ``cooplink.modules`` naming the object
(usually a Python module) that implements hooks, each marked with ``@hookimpl``. See docs/modules.md.
"""

from cooplink.node.hooks import Attribute, Hooks, ModuleInfo, Panel, hookimpl
from cooplink.node.service import RecordEvent
from cooplink.vf.actions import Action
from cooplink.vf.errors import VFError

__all__ = ["Action", "Attribute", "Hooks", "ModuleInfo", "Panel", "RecordEvent", "VFError", "hookimpl"]
