"""Just enough JSON-LD to read ValueFlows files: contexts, term and IRI expansion, and a walk that flattens nested
objects into a list of items in document order.

Real VF files lean on conventions a strict JSON-LD processor would throw away: references are plain strings (no
``"@type": "@id"`` coercion), units are bare names, the vocabulary is often the http spelling. A full expansion
would turn all of that into literals, so this reads the files by those conventions instead, and refuses what it
cannot resolve (a term with no @vocab to resolve it against) rather than dropping it silently as JSON-LD would.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from itertools import count

from cooplink.vf.errors import VFError

VF = "https://w3id.org/valueflows/ont/vf#"
# The spellings of the VF namespace met in real files (the 1.0 examples use http; before 1.0 it had no /ont/vf).
VF_SPELLINGS = (VF, "http://w3id.org/valueflows/ont/vf#", "https://w3id.org/valueflows#", "http://w3id.org/valueflows#")
OM2 = "http://www.ontology-of-units-of-measure.org/resource/om-2/"
OM2_SPELLINGS = (OM2, "https://www.ontology-of-units-of-measure.org/resource/om-2/")
XSD = "http://www.w3.org/2001/XMLSchema#"

# Properties whose values are text, never IRIs: a note saying "ISBN:1234" must not be read as a prefixed name.
LITERALS = frozenset({"name", "note", "trackingIdentifier", "batchLotCode", "label", "mappableAddress", "symbol",
                      "hasNumericalValue", "state", "currentCurrencyLocation", "hasPointInTime", "hasBeginning",
                      "hasEnd", "created", "due", "expirationDate", "finished", "substitutable", "mediumOfExchange",
                      "lat", "long", "alt", "unitBased"})
# Properties whose object values are parts of their subject (a measure, a lot record), not objects of their own.
EMBEDDED = frozenset({"resourceQuantity", "effortQuantity", "accountingQuantity", "onhandQuantity",
                      "availableQuantity", "minimumQuantity", "hasDuration", "ofBatchLot"})


@dataclass(frozen=True)
class Context:
    vocab: str | None = None
    terms: Mapping[str, str] = field(default_factory=dict)  # terms and prefixes, to the IRIs they stand for
    misspelt: tuple[str, ...] = ()  # context keys that look like a keyword gone wrong, e.g. h'@vocab'
    remote: tuple[str, ...] = ()  # contexts given by URL, which we do not fetch

    def extended(self, local, path: str) -> "Context":
        """This context with a local @context (an object, a list of them, a URL or null) applied on top."""
        context = self
        for entry in local if isinstance(local, list) else [local]:
            if entry is None:
                context = Context()
            elif isinstance(entry, str):
                context = Context(context.vocab, context.terms, context.misspelt, context.remote + (entry,))
            elif isinstance(entry, dict):
                context = context._with(entry, path)
            else:
                raise VFError(f"{path}.@context", f"a context is an object, a URL or a list of them, not {entry!r}")
        return context

    def _with(self, entry: dict, path: str) -> "Context":
        vocab, terms, misspelt = self.vocab, dict(self.terms), list(self.misspelt)
        if "@vocab" in entry:
            vocab = entry["@vocab"]
        definitions = {}
        for key, value in entry.items():
            if not isinstance(key, str):
                raise VFError(f"{path}.@context", f"a term is a string, not {key!r}")
            if key.startswith("@"):
                continue  # @vocab above; @base, @version, @language... change nothing we read
            if "@" in key:
                misspelt.append(key)
            if value is None:
                terms.pop(key, None)
            elif isinstance(value, str):
                definitions[key] = value
            elif isinstance(value, dict) and isinstance(value.get("@id", key), str):
                definitions[key] = value.get("@id") or key  # {"@type": "@id"} alone: the term itself, via @vocab
            else:
                raise VFError(f"{path}.@context.{key}", f"cannot read the term definition {value!r}")
        context = Context(vocab, terms, tuple(misspelt), self.remote)
        # Definitions may use prefixes (and @vocab) defined beside them, in any order.
        terms.update({k: v for k, v in definitions.items() if ":" in v})
        for key, value in definitions.items():
            terms[key] = context.expand(value, vocab=True) or value
        return context

    def expand(self, text: str, vocab: bool) -> str | None:
        """An IRI for a term, a prefixed name or an IRI. Bare words resolve against @vocab only when ``vocab`` (keys
        and types); without @vocab they give None. Values (``vocab`` false) keep bare words as they are."""
        if text.startswith("@"):
            return text
        if vocab and text in self.terms:
            return self.terms[text]
        prefix, colon, rest = text.partition(":")
        if colon:
            if prefix in self.terms and not rest.startswith("//"):
                return self.terms[prefix] + rest
            return text  # already absolute: https://..., urn:uuid:..., or a prefix nobody declared
        if not vocab:
            return text
        return self.vocab + text if self.vocab else None

    def no_vocab(self, word: str, where: str) -> VFError:
        reason = f"the @context sets no @vocab, so {word!r} ({where}) is no ValueFlows term"
        if self.misspelt:
            reason += f"; the context key {self.misspelt[0]!r} looks like a misspelt '@vocab'"
        elif self.remote:
            reason += f"; remote contexts ({', '.join(self.remote)}) are not fetched: give @vocab inline"
        return VFError("@context", reason + ". Nothing was imported")


def vf_term(iri: str) -> str | None:
    """The local name of a VF (or OM2) term, whichever spelling of the namespace it uses."""
    for namespace in VF_SPELLINGS + OM2_SPELLINGS:
        if iri.startswith(namespace):
            return iri[len(namespace):]
    return None


@dataclass(frozen=True)
class Ref:
    """A reference to another object by IRI (from a string, an {"@id": ...} object or a nested object)."""

    iri: str


@dataclass
class Item:
    """One object of the document: its VF types and properties (by VF local name), values resolved."""

    id: str
    types: tuple[str, ...]  # VF local class names; other vocabularies' types as full IRIs
    props: dict[str, list]
    path: str
    unknown: list[str] = field(default_factory=list)  # keys that are no VF term

    def one(self, name: str, default=None):
        values = self.props.get(name)
        if not values:
            return default
        if len(values) > 1:
            raise VFError(f"{self.path}.{name}", f"{self.id}: one value expected, got {len(values)}")
        return values[0]


def flatten(document) -> list[Item]:
    """Every object in the document, parents before the objects nested in them, in document order."""
    walker = _Walker()
    if isinstance(document, list):
        for index, entry in enumerate(document):
            walker.top(entry, Context(), f"$[{index}]")
    elif isinstance(document, dict):
        walker.top(document, Context(), "$")
    else:
        raise VFError("file", "a JSON-LD document is an object or an array of objects")
    return walker.items


class _Walker:
    def __init__(self):
        self.items: list[Item] = []
        self.blank = count()

    def top(self, entry, context: Context, path: str) -> None:
        if not isinstance(entry, dict):
            raise VFError(path, f"expected an object, got {entry!r}")
        context = context.extended(entry["@context"], path) if "@context" in entry else context
        graph = entry.get("@graph")
        if graph is None:
            self.node(entry, context, path)
            return
        for index, child in enumerate(graph if isinstance(graph, list) else [graph]):
            self.top(child, context, f"{path}.@graph[{index}]")
        if set(entry) - {"@context", "@graph", "@id"}:
            self.node({k: v for k, v in entry.items() if k != "@graph"}, context, path)

    def node(self, entry: dict, context: Context, path: str) -> str:
        """Record one object (and, after it, those nested in it); return its IRI."""
        if "@context" in entry:
            context = context.extended(entry["@context"], path)
        iri = self.identifier(entry, context, path)
        item = Item(iri, self.types(entry, context, path), {}, path)
        self.items.append(item)
        for key, value in entry.items():
            if not isinstance(key, str):
                raise VFError(path, f"a property name is a string, not {key!r}")
            if key.startswith("@"):
                continue
            name = self.term(key, context, f"{path}.{key}")
            if name is None:
                item.unknown.append(key)
                continue
            values = value if isinstance(value, list) else [value]
            item.props.setdefault(name, []).extend(
                self.value(name, v, context, f"{path}.{key}[{i}]" if isinstance(value, list) else f"{path}.{key}")
                for i, v in enumerate(values) if v is not None)
        return iri

    def identifier(self, entry: dict, context: Context, path: str) -> str:
        iri = entry.get("@id")
        if iri is None:
            return f"_:b{next(self.blank)}"
        if not isinstance(iri, str) or not iri.strip():
            raise VFError(f"{path}.@id", f"an @id is an IRI, not {iri!r}")
        return context.expand(iri.strip(), vocab=False)

    def types(self, entry: dict, context: Context, path: str) -> tuple[str, ...]:
        raw = entry.get("@type", [])
        found = []
        for word in raw if isinstance(raw, list) else [raw]:
            if not isinstance(word, str):
                raise VFError(f"{path}.@type", f"a type is a string, not {word!r}")
            iri = context.expand(word, vocab=True)
            if iri is None:
                raise context.no_vocab(word, f"the @type at {path}")
            found.append(vf_term(iri) or iri)
        return tuple(found)

    @staticmethod
    def term(key: str, context: Context, path: str) -> str | None:
        iri = context.expand(key, vocab=True)
        if iri is None:
            raise context.no_vocab(key, f"at {path}")
        return vf_term(iri)

    def value(self, name: str, value, context: Context, path: str):
        if isinstance(value, dict):
            return self.object_value(name, value, context, path)
        if isinstance(value, str) and name not in LITERALS:
            return context.expand(value.strip(), vocab=False)
        return value

    def object_value(self, name: str, value: dict, context: Context, path: str):
        if "@value" in value:
            return value["@value"]
        if name in EMBEDDED:
            return self.embedded(value, context, path)
        if set(value) <= {"@id", "@type"} and "@id" in value:
            return Ref(self.identifier(value, context, path))
        return Ref(self.node(value, context, path))

    def embedded(self, value: dict, context: Context, path: str) -> dict:
        """A measure or lot record: its properties by VF name, with @value objects unwrapped."""
        if "@context" in value:
            context = context.extended(value["@context"], path)
        parts = {}
        for key, part in value.items():
            if key.startswith("@"):
                continue
            name = self.term(key, context, f"{path}.{key}")
            if name is None:
                raise VFError(f"{path}.{key}", f"{key!r} is no ValueFlows or OM2 term")
            parts[name] = self.value(name, part, context, f"{path}.{key}")
        return parts
