"""A new warehouse's dbt parse started from another warehouse's (`ParseSeed`): used by the
steps that run dbt in process (orchestration/dbt.py) and by `ads-analytics-dbt`
(orchestration/dbt_cli.py), which the read side, the goals and Spark's builds run.

Imports nothing of dbt until a parse: `ads-analytics-dbt` reads it before dbt starts."""

from __future__ import annotations

import contextlib
import hashlib
import importlib.metadata
import json
import logging
import os
import shutil
import threading
import uuid
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

from core.paths import DBT_PROJECT_DIR, dbt_profile_variables
from core.settings import CHILD_LOCK_ENV

log = logging.getLogger(__name__)


class ParseSeed:
    """Another warehouse's parse, to start a new warehouse's parse from: a full parse of the
    project takes about 4 s (7.5 s with importing dbt), a parse that starts from another's
    0.7 s (2-core AMD EPYC).

    dbt reuses a saved parse only with the profile it was made with, and the profile names the
    build file by its absolute path: a warehouse in another folder always parsed the whole
    project. Its parse would be the same: the file's name (the database's name in every model)
    is the same, and so is every variable the steps give dbt and every other variable the
    profile reads (DuckDB's memory limit, Spark's settings), the folder in them aside. Such a
    parse is kept in the user's cache (`$XDG_CACHE_HOME/ads-analytics/dbt-parse`, by default
    `~/.cache`), one per set of those values, and a new warehouse's parse starts from it. dbt
    then checks the rest as for any saved parse (dbt's version, the project's files, the
    variables that models read) and parses again whatever changed."""

    def __init__(self, warehouse: Path, variables: Mapping[str, str],
                 options: Sequence[str] = ()):
        """`variables`: what the command's environment sets beyond this process's; `options`:
        the command line's options that choose the profile's target or the project's vars."""
        # (a relative path names the same file to dbt from any folder: nothing to take out)
        folder = str(warehouse.parent) if warehouse.is_absolute() else None
        settings = {key: os.environ[key] for key in dbt_profile_variables() if key in os.environ}
        shown = {key: value.replace(folder, "<warehouse folder>") if folder else value
                 for key, value in sorted({**settings, **variables}.items())
                 if key != CHILD_LOCK_ENV}
        made_from = json.dumps([importlib.metadata.version("dbt-core"), str(DBT_PROJECT_DIR),
                                shown, list(options)])
        self.path = parse_cache() / f"{hashlib.sha1(made_from.encode()).hexdigest()}.msgpack"

    @contextlib.contextmanager
    def parsing(self, target: Path) -> Iterator[None]:
        """Around a dbt command that parses into `target`: the parse starts from the kept one
        when `target` holds none, and a parse the command writes (dbt writes none that failed)
        is kept for the next new warehouse, however the command ends."""
        seeded = self.plant(target)
        written = _written_at(target)
        try:
            with seed_profile_accepted() if seeded else contextlib.nullcontext():
                yield
        finally:
            if _written_at(target) not in (None, written):
                self.keep(target)

    def plant(self, target: Path) -> bool:
        """The kept parse copied into `target` when it holds none; whether it was."""
        saved = target / "partial_parse.msgpack"
        if saved.exists() or not self.path.exists():
            return False
        try:
            target.mkdir(parents=True, exist_ok=True)
            shutil.copy(self.path, saved)
        except OSError:
            return False
        return True

    def keep(self, target: Path) -> None:
        """`target`'s parse kept for the next new warehouse (written whole, then renamed: two
        processes may keep one at once). A cache that cannot be written only costs time."""
        saved = target / "partial_parse.msgpack"
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            partial = self.path.with_suffix(f".{uuid.uuid4().hex}.partial")
            shutil.copy(saved, partial)
            partial.replace(self.path)
        except OSError as exc:
            log.debug("dbt parse not kept in %s: %s", self.path.parent, exc)


def _written_at(target: Path) -> float | None:
    saved = target / "partial_parse.msgpack"
    return saved.stat().st_mtime if saved.exists() else None


def parse_cache() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "ads-analytics" / "dbt-parse"


# One parse at a time in this process starts from a seed (the profile check is set aside for
# it, and dbt's loader is shared by the process's threads).
_SEEDED_PARSE = threading.Lock()


@contextlib.contextmanager
def seed_profile_accepted() -> Iterator[None]:
    """dbt's partial-parse check with the one difference a seed has set aside: the profile's
    hash, which differs by the build file's folder alone (`ParseSeed`). Every other check stays
    dbt's. Should dbt's loader change, the seed's profile differs and dbt parses in full."""
    from dbt.parser.manifest import ManifestLoader

    checked = ManifestLoader.is_partial_parsable

    def is_partial_parsable(loader, saved):
        saved.state_check.profile_hash = loader.manifest.state_check.profile_hash
        return checked(loader, saved)

    with _SEEDED_PARSE:
        ManifestLoader.is_partial_parsable = is_partial_parsable
        try:
            yield
        finally:
            ManifestLoader.is_partial_parsable = checked
