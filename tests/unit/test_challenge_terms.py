"""The posting form, the API's bodies and answers and the posting rules state the same terms with the
same bounds: those of the one description in app.challenges.terms.

Each check lists its disagreements with the description; a term missing from the form, from the API's
in, patch or out models or from ``ChallengeTerms`` is one, and so is a bound that differs. The last
tests show the checks do fail: a made-up term, and a real one with a moved bound, are both reported.
"""

from __future__ import annotations

import dataclasses
import re
import types
import typing
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from typing import Any

import pytest
from flask import Flask
from wtforms import Field, FieldList, SelectField, SelectMultipleField

from app.api.challenges import ChallengeIn, ChallengeOut, ChallengePatch, CriterionIn, CriterionOut
from app.challenges.forms import MEBIBYTE, ChallengeForm, CriterionForm
from app.challenges.rules import (
    FIXED_AFTER_FUNDING,
    FIXED_AFTER_OPENING,
    ChallengeTerms,
    Windows,
    describe_fields,
    problems,
)
from app.challenges.terms import (
    CRITERIA,
    CRITERION_TERMS,
    CURRENCY,
    MAX_FILE,
    PREFERRED_SKILLS,
    SCALE_MAX,
    SCALE_MIN,
    SKILLS,
    TERMS,
    TITLE,
    Bounds,
    Criterion,
    Lock,
    Term,
)
from tests.unit.sample_terms import GOOD as SAMPLE
from tests.unit.sample_terms import NOW

# The terms tests also ask for manager approval, so its hours are checked too.
GOOD = replace(SAMPLE, requires_manager_approval=True, expected_hours_per_week=4)
MADE_UP = Term("colour", str, "Colour", length=Bounds(1, 20), default="blue")
# The form's only field that is no term: whether the reward is cash or points (points set the currency).
FORM_ONLY = {"reward_kind"}


def _name(term: Term) -> str:
    return term.name


# --- the form ------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def forms():
    app = Flask(__name__)
    app.config.update(SECRET_KEY="unit", WTF_CSRF_ENABLED=False)
    with app.test_request_context():
        yield ChallengeForm(), CriterionForm()


def _shown_at_first(field: Field) -> Any:
    """What the empty form shows: the field's default, or for a list without one its first choice."""
    if field.default is None and isinstance(field, SelectField):
        return field.choices[0].value
    return field.default


