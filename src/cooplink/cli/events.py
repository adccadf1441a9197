"""Recording what happens: economic events, and the processes that take inputs and give outputs."""

import inspect
from typing import Annotated

import typer
from rich.markup import escape

from cooplink.cli.common import JsonOption, console, open_node, print_json
from cooplink.cli.modules import parse_assignments
from cooplink.cli.render import Labels, event_line, event_table, process_line
from cooplink.vf.errors import VFError

event_app = typer.Typer(help="Record, correct and show economic events (any of VF's 19 actions).",
                        no_args_is_help=True)
process_app = typer.Typer(help="Processes: start one, add its inputs and outputs, finish it.", no_args_is_help=True)


def _event_options(
    number: Annotated[str | None, typer.Argument(
        metavar="QUANTITY", show_default=False, help="How much (then UNIT), e.g. 10 kg.")] = None,
    unit: Annotated[str | None, typer.Argument(
        metavar="UNIT", show_default=False, help="The quantity's unit: kg, KGM, kilogram, piece, ...")] = None,
    quantity: Annotated[str | None, typer.Option("--quantity", help='The resource quantity, e.g. "10 kg".')] = None,
    effort: Annotated[str | None, typer.Option("--effort", help='The effort quantity, e.g. "2 hour".')] = None,
    resource: Annotated[str | None, typer.Option(
        "--resource", help="The resource: id, tracking id or IRI (also one held in another ledger).")] = None,
    to_resource: Annotated[str | None, typer.Option("--to-resource", help="The resource it goes to.")] = None,
    spec: Annotated[str | None, typer.Option(
        "--spec", help="The specification the resource conforms to (instead of --resource).")] = None,
    to_spec: Annotated[str | None, typer.Option(
        "--to-spec", help="What a created to-resource conforms to, e.g. goods received under our own spec.")] = None,
    provider: Annotated[str | None, typer.Option("--provider", help="Agent giving (default: this node).")] = None,
    receiver: Annotated[str | None, typer.Option(
        "--receiver", help="Agent receiving (default: the provider; 'self' is this node).")] = None,
    input_of: Annotated[str | None, typer.Option("--input-of", help="The process it is an input of.")] = None,
    output_of: Annotated[str | None, typer.Option("--output-of", help="The process it is an output of.")] = None,
    at: Annotated[str | None, typer.Option("--at", help="Where it happened.")] = None,
    to_location: Annotated[str | None, typer.Option("--to-location", help="Where the resource goes.")] = None,
    state: Annotated[str | None, typer.Option("--state", help="The resource's state afterwards.")] = None,
    note: Annotated[str | None, typer.Option("--note", help="A free-text note.")] = None,
    tracking_id: Annotated[str | None, typer.Option(
        "--tracking-id", help="Tracking identifier of a resource the event creates.")] = None,
    lot: Annotated[str | None, typer.Option("--lot", help="Lot (batch) code of a resource it creates.")] = None,
    expires: Annotated[str | None, typer.Option("--expires", help="The lot's expiry date, YYYY-MM-DD.")] = None,
    name: Annotated[str | None, typer.Option("--name", help="Name of a resource it creates.")] = None,
    new_to_resource: Annotated[bool, typer.Option(
        "--new-to-resource", help="A transfer or move creates the resource it goes to.")] = False,
    event_id: Annotated[str | None, typer.Option(
        "--id", help="The event's IRI when another node recorded it first (goods received).")] = None,
    attrs: Annotated[list[str] | None, typer.Option(
        "--attr", metavar="NAME=VALUE", help="A module attribute of the event, e.g. food.temperature=4 "
                                             "(repeatable; VALUE is JSON, else text).")] = None,
    resource_attrs: Annotated[list[str] | None, typer.Option(
        "--resource-attr", metavar="NAME=VALUE",
        help="A module attribute of the resource the event creates (repeatable).")] = None,
    as_json: JsonOption = False,
):
    """The options every event-recording command takes (see ``with_event_options``)."""


_EVENT_OPTIONS = inspect.signature(_event_options).parameters


