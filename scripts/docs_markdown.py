"""Python-Markdown set up to render docs/*.md the way GitHub shows them.

The pages are written for GitHub: heading anchors are GitHub's slugs, lists
nest by the parent's content column, and a list may start right after a
paragraph line.  Python-Markdown differs on all three, so this module
bridges them.  It also drops the HTML comments the doc test reads (see
docs/writing-docs.md) and turns links to X.md into links to X.html,
recording every link and id so that build_docs.py can check them.
"""

import html
import re

import markdown
from markdown.extensions import Extension
from markdown.postprocessors import Postprocessor
from markdown.preprocessors import Preprocessor
from markdown.treeprocessors import Treeprocessor
from markdown.util import HTML_PLACEHOLDER_RE

# A relative link to another page, or to an anchor of this one.
PAGE_LINK_RE = re.compile(r"^(?P<page>[^:/?#]+\.md)?(?:#(?P<anchor>.*))?$")
LIST_ITEM_RE = re.compile(r"^(?P<indent> *)(?P<marker>[-*+]|\d+\.)(?P<gap> +|$)")
HEADING_RE = re.compile(r"^#{1,6}(\s|$)")
THEMATIC_BREAK_RE = re.compile(r"^ {0,3}([-*_])( *\1){2,} *$")
COMMENT_RE = re.compile(r"<!--.*?-->", re.S)


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


class StripCommentsPostprocessor(Postprocessor):
    """Drops HTML comments written in the Markdown (the doc test's markers).

    Runs after raw HTML is put back.  Text and code are escaped by then
    (`&lt;!--`), so only comments the author wrote as HTML match.
    """

    def run(self, text):
        return COMMENT_RE.sub("", text)


class PageLinksTreeprocessor(Treeprocessor):
    """Rewrites X.md links to X.html and records links and ids.

    Runs after toc, so heading ids are set.  Fills `ext.links` with
    (page, anchor) pairs (page None for the page itself) and `ext.ids`.
    """

    def __init__(self, md, ext):
        super().__init__(md)
        self.ext = ext

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

    def extendMarkdown(self, md):
        md.preprocessors.register(GithubListsPreprocessor(md), "github_lists", 22)
        md.treeprocessors.register(PageLinksTreeprocessor(md, self), "page_links", 4)
        md.postprocessors.register(StripCommentsPostprocessor(md), "strip_comments", 25)


def convert(text):
    """Markdown text to (html, title, extension) for one page.

    The title is the plain text of the first level-1 heading, or None.
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
    # toc gives names HTML-escaped; the template escapes what it inserts.
    titles = [html.unescape(token["name"])
              for token in md.toc_tokens if token["level"] == 1]
    return body, (titles[0] if titles else None), ext
