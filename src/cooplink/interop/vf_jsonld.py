"""ValueFlows 1.0 JSON-LD and YAML-LD in and out of a node: the entry points the command line calls.

``load_document`` parses a file, ``import_document`` records it in one transaction (all of it or nothing),
``export_document`` writes a node back out in a shape ``import_document`` reads. The reading lives in
``jsonld`` (contexts, terms) and ``vf_read`` (VF objects, order); the recording in ``vf_import``.
"""

import json
from decimal import Decimal
from pathlib import Path

import yaml

from cooplink.interop.vf_export import export_document
from cooplink.interop.vf_import import ImportReport, import_document
from cooplink.vf.errors import VFError

JSON_SUFFIXES = (".json", ".jsonld")
YAML_SUFFIXES = (".yaml", ".yml", ".yamlld")

__all__ = ["ImportReport", "export_document", "import_document", "load_document"]


def load_document(path: Path) -> dict | list:
    """The parsed document: JSON (numbers as exact Decimals) or YAML (safe_load), chosen by the file's suffix."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in JSON_SUFFIXES + YAML_SUFFIXES:
        raise VFError("file", f"{path.name}: expected a {', '.join(JSON_SUFFIXES + YAML_SUFFIXES)} file")
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise VFError("file", f"cannot read {path}: {error}") from None
    document = _json(text, path) if suffix in JSON_SUFFIXES else _yaml(text, path)
    if not isinstance(document, (dict, list)):
        kind = type(document).__name__
        raise VFError("file", f"{path.name}: a JSON-LD document is an object or an array, not {kind}")
    return document


def _json(text: str, path: Path):
    try:
        return json.loads(text, parse_float=Decimal)
    except json.JSONDecodeError as error:
        raise VFError("file", f"{path.name} is not valid JSON: {error.msg} at line {error.lineno}, "
                              f"column {error.colno}") from None


def _yaml(text: str, path: Path):
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(error, "problem", None) or str(error)
        raise VFError("file", f"{path.name} is not valid YAML: {problem}{where}") from None
