"""Sponsor-written Markdown (brief, rules) turned into HTML that is safe to put on a page.

markdown-it renders CommonMark plus tables with raw HTML switched off; nh3 then keeps only an
allow-list of tags, attributes and link schemes, so nothing a sponsor types can run script.
"""

from __future__ import annotations

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup

_RENDERER = MarkdownIt("commonmark", {"html": False}).enable("table")

ALLOWED_TAGS = {
    "a",
    "blockquote",
    "br",
    "code",
    "em",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "img",
    "li",
    "ol",
    "p",
    "pre",
    "strong",
    "table",
    "tbody",
    "td",
    "th",
    "thead",
    "tr",
    "ul",
}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title"},
    "ol": {"start"},
    "th": {"style"},
    "td": {"style"},
}
ALLOWED_URL_SCHEMES = {"http", "https", "mailto"}
LINK_REL = "noopener noreferrer nofollow"


def render_markdown(text: str, *, heading_offset: int = 0) -> Markup:
    """The HTML for ``text``, sanitised; empty input gives empty markup.

    ``heading_offset`` moves headings down (2 turns "# Goal" into <h3>) so a sponsor's headings sit
    under the page's own; none goes below <h6>.
    """
    if not text or not text.strip():
        return Markup("")
    tokens = _RENDERER.parse(text)
    if heading_offset:
        for token in tokens:
            if token.type in ("heading_open", "heading_close"):
                token.tag = f"h{min(int(token.tag[1]) + heading_offset, 6)}"
    html = _RENDERER.renderer.render(tokens, _RENDERER.options, {})
    cleaned = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=ALLOWED_URL_SCHEMES,
        link_rel=LINK_REL,
        # Table alignment arrives as inline style; keep that one property and drop any other.
        filter_style_properties={"text-align"},
    )
    return Markup(cleaned)  # noqa: S704  (nh3 has just sanitised it against the allow-list)
