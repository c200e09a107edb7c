"""The one error a report raises for anything a user typed that it cannot use."""

from __future__ import annotations

from collections.abc import Iterable


class ReportError(Exception):
    """Anything a report cannot do, said in one line a user can act on."""

    exit_code = 1


class OutputRefused(ReportError):
    """An output file a report will not write: the warehouse or a run's state, a folder, a file
    in a folder that does not exist. Exit code 2, as for arguments the command line rejects."""

    exit_code = 2


class InvalidFilter(ReportError, ValueError):
    """A filter, column, level or option the reports do not know, naming the valid values."""

    def __init__(self, what: str, value: object, valid: Iterable[object] | None = None,
                 expected: str | None = None) -> None:
        self.what = what
        self.value = value
        self.valid = [str(v) for v in valid] if valid is not None else None
        if self.valid is not None:
            shown = ", ".join(self.valid) if self.valid else "(none)"
            hint = f"valid values: {shown}"
        else:
            hint = f"expected {expected}"
        super().__init__(f"unknown {what} {value!r}; {hint}" if self.valid is not None
                         else f"invalid {what} {value!r}; {hint}")
