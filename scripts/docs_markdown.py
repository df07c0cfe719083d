"""Python-Markdown set up to render docs/*.md the way GitHub shows them.

The pages are written for GitHub: heading anchors are GitHub's slugs, lists
nest by the parent's content column, and a list may start right after a
paragraph line.  Python-Markdown differs on all three, so this module
bridges them.  It also drops the HTML comments the doc test reads (see
docs/writing-docs.md) and turns links to X.md into links to X.html,
recording every link and id so that build_docs.py can check them.

For the HTML site it highlights code blocks with Pygments, records the
headings and the text under each (the search index), puts a contents list
on long pages, and marks the links whose text is a file name (`api.md`) so
that build_docs.py can show the target's title instead.
"""

import html
import re
import xml.etree.ElementTree as etree
from typing import NamedTuple

import markdown
from markdown.extensions import Extension
from markdown.postprocessors import Postprocessor
from markdown.preprocessors import Preprocessor
from markdown.treeprocessors import Treeprocessor
from markdown.util import HTML_PLACEHOLDER_RE
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import get_lexer_by_name
from pygments.util import ClassNotFound

# A relative link to another page, or to an anchor of this one.
PAGE_LINK_RE = re.compile(r"^(?P<page>[^:/?#]+\.md)?(?:#(?P<anchor>.*))?$")
LIST_ITEM_RE = re.compile(r"^(?P<indent> *)(?P<marker>[-*+]|\d+\.)(?P<gap> +|$)")
HEADING_RE = re.compile(r"^#{1,6}(\s|$)")
THEMATIC_BREAK_RE = re.compile(r"^ {0,3}([-*_])( *\1){2,} *$")
COMMENT_RE = re.compile(r"<!--.*?-->", re.S)
TAG_RE = re.compile(r"<[^>]*>")
# What fenced_code stashes for a block with a language (the code escaped).
FENCED_CODE_RE = re.compile(
    r'<pre><code class="language-(?P<lang>[^"]+)">(?P<code>.*)</code></pre>', re.S)
HEADING_TAGS = {"h1", "h2", "h3", "h4", "h5", "h6"}
# A page with this many ## sections or more gets a contents list.
CONTENTS_MIN_SECTIONS = 4
# Stands in a link's text for the title of the page it names by file name,
# until every page's title is known (see fill_link_titles).  STX and ETX
# never occur in the text: Python-Markdown's own placeholders use them.
TITLE_MARK = "\x02title:{}\x03"
TITLE_MARK_RE = re.compile("\x02title:([^\x03]*)\x03")


class Heading(NamedTuple):
    level: int
    id: str
    name: str  # plain text, as shown


def github_slug(text):
    """The anchor GitHub gives a heading with this text."""
    slug = re.sub(r"[^\w\- ]", "", text.strip().lower())
    return slug.replace(" ", "-")


class GithubSlugs:
    """toc's slugify for one page: repeated headings get -1, -2 like on
    GitHub (toc's own de-duplication would append _1)."""

    def __init__(self):
        self.seen = set()

    def __call__(self, text, separator):
        base = slug = github_slug(text)
        count = 0
        while slug in self.seen:
            count += 1
            slug = f"{base}-{count}"
        self.seen.add(slug)
        return slug


def list_item(line):
    """The match of a list item line, or None (a `* * *` rule is no item)."""
    if THEMATIC_BREAK_RE.match(line):
        return None
    return LIST_ITEM_RE.match(line)


def ends_list(line):
    """Whether the line is an unindented heading, HTML comment or stashed
    block (fenced code): these close a list even with no blank line before."""
    return (HEADING_RE.match(line) is not None or line.startswith("<!--")
            or HTML_PLACEHOLDER_RE.fullmatch(line.rstrip()) is not None)


