"""Hostile input to every page: no form post and no query string gets a server error.

What schemathesis does for the API (tests/api/test_contract.py), done for the pages. Every GET route of
the URL map is requested with fuzzed query strings; every form the pages show (found by reading the
HTML of every GET route, as a person would find it) is posted with fuzzed fields and a valid CSRF
token, so the input reaches validation, the services and the database. Every WTForms form class the
pages did not show in this scene is run through its own validation with the same input. The input
holds what broke pages before: NUL and other control characters, numbers past PostgreSQL's integers,
digits other than 0-9, invisible and right-to-left characters, codes that are not currencies, empty
and very long text. Examples are derandomized, so every run tries the same inputs.
"""

from __future__ import annotations

import importlib
import io
import pkgutil
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any

import pytest
from flask_wtf import FlaskForm
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from werkzeug.datastructures import MultiDict

import app as app_package
from app.core.access import Role
from app.core.errors import PodiumError
from tests.challenges.test_manage_pages import _form_data as _challenge_form_data
from tests.conftest import TEST_PASSWORD

EXAMPLES_PER_ROUTE = 10
EXAMPLES_PER_FORM = 15
FUZZ_EMAIL = "fuzz@acme.example"  # a member of the scene's sponsor organisation
# Paths the fuzzer leaves alone: the API (schemathesis fuzzes it), static files, the mounted RQ
# dashboard (being replaced by our own job pages) and the storage backend's signed links.
SKIPPED_PREFIXES = ("/api/", "/static", "/admin/rq", "/storage/")
# Signing out would leave the rest of a run anonymous; it takes no input but its token.
SKIPPED_POSTS = ("/logout",)

EDGE_CASES = [
    "",
    " ",
    "\x00",
    "a\x00b",
    "\x07",
    "\x1b[2J",
    "line\r\nbreak",
    "\u202eexe.pdf",
    "\u2066x\u2069",
    "\u200b",
    "\u3164",
    "\ufeff",
    "0",
    "-1",
    "2147483648",
    "9223372036854775808",
    "-9223372036854775809",
    "1" * 400,
    "1e308",
    "NaN",
    "-inf",
    "\u0661\u0662\u0663",
    "\uff11\uff12",
    "5,000.00",
    "XAU",
    "XXX",
    "2030-13-45T25:61",
    "0000-01-01T00:00",
    "9999-12-31T23:59",
    "x" * 3000,
    "%00",
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    "../../etc/passwd",
]
hostile_text = st.one_of(
    st.sampled_from(EDGE_CASES),
    st.text(max_size=30),
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
)
QUERY_NAMES = [
    "page",
    "q",
    "status",
    "role",
    "sort",
    "skill",
    "reward",
    "eligibility",
    "actor",
    "action",
    "subject_type",
    "from",
    "to",
    "quarter",
    "version",
    "disposition",
    "submission",
    "next",
    "reward_kind",
    "currency",
    "bounty",
    "tiers",
    "token",
]
FUZZ_SETTINGS = {
    "deadline": None,
    "derandomize": True,
    "database": None,
    "suppress_health_check": list(HealthCheck),
}


# --- finding the routes and the forms ---------------------------------------------------------------


def _url_for_rule(rule, slug: str) -> str:
    """The rule's path with an argument that names something in the scene (ids restart at 1)."""
    values: dict[str, Any] = {}
    for name in rule.arguments:
        converter = type(rule._converters[name]).__name__
        if converter == "BoundedIntConverter":
            values[name] = 1
        elif converter == "AnyConverter":
            values[name] = next(iter(rule._converters[name].items))
        elif name == "slug":
            values[name] = slug
        else:
            values[name] = "x"
    return rule.build(values, append_unknown=False)[1]


def get_routes(app, slug: str) -> list[str]:
    paths = []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.rule.startswith(SKIPPED_PREFIXES):
            continue
        paths.append(_url_for_rule(rule, slug))
    return sorted(set(paths))


