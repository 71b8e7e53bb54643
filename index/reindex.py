"""Rebuilding the served index in the background, for ``POST /admin/reindex``.

A reindex runs ``rag build`` in a child process at a lower CPU priority (``nice``), so the
server keeps answering while the model embeds; the child's settings are the server's own
(passed as ``RAG_*`` variables), so the build matches the served model. When the child has
published its build, the live index swaps to it at once. One reindex runs at a time.

What is rebuilt (the safe choice): by default the inputs recorded in the served build's
manifest, which whoever built it chose. Other paths are accepted only inside the folders of
``RAG_ADMIN_ALLOWED_ROOTS`` (after resolving symbolic links and ``..``); with that setting
empty, which is the default, a caller cannot point the server at any other file.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter, deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from index.live import LiveIndex
from rag.config import ENV_PREFIX, GROUPS, Settings
from rag.errors import InputError, RagError

log = logging.getLogger(__name__)

Status = Literal["running", "succeeded", "failed"]
# Settings a child build must not receive: the admin's secret is no business of a build.
_NOT_PASSED = frozenset({"admin_api_key"})
_BUILT = re.compile(r"^built (\S+):")


class ReindexBusyError(RagError):
    """A reindex is already running."""

    def __init__(self, job: ReindexJob) -> None:
        super().__init__(f"reindex {job.id} is running (started {job.started_at})")
        self.job = job


class PathNotAllowedError(InputError):
    """A path given to reindex lies outside ``RAG_ADMIN_ALLOWED_ROOTS``."""


@dataclass
class ReindexJob:
    id: str
    paths: list[str]
    started_at: str  # ISO timestamp, UTC
    status: Status = "running"
    build_id: str | None = None
    served: bool = False  # whether the live index serves the new build
    exit_code: int | None = None
    error: str | None = None
    duration_s: float | None = None
    output: deque[str] = field(default_factory=deque)  # the child's last lines
    done: threading.Event = field(default_factory=threading.Event, repr=False)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "status": self.status,
            "paths": self.paths,
            "started_at": self.started_at,
            "duration_s": self.duration_s,
            "build_id": self.build_id,
            "served": self.served,
            "exit_code": self.exit_code,
            "error": self.error,
            "log": list(self.output),
        }


def settings_env(settings: Settings) -> dict[str, str]:
    """``RAG_*`` variables that give a child process exactly these settings: by their nested
    names, which win over any bare name the child inherits."""
    env = {}
    for group in GROUPS:
        values = getattr(settings, group).model_dump(mode="json", exclude=set(_NOT_PASSED))
        for name, value in values.items():
            if value is None:
                continue
            text = value if isinstance(value, str) else json.dumps(value)
            env[f"{ENV_PREFIX}{group.upper()}__{name.upper()}"] = text
    return env


def build_command(
    paths: Sequence[Path], niceness: int, exclude: Sequence[str] = ()
) -> tuple[list[str], bool]:
    """``rag build`` of ``paths`` (but the articles ``exclude`` names) by this interpreter,
    run by ``nice -n niceness`` where there is a ``nice``; and whether it is (else the caller
    lowers the child's priority itself)."""
    command = [sys.executable, "-m", "cli.main", "build", "--quiet", *map(str, paths)]
    command += [f"--exclude={article_id}" for article_id in exclude]
    nice = shutil.which("nice") if niceness else None
    if nice:
        return [nice, "-n", str(niceness), *command], True
    return command, False


class Reindexer:
    """Starts and tracks reindex jobs of ``live``'s index; keeps the most recent ones."""

    def __init__(self, settings: Settings, live: LiveIndex) -> None:
        self.settings = settings
        self.live = live
        self._lock = threading.Lock()
        self._jobs: dict[str, ReindexJob] = {}
        self._running: tuple[ReindexJob, subprocess.Popen[str]] | None = None
        self.finished: Counter[str] = Counter()  # finished jobs by status
        self.last_duration_s: float | None = None

    # ----------------------------------------------------------------- paths
    def resolve_paths(self, requested: Sequence[str] | None) -> list[Path]:
        """The files and folders to index: ``requested`` (each inside an allowed root), or the
        served build's recorded inputs."""
        if not requested:
            inputs = self.live.snapshot.manifest.inputs
            if not inputs:
                raise InputError("the served build records no inputs; name the paths to index")
            paths = [Path(p).expanduser().resolve() for p in inputs]
            missing = [str(p) for p in paths if not p.exists()]
            if missing:
                raise InputError(f"the served build's inputs are gone: {', '.join(missing)}")
            return paths
        roots = [Path(r).expanduser().resolve() for r in self.settings.service.admin_allowed_roots]
        if not roots:
            raise PathNotAllowedError(
                "paths can be given only inside RAG_ADMIN_ALLOWED_ROOTS, which is empty; "
                "send no paths to reindex the served build's own inputs"
            )
        paths = []
        for text in requested:
            path = Path(text).expanduser().resolve()
            if not any(path.is_relative_to(root) for root in roots):
                raise PathNotAllowedError(f"{text} is not inside RAG_ADMIN_ALLOWED_ROOTS")
            if not path.exists():
                raise InputError(f"{text} does not exist")
            paths.append(path)
        return paths

    # ----------------------------------------------------------------- jobs
    def start(self, paths: Sequence[Path]) -> ReindexJob:
        """Start building ``paths``; raises :class:`ReindexBusyError` while a job runs."""
        with self._lock:
            if self._running is not None:
                raise ReindexBusyError(self._running[0])
            job = ReindexJob(
                id=uuid.uuid4().hex,
                paths=[str(p) for p in paths],
                started_at=datetime.now(UTC).isoformat(timespec="seconds"),
                output=deque(maxlen=self.settings.service.reindex_log_lines),
            )
            env = {k: v for k, v in os.environ.items() if not k.startswith("RAG_")}
            # The live index's own settings: its index root, its model.
            env.update(settings_env(self.live.settings), PYTHONUNBUFFERED="1")
            niceness = self.settings.service.reindex_nice
            # What `rag delete` left out of the served build stays out.
            excluded = self.live.snapshot.manifest.excluded
            command, niced = build_command(paths, niceness, excluded)
            process = subprocess.Popen(
                command,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
                env=env,
                start_new_session=True,  # the server's Ctrl-C is not the build's
            )
            if niceness and not niced:  # no `nice`: lowered right after the start instead
                with contextlib.suppress(OSError):
                    current = os.getpriority(os.PRIO_PROCESS, process.pid)
                    os.setpriority(os.PRIO_PROCESS, process.pid, current + niceness)
            self._running = (job, process)
            self._jobs[job.id] = job
            while len(self._jobs) > self.settings.service.reindex_jobs_kept:
                del self._jobs[next(iter(self._jobs))]
        log.info("reindex %s started: rag build %s", job.id, " ".join(job.paths))
        threading.Thread(
            target=self._follow, args=(job, process), name=f"reindex-{job.id[:8]}", daemon=True
        ).start()
        return job

    def job(self, job_id: str) -> ReindexJob | None:
        return self._jobs.get(job_id)

    def running(self) -> ReindexJob | None:
        running = self._running
        return running[0] if running else None

    def _follow(self, job: ReindexJob, process: subprocess.Popen[str]) -> None:
        started = time.perf_counter()
        expired = threading.Event()

        def time_out() -> None:
            expired.set()
            self._stop(process)

        timer = threading.Timer(self.settings.service.reindex_timeout_s, time_out)
        timer.daemon = True
        timer.start()
        try:
            assert process.stdout is not None
            for line in process.stdout:
                text = line.rstrip()
                if text:
                    job.output.append(text)
                    found = _BUILT.match(text)
                    if found:
                        job.build_id = found.group(1)
            job.exit_code = process.wait()
        finally:
            timer.cancel()
        if job.exit_code == 0 and job.build_id:
            self.live.refresh()
            job.served = self.live.snapshot.build_id == job.build_id
            job.status = "succeeded"
        else:
            job.status = "failed"
            if expired.is_set():
                job.error = f"timed out after {self.settings.service.reindex_timeout_s:g} s"
            elif job.exit_code == 0:
                job.error = "the build printed no build id"
            else:
                job.error = job.output[-1] if job.output else f"exit status {job.exit_code}"
        job.duration_s = round(time.perf_counter() - started, 3)
        with self._lock:
            self._running = None
            self.finished[job.status] += 1
            self.last_duration_s = job.duration_s
        log.log(
            logging.INFO if job.status == "succeeded" else logging.ERROR,
            "reindex %s %s in %.1f s: build %s%s",
            job.id,
            job.status,
            job.duration_s,
            job.build_id,
            f" ({job.error})" if job.error else "",
        )
        job.done.set()

    def _stop(self, process: subprocess.Popen[str]) -> None:
        """Interrupt a build (it removes its staging folder), killing it if it lingers."""
        with contextlib.suppress(ProcessLookupError):
            process.send_signal(signal.SIGINT)
            try:
                process.wait(timeout=self.settings.service.reindex_stop_grace_s)
            except subprocess.TimeoutExpired:
                process.kill()

    def close(self) -> None:
        """Stop a running reindex (the server is shutting down)."""
        running = self._running
        if running is not None:
            self._stop(running[1])
            running[0].done.wait(self.settings.service.reindex_stop_grace_s)