class GithubListsPreprocessor(Preprocessor):
    """Re-indents lists so Python-Markdown nests them as GitHub does.

    GitHub nests an item under its parent when it is indented to the
    parent's content column (2 for `- `, 3 for `1. `); Python-Markdown wants
    4 spaces per level and would flatten the list.  GitHub also lets a list
    start right after a paragraph line, where Python-Markdown needs a blank
    line.  Runs after fenced_code, so code blocks are placeholders here.
    """

    def run(self, lines):
        out = []
        columns = []  # content column of each open list item, outermost first
        prev_blank = True
        for line in lines:
            if not line.strip():
                out.append(line)
                prev_blank = True
                continue
            item = list_item(line)
            if item and self.starts_item(item, columns, prev_blank):
                if not columns and not prev_blank:
                    out.append("")
                out.append(self.reindent_item(item, line, columns))
            else:
                out.append(self.reindent_text(line, columns, prev_blank))
            prev_blank = False
        return out

    @staticmethod
    def starts_item(item, columns, prev_blank):
        if columns:
            return True
        indent = len(item["indent"])
        if prev_blank:
            return indent < 4  # deeper is an indented code block
        # Only bullets and "1." may interrupt a paragraph (CommonMark).
        return indent < 4 and item["marker"] in ("-", "*", "+", "1.")

    @staticmethod
    def reindent_item(item, line, columns):
        indent = len(item["indent"])
        while columns and indent < columns[-1]:
            columns.pop()
        depth = len(columns)
        columns.append(indent + len(item["marker"]) + max(len(item["gap"]), 1))
        return " " * (4 * depth) + line[indent:]

    @staticmethod
    def reindent_text(line, columns, prev_blank):
        if not columns:
            return line
        if ends_list(line):
            columns.clear()
            return line
        indent = len(line) - len(line.lstrip(" "))
        if not prev_blank:  # a paragraph's continuation line, lazy or not
            return " " * (4 * len(columns)) + line[indent:]
        while columns and indent < columns[-1]:
            columns.pop()
        if not columns:
            return line
        extra = indent - columns[-1]  # e.g. an indented code block in the item
        return " " * (4 * len(columns) + extra) + line[indent:]


def highlighted(block):
    """A stashed fenced code block, highlighted if Pygments knows its
    language; a block without a language (or with an unknown one) stays
    as it is."""
    match = FENCED_CODE_RE.fullmatch(block)
    if not match:
        return block
    try:
        lexer = get_lexer_by_name(match["lang"], stripnl=False)
    except ClassNotFound:
        return block
    code = highlight(html.unescape(match["code"]), lexer, HtmlFormatter(nowrap=True))
    return f'<pre class="highlight"><code class="language-{match["lang"]}">{code}</code></pre>'


class HighlightPreprocessor(Preprocessor):
    """Highlights fenced code blocks at build time.

    Runs right after fenced_code, which has put each block in the HTML stash
    as <pre><code class="language-X">.  (The codehilite extension would also
    wrap the blocks without a language and drop the language class.)
    """

    def run(self, lines):
        blocks = self.md.htmlStash.rawHtmlBlocks
        blocks[:] = [highlighted(block) for block in blocks]
        return lines


class StripCommentsPostprocessor(Postprocessor):
    """Drops HTML comments written in the Markdown (the doc test's markers).

    Runs after raw HTML is put back.  Text and code are escaped by then
    (`&lt;!--`), so only comments the author wrote as HTML match.
    """

    def run(self, text):
        return COMMENT_RE.sub("", text)


def stashed_text(raw):
    """What a reader sees of stashed raw HTML, for the search index; code
    blocks are left out (their words would drown the prose's)."""
    if raw.startswith("<pre"):
        return ""
    return TAG_RE.sub("", COMMENT_RE.sub("", raw))


def visible_text(element):
    """The element's text, without the "#" link toc puts in headings."""
    parts = [element.text or ""]
    for child in element:
        if child.get("class") != "headerlink":
            parts.append(visible_text(child))
        parts.append(child.tail or "")
    return "".join(parts)


class PageTreeprocessor(Treeprocessor):
    """A tree processor that records what it finds in the DocsExtension."""

    def __init__(self, md, ext):
        super().__init__(md)
        self.ext = ext


class NamedLinksTreeprocessor(Treeprocessor):
    """Gives a link whose whole text is its target's file name (`api.md`) a
    TITLE_MARK as text instead, which build_docs.py fills in."""

    def run(self, root):
        for link in root.iter("a"):
            match = PAGE_LINK_RE.match(link.get("href", ""))
            if match and match["page"] and "".join(link.itertext()).strip() == match["page"]:
                link[:] = []  # a <code> around the name goes with it
                link.text = TITLE_MARK.format(link.get("href"))


class OutlineTreeprocessor(PageTreeprocessor):
    """Records the page's headings in `ext.headings` and its text, cut at
    each heading, in `ext.sections` ({"id", "heading", "text"}: the search
    index).

    Runs after unescape, so the text holds no escape placeholders; the
    stashed raw HTML and entities it still refers to are put in as text.
    """

    def run(self, root):
        sections = [{"id": "", "heading": "", "text": []}]  # before any heading
        for element in root:
            if element.tag in HEADING_TAGS and "id" in element.attrib:
                heading = Heading(int(element.tag[1]), element.get("id"), self.plain_text(element))
                self.ext.headings.append(heading)
                sections.append({"id": heading.id, "heading": heading.name, "text": []})
            else:
                sections[-1]["text"].append(self.plain_text(element))
        for section in sections:
            section["text"] = " ".join(" ".join(section["text"]).split())
        self.ext.sections = [s for s in sections if s["heading"] or s["text"]]

    def plain_text(self, element):
        def unstash(match):
            return stashed_text(str(self.md.htmlStash.rawHtmlBlocks[int(match[1])]))
        text = HTML_PLACEHOLDER_RE.sub(unstash, visible_text(element))
        return " ".join(html.unescape(text).split())


