"""The one gate every request's text passes before a view reads it: the address, the query string,
the form fields and a JSON body may hold no NUL, no lone surrogate and no control character but tab
and line breaks.

Such text is refused (422, or 404 for an address), not stripped. A NUL cannot be stored by
PostgreSQL at all, so any that slipped through turned a form into a 500; no person types these
characters, so a request holding one comes from a program or a corrupted paste, and silently changing
what was sent would store something other than what its sender saw. Refusing here covers every form,
query string and JSON body at once, including the fields views read straight from ``request.form``;
the stricter rules for names (nothing invisible, no bidi controls) stay with the fields that need
them (app/core/text.py). A file's bytes are not text and are not looked at; a file's name is cleaned
where it is stored.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask import Flask, Request, request
from werkzeug.datastructures import MultiDict

from app.core.errors import NotFound, ValidationFailed
from app.core.text import describe, first_control, unstorable


def _bad_char(text: str) -> str | None:
    return unstorable(text) or first_control(text, multiline=True)


def refuse_unusable(text: str, where: str, *, name: str | None = None, code: str = "invalid_body") -> None:
    """ValidationFailed naming ``where`` (and the field ``name``) when ``text`` holds a character no
    field accepts; ``code`` says whether the query string (invalid_query) or the body was at fault."""
    bad = _bad_char(text)
    if bad is None:
        return
    message = f"{where} contains {describe(bad)}, which no field accepts; nothing was changed."
    raise ValidationFailed(message, field=name, errors={name: message} if name else None, code=code)


def refuse_unusable_pairs(pairs: Iterable[tuple[str, str]], what: str, *, code: str = "invalid_body") -> None:
    """Refuse the first name or value among ``pairs`` (a form's or query string's) holding unusable text."""
    for name, value in pairs:
        refuse_unusable(name, f"A {what} name", code=code)
        # The name is quoted only once known to be clean; it says which field to look at.
        refuse_unusable(value, f"The {what} “{name[:40]}”", name=name, code=code)


def _refuse_in_json(data: Any) -> None:
    pending = [data]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            refuse_unusable(item, "A text in the JSON body")
        elif isinstance(item, dict):
            for key, value in item.items():
                refuse_unusable(key, "A name in the JSON body")
                pending.append(value)
        elif isinstance(item, list):
            pending.extend(item)


class CheckedRequest(Request):
    """Flask's request, refusing unusable text in the form and the JSON body when they are read.

    Checked on reading, not on arrival, so a view that streams its own body (the no-JavaScript
    upload) is not made to parse it first.
    """

    def _load_form_data(self) -> None:
        super()._load_form_data()
        form = self.__dict__.get("form")
        if isinstance(form, MultiDict):
            refuse_unusable_pairs(form.items(multi=True), "form field")

    def get_json(self, force: bool = False, silent: bool = False, cache: bool = True) -> Any:
        data = super().get_json(force=force, silent=silent, cache=cache)
        _refuse_in_json(data)
        return data


def check_address() -> None:
    """Refuse a path or query string holding unusable text, before routing or any view reads it.

    A path with such a character names nothing (404, as the router answers any unknown address); a
    query string with one is invalid input (422 ``invalid_query``, as the API answers bad parameters).
    """
    bad = _bad_char(request.path)
    if bad is not None:
        raise NotFound(f"The address contains {describe(bad)}; nothing has such an address.")
    refuse_unusable_pairs(request.args.items(multi=True), "query parameter", code="invalid_query")


def register_input_guard(app: Flask) -> None:
    app.request_class = CheckedRequest
    # First of all before-request functions, so nothing reads the query string unchecked.
    app.before_request_funcs.setdefault(None, []).insert(0, check_address)
