"""Sponsor Markdown becomes safe HTML: formatting and tables survive, script and script links do not."""

import pytest
from markupsafe import Markup

from app.challenges.markdown import render_markdown


def test_emphasis_headings_and_lists_are_kept():
    html = render_markdown("## Goal\n\nMake it *fast* and **right**:\n\n- one\n- two\n")
    assert "<h2>Goal</h2>" in html
    assert "<em>fast</em>" in html and "<strong>right</strong>" in html
    assert "<li>one</li>" in html


def test_tables_are_rendered_with_their_alignment():
    html = render_markdown("| Item | Points |\n|:-----|-------:|\n| Speed | *10* |\n")
    assert "<table>" in html and "<th" in html
    assert '<td class="align-right"><em>10</em></td>' in html
    assert "style=" not in html  # the page's policy allows no inline style


def test_result_is_markup_so_templates_do_not_escape_it_again():
    assert isinstance(render_markdown("plain"), Markup)
    assert render_markdown("") == Markup("")
    assert render_markdown("   \n") == Markup("")


@pytest.mark.parametrize(
    "source",
    [
        "<script>alert('x')</script>",
        "Hello <script>alert('x')</script> world",
        "<img src=x onerror=alert(1)>",
        '<a href="javascript:alert(1)">click</a>',
    ],
)
def test_raw_html_never_becomes_tags(source):
    html = render_markdown(source)
    assert "<script" not in html
    assert "<img" not in html
    assert "<a " not in html


@pytest.mark.parametrize(
    "source",
    [
        "[click](javascript:alert(1))",
        "[click](JaVaScRiPt:alert(1))",
        "[click](vbscript:msgbox(1))",
        "[click](data:text/html;base64,PHNjcmlwdD4=)",
        "![x](javascript:alert(1))",
    ],
)
def test_script_links_lose_their_target(source):
    html = render_markdown(source).lower()
    assert 'href="javascript' not in html
    assert 'src="javascript' not in html
    assert 'href="vbscript' not in html
    assert 'href="data:' not in html


def test_links_open_safely_and_are_not_endorsed():
    html = render_markdown('[docs](https://example.com/docs "The docs")')
    assert (
        '<a href="https://example.com/docs" title="The docs" rel="noopener noreferrer nofollow">docs</a>'
        in html
    )


def test_mailto_and_relative_links_are_kept():
    html = render_markdown("[mail](mailto:help@example.com) and [faq](/challenges/faq)")
    assert 'href="mailto:help@example.com"' in html
    assert 'href="/challenges/faq"' in html


def test_code_blocks_show_html_as_text():
    html = render_markdown("```\n<script>alert(1)</script>\n```")
    assert "<pre><code>&lt;script&gt;alert(1)&lt;/script&gt;\n</code></pre>" in html


def test_headings_can_be_moved_under_the_pages_own_but_not_past_h6():
    html = render_markdown("# Goal\n\n#### Detail\n\n###### Fine print", heading_offset=2)
    assert "<h3>Goal</h3>" in html and "<h6>Detail</h6>" in html and "<h6>Fine print</h6>" in html


def test_an_image_from_another_site_becomes_a_link_and_our_own_stays_an_image():
    html = render_markdown(
        "![chart](https://tracker.example/p.png?entry=7) ![logo](/static/logo.png) ![x](//cdn.example/x)"
    )
    assert "<img" in html and 'src="/static/logo.png"' in html
    assert html.count("<img") == 1  # a reader's browser fetches nothing from tracker.example or cdn.example
    assert (
        '<a href="https://tracker.example/p.png?entry=7" rel="noopener noreferrer nofollow">Image: chart</a>'
        in html
    )
    assert '<a href="//cdn.example/x" rel="noopener noreferrer nofollow">Image: x</a>' in html
