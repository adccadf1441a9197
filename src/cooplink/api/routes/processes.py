"""Processes: started, given inputs and outputs (as events), finished."""

from fastapi import APIRouter

from cooplink.api.auth import NodeDep, member, viewer
from cooplink.api.errors import documented, lookup
from cooplink.api.schemas import EventOut, ProcessFlowsOut, ProcessIn, ProcessOut

router = APIRouter(prefix="/processes", tags=["processes"], responses=documented(400, 401, 403, 404, 422))


@router.get("", dependencies=[viewer])
def processes(node: NodeDep) -> list[ProcessOut]:
    return [ProcessOut.of(p) for p in node.processes()]


@router.post("", dependencies=[member], status_code=201)
def start(body: ProcessIn, node: NodeDep) -> ProcessOut:
    return ProcessOut.of(node.start_process(body.name, based_on=body.based_on, note=body.note, ref=body.ref))


@router.post("/{ref}/finish", dependencies=[member])
def finish(ref: str, node: NodeDep) -> ProcessOut:
    with lookup():
        return ProcessOut.of(node.finish_process(ref))


@router.get("/{ref}", dependencies=[viewer])
def process(ref: str, node: NodeDep) -> ProcessFlowsOut:
    """The process with its input and its output events."""
    with lookup():
        found, inputs, outputs = node.process_flows(ref)
    return ProcessFlowsOut(process=ProcessOut.of(found), inputs=[EventOut.of(e) for e in inputs],
                           outputs=[EventOut.of(e) for e in outputs])