def form_disagreements(form: Any, term: Term) -> list[str]:
    field = getattr(form, term.form_field, None)
    if not isinstance(field, Field):
        return [f"the form has no field {term.form_field!r} for {term.name}"]
    found = []
    if field.label.text != term.label:
        found.append(f"label {field.label.text!r}, described {term.label!r}")
    if (field.description or "") != term.help:
        found.append(f"hint {field.description!r}, described {term.help!r}")
    if term.typed_length or term.length:
        longest = term.typed_length or term.length.most
        if field.flags.maxlength != longest:
            found.append(f"takes {field.flags.maxlength} characters, described {longest}")
    elif term.value:
        least, most = term.value.least, term.value.most
        if term.form_field == MAX_FILE.form_field:  # asked for in whole MB
            least, most = -(-least // MEBIBYTE), most // MEBIBYTE
        if (field.flags.min, field.flags.max) != (least, most):
            found.append(f"takes {field.flags.min} to {field.flags.max}, described {least} to {most}")
    if term.choices and not term.typed_length:
        offered = tuple(choice.value for choice in field.choices)
        if set(offered) != set(term.choices):
            found.append(f"offers {offered}, described {term.choices}")
        if term.items and isinstance(field, SelectMultipleField) and len(offered) != term.items.most:
            found.append(f"offers {len(offered)} to tick, described at most {term.items.most}")
    if term.items and isinstance(field, FieldList) and field.max_entries != term.items.most:
        found.append(f"has {field.max_entries} rows, described at most {term.items.most}")
    shown = _shown_at_first(field)
    if not term.required and shown is not None and shown != term.default:
        found.append(f"shows {shown!r} at first, described default {term.default!r}")
    return found


@pytest.mark.parametrize("term", TERMS, ids=_name)
def test_the_form_states_each_term_with_its_label_hint_and_bounds(forms, term):
    challenge_form, _ = forms
    assert form_disagreements(challenge_form, term) == []


@pytest.mark.parametrize("term", CRITERION_TERMS, ids=_name)
def test_each_rubric_row_of_the_form_states_its_parts_with_their_bounds(forms, term):
    _, criterion_form = forms
    assert form_disagreements(criterion_form, term) == []


def test_the_form_asks_for_nothing_that_is_not_a_term(forms):
    challenge_form, criterion_form = forms
    assert {field.name for field in challenge_form} - {term.form_field for term in TERMS} == FORM_ONLY
    assert {field.name for field in criterion_form} == {term.name for term in CRITERION_TERMS}


# --- the API ---------------------------------------------------------------------------------------------


def _schema(model: Any, mode: str = "validation") -> dict[str, Any]:
    return model.model_json_schema(mode=mode)


def _without_null(schema: dict[str, Any]) -> dict[str, Any]:
    """A nullable property's schema without its null: what a patch says when the term is sent."""
    if "anyOf" not in schema:
        return schema
    [member] = [member for member in schema["anyOf"] if member.get("type") != "null"]
    return {**member, **{key: value for key, value in schema.items() if key != "anyOf"}}


def _json_types(python_type: Any) -> set[str]:
    if python_type is datetime or python_type is str:
        return {"string"}
    if python_type is bool:
        return {"boolean"}
    if python_type is type(None):
        return {"null"}
    if python_type is int:
        return {"integer"}
    if typing.get_origin(python_type) is tuple:
        return {"array"}
    if isinstance(python_type, types.UnionType):
        return set().union(*(_json_types(member) for member in typing.get_args(python_type)))
    raise AssertionError(f"no JSON type known for {python_type!r}")


def _stated_types(schema: dict[str, Any]) -> set[str]:
    if "anyOf" in schema:
        return set().union(*(_stated_types(member) for member in schema["anyOf"]))
    return {schema["type"]} if "type" in schema else {"object"}


def _money_disagreements(term: Term, schema: dict[str, Any], definitions: dict[str, Any]) -> list[str]:
    """The bounty and its currency travel together as MoneyIn, the API's one shape for money."""
    money = definitions[schema["$ref"].rsplit("/", 1)[-1]]["properties"]
    if term is CURRENCY or term.name == CURRENCY.name:
        pattern = money["currency"]["pattern"]
        fits = [re.fullmatch(pattern, "A" * size) is not None for size in range(8)]
        described = [term.length.hold(size) for size in range(8)]
        return [] if fits == described else [f"a currency code matches {pattern}, described {term.length}"]
    amount = money["amount_minor"]
    found = []
    if amount["maximum"] != term.value.most:
        found.append(f"takes amounts to {amount['maximum']}, described {term.value.most}")
    # MoneyIn takes zero, as every amount the API reads; the rules refuse a bounty below its least.
    if amount["minimum"] > term.value.least:
        found.append(f"takes amounts from {amount['minimum']}, described {term.value.least}")
    return found


def _bound_disagreements(term: Term, schema: dict[str, Any]) -> list[str]:
    found = []
    each = schema.get("items", {}) if typing.get_origin(term.type) is tuple else schema
    if term.length and (each.get("minLength"), each.get("maxLength")) != (
        term.length.least,
        term.length.most,
    ):
        found.append(f"length {each.get('minLength')} to {each.get('maxLength')}, described {term.length}")
    if term.value and (schema.get("minimum"), schema.get("maximum")) != (term.value.least, term.value.most):
        found.append(f"value {schema.get('minimum')} to {schema.get('maximum')}, described {term.value}")
    if term.items:
        stated = (schema.get("minItems", 0), schema.get("maxItems"))
        if stated != (term.items.least, term.items.most):
            found.append(f"{stated[0]} to {stated[1]} items, described {term.items}")
    if term.choices and set(each.get("enum", ())) != set(term.choices):
        found.append(f"choices {each.get('enum')}, described {term.choices}")
    return found


def api_disagreements(
    term: Term, body: Any = ChallengeIn, patch: Any | None = ChallengePatch, out: Any = ChallengeOut
) -> list[str]:
    """How the API's body, patch (if there is one) and answer differ from the term's description."""
    found = []
    models = [(body, "validation"), (patch, "validation"), (out, "serialization")]
    for model, mode in [(model, mode) for model, mode in models if model is not None]:
        schema = _schema(model, mode)
        stated = schema["properties"].get(term.api_name)
        if stated is None:
            found.append(f"{model.__name__} has no {term.api_name!r} for {term.name}")
            continue
        if model is out:
            if "$ref" not in stated and _stated_types(stated) != _json_types(term.type):
                found.append(f"{model.__name__} gives {_stated_types(stated)}, described {term.type}")
            continue
        required = term.api_name in schema.get("required", ())
        if required != (term.required and model is body):
            found.append(f"{model.__name__} {'requires' if required else 'does not require'} {term.api_name}")
        if model is body and "default" in stated and stated["default"] != term.default:
            found.append(f"{model.__name__} defaults to {stated['default']!r}, described {term.default!r}")
        if model is patch and "null" not in _stated_types(stated):
            found.append(f"{model.__name__} cannot leave {term.api_name} out with null")
        sent = _without_null(stated)
        if "$ref" in sent:
            found += _money_disagreements(term, sent, schema["$defs"])
            continue
        if _stated_types(sent) - {"null"} != _json_types(term.type) - {"null"}:
            found.append(f"{model.__name__} takes {_stated_types(sent)}, described {term.type}")
        found += [f"{model.__name__}: {problem}" for problem in _bound_disagreements(term, sent)]
    return found


@pytest.mark.parametrize("term", TERMS, ids=_name)
def test_the_api_takes_patches_and_gives_each_term_with_its_bounds(term):
    assert api_disagreements(term) == []


@pytest.mark.parametrize("term", CRITERION_TERMS, ids=_name)
def test_the_api_takes_and_gives_each_part_of_a_rubric_row_with_its_bounds(term):
    # A patch replaces the rubric whole, so a row has no patch shape of its own.
    assert api_disagreements(term, CriterionIn, None, CriterionOut) == []


def test_the_api_takes_nothing_that_is_not_a_term():
    terms = {term.api_name for term in TERMS}
    assert set(ChallengeIn.model_fields) == terms
    assert set(ChallengePatch.model_fields) == terms
    assert terms <= set(ChallengeOut.model_fields)
    assert set(CriterionIn.model_fields) == {term.name for term in CRITERION_TERMS}


# --- the rules -------------------------------------------------------------------------------------------


def rules_disagreements(term: Term, holder: Any = ChallengeTerms) -> list[str]:
    """The rules' dataclass holds the term, as the described type and with the described default."""
    declared = {field.name: field for field in dataclasses.fields(holder)}
    if term.name not in declared:
        return [f"{holder.__name__} has no {term.name!r}"]
    found = []
    hinted = typing.get_type_hints(holder)[term.name]
    if hinted != term.type:
        found.append(f"{holder.__name__}.{term.name} is {hinted}, described {term.type}")
    default = declared[term.name].default
    if default is not dataclasses.MISSING and default != term.default:
        found.append(f"{holder.__name__}.{term.name} defaults to {default!r}, described {term.default!r}")
    return found


@pytest.mark.parametrize("term", TERMS, ids=_name)
def test_the_rules_hold_each_term_as_described(term):
    assert rules_disagreements(term) == []


@pytest.mark.parametrize("term", CRITERION_TERMS, ids=_name)
def test_a_rubric_row_holds_each_part_as_described(term):
    assert rules_disagreements(term, Criterion) == []


def test_the_rules_hold_nothing_that_is_not_a_term():
    assert {field.name for field in dataclasses.fields(ChallengeTerms)} == {term.name for term in TERMS}
    assert {field.name for field in dataclasses.fields(Criterion)} == {term.name for term in CRITERION_TERMS}


# How to make a value of a given size for the terms whose sizes the rules check, at the edges of their
# bounds; the skill lists are left out: the skills vocabulary bounds them as it names them, for profiles
# and challenges alike (app.skills.services.skills_named).
def _split(places: int) -> tuple[int, ...]:
    """A full, best-first split of 10000 basis points into ``places`` places."""
    return tuple(10_000 // places + (1 if place < 10_000 % places else 0) for place in range(places))


SIZED: dict[str, Callable[[int], Any]] = {
    "title": lambda size: "x" * size,
    "summary": lambda size: "x" * size,
    "brief_md": lambda size: "x" * size,
    "rules_md": lambda size: "x" * size,
    "currency": lambda size: ("EUR" + "O" * size)[:size],  # a real code only at exactly 3 letters
    "tiers_bp": _split,
    "allowed_types": lambda size: ("application/pdf",) * size,
    "criteria": lambda size: tuple(Criterion(f"Criterion {number}") for number in range(size)),
}
ROW_SIZED: dict[str, Callable[[int], Any]] = {
    "name": lambda size: "x" * size,
    "guidance": lambda size: "x" * size,
}
# What else a rubric row needs for one part to sit at the edge of its bounds and nothing else to be wrong.
ROW_CONTEXT = {
    SCALE_MIN.name: {"scale_max": SCALE_MAX.value.most},
    SCALE_MAX.name: {"scale_min": SCALE_MIN.value.least},
}


def _edges(bounds: Bounds, *, floor: int = 0) -> tuple[list[int], list[int]]:
    """(allowed sizes, refused sizes) at both ends of the bounds; nothing below ``floor`` is tried."""
    refused = [size for size in (bounds.least - 1, bounds.most + 1) if size >= floor]
    return [bounds.least, bounds.most], refused


def _probes(term: Term, sized: dict[str, Callable[[int], Any]]) -> list[tuple[Any, bool]]:
    """(value, whether the rules must accept it) at the edges of every bound the term has."""
    probes: list[tuple[Any, bool]] = []
    if term.value:
        allowed, refused = _edges(term.value, floor=-(10**18))
        probes += [(size, True) for size in allowed] + [(size, False) for size in refused]
    for bounds in (term.length, term.items):
        if bounds and term.name in sized:
            allowed, refused = _edges(bounds)
            probes += [(sized[term.name](size), True) for size in allowed]
            probes += [(sized[term.name](size), False) for size in refused]
    return probes


SKILL_LISTS = {SKILLS.name, PREFERRED_SKILLS.name}
PROBED = [term for term in TERMS if _probes(term, SIZED)]


@pytest.mark.parametrize("term", PROBED, ids=_name)
def test_the_rules_refuse_each_term_just_outside_its_bounds_and_take_it_just_inside(term):
    for value, accepted in _probes(term, SIZED):
        found = problems(replace(GOOD, **{term.name: value}), now=NOW, windows=Windows())
        assert (term.form_field not in found) is accepted, (term.name, value, found)
        assert set(found) <= {term.form_field}, (term.name, value, found)  # and nothing else is wrong


@pytest.mark.parametrize("term", [term for term in CRITERION_TERMS if _probes(term, ROW_SIZED)], ids=_name)
def test_the_rules_refuse_each_part_of_a_rubric_row_just_outside_its_bounds(term):
    for value, accepted in _probes(term, ROW_SIZED):
        row = Criterion(**{"name": "Speed", **ROW_CONTEXT.get(term.name, {}), term.name: value})
        found = problems(replace(GOOD, criteria=(row,)), now=NOW)
        assert ("criteria" not in found) is accepted, (term.name, value, found)


def test_every_bounded_term_but_the_skill_lists_is_probed():
    bounded = {term.name for term in TERMS if term.length or term.value or term.items}
    assert bounded - {term.name for term in PROBED} == SKILL_LISTS


def test_what_locks_and_how_messages_name_it_come_from_the_description():
    assert tuple(term.name for term in TERMS if term.locks is Lock.FUNDING) == FIXED_AFTER_FUNDING
    assert set(FIXED_AFTER_FUNDING) <= set(FIXED_AFTER_OPENING)
    assert {TITLE.name, SKILLS.name, PREFERRED_SKILLS.name}.isdisjoint(FIXED_AFTER_OPENING)
    assert describe_fields(["bounty_minor", "tiers_bp", "criteria", "judges_per_entry"]) == (
        "bounty, prize split, rubric, judges per entry"
    )


# --- the checks do fail ------------------------------------------------------------------------------------


def test_a_term_missing_from_the_form_the_api_or_the_rules_is_reported(forms):
    challenge_form, _ = forms
    assert form_disagreements(challenge_form, MADE_UP) == ["the form has no field 'colour' for colour"]
    assert api_disagreements(MADE_UP) == [
        "ChallengeIn has no 'colour' for colour",
        "ChallengePatch has no 'colour' for colour",
        "ChallengeOut has no 'colour' for colour",
    ]
    assert rules_disagreements(MADE_UP) == ["ChallengeTerms has no 'colour'"]


def test_a_bound_that_moved_in_the_description_only_is_reported(forms):
    challenge_form, _ = forms
    longer = replace(TITLE, length=Bounds(3, 161))
    assert form_disagreements(challenge_form, longer) == ["takes 160 characters, described 161"]
    assert [problem for problem in api_disagreements(longer) if "length" in problem] == [
        "ChallengeIn: length 3 to 160, described Bounds(least=3, most=161)",
        "ChallengePatch: length 3 to 160, described Bounds(least=3, most=161)",
    ]
    fewer_rows = replace(CRITERIA, items=Bounds(1, 7))
    assert form_disagreements(challenge_form, fewer_rows) == ["has 8 rows, described at most 7"]
    assert api_disagreements(fewer_rows)
