"""Markdown written by sponsors (brief, rules) and contributors (an entry's description) turned into
HTML that is safe to put on a page.

markdown-it renders CommonMark plus tables with raw HTML switched off; nh3 then keeps only an
allow-list of tags, attributes, classes and link schemes, so nothing anyone types can run script.
Two things are rewritten before that, so pages keep a Content-Security-Policy with no inline style and
no third-party origin: a table column's alignment becomes a class rather than a ``style``, and an image
from another site becomes a link to it. An image would be fetched by every reader's browser, and an
entry's maker could learn from their own server when, and from where, a blind judge read the entry.
"""

from __future__ import annotations

import nh3
from markdown_it import MarkdownIt
from markdown_it.token import Token
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
}
ALIGNMENT_CLASSES = {"align-left", "align-center", "align-right"}
ALLOWED_CLASSES = {"th": ALIGNMENT_CLASSES, "td": ALIGNMENT_CLASSES}
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
    for token in tokens:
        _align_by_class(token)
        if token.children:
            token.children = [piece for child in token.children for piece in _own_images_only(child)]
    html = _RENDERER.renderer.render(tokens, _RENDERER.options, {})
    cleaned = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        allowed_classes=ALLOWED_CLASSES,
        url_schemes=ALLOWED_URL_SCHEMES,
        link_rel=LINK_REL,
    )
    return Markup(cleaned)  # noqa: S704  (nh3 has just sanitised it against the allow-list)


def _align_by_class(token: Token) -> None:
    """markdown-it aligns a table cell with ``style="text-align:right"``; use ``class="align-right"``."""
    style = token.attrGet("style")
    if token.type in ("th_open", "td_open") and isinstance(style, str):
        del token.attrs["style"]
        alignment = style.removeprefix("text-align:")
        if f"align-{alignment}" in ALIGNMENT_CLASSES:
            token.attrSet("class", f"align-{alignment}")


def _own_images_only(token: Token) -> list[Token]:
    """An image on our own site as it is; one from elsewhere (or from any scheme) as a link to it."""
    source = token.attrGet("src")
    if token.type != "image" or not isinstance(source, str) or _on_this_site(source):
        return [token]
    label = token.content or source
    link_open = Token("link_open", "a", 1, attrs={"href": source})
    text = Token("text", "", 0, content=f"Image: {label}")
    return [link_open, text, Token("link_close", "a", -1)]


def _on_this_site(source: str) -> bool:
    """A path on our own origin: ``/static/x.png`` or ``figures/x.png``, not ``//host/x`` or ``https:``."""
    return not source.startswith("//") and ":" not in source.split("/", 1)[0]