def contents_list(headings):
    """<nav class="contents">: the ## headings, each with its ### ones."""
    nav = etree.Element("nav", {"class": "contents", "aria-label": "Contents"})
    nav.tail = "\n"
    etree.SubElement(nav, "p", {"class": "contents-title"}).text = "Contents"
    top = etree.SubElement(nav, "ul")
    parent, sublist = None, None
    for heading in headings:
        if heading.level == 2 or parent is None:
            item = parent = etree.SubElement(top, "li")
            sublist = None
        else:
            if sublist is None:
                sublist = etree.SubElement(parent, "ul")
            item = etree.SubElement(sublist, "li")
        etree.SubElement(item, "a", {"href": f"#{heading.id}"}).text = heading.name
    return nav


class ContentsTreeprocessor(PageTreeprocessor):
    """Puts a contents list before the first ## heading of a long page
    (CONTENTS_MIN_SECTIONS ## headings or more), after its introduction."""

    def run(self, root):
        headings = [h for h in self.ext.headings if h.level in (2, 3)]
        if sum(h.level == 2 for h in headings) < CONTENTS_MIN_SECTIONS:
            return
        first = next(i for i, element in enumerate(root) if element.tag == "h2")
        root.insert(first, contents_list(headings))


class PageLinksTreeprocessor(PageTreeprocessor):
    """Rewrites X.md links to X.html and records links and ids.

    Runs after toc and the contents list, so every heading id and link is
    there.  Fills `ext.links` with (page, anchor) pairs (page None for the
    page itself) and `ext.ids`.
    """

    def run(self, root):
        for element in root.iter():
            if "id" in element.attrib:
                self.ext.ids.add(element.attrib["id"])
            if element.tag == "a" and "href" in element.attrib:
                self.rewrite(element)

    def rewrite(self, link):
        match = PAGE_LINK_RE.match(link.attrib["href"])
        if not match or not link.attrib["href"]:
            return
        page, anchor = match["page"], match["anchor"]
        self.ext.links.append((page, anchor))
        if page:
            target = page[:-len(".md")] + ".html"
            link.attrib["href"] = target + (f"#{anchor}" if anchor is not None else "")


class DocsExtension(Extension):
    """The pieces above, for one page (create one per page)."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.links = []
        self.ids = set()
        self.headings = []
        self.sections = []

    def extendMarkdown(self, md):
        # fenced_code is at 25, html_block at 20; toc at 5, unescape at 0.
        md.preprocessors.register(HighlightPreprocessor(md), "highlight", 24)
        md.preprocessors.register(GithubListsPreprocessor(md), "github_lists", 22)
        md.treeprocessors.register(NamedLinksTreeprocessor(md), "named_links", -1)
        md.treeprocessors.register(OutlineTreeprocessor(md, self), "outline", -2)
        md.treeprocessors.register(ContentsTreeprocessor(md, self), "contents", -3)
        md.treeprocessors.register(PageLinksTreeprocessor(md, self), "page_links", -4)
        md.postprocessors.register(StripCommentsPostprocessor(md), "strip_comments", 25)


def convert(text):
    """Markdown text to (html, title, extension) for one page.

    The title is the plain text of the first level-1 heading, or None.  The
    html and the recorded headings and sections still hold TITLE_MARKs (see
    fill_link_titles).
    """
    ext = DocsExtension()
    md = markdown.Markdown(
        extensions=["fenced_code", "tables", "toc", ext],
        extension_configs={"toc": {
            "slugify": GithubSlugs(),
            "permalink": "#",
            "permalink_title": "Link to this section",
        }},
        output_format="html5",
    )
    body = md.convert(text)
    titles = [heading.name for heading in ext.headings if heading.level == 1]
    return body, (titles[0] if titles else None), ext


def fill_link_titles(text, title_of):
    """The text (a page's HTML, or a heading or text it recorded) with each
    TITLE_MARK replaced by title_of(page, anchor): page is the target's
    file name (X.md), anchor None when the link has none."""
    def title(mark):
        match = PAGE_LINK_RE.match(mark[1])
        return title_of(match["page"], match["anchor"])
    return TITLE_MARK_RE.sub(title, text)
