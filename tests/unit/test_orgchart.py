"""Checking an org chart CSV: header, every bad line with its reason, duplicates and manager cycles."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.marketplace.orgchart import OrgChartFileError, check, parse


def _check(text: str, existing=None):
    return check(parse(text.splitlines(keepends=True)), existing or {})


def test_a_clean_file_gives_every_employee_with_lower_cased_keys():
    chart = _check(
        "Email,Name,Manager_Email,Department\n"
        "Boss@Host.example,Bea Boss,,Board\n"
        "ann@host.example,Ann Analyst,BOSS@host.example,Data\n"
        "\n"
    )
    assert chart.is_clean
    assert [(e.line, e.email, e.manager_email, e.department) for e in chart.employees] == [
        (2, "boss@host.example", None, "Board"),
        (3, "ann@host.example", "boss@host.example", "Data"),
    ]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("email,name,salary\na@host.example,A,1\n", "Unknown column 'salary'"),
        ("email,name,name\na@host.example,A,A\n", "appears twice"),
        ("email,department\na@host.example,A\n", "needs the column name"),
        ("", "empty"),
    ],
)
def test_a_bad_header_refuses_the_whole_file(text, message):
    with pytest.raises(OrgChartFileError, match=message):
        _check(text)


def test_every_bad_line_is_reported_with_its_number_and_reason():
    chart = _check(
        "email,name,manager_email,department\n"
        "not-an-address,Nobody,,\n"
        "b@host.example,,,\n"
        "c@host.example,Cee,c@host.example,\n"
        "d@host.example,Dee,ghost@host.example,\n"
        "e@host.example,Eve,,Ops,extra\n"
        "f@host.example,Eff,,\n"
    )
    reasons = {error.line: error.reason for error in chart.errors}
    assert reasons == {
        2: "'not-an-address' is not an e-mail address.",
        3: "The name is missing.",
        4: "A person can't be their own manager.",
        5: "The manager ghost@host.example is neither in the file nor a Podium user.",
        6: "The line has more values than the header has columns.",
    }
    assert [e.email for e in chart.employees] == ["f@host.example"]


def test_a_repeated_email_refuses_every_line_carrying_it():
    chart = _check("email,name\nx@host.example,X\ny@host.example,Y\nX@host.example,Ex\n")
    assert {(e.line, e.reason) for e in chart.errors} == {
        (2, "The e-mail x@host.example also appears on line 4."),
        (4, "The e-mail x@host.example also appears on line 2."),
    }
    assert [e.email for e in chart.employees] == ["y@host.example"]


def test_a_manager_cycle_in_the_file_refuses_every_line_in_it_and_those_below():
    chart = _check(
        "email,name,manager_email\n"
        "a@host.example,A,b@host.example\n"
        "b@host.example,B,c@host.example\n"
        "c@host.example,C,a@host.example\n"
        "d@host.example,D,a@host.example\n"
        "e@host.example,E,\n"
    )
    reasons = {error.line: error.reason for error in chart.errors}
    assert reasons[2] == "Manager cycle: a@host.example → b@host.example → c@host.example → a@host.example."
    assert reasons[3].startswith("Manager cycle: b@host.example")
    assert reasons[5] == "The manager a@host.example is on line 2, which was refused."
    assert [e.email for e in chart.employees] == ["e@host.example"]


def test_a_cycle_through_existing_accounts_is_found():
    # boss already reports to ann in Podium; the file makes ann report to boss.
    existing = {"boss@host.example": "ann@host.example", "ann@host.example": None}
    chart = _check("email,name,manager_email\nann@host.example,Ann,boss@host.example\n", existing)
    assert chart.errors[0].reason == "Manager cycle: ann@host.example → boss@host.example → ann@host.example."


def test_the_file_overrides_existing_reporting_lines_so_a_reorganisation_is_no_cycle():
    existing = {"boss@host.example": "ann@host.example", "ann@host.example": None}
    chart = _check(
        "email,name,manager_email\nann@host.example,Ann,boss@host.example\nboss@host.example,Boss,\n",
        existing,
    )
    assert chart.is_clean


def test_too_many_rows_refuse_the_file():
    with pytest.raises(OrgChartFileError, match="more than 2 people"):
        check(
            parse(["email,name\n", "a@h.example,A\n", "b@h.example,B\n", "c@h.example,C\n"], max_rows=2), {}
        )


people = [f"p{index}@host.example" for index in range(8)]


@given(st.lists(st.tuples(st.sampled_from(people), st.sampled_from([None, *people])), max_size=12))
def test_what_is_applied_never_loops_repeats_or_dangles(lines):
    text = "email,name,manager_email\n" + "".join(f"{email},N,{manager or ''}\n" for email, manager in lines)
    chart = _check(text)
    emails = [e.email for e in chart.employees]
    assert len(emails) == len(set(emails))
    managers = {e.email: e.manager_email for e in chart.employees}
    for email in emails:
        seen, cursor = set(), email
        while cursor is not None:
            assert cursor in managers, "a manager of an applied line is applied too"
            assert cursor not in seen, "no loops"
            seen.add(cursor)
            cursor = managers[cursor]
    assert len(chart.employees) + len(chart.errors) == len(lines)


def test_lines_with_control_characters_or_invisible_names_are_refused_and_names_lose_bidi_controls():
    chart = _check(
        "email,name,department\n"
        "nul@host.example,Nul\x00Person,Data\n"
        "bell@host.example,Bell,Da\x07ta\n"
        "blank@host.example,\u200b\u3164,Data\n"
        "rlo@host.example,\u202eAnn Analyst\u202c,Data\n"
    )
    reasons = {error.line: error.reason for error in chart.errors}
    assert reasons == {
        2: "The name contains U+0000 (NULL), which no field accepts.",
        3: "The department contains U+0007 (a control character), which no field accepts.",
        4: "The name has no visible characters; type it with letters or digits.",
    }
    assert [(employee.email, employee.name) for employee in chart.employees] == [
        ("rlo@host.example", "Ann Analyst")
    ]
