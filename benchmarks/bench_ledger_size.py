"""Reads that must not grow with the ledger: the on-hand query and a trace through 10 process tiers.

Both are measured on the same node at 10k events and again after it has grown to 1M events (the growth is noise
on other resources, recorded through the service layer in batches). Aims (issue 2): on-hand under 1 ms with
ratio 1M/10k <= 1.5; trace through 10 tiers under 50 ms at 1M events.
"""

import random
import statistics
import sys
import time

from common import report, scratch_folder, scratch_node

from cooplink.node import RecordEvent

BIG = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
SMALL = 10_000
TIERS = 10


def supply_chain(node) -> tuple[str, str]:
    """Lots of raw widgets, then 10 tiers of processes, each consuming the tier before: the last product's id and
    the first lot's id."""
    node.add_process_spec("assembly", "Assembly")
    [lot] = node.record(RecordEvent("raise", "1000 piece", spec="widget", tracking_identifier="RAW-LOT"))
    previous = lot.resource_inventoried_as
    for tier in range(1, TIERS + 1):
        process = node.start_process(f"tier {tier}", based_on="assembly")
        _, made = node.record(
            RecordEvent("consume", "10 piece", resource=previous, input_of=process.id),
            RecordEvent("work", effort="2 hour", spec="widget", input_of=process.id),
            RecordEvent("produce", "50 piece", spec="widget", output_of=process.id,
                        tracking_identifier=f"TIER-{tier}"))[1:]
        previous = made.resource_inventoried_as
    return previous, lot.resource_inventoried_as


def grow(node, lots: list[str], target: int, batch: int = 50_000) -> None:
    """Noise on other resources until the ledger holds `target` events."""
    rng = random.Random(7)
    with node.reading() as ledger:
        count = ledger.event_count()
    while count < target:
        size = min(batch, target - count)
        node.record(*(RecordEvent(rng.choice(("raise", "lower")), f"{rng.randint(1, 3)} piece",
                                  resource=rng.choice(lots)) for _ in range(size)))
        count += size


def median_seconds(function, repeat: int) -> float:
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def measure(node, product: str, lot: str) -> tuple[float, float]:
    onhand = median_seconds(lambda: node.resource(lot).onhand_quantity, 500)
    steps = node.trace(product)
    assert any(s.kind == "resource" and s.item.tracking_identifier == "RAW-LOT" for s in steps), "trace lost the lot"
    trace = median_seconds(lambda: node.trace(product), 30)
    return onhand, trace


def main() -> None:
    with scratch_folder("cooplink-bench-size-") as folder:
        node = scratch_node(folder)
        noise = [e.resource_inventoried_as for e in node.record(
            *(RecordEvent("raise", "1000000 piece", spec="widget") for _ in range(200)))]
        product, lot = supply_chain(node)
        grow(node, noise, SMALL)
        small_onhand, small_trace = measure(node, product, lot)
        started = time.perf_counter()
        grow(node, noise, BIG)
        grown_in = time.perf_counter() - started
        big_onhand, big_trace = measure(node, product, lot)
        started = time.perf_counter()
        verified = node.verify()
        verify_seconds = time.perf_counter() - started
    print(f"ledger of {SMALL:,} events, then grown to {BIG:,} ({grown_in:.0f} s through the service layer); "
          f"verify replayed {verified.events:,} events in {verify_seconds:.0f} s, ok: {verified.ok}")
    report(f"on-hand query at {BIG:,} events", big_onhand * 1000, "ms", f"same at {SMALL:,} events",
           small_onhand * 1000, "aim < 1 ms, ratio <= 1.5")
    report(f"trace through {TIERS} tiers at {BIG:,} events", big_trace * 1000, "ms", f"same at {SMALL:,} events",
           small_trace * 1000, "aim < 50 ms")


if __name__ == "__main__":
    main()
