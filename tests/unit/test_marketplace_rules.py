"""Small marketplace rules: the hours cap, quarters, survey summaries, SVG charts and skill levels."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.marketplace.capacity import capacity_problem, hours_problem
from app.marketplace.charts import Bar, bar_chart
from app.marketplace.outcomes import SurveyAnswer, percent, summarise_surveys
from app.marketplace.quarters import Quarter, parse_quarter, quarter_of
from app.skills.levels import SkillEntryError, SkillLevel, format_skill_entries, parse_skill_entries


def test_the_cap_may_be_reached_but_not_passed():
    assert capacity_problem(4, 4, 8) is None
    assert capacity_problem(4, 5, 8) == (
        "That would make 9 approved hours a week; the limit is 8 per person across running challenges, "
        "and 4 are already approved (4 left)."
    )
    assert hours_problem(0) and hours_problem(41) and hours_problem(1) is None


@given(st.integers(0, 80), st.integers(1, 40), st.integers(1, 40))
def test_the_cap_refuses_exactly_the_sums_above_it(held, requested, cap):
    assert (capacity_problem(held, requested, cap) is None) == (held + requested <= cap)


def test_quarters_have_utc_bounds_and_names():
    quarter = quarter_of(datetime(2026, 8, 15, tzinfo=UTC))
    assert quarter == Quarter(2026, 3) and quarter.name == "2026-Q3"
    assert quarter.starts_at == datetime(2026, 7, 1, tzinfo=UTC)
    assert quarter.ends_at == datetime(2026, 10, 1, tzinfo=UTC)
    assert Quarter(2026, 4).next() == Quarter(2027, 1) and Quarter(2026, 1).previous() == Quarter(2025, 4)
    assert parse_quarter(" 2026-q2 ") == Quarter(2026, 2)
    assert parse_quarter("2026-Q5") is None and parse_quarter("next") is None


def test_survey_summary_reads_as_a_sponsor_would():
    answers = [
        SurveyAnswer(5, True, ("SQL", "Python")),
        SurveyAnswer(4, True, ("sql",)),
        SurveyAnswer(2, False, ()),
        SurveyAnswer(5, False, ("Writing",)),
    ]
    summary = summarise_surveys(6, answers)
    assert (summary.sent, summary.answered, summary.useful_percent, summary.again_percent) == (6, 4, 75, 50)
    assert summary.score_counts == {1: 0, 2: 1, 3: 0, 4: 1, 5: 2}
    assert summary.top_skills[0] == ("SQL", 2)
    assert summarise_surveys(3, []).useful_percent is None


def test_percent_rounds_halves_up():
    assert percent(1, 8) == 13 and percent(17, 20) == 85 and percent(0, 0) is None


def test_a_bar_chart_is_svg_whose_bars_carry_their_figures_and_escape_labels():
    svg = bar_chart(
        "Who <took> part", [Bar("Internal & co", 3), Bar("External", 6, "six people")], chart_id="x"
    )
    assert svg.startswith("<svg") and svg.endswith("</svg>")
    assert '<title id="x-title">Who &lt;took&gt; part</title>' in svg
    assert 'data-label="Internal &amp; co" data-value="3"' in svg
    assert 'data-label="External" data-value="6"' in svg and "six people" in svg
    assert 'width="150.0"' in svg and 'width="300.0"' in svg  # scaled to the largest bar (300 px of plot)
    assert "No data yet" in bar_chart("Empty", [])


def test_skill_entries_carry_levels_and_read_back():
    parsed = parse_skill_entries(["Python: expert", " SQL ", "UX research: 1", ""])
    assert parsed == [
        ("Python", SkillLevel.EXPERT),
        ("SQL", SkillLevel.PRACTISED),
        ("UX research", SkillLevel.LEARNING),
    ]
    assert format_skill_entries(parsed) == "Python: expert, SQL, UX research: learning"
    with pytest.raises(SkillEntryError, match="learning, practised, expert"):
        parse_skill_entries(["Python: guru"])
