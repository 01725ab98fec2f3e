"""What the offline tools share: their behaviour hints and the error they raise on bad input.

The tools compute from their arguments alone (or from documents the task handed over), so they are
read-only, idempotent, never destructive and closed-world; saying so lets the executor run them
without asking and lets it retry them safely.
"""

from __future__ import annotations

from palaestra.routing.errors import ApiCallError
from palaestra.routing.records import Annotations

#: The behaviour hints of every offline tool.
OFFLINE = Annotations(read_only=True, destructive=False, idempotent=True, open_world=False)


class ToolInputError(ApiCallError, ValueError):
    """A tool refused its input. The message says what is wrong and how to write it instead.

    It is an `ApiCallError`, so the executor returns it to the model as an `api_error` result (not
    retried: the same input fails the same way); it is also a `ValueError` for direct Python callers.
    """


class CalculatorError(ToolInputError):
    """An expression the calculator cannot or will not evaluate."""


class ConversionError(ToolInputError):
    """An unknown unit, incompatible units, or a date that cannot be read or computed."""


class DocumentError(ToolInputError):
    """A document title that the task's documents do not contain."""
