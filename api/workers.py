"""`followup serve --workers N`: N processes serving one index on one socket, which reload together.

uvicorn's supervisor (`Multiprocess`) spawns the workers, replaces one that dies and stops them all on SIGINT or
SIGTERM. On SIGHUP it would start N new workers (each loading the model and the index again) and retire the old
ones; here the supervisor passes SIGHUP on to every worker instead, and each reloads in place as a single process
does (api.app: a reference swap, no request dropped). A worker that takes POST /v1/admin/reload sends SIGHUP to the
supervisor and reloads itself, so its siblings reload alongside it.
"""

from __future__ import annotations

import logging
import os
import signal
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from functools import partial
from typing import TYPE_CHECKING

from uvicorn import Config
from uvicorn.config import STARTUP_FAILURE
from uvicorn.supervisors.multiprocess import Multiprocess

from api.settings import AppSettings

if TYPE_CHECKING:
    from fastapi import FastAPI

log = logging.getLogger("followup.workers")
SUPERVISOR_PID = "FOLLOWUP_SUPERVISOR_PID"  # set by the supervisor for its workers, not by an operator


class Supervisor(Multiprocess):
    """uvicorn's supervisor, but SIGHUP reloads every worker in place rather than replacing them."""

    def init_processes(self) -> None:
        with _hup_held():
            super().init_processes()

    def keep_subprocess_alive(self) -> None:
        with _hup_held():
            super().keep_subprocess_alive()

    def handle_ttin(self) -> None:
        with _hup_held():
            super().handle_ttin()

    def handle_hup(self) -> None:
        pids = [p.pid for p in self.processes if p.pid is not None and p.exitcode is None]
        log.info("SIGHUP: every worker reloads (%s)", ", ".join(map(str, pids)))
        for pid in pids:
            with suppress(ProcessLookupError):  # died since: its replacement loads the current generation
                os.kill(pid, signal.SIGHUP)


@contextmanager
def _hup_held() -> Iterator[None]:
    """SIGHUP blocked while workers are spawned. A new worker inherits the mask: a SIGHUP that reaches it before its
    app takes SIGHUP (api.app unblocks it then, before loading an index) waits instead of killing it; one that
    reaches the supervisor meanwhile is delivered when this block ends."""
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGHUP})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGHUP})


def serve_workers(settings: AppSettings, workers: int) -> bool:
    """Serves the app from `workers` processes on the settings' host and port until SIGINT or SIGTERM. Workers
    reload on SIGHUP to this process, and on each other's admin reloads (`reload_siblings`). False when a worker's
    app failed to start (its log says why), which stopped them all: a replacement would fail the same way."""
    os.environ[SUPERVISOR_PID] = str(os.getpid())  # the workers inherit it
    # Each worker unpickles the factory with its settings: the command's, `--index` included.
    factory = partial(_worker_app, settings)
    host, port = settings.server.host, settings.server.port
    # Our middleware writes the access line (with request id and route template); uvicorn's would repeat it.
    config = Config(factory, factory=True, host=host, port=port, workers=workers, log_config=None, access_log=False)
    supervisor = Supervisor(config, sockets=[config.bind_socket()])
    supervisor.run()
    return all(process.exitcode != STARTUP_FAILURE for process in supervisor.processes)


def _worker_app(settings: AppSettings) -> FastAPI:
    # Imported here, once the worker answers the supervisor's health check (uvicorn replaces a worker silent for 5 s):
    # importing the app takes seconds, more on a busy machine, and a worker unpickles this factory before it answers.
    from api.asgi import worker_app

    return worker_app(settings)


def supervisor_pid() -> int | None:
    """The pid of the `followup serve --workers N` supervisor this process is a worker of; None otherwise."""
    value = os.environ.get(SUPERVISOR_PID, "")
    # The parent check: a process this worker started inherits the variable but is nobody's worker.
    return int(value) if value.isdigit() and int(value) == os.getppid() else None


def reload_siblings() -> None:
    """Under `followup serve --workers N`: every other worker starts reloading within a second (SIGHUP to the
    supervisor, which passes it on to every worker; the one that asks skips it, as its own reload has switched it)."""
    pid = supervisor_pid()
    if pid is not None:
        os.kill(pid, signal.SIGHUP)