@dataclass
class HtmlForm:
    """A form as a page shows it: where it posts, and its fields with the values they start with."""

    page: str
    action: str
    multipart: bool
    fields: list[tuple[str, str, list[str]]] = field(default_factory=list)  # name, type, options
    values: dict[str, str] = field(default_factory=dict)


class _FormReader(HTMLParser):
    def __init__(self, page: str):
        super().__init__()
        self.page = page
        self.forms: list[HtmlForm] = []
        self._form: HtmlForm | None = None
        self._select: str | None = None

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "form" and (attributes.get("method") or "get").lower() == "post":
            self._form = HtmlForm(
                page=self.page,
                action=attributes.get("action") or self.page,
                multipart=(attributes.get("enctype") or "") == "multipart/form-data",
            )
        elif self._form is None or (not attributes.get("name") and tag != "option"):
            return
        elif tag in ("input", "textarea", "button"):
            name, kind = attributes["name"], (attributes.get("type") or tag).lower()
            self._form.fields.append((name, kind, []))
            if kind not in ("checkbox", "radio") or "checked" in attributes:
                self._form.values.setdefault(name, attributes.get("value") or "")
        elif tag == "select":
            self._select = attributes["name"]
            self._form.fields.append((self._select, "select", []))
        elif tag == "option" and self._select is not None:
            options = next(options for name, _, options in self._form.fields if name == self._select)
            options.append(attributes.get("value") or "")

    def handle_endtag(self, tag):
        if tag == "form" and self._form is not None:
            self.forms.append(self._form)
            self._form = None
        elif tag == "select":
            self._select = None


def forms_on(page: str, html: str) -> list[HtmlForm]:
    reader = _FormReader(page)
    reader.feed(html)
    return reader.forms


def app_form_classes() -> list[type[FlaskForm]]:
    """Every WTForms form class the app defines (each module imported, so none is missed)."""
    for module in pkgutil.walk_packages(app_package.__path__, "app."):
        if module.name.endswith((".forms", "_forms")) or ".forms." in module.name:
            importlib.import_module(module.name)
    found, pending = [], list(FlaskForm.__subclasses__())
    while pending:
        cls = pending.pop()
        pending.extend(cls.__subclasses__())
        if cls.__module__.startswith("app.") and not cls.__name__.startswith("_"):
            found.append(cls)
    return sorted(set(found), key=lambda cls: (cls.__module__, cls.__name__))


# --- the fuzzing ----------------------------------------------------------------------------------


@pytest.fixture
def fuzz_user(scene, make_user):
    return make_user(FUZZ_EMAIL, Role.SPONSOR, Role.JUDGE, Role.CONTRIBUTOR, Role.ADMIN, name="Fuzz Tester")


def _query(draw_names, draw_values):
    return st.lists(st.tuples(draw_names, draw_values), max_size=4).map(MultiDict)


def _fuzz_route(path: str, browser, anonymous, names) -> None:
    for killer in KILLERS:  # every parameter the pages read, at once, set to what broke them before
        for client in (browser, anonymous):
            response = client.get(path, query_string={name: killer for name in QUERY_NAMES})
            assert response.status_code < 500, (path, killer, response.status_code)

    @given(query=_query(names, hostile_text), signed_in=st.booleans())
    @settings(max_examples=EXAMPLES_PER_ROUTE, **FUZZ_SETTINGS)
    def call(query, signed_in):
        response = (browser if signed_in else anonymous).get(path, query_string=query)
        assert response.status_code < 500, (path, query.items(multi=True), response.status_code)

    call()


def test_every_get_route_answers_fuzzed_query_strings_without_a_server_error(app, scene, fuzz_user, login):
    browser = login(FUZZ_EMAIL)
    anonymous = app.test_client()
    names = st.one_of(st.sampled_from(QUERY_NAMES), hostile_text)
    failures = []
    for path in get_routes(app, scene.challenge.slug):
        try:
            _fuzz_route(path, browser, anonymous, names)
        except AssertionError as failure:
            failures.append(str(failure))
    assert not failures, "\n".join(failures)


