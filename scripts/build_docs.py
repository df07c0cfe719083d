"""build_docs.py SRC OUT: docs/*.md in SRC to OUT/*.html (see scripts/build-docs).

Every page is converted before anything is written, so that links between
pages can be checked: a link to a missing page or anchor fails the build.
Besides the pages, OUT gets the theme's style.css and search.js, and
search-index.js, the text of every section for the search box.
"""

import html
import json
import re
import shutil
import string
import sys
from pathlib import Path

from docs_markdown import convert, fill_link_titles

THEME = Path(__file__).resolve().parent / "docs-theme"
THEME_FILES = ("style.css", "search.js")
SITE_NAME = "mod_python"
# A script rather than JSON: browsers refuse fetch() on file:// pages.
SEARCH_INDEX = "search-index.js"
SEARCH_INDEX_VARIABLE = "DOCS_SEARCH_INDEX"
# A link in a row of index.md's table: "| [Label](page.md) | ... |".
TABLE_LINK_RE = re.compile(r"^\|\s*\[(?P<label>[^\]]+)\]\((?P<page>[^)#]+)\.md\)")


class Page:
    """One converted page: its name (file stem), title, HTML body, and the
    links, ids, headings and search sections docs_markdown recorded."""

    def __init__(self, path):
        self.path = path
        self.name = path.stem
        body, title, found = convert(path.read_text(encoding="utf-8"))
        self.body = body
        self.title = title or self.name
        self.links = found.links
        self.ids = found.ids
        self.heading_names = {heading.id: heading.name for heading in found.headings}
        self.sections = found.sections

    def document_title(self):
        """The <title>: the index's own title is the site's name already."""
        return self.title if self.name == "index" else f"{self.title} — {SITE_NAME}"


def load_pages(src):
    pages = {path.stem: Page(path) for path in sorted(src.glob("*.md"))}
    if "index" not in pages:
        sys.exit(f"build-docs: no index.md in {src}")
    return pages


def nav_entries(pages):
    """(name, label) for index, then the pages in the order of index.md's
    table (with its labels), then any page the table leaves out."""
    entries = [("index", pages["index"].title)]
    for line in pages["index"].path.read_text(encoding="utf-8").splitlines():
        match = TABLE_LINK_RE.match(line)
        if match and match["page"] in pages:
            entries.append((match["page"], match["label"]))
    listed = {name for name, _ in entries}
    entries += [(name, page.title) for name, page in pages.items() if name not in listed]
    return entries


def broken_links(pages):
    """One message per link to a page or anchor that does not exist."""
    errors = []
    for page in pages.values():
        for target, anchor in page.links:
            name = target[:-len(".md")] if target else page.name
            shown = (target or "") + (f"#{anchor}" if anchor is not None else "")
            if name not in pages:
                errors.append(f"{page.path}: link to missing page {shown}")
            elif anchor and anchor not in pages[name].ids:
                errors.append(f"{page.path}: link to missing anchor {shown}")
    return errors


def link_title(pages, target, anchor):
    """The text of a link written as the target's file name: the page's
    title, and the section's heading if the link has an anchor."""
    page = pages[target[:-len(".md")]]
    section = page.heading_names.get(anchor) if anchor else None
    return f"{page.title} › {section}" if section else page.title


def with_link_titles(text, pages, escape=False):
    """The text with docs_markdown's marks for link titles filled in."""
    def title(target, anchor):
        shown = link_title(pages, target, anchor)
        return html.escape(shown) if escape else shown
    return fill_link_titles(text, title)


def nav_html(entries, current):
    items = []
    for name, label in entries:
        mark = ' aria-current="page"' if name == current else ""
        items.append(f'<li><a href="{name}.html"{mark}>{html.escape(label)}</a></li>')
    return "\n".join(items)


def search_sections(page, pages):
    """The page's sections for the search index, link titles filled in."""
    return [{"id": section["id"],
             "heading": with_link_titles(section["heading"], pages),
             "text": with_link_titles(section["text"], pages)}
            for section in page.sections]


def search_index_js(pages, entries):
    """search-index.js: a list of pages in the nav's order, each with its
    title and sections ({"id", "heading", "text"}), for search.js."""
    index = [{"page": f"{name}.html", "title": pages[name].title,
              "sections": search_sections(pages[name], pages)} for name, _ in entries]
    return f"var {SEARCH_INDEX_VARIABLE} = {json.dumps(index, separators=(',', ':'))};\n"


def site_files(pages):
    """{file name: text} of every generated file of the site."""
    template = string.Template((THEME / "page.html").read_text(encoding="utf-8"))
    entries = nav_entries(pages)
    files = {SEARCH_INDEX: search_index_js(pages, entries)}
    for page in pages.values():
        files[f"{page.name}.html"] = template.substitute(
            title=html.escape(page.document_title()),
            nav=nav_html(entries, page.name),
            content=with_link_titles(page.body, pages, escape=True),
        )
    return files


def write_site(files, out):
    out.mkdir(parents=True, exist_ok=True)
    for name in THEME_FILES:
        shutil.copyfile(THEME / name, out / name)
    for name, text in files.items():
        (out / name).write_text(text, encoding="utf-8")


def main(argv):
    if len(argv) != 3:
        sys.exit("usage: build_docs.py SRC OUT")
    src, out = Path(argv[1]), Path(argv[2])
    pages = load_pages(src)
    errors = broken_links(pages)
    if errors:
        for error in errors:
            print(f"build-docs: {error}", file=sys.stderr)
        return 1
    write_site(site_files(pages), out)
    print(f"build-docs: {len(pages)} pages in {out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
