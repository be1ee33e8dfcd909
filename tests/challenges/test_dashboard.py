"""The sponsor's challenge dashboard: the funnel, a progress bar and a score chart per judge, the
proposed results with flags and the publish button, all without naming any entry's maker."""

from __future__ import annotations

import re

from app.judging import reviews
from tests.judging import test_results

judged_challenge = test_results.judged_challenge  # six entries, four judges, judging under way


def test_while_judging_the_dashboard_shows_the_funnel_and_each_judges_progress(
    db,
    scene,
    judged_challenge,
    login,
):
    judges, _entries = judged_challenge
    first_judge = judges[0]
    mine = reviews.assignments_of(first_judge)
    first, second = scene.challenge.criteria
    reviews.save_review(mine[0].id, first_judge, {str(first.id): 9, str(second.id): 9}, submit=True)
    reviews.save_review(mine[1].id, first_judge, {str(first.id): 4}, submit=False)

    html = login(scene.sponsor.email).get(f"/challenges/{scene.challenge.slug}/manage").get_data(as_text=True)
    assert "6</span> entries submitted" in html
    assert "1 / 18</span> reviews in" in html and "6%</span> judged" in html
    assert re.search(r"due in \d+ (days|hours)", html)
    for judge in judges:
        assert f"{judge.display_name}: " in html  # a labelled progress bar and chart per judge
    assert f'aria-label="{first_judge.display_name}: 1 of {len(mine)} reviewed"' in html
    assert "1 draft" in html
    assert "<svg" in html and "1 review from 8.2 to 10.0" in html  # the weighted 9 lands in the top band
    assert "Results are proposed when every review is in" in html
    assert "Maker Secret" not in html and "secret-" not in html


def test_with_proposed_results_the_dashboard_shows_flags_calibration_and_publish(
    db,
    scene,
    judged_challenge,
    login,
    run_worker,
):
    judges, entries = judged_challenge
    test_results._score_everything(scene, judges, entries)
    run_worker()
    db.session.expire_all()
    html = login(scene.sponsor.email).get(f"/challenges/{scene.challenge.slug}/manage").get_data(as_text=True)
    assert "18 / 18</span> reviews in" in html and "100%</span> judged" in html
    assert "Proposed results" in html and f"/judging/results/{scene.challenge.slug}/publish" in html
    for entry in entries:
        assert f"Entry {entry.alias}" in html
    assert (
        "Each judge&#39;s estimated leniency and scale" in html or "Each judge's estimated leniency" in html
    )
    assert re.search(r"leniency [+-]\d\.\d\d", html)
    assert "Maker Secret" not in html and "secret-" not in html


def test_posting_is_a_guided_flow_with_steps_in_order(db, scene, login):
    html = login(scene.sponsor.email).get("/challenges/new").get_data(as_text=True)
    assert "data-steps" in html and "stepper.js" in html and "prize_preview.js" in html
    labels = re.findall(r'<ol class="steps".*?</ol>', html, re.S)[0]
    assert [re.sub(r"<[^>]+>", "", item).strip() for item in re.findall(r"<li>(.*?)</li>", labels, re.S)] == [
        "Details",
        "Prizes",
        "Rubric",
        "Timeline",
        "Funding",
        "Publish",
    ]
    order = [html.index(f'id="step-{key}"') for key in ("details", "prizes", "rubric", "timeline")]
    assert order == sorted(order)
    assert html.index('id="step-prizes"') < html.index("data-prize-preview") < html.index('id="step-rubric"')


def test_a_draft_dashboard_puts_funding_as_the_current_step(db, scene, login):
    from app.challenges import services as challenges
    from app.core.timeutil import utcnow
    from tests.challenges.support import terms_at

    draft = challenges.create_challenge(scene.sponsor, terms_at(utcnow(), title="Draft one"))
    html = login(scene.sponsor.email).get(f"/challenges/{draft.slug}/manage").get_data(as_text=True)
    assert re.search(r'href="[^"]*#fund" class=""\s*aria-current="step">Funding', html)
    assert 'id="fund"' in html
