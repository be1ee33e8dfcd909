"""The building blocks every API body and answer is made of: strict inputs, money, ids, times.

Inputs are strict (no "5" for 5, no unknown fields) and say their limits in the JSON Schema the
OpenAPI document publishes, so what a client reads there is exactly what the server accepts.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field

from app.api.converters import MAX_ID
from app.api.pagination import DEFAULT_LIMIT, MAX_LIMIT
from app.core.text import control_problem

# No string may carry a control character but tab and line breaks (app/core/text.py): PostgreSQL
# refuses NUL in text, and no person types the others. The pattern says so in the OpenAPI document.
NO_CONTROLS = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]*$"
EARLIEST, LATEST = 2000, 2999


def _no_controls(text: str) -> str:
    problem = control_problem(text, multiline=True)
    if problem is not None:
        raise ValueError(problem)
    return text


def _in_utc(moment: datetime) -> datetime:
    try:
        moment = moment.astimezone(UTC)
    except OverflowError:
        raise ValueError("the time is out of range") from None
    if not EARLIEST <= moment.year <= LATEST:
        raise ValueError(f"times must fall between the years {EARLIEST} and {LATEST}")
    return moment


def text(max_length: int, min_length: int = 0):
    """A string type with the given length limits, free of control characters but tab and line breaks."""
    return Annotated[
        str,
        Field(min_length=min_length, max_length=max_length, pattern=NO_CONTROLS),
        AfterValidator(_no_controls),
    ]


Id = Annotated[int, Field(ge=1, le=MAX_ID)]
Time = Annotated[AwareDatetime, AfterValidator(_in_utc)]
Currency = Annotated[str, Field(pattern=r"^[A-Z]{3}$", description="ISO 4217 code, or PTS for points")]
AmountMinor = Annotated[int, Field(ge=0, le=10**15, description="whole minor units (cents for USD)")]


class Input(BaseModel):
    """A request body: exact types, no unknown fields."""

    model_config = ConfigDict(extra="forbid", strict=True)


class Query(BaseModel):
    """Query-string parameters: text on the wire, so numbers are read from strings; no unknown names."""

    model_config = ConfigDict(extra="forbid")


class Output(BaseModel):
    """An answer's shape; built by the handlers from rows, never from client input."""

    model_config = ConfigDict(from_attributes=True)


class Money(Output):
    amount_minor: int = Field(description="whole minor units: 150000 USD is 1,500.00 US dollars")
    currency: str = Field(description="ISO 4217 code, or PTS for points")


class MoneyIn(Input):
    amount_minor: AmountMinor
    currency: Currency


def money(amount_minor: int, currency: str) -> Money:
    return Money(amount_minor=amount_minor, currency=currency)


class FileRow(Output):
    """One row of an uploaded file and what is wrong with it (``problem`` is null for a good row)."""

    line: int = Field(description="the file's line number, counting the header as line 1")
    reference: str
    problem: str | None


class Problem(Output):
    """RFC 9457 problem details; ``code`` is stable, ``detail`` is for people and may be reworded."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str
    code: str = Field(description="machine-readable reason, e.g. not_found, invalid_body, token_expired")
    field: str | None = Field(default=None, description="the input the problem is about, when one is")
    errors: dict[str, str] | None = Field(default=None, description="several problems by field")
    rows: list[FileRow] | None = Field(
        default=None, description="for an uploaded file refused whole: every row and its problem, if any"
    )


class PageQuery(Query):
    limit: int = Field(default=DEFAULT_LIMIT, ge=1, le=MAX_LIMIT, description="items per page")
    cursor: text(500) | None = Field(default=None, description="next_cursor from the previous page")