def _crawl(app, login, slug: str) -> list[HtmlForm]:
    """Every post form on every GET page, signed in (all roles) and signed out, one per action."""
    found: dict[str, HtmlForm] = {}
    for browser in (login(FUZZ_EMAIL), app.test_client()):
        for path in get_routes(app, slug):
            response = browser.get(path)
            if response.status_code == 200 and response.mimetype == "text/html":
                for form in forms_on(path, response.get_data(as_text=True)):
                    if not form.action.startswith(SKIPPED_POSTS):
                        found.setdefault(form.action, form)
    return list(found.values())


# Valid fillings of the forms whose page starts them empty, so that changing one field at a time
# reaches the service and the database instead of stopping at the first empty required field.
PASSWORD = "correct horse battery staple"
BASELINES: dict[str, dict[str, str]] = {
    "/challenges/new": _challenge_form_data(),
    "/payouts/admin/deposits": {"currency": "EUR", "amount": "100.00", "reference": "F-1"},
    "/payouts/admin/points": {"amount": "1,500", "reference": "F-2"},
    "/account/password": {"current_password": TEST_PASSWORD, "new_password": PASSWORD, "confirm": PASSWORD},
    "/payouts/payee": {"legal_name": "Fuzz Tester"},
    "/account/tokens": {"name": "Fuzz script", "scope": "read", "lifetime_days": "30"},
    "/register": {
        "email": "new@outside.example",
        "display_name": "New Person",
        "password": PASSWORD,
        "confirm": PASSWORD,
    },
    "/judging/conflicts": {"organization": "Rival"},
    "/admin/approval-cap": {"cap-hours_per_week": "10"},
}
BASELINES_BY_SUFFIX: dict[str, dict[str, str]] = {
    "/extend": {"extend-closes_at": "2031-06-01T12:00"},
    "/raise": {"raise-bounty": "60,000"},
    "/cancel": {"cancel-reason": "The budget moved."},
}
# One field at a time set to each of these, the rest left valid: what broke pages before.
KILLERS = ("a\x00b", "9223372036854775808", "\u0661\u0662\u0663", "\u202e\u200b")
FILE_KINDS = ("file",)


def _baseline(form: HtmlForm) -> dict[str, Any]:
    """The form as the page fills it in (a select at its first real option), made valid where known."""
    data: dict[str, Any] = {}
    for name, kind, options in form.fields:
        if name.endswith("csrf_token") or kind in ("submit", "button", "file") or name in data:
            continue
        if kind in ("checkbox", "radio") and name not in form.values:
            continue  # an unticked box sends nothing
        value = form.values.get(name, "")
        if kind == "select" and not value:
            value = next((option for option in options if option), "")
        data[name] = value
    data.update(BASELINES.get(form.action, {}))
    for suffix, filling in BASELINES_BY_SUFFIX.items():
        if form.action.endswith(suffix):
            data.update(filling)
    for name, kind, _ in form.fields:
        if kind == "file":
            data[name] = (io.BytesIO(b"%PDF-1.4\n%fuzz\n"), "fuzz.pdf")
    return data


def _fuzzable(form: HtmlForm) -> list[str]:
    return sorted(
        {
            name
            for name, kind, _ in form.fields
            if not name.endswith("csrf_token") and kind not in ("submit", "button")
        }
    )


def _fuzzed_fields(form: HtmlForm):
    """The valid filling with one to three fields changed to hostile text (a file to an odd one)."""
    names = _fuzzable(form)
    kinds = {name: kind for name, kind, _ in form.fields}

    @st.composite
    def build(draw):
        data = _baseline(form)
        for name in draw(st.sets(st.sampled_from(names), min_size=1, max_size=3)):
            if kinds[name] == "file":
                content = draw(st.sampled_from([b"", b"\x00" * 64, b"email,name\na@b.example,\x00\n"]))
                filename = draw(st.sampled_from(["\u202efdp.exe", "\u200b", "../x.pdf", "org.csv"]))
                data[name] = (io.BytesIO(content), filename)
            else:
                data[name] = draw(hostile_text)
        return data

    return build()


