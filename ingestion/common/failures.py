"""Failure isolation: one failing account does not stop the others.

A resource catches the error of one account, records it here and goes on with the next account.
After the pipeline has loaded everything that succeeded, `raise_recorded()` turns what was recorded
into one error that names every failed source and account.
"""

from __future__ import annotations

import contextvars
import logging
from collections.abc import Callable, Iterable, Iterator
from typing import TypeVar

from ingestion.common.http import SourceError

log = logging.getLogger(__name__)

T = TypeVar("T")

_failures: contextvars.ContextVar[list[SourceError] | None] = contextvars.ContextVar(
    "ads_analytics_failures", default=None
)


class PartialLoadError(Exception):
    """Some accounts or sources failed; everything else was loaded."""

    def __init__(self, failures: list[SourceError]) -> None:
        self.failures = list(failures)
        if len(self.failures) == 1:
            super().__init__(str(self.failures[0]))
            return
        lines = "\n".join(f"  - {failure}" for failure in self.failures)
        super().__init__(f"{len(self.failures)} parts of the load failed, first: "
                         f"{self.failures[0]}\n{lines}")


def start_collecting() -> list[SourceError]:
    failures: list[SourceError] = []
    _failures.set(failures)
    return failures


def record(failure: SourceError) -> None:
    """Remember a failed account; without a collector (a bare script) the error propagates.
    A failure already recorded (a host that cannot be reached, met by every account and table
    after the first) is said once."""
    failures = _failures.get()
    if failures is None:
        raise failure
    if any(str(known) == str(failure) for known in failures):
        return
    log.error("%s", failure)
    failures.append(failure)


def raise_recorded(failures: list[SourceError]) -> None:
    if failures:
        raise PartialLoadError(failures)


def each_account(
    source: str,
    accounts: Iterable[str],
    failed: set[str],
    load: Callable[[str], Iterator[T]],
) -> Iterator[T]:
    """Run `load` for every account; an account that fails is recorded, the next one goes on,
    and the failed account (kept in `failed`, shared by a source's resources) is skipped by the
    resources that run after it in the same load."""
    for account_id in accounts:
        if account_id in failed:
            log.warning("%s: skipping account %s, it failed earlier in this run", source,
                        account_id)
            continue
        try:
            yield from load(account_id)
        except SourceError as exc:
            failed.add(account_id)
            record(exc)
