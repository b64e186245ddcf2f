"""A worker process for the kill test: its subscriber marks that it started, then hangs until killed.

python worker_process.py <database url> <marker file>
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from paymentgraph import PaymentGraph
from paymentgraph.events import Event, subscriber
from paymentgraph.events.dispatcher import Dispatcher


async def main(url: str, marker: Path) -> None:
    @subscriber("payment_collection.created", name="ledger")
    async def hang(event: Event, pg: PaymentGraph) -> None:
        # Written aside, then renamed: the test sees the marker only once it holds the whole id (a kill
        # between creating the file and writing it left the test an empty marker on a loaded machine).
        partial = marker.with_suffix(".partial")
        await asyncio.to_thread(partial.write_text, event.id)
        await asyncio.to_thread(partial.rename, marker)
        await asyncio.sleep(3600)  # killed here: between the commit and the end of delivery

    async with PaymentGraph.connect(url) as pg:
        pg.handlers.add(hang)
        await Dispatcher(pg).run_once()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], Path(sys.argv[2])))
