"""Shared by the benchmarks: a scratch node, timing, and printing a figure beside its baseline."""

import shutil
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

from cooplink.node import Node


@contextmanager
def scratch_folder(prefix: str):
    folder = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def scratch_node(folder: Path, database: str | None = None) -> Node:
    node = Node.init(folder / "node", "Bench Coop", "http://127.0.0.1:8001", database=database)
    node.add_spec("widget", "Widget", unit="piece")
    node.add_spec("flour", "Flour", unit="kilogram")
    return node


def timed(function, *args) -> float:
    start = time.perf_counter()
    function(*args)
    return time.perf_counter() - start


def report(name: str, value: float, unit: str, baseline_name: str, baseline: float, aim: str = "") -> None:
    ratio = value / baseline if baseline else float("nan")
    print(f"{name:<44} {value:>12,.1f} {unit:<10} | {baseline_name:<34} {baseline:>12,.1f} {unit:<10} "
          f"| ratio {ratio:5.2f}" + (f"  ({aim})" if aim else ""))