def with_event_options(*, leave_out: tuple[str, ...] = ()):
    """Give a command the event options after its own parameters, and pass them on as keyword arguments.

    typer reads a command's parameters from its signature; composing the signature keeps one definition of the
    twenty-odd options for both `event record` and `process add`.
    """
    def decorate(command):
        own = [p for p in inspect.signature(command).parameters.values() if p.kind is not p.VAR_KEYWORD]
        shared = [p for name, p in _EVENT_OPTIONS.items() if name not in leave_out]

        def run(**arguments):
            return command(**arguments)

        run.__name__, run.__doc__ = command.__name__, command.__doc__
        run.__signature__ = inspect.Signature(own + shared)
        run.__annotations__ = {p.name: p.annotation for p in own + shared}
        return run
    return decorate


def resource_quantity(options: dict) -> str | None:
    """QUANTITY UNIT as two arguments, or --quantity "10 kg": one of them."""
    number, unit, text = options["number"], options["unit"], options["quantity"]
    if number is not None and text is not None:
        raise VFError("resourceQuantity", "give the quantity once: QUANTITY UNIT or --quantity, not both")
    if number is None:
        return text
    return f"{number} {unit}" if unit is not None else number


def event_draft(action: str, options: dict, input_of: str | None = None, output_of: str | None = None):
    from cooplink.node.service import RecordEvent

    if options["expires"] and not options["lot"]:
        raise VFError("expirationDate", "an expiry date belongs to a lot: give --lot too")
    return RecordEvent(
        action=action, quantity=resource_quantity(options), effort=options["effort"], resource=options["resource"],
        to_resource=options["to_resource"], spec=options["spec"], to_spec=options["to_spec"],
        provider=options["provider"], receiver=options["receiver"],
        input_of=input_of or options.get("input_of"), output_of=output_of or options.get("output_of"),
        at_location=options["at"], to_location=options["to_location"], state=options["state"],
        note=options["note"], tracking_identifier=options["tracking_id"], lot=options["lot"],
        lot_expiration=options["expires"], resource_name=options["name"], new_to_resource=options["new_to_resource"],
        id=options["event_id"], attributes=parse_assignments(options["attrs"]) or None,
        resource_attributes=parse_assignments(options["resource_attrs"]) or None)


def record_and_show(ctx: typer.Context, draft, as_json: bool) -> None:
    node = open_node(ctx)
    events = node.record(draft)  # several when a module splits the draft (e.g. first-expiry-first-out picking)
    if as_json:
        print_json(events[0] if len(events) == 1 else events)
        return
    out = console()
    for event in events:
        out.print(f"Recorded {event_line(event, Labels.of(node))}")
        out.print(f"  event:       {event.id}")
        sides = (("resource:", event.resource_inventoried_as), ("to resource:", event.to_resource_inventoried_as))
        for label, iri in sides:
            if iri:
                created = " (created)" if event.new_resource and event.new_resource.id == iri else ""
                out.print(f"  {label:<12} {escape(iri)}{created}")


# event ------------------------------------------------------------------------------------------------------------
@event_app.command("record")
@with_event_options()
def record_event(ctx: typer.Context,
                 action: Annotated[str, typer.Argument(
                     metavar="ACTION", help="One of VF's 19 actions: produce, consume, transfer, ...")],
                 **options):
    """Record one economic event."""
    record_and_show(ctx, event_draft(action, options), options["as_json"])


@event_app.command("correct")
def correct_event(ctx: typer.Context,
                  event: Annotated[str, typer.Argument(help="The event to correct: its id or IRI.")],
                  quantity: Annotated[str | None, typer.Option(
                      "--quantity", help='What the quantity should have been, e.g. "8 kg" (0 backs it out).')] = None,
                  effort: Annotated[str | None, typer.Option(
                      "--effort", help="What the effort should have been.")] = None,
                  note: Annotated[str | None, typer.Option("--note", help="Why it is corrected.")] = None,
                  as_json: JsonOption = False):
    """Correct an event by recording one that restates it (the original stays in the ledger)."""
    node = open_node(ctx)
    correction = node.correct(event, quantity=quantity, effort=effort, note=note)
    if as_json:
        print_json(correction)
        return
    console().print(f"Recorded correction {event_line(correction, Labels.of(node))}\n"
                    f"  event:       {correction.id}\n  corrects:    {correction.corrects}")


