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
        await asyncio.to_thread(marker.write_text, event.id)
        await asyncio.sleep(3600)  # killed here: between the commit and the end of delivery

    async with PaymentGraph.connect(url) as pg:
        pg.handlers.add(hang)
        await Dispatcher(pg).run_once()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], Path(sys.argv[2])))
