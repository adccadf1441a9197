"""Resource specifications: the kinds of things a node keeps."""

from fastapi import APIRouter

from cooplink.api.auth import NodeDep, member, viewer
from cooplink.api.errors import documented
from cooplink.api.schemas import SpecIn, SpecOut

router = APIRouter(prefix="/specs", tags=["specifications"], responses=documented(400, 401, 403, 422))


@router.get("", dependencies=[viewer])
def specs(node: NodeDep) -> list[SpecOut]:
    specs = node.specs()
    attributes = node.attributes_for("specification", [s.id for s in specs])
    return [SpecOut.of(s, attributes[s.id]) for s in specs]


@router.post("", dependencies=[member], status_code=201)
def add_spec(body: SpecIn, node: NodeDep) -> SpecOut:
    spec = node.add_spec(body.ref, body.name, unit=body.unit, effort_unit=body.effort_unit,
                         classified_as=tuple(body.classified_as), substitutable=body.substitutable,
                         medium_of_exchange=body.medium_of_exchange, note=body.note, attributes=body.attributes)
    return SpecOut.of(spec, node.attributes_for("specification", [spec.id])[spec.id])
