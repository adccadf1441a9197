"""The service layer: the commands a node accepts, each one transaction."""

from cooplink.node.service import Node, NodeError, RecordEvent

__all__ = ["Node", "NodeError", "RecordEvent"]
