"""Run localstripe's aiohttp app bound to loopback (its own CLI listens on every interface).

Usage: ``python tests/stripe/localstripe_launch.py PORT``. The store starts empty and is never
pickled to the shared ``/tmp/localstripe.pickle`` file, so parallel runs cannot clobber each other.
"""

from __future__ import annotations

import sys

from aiohttp import web
from localstripe.resources import Store, store
from localstripe.server import app


def main() -> None:
    # Pickle writes go to a fixed shared file and slow every write as the store grows: disable them.
    Store.dump_to_disk = lambda self: None  # type: ignore[method-assign]
    store.clear()
    web.run_app(app, host="127.0.0.1", port=int(sys.argv[1]), print=None)


if __name__ == "__main__":
    main()
