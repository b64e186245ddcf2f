"""The sequential Python API flow alone on PostgreSQL: flows/s and this process's CPU per flow.

``python -m bench.flowrate [--seconds 10] [--profile N]`` runs ``python_flow`` from bench/flows.py (the
code path of the full benchmark's "Python API, PostgreSQL, 1 client" row) on a database of its own
(``<bench database>_flowrate``, emptied first) for about ``--seconds``, after 20 warm-up flows, and prints
flows per second, CPU milliseconds per flow (``time.process_time``: this process only, not PostgreSQL's)
and the CPU share of the wall time. ``--profile N`` then profiles N more flows: cProfile's top functions
and packages by self time, and pyinstrument's call tree in bench/.data/profile_flows.txt.

For A/B work: the machine is shared, so alternate runs of the two versions and compare ratios.
"""

from __future__ import annotations

import argparse
import asyncio
import time
from functools import partial

from bench.flows import fresh_postgres_flows_database, python_flow
from bench.profile import cprofile_top
from bench.settings import DATA_DIR
from paymentgraph import PaymentGraph

WARM_UP = 20


async def main(seconds: float, profile: int) -> None:
    url = await fresh_postgres_flows_database("flowrate")
    async with PaymentGraph.connect(url) as pg:
        await pg.migrate()
        flow = partial(python_flow, pg)
        for _ in range(WARM_UP):
            await flow()
        flows = 0
        cpu_started, started = time.process_time(), time.perf_counter()
        deadline = started + seconds
        while time.perf_counter() < deadline:
            await flow()
            flows += 1
        wall, cpu = time.perf_counter() - started, time.process_time() - cpu_started
        print(
            f"{flows} flows in {wall:.2f} s: {flows / wall:.1f} flows/s, "
            f"CPU {cpu * 1000 / flows:.2f} ms per flow ({cpu / wall:.0%} of the wall time)"
        )
        if profile:
            functions, packages = await cprofile_top(flow, profile, top=30)
            print(functions, packages, sep="\n\n")
            from pyinstrument import Profiler

            profiler = Profiler(interval=0.0002, async_mode="enabled")
            with profiler:
                for _ in range(profile):
                    await flow()
            DATA_DIR.mkdir(parents=True, exist_ok=True)
            path = DATA_DIR / "profile_flows.txt"
            path.write_text(profiler.output_text(unicode=False, color=False, show_all=False))
            print(f"pyinstrument call tree: {path}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0, help="how long to run flows (default 10)")
    parser.add_argument("--profile", type=int, default=0, help="then profile this many flows")
    arguments = parser.parse_args()
    asyncio.run(main(arguments.seconds, arguments.profile))