@event_app.command("show")
def show_event(ctx: typer.Context, event: Annotated[str, typer.Argument(help="The event's id or IRI.")],
               as_json: JsonOption = False):
    """Show one event with all its fields."""
    node = open_node(ctx)
    found = node.event(event)
    if found is None:
        raise VFError("event", f"no event {event!r}")
    if as_json:
        print_json(found)
        return
    console().print(event_table(found, Labels.of(node)))


# process ----------------------------------------------------------------------------------------------------------
@process_app.command("start")
def start_process(ctx: typer.Context, name: Annotated[str, typer.Argument(help="What the process is called.")],
                  based_on: Annotated[str | None, typer.Option(
                      "--based-on", help="The process specification it follows.")] = None,
                  note: Annotated[str | None, typer.Option("--note", help="A free-text note.")] = None,
                  as_json: JsonOption = False):
    """Start a process; its id is what `process add` and `--input-of/--output-of` take."""
    node = open_node(ctx)
    process = node.start_process(name, based_on=based_on, note=note)
    if as_json:
        print_json(process)
        return
    console().print(f"Started {process_line(process, Labels.of(node))}\n  process:     {process.id}")


@process_app.command("add")
@with_event_options(leave_out=("input_of", "output_of"))
def add_to_process(ctx: typer.Context,
                   process: Annotated[str, typer.Argument(metavar="PROCESS", help="The process: its id or IRI.")],
                   input_action: Annotated[str | None, typer.Option(
                       "--input", metavar="ACTION", help="Add an input: consume, use, work, cite, ...")] = None,
                   output_action: Annotated[str | None, typer.Option(
                       "--output", metavar="ACTION", help="Add an output: produce, modify, ...")] = None,
                   **options):
    """Add an input or an output event to a process."""
    if (input_action is None) == (output_action is None):
        raise VFError("action", "give --input ACTION or --output ACTION (one of them)")
    if input_action:
        draft = event_draft(input_action, options, input_of=process)
    else:
        draft = event_draft(output_action, options, output_of=process)
    record_and_show(ctx, draft, options["as_json"])


@process_app.command("finish")
def finish_process(ctx: typer.Context, process: Annotated[str, typer.Argument(help="The process: its id or IRI.")],
                   as_json: JsonOption = False):
    """Finish a process: no more events may be added to it."""
    node = open_node(ctx)
    finished = node.finish_process(process)
    if as_json:
        print_json(finished)
        return
    console().print(f"Finished {process_line(finished, Labels.of(node))}")


@process_app.command("list")
def list_processes(ctx: typer.Context, as_json: JsonOption = False):
    """Every process on this node."""
    from rich.table import Table

    node = open_node(ctx)
    processes = sorted(node.processes(), key=lambda p: (p.has_beginning is None, p.has_beginning, p.id))
    if as_json:
        print_json(processes)
        return
    labels = Labels(node.base_url)
    table = Table("process", "name", "based on", "began", "ended", "state")
    for p in processes:
        table.add_row(labels.short(p.id), escape(p.name), labels.short(p.based_on), _when(p.has_beginning),
                      _when(p.has_end), "finished" if p.finished else "open")
    console().print(table)


def _when(moment) -> str:
    return moment.strftime("%Y-%m-%d %H:%M") if moment else ""


@process_app.command("show")
def show_process(ctx: typer.Context, process: Annotated[str, typer.Argument(help="The process: its id or IRI.")],
                 as_json: JsonOption = False):
    """A process with its inputs and outputs."""
    node = open_node(ctx)
    found, inputs, outputs = node.process_flows(process)
    if as_json:
        print_json({"process": found, "inputs": inputs, "outputs": outputs})
        return
    labels = Labels.of(node)
    out = console()
    out.print(process_line(found, labels))
    for heading, events in (("inputs", inputs), ("outputs", outputs)):
        out.print(f"  [bold]{heading}[/]" + ("" if events else ": none"))
        for event in events:
            out.print(f"    {event_line(event, labels)}  {_resource_of(event, labels)}")


def _resource_of(event, labels: Labels) -> str:
    iri = event.resource_inventoried_as or event.resource_conforms_to
    return f"[dim]of {escape(labels.name(iri))}[/]" if iri else ""

