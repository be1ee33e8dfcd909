"""What text from outside may hold: no character a database cannot store, no control codes, names
that show something and cannot reorder the text around them."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.core.text import (
    BIDI_CONTROLS,
    TextError,
    clean_filename,
    clean_name,
    control_problem,
    unstorable,
)


@pytest.mark.parametrize("text", ["a\x00b", "\x00", "a\ud800b"])
def test_nul_and_lone_surrogates_cannot_be_stored(text):
    assert unstorable(text) is not None
    assert control_problem(text, multiline=True) is not None


@pytest.mark.parametrize("text", ["plain", "Zoë Ünal", "日本語", "line one\r\nline two\tand a tab", ""])
def test_multi_line_text_keeps_tabs_and_line_breaks(text):
    assert control_problem(text, multiline=True) is None


@pytest.mark.parametrize("text", ["bell\x07", "escape\x1b[31m", "delete\x7f", "c1\x85", "vertical\x0b"])
def test_other_control_characters_are_refused_in_any_text(text):
    assert control_problem(text, multiline=True) is not None


def test_single_line_text_refuses_line_breaks_and_tabs():
    assert "U+000A" in (control_problem("two\nlines") or "")
    assert control_problem("a\tb") is not None


@pytest.mark.parametrize(
    ("typed", "kept"),
    [
        ("  Ada   Lovelace ", "Ada Lovelace"),
        ("Zoë", "Zoë"),
        ("\u202eevil\u202c", "evil"),  # a right-to-left override is taken out
        ("Bob \u2066admin\u2069", "Bob admin"),
        ("محمد", "محمد"),  # right-to-left letters themselves are fine
        ("Ada\u200dLovelace", "Ada\u200dLovelace"),  # a joiner beside letters is allowed
    ],
)
def test_names_are_cleaned_of_extra_spaces_and_bidi_controls(typed, kept):
    assert clean_name(typed) == kept


@pytest.mark.parametrize("typed", ["Ada\x00", "Ada\nLovelace", "tab\there", "\x1b[2J"])
def test_names_with_control_characters_are_refused(typed):
    with pytest.raises(TextError, match="contains U\\+"):
        clean_name(typed)


@pytest.mark.parametrize(
    "typed",
    [
        "\u200b",  # zero-width space
        "\u200b\u200c\u200d\u2060",  # zero-width space, non-joiner, joiner, word joiner
        "\u3164",  # Hangul filler
        "\u2800\u2800",  # Braille blank
        "\u00a0\u2003",  # no-break and em spaces
        "\u0301\u0308",  # combining marks with nothing to sit on
        "\u202e\u202c",  # only bidi controls
        "\ufeff",  # byte order mark
    ],
)
def test_names_made_only_of_invisible_characters_are_refused(typed):
    with pytest.raises(TextError, match="no visible characters"):
        clean_name(typed)


@pytest.mark.parametrize(
    ("sent", "kept"),
    [
        ("report.pdf", "report.pdf"),
        ("invoice\u202efdp.exe", "invoicefdp.exe"),  # would read as "invoiceexe.pdf"
        ("a\u2067b\u2069.pdf", "ab.pdf"),
        ("C:\\Users\\me\\entry.pdf", "entry.pdf"),
        ("../../etc/passwd", "passwd"),
        ("tab\tand\nnewline.pdf", "tabandnewline.pdf"),
        ("nul\x00.pdf", "nul.pdf"),
    ],
)
def test_file_names_lose_paths_controls_and_bidi_controls(sent, kept):
    assert clean_filename(sent) == kept


@pytest.mark.parametrize("sent", ["", "\u202e", "\x00\x01", "dir/", "\u200b"])
def test_a_file_name_with_nothing_visible_is_refused(sent):
    with pytest.raises(TextError):
        clean_filename(sent)


@given(st.text())
def test_a_cleaned_name_never_holds_a_bidi_control_or_control_character(text):
    try:
        cleaned = clean_name(text)
    except TextError:
        return
    assert not set(cleaned) & BIDI_CONTROLS
    assert control_problem(cleaned) is None
    assert cleaned == cleaned.strip() and cleaned


@given(st.text())
def test_a_cleaned_file_name_never_holds_a_bidi_control_control_character_or_path(text):
    try:
        cleaned = clean_filename(text)
    except TextError:
        return
    assert not set(cleaned) & BIDI_CONTROLS
    assert control_problem(cleaned) is None
    assert "/" not in cleaned and "\\" not in cleaned


def test_skill_names_shown_to_others_lose_their_bidi_controls():
    from app.skills.services import shown_skill_name, skill_slug

    assert shown_skill_name(" Data\u202e  \u2066visualisation\u2069 ") == "Data visualisation"
    assert skill_slug(shown_skill_name("Py\u202ethon")) == "python"
