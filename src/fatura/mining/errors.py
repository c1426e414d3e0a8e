"""The one error a reader or the engine raises for bad input: a human message that names the
file and where in it (line, trace, row, column) the problem is."""

from __future__ import annotations


class LogError(Exception):
    """A log that cannot be read or mined as given."""

    def __init__(self, message: str, source: str | None = None, where: str | None = None):
        self.message = message
        self.source = source
        self.where = where
        super().__init__(self.__str__())

    def __str__(self) -> str:
        place = ", ".join(part for part in (self.source, self.where) if part)
        return f"{place}: {self.message}" if place else self.message