def _post(browser, form: HtmlForm, token: str, data: dict[str, Any]) -> None:
    tokens = {name: token for name, _, _ in form.fields if name.endswith("csrf_token")}
    content_type = "multipart/form-data" if form.multipart else None
    response = browser.post(form.action, data={**data, **tokens}, content_type=content_type)
    shown = {name: value for name, value in data.items() if not isinstance(value, tuple)}
    assert response.status_code < 500, (form.action, shown, response.status_code)


def _fuzz_form(form: HtmlForm, browser, token: str) -> None:
    kinds = {name: kind for name, kind, _ in form.fields}
    for name in _fuzzable(form):
        if kinds[name] != "file":
            for killer in KILLERS:
                _post(browser, form, token, {**_baseline(form), name: killer})

    @given(data=_fuzzed_fields(form))
    @settings(max_examples=EXAMPLES_PER_FORM, **FUZZ_SETTINGS)
    def post(data):
        _post(browser, form, token, data)

    post()


def test_every_form_on_the_pages_answers_fuzzed_posts_without_a_server_error(app, scene, fuzz_user, login):
    forms = _crawl(app, login, scene.challenge.slug)
    assert len(forms) >= 20, [form.action for form in forms]  # the scene shows most of the app's forms
    failures = []
    for form in forms:
        signed_in = form.page not in ("/login", "/register")
        browser = login(FUZZ_EMAIL) if signed_in else app.test_client()
        page = browser.get(form.page).get_data(as_text=True)
        # Flask-WTF gives one token per session, whatever the form's prefix.
        token = next(
            (
                value
                for fresh in forms_on(form.page, page)
                for name, value in fresh.values.items()
                if name.endswith("csrf_token")
            ),
            "",
        )
        try:
            _fuzz_form(form, browser, token)
        except AssertionError as failure:
            failures.append(str(failure))
    assert not failures, "\n".join(failures)


def _form_data_for(form_class: type[FlaskForm]):
    """Hostile text for every field the form class declares (FieldList rows by their first entry)."""
    with_prefix = form_class(meta={"csrf": False})
    return st.fixed_dictionaries({field.name: hostile_text for field in _leaf_fields(with_prefix)})


def _leaf_fields(form):
    for item in form:
        subform = getattr(item, "form", None)
        entries = getattr(item, "entries", None)
        if entries is not None:
            for entry in entries[:1]:
                yield from _leaf_fields(entry.form) if hasattr(entry, "form") else [entry]
        elif subform is not None:
            yield from _leaf_fields(subform)
        else:
            yield item


def _fuzz_form_class(app, form_class: type[FlaskForm]) -> None:
    with app.test_request_context("/", method="POST"):
        strategy = _form_data_for(form_class)

    @given(data=strategy)
    @settings(max_examples=EXAMPLES_PER_FORM, **FUZZ_SETTINGS)
    def validate(data):
        with app.test_request_context("/", method="POST", data=data):
            try:
                form = form_class(meta={"csrf": False})
            except PodiumError:
                return  # the request's own check refused the text (422), as the page would
            for select in (field for field in _leaf_fields(form) if hasattr(field, "choices")):
                if select.choices is None:
                    select.choices = []
            form.validate()

    validate()


def test_every_form_class_validates_fuzzed_input_without_an_error(app, scene):
    """Forms some pages show only in states this scene lacks (a judge's review, payee details) are
    still run through their own validation: an exception there would be a 500 on their page."""
    classes = app_form_classes()
    assert len(classes) >= 25, classes
    failures = []
    for form_class in classes:
        try:
            _fuzz_form_class(app, form_class)
        except Exception as failure:
            failures.append(f"{form_class.__module__}.{form_class.__name__}: {failure!r}")
    assert not failures, "\n".join(failures)
