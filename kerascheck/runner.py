"""Running the static front-end over many files: cached, and in parallel when it pays.

The order of work: discover the files, read each once and look its digest
up in the cache, and lint only what is not cached. Worker processes cost
about as much to start as linting a few dozen files, so they are used only
when at least ``PARALLEL_MIN_FILES`` files need linting; below that, one
process is faster. Results come back in discovery order whatever ran them.

The libcst-based linter is imported only when something needs linting, so a
fully cached run never pays for importing libcst.
"""

from __future__ import annotations

import gc
import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from kerascheck.budget import MAX_FILE_BYTES, OverBudget
from kerascheck.diagnostics import Diagnostic
from kerascheck.discovery import MODEL_SUFFIXES, BadPath, NotRegular, describe_error, discover, read_source
from kerascheck.engine import Selection
from kerascheck.facts import NOWHERE
from kerascheck.rules.tool import tool_diagnostic

if TYPE_CHECKING:
    from concurrent.futures import Executor

    from kerascheck.api import Report
    from kerascheck.config import Config
    from kerascheck.static.project import Project

PARALLEL_MIN_FILES = 32
FILES_PER_WORKER = 8  # fewer uncached files than this per worker: start fewer workers


def default_jobs() -> int:
    """Every core this process may use (``sched_getaffinity`` respects containers and taskset)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not on Linux
        return max(1, os.cpu_count() or 1)


@dataclass(frozen=True)
class Task:
    """One file to lint: what to call it, its bytes, the rules that apply to it."""

    index: int
    filename: str
    raw: bytes
    selection: Selection
    root: str | None = None  # the project root (configuration root) for resolving imports


@dataclass
class Outcome:
    """What linting one file gave: findings, an internal error, and what the findings depend on."""

    diagnostics: list[Diagnostic]
    error: str | None = None
    deps: dict[str, str] = field(default_factory=dict)  # project modules imported (path -> digest)
    notes: list[str] = field(default_factory=list)  # what the analysis could not follow


def lint_task(task: Task, project: Project | None = None) -> Outcome:
    """Lint one file; in a worker process too, so it must never raise.

    ``project`` is shared by the files of one run in one process, so an imported
    module is parsed and summarised once, not once per importer.
    """
    from kerascheck.static.lint import analyse_bytes

    try:
        analysis = analyse_bytes(task.raw, task.filename, task.selection, project or _project(task.root), prune=True)
    except Exception as error:  # a bug of ours must not stop the other files
        return Outcome([], f"{task.filename}: internal error: {type(error).__name__}: {error}")
    # Anchors hold libcst nodes: never worth pickling back from a worker or keeping.
    found = [replace(d, anchor=NOWHERE) for d in analysis.diagnostics]
    return Outcome(found, None, analysis.deps, analysis.notes)


_WORKER_PROJECT: dict[str | None, Project] = {}


def _project(root: str | None) -> Project:
    """The project of this worker process (a pool lives for one run, and so does this)."""
    found = _WORKER_PROJECT.get(root)
    if found is None:
        from kerascheck.static.project import Project

        found = _WORKER_PROJECT[root] = Project(Path(root) if root else None)
    return found


@contextmanager
def young_collections_only() -> Iterator[None]:
    """No full (oldest-generation) garbage collection while files are linted; restored after.

    A run keeps every parsed module of its project alive (millions of libcst
    and ``ast`` objects), and each full collection walks them all: on the keras
    package's source that was 35-40 % of a cold run, for almost no garbage (a
    run's cycles die young, and the young collections still run). The
    thresholds are restored on the way out, so the process's next full
    collection frees what the run left.
    """
    young, middle, old = gc.get_threshold()
    gc.set_threshold(young, middle, 1 << 30)
    try:
        yield
    finally:
        gc.set_threshold(young, middle, old)


def _lint_chunk(tasks: Sequence[Task]) -> list[Outcome]:
    with young_collections_only():
        return [lint_task(task) for task in tasks]


def _lint_here(tasks: Sequence[Task]) -> list[Outcome]:
    """In this process, with one project for the run (a fresh one: files may have changed since)."""
    if not tasks:
        return []  # every file came from the cache: a cached run never imports the front-end
    from kerascheck.static.project import Project

    projects: dict[str | None, Project] = {}
    outcomes = []
    with young_collections_only():
        for task in tasks:
            project = projects.get(task.root)
            if project is None:
                project = projects[task.root] = Project(Path(task.root) if task.root else None)
            outcomes.append(lint_task(task, project))
    return outcomes


def make_pool(workers: int) -> Executor:
    """Worker processes (imported here: ``concurrent.futures.process`` costs start-up time)."""
    from concurrent.futures import ProcessPoolExecutor

    return ProcessPoolExecutor(max_workers=workers)


def lint_tasks(tasks: Sequence[Task], jobs: int) -> list[Outcome]:
    """Outcomes in task order; parallel only for enough files and more than one job."""
    workers = min(jobs, len(tasks) // FILES_PER_WORKER)
    if len(tasks) < PARALLEL_MIN_FILES or workers < 2:
        return _lint_here(tasks)
    # Chunks of a few files each keep the pipe traffic low and the load balanced.
    size = max(1, len(tasks) // (workers * 4))
    chunks = [tasks[i : i + size] for i in range(0, len(tasks), size)]
    from concurrent.futures.process import BrokenProcessPool

    try:
        with make_pool(workers) as pool:
            return [outcome for chunk in pool.map(_lint_chunk, chunks) for outcome in chunk]
    except BrokenProcessPool:
        # A worker died (a native crash on some file, or it was killed): redo the work in a
        # fresh worker, chunk by chunk, then file by file in a chunk that kills it, so the
        # crash costs that file one line and the run goes on.
        return _recover(chunks)
    except OSError:
        # No processes here (a sandbox): one process still gets the answer.
        return _lint_here(tasks)


CRASHED = "too complex to check: the parser crashed on this file (its process died)"


def _recover(chunks: Sequence[Sequence[Task]]) -> list[Outcome]:
    from concurrent.futures.process import BrokenProcessPool

    outcomes: list[Outcome] = []
    pool = make_pool(1)
    try:
        for chunk in chunks:
            try:
                outcomes.extend(pool.submit(_lint_chunk, chunk).result())
                continue
            except BrokenProcessPool:
                pool.shutdown(wait=False)
                pool = make_pool(1)
            for task in chunk:
                try:
                    outcomes.append(pool.submit(lint_task, task).result())
                except BrokenProcessPool:
                    outcomes.append(Outcome([tool_diagnostic("KC003", CRASHED, task.filename)]))
                    pool.shutdown(wait=False)
                    pool = make_pool(1)
    finally:
        pool.shutdown()
    return outcomes


def run(
    paths: Iterable[str | Path],
    config: Config | Callable[[Path], Config],
    *,
    force_exclude: bool = False,
    jobs: int = 1,
    use_cache: bool = False,
) -> Report:
    """Lint files and directories: cache look-ups, then the uncached files, possibly in parallel.

    ``config`` is one configuration for every file, or (the command line) a
    function giving each file's own (see :func:`kerascheck.config.resolve_config`).
    """
    from kerascheck.api import Report

    roots = [Path(p) for p in paths]
    configs: Callable[[Path], Config] = config if callable(config) else (lambda _path: config)
    report = Report()

    def exclusion(directory: Path) -> tuple[tuple[str, ...], Path]:
        found = configs(directory)
        return found.exclude, found.root

    found_paths = list(discover(roots, (), Path.cwd(), force_exclude, exclusion))
    cache = None
    if use_cache:
        from kerascheck.cache import Cache, default_directory

        # Every configuration in play is part of the key: another config is another cache file.
        fingerprint = "\n".join(sorted({configs(_path_of(path)).fingerprint() for path in found_paths}))
        cache = Cache.open(default_directory(configs(roots[0] if roots else Path.cwd()).root), fingerprint)
    results: list[list[Diagnostic]] = []
    pending: list[Task] = []
    digests: dict[int, str] = {}
    current = _current_digest()
    for path in found_paths:
        index = len(results)
        results.append([])
        report.files += 1
        if isinstance(path, BadPath):
            results[index] = [tool_diagnostic("KC002", path.message, str(path.path))]
            continue
        config_here = configs(path)
        name = str(path)
        if path.suffix in MODEL_SUFFIXES:
            results[index] = _check_saved(path, config_here, report)
            continue
        raw = read_or_diagnose(path, name, config_here.max_file_size)
        if isinstance(raw, Diagnostic):
            results[index] = [raw]
            continue
        selection = config_here.selection_for(path)
        if cache is not None:
            from kerascheck.cache import digest

            digests[index] = digest(raw)
            cached = cache.get(name, digests[index], current)
            if cached is not None:
                results[index] = cached.diagnostics
                report.notes.extend(n for n in cached.notes if n not in report.notes)
                continue
        pending.append(Task(index, name, raw, selection, str(config_here.root)))
    for task, outcome in zip(pending, lint_tasks(pending, jobs), strict=True):
        results[task.index] = outcome.diagnostics
        report.notes.extend(n for n in outcome.notes if n not in report.notes)
        if outcome.error is not None:
            report.errors.append(outcome.error)
        elif cache is not None:
            cache.put(task.filename, digests[task.index], outcome.diagnostics, outcome.deps, outcome.notes)
    if cache is not None:
        cache.save()
    for found in results:
        report.diagnostics.extend(found)
    return report


def _current_digest() -> Callable[[str], str | None]:
    """A dependency's digest now, read once per run however many files import it."""
    from kerascheck.cache import digest

    seen: dict[str, str | None] = {}

    def current(path: str) -> str | None:
        if path not in seen:
            try:
                seen[path] = digest(Path(path).read_bytes())
            except OSError:
                seen[path] = None
        return seen[path]

    return current


def _path_of(found: Path | BadPath) -> Path:
    return found.path if isinstance(found, BadPath) else found


def read_or_diagnose(path: Path, name: str, max_bytes: int = MAX_FILE_BYTES) -> bytes | Diagnostic:
    """A source file's bytes, or the one line saying why it cannot be checked (KC002/KC003)."""
    try:
        return read_source(path, max_bytes)
    except OSError as error:
        return tool_diagnostic("KC002", describe_error(error, path), name)
    except NotRegular as error:
        return tool_diagnostic("KC002", str(error), name)
    except OverBudget as error:
        return tool_diagnostic("KC003", str(error), name)


def _check_saved(path: Path, config: Config, report: Report) -> list[Diagnostic]:
    """Saved models go to the runtime front-end, uncached (the archive reader is its own)."""
    from kerascheck.api import check_file

    try:
        return check_file(path, config)
    except Exception as error:
        report.errors.append(f"{path}: internal error: {type(error).__name__}: {error}")
        return []
