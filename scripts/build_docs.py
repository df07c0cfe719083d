"""build_docs.py SRC OUT: docs/*.md in SRC to OUT/*.html (see scripts/build-docs).

Every page is converted before anything is written, so that links between
pages can be checked: a link to a missing page or anchor fails the build.
"""

import html
import re
import shutil
import string
import sys
from pathlib import Path

from docs_markdown import convert

THEME = Path(__file__).resolve().parent / "docs-theme"
# A link in a row of index.md's table: "| [Label](page.md) | ... |".
TABLE_LINK_RE = re.compile(r"^\|\s*\[(?P<label>[^\]]+)\]\((?P<page>[^)#]+)\.md\)")


class Page:
    """One converted page: its name (file stem), title, HTML body, and the
    links and ids docs_markdown recorded."""

    def __init__(self, path):
        self.path = path
        self.name = path.stem
        body, title, found = convert(path.read_text(encoding="utf-8"))
        self.body = body
        self.title = title or self.name
        self.links = found.links
        self.ids = found.ids


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


def nav_html(entries, current):
    items = []
    for name, label in entries:
        mark = ' aria-current="page"' if name == current else ""
        items.append(f'<li><a href="{name}.html"{mark}>{html.escape(label)}</a></li>')
    return "\n".join(items)


def write_site(pages, out):
    template = string.Template((THEME / "page.html").read_text(encoding="utf-8"))
    entries = nav_entries(pages)
    out.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(THEME / "style.css", out / "style.css")
    for page in pages.values():
        text = template.substitute(
            title=html.escape(page.title),
            nav=nav_html(entries, page.name),
            content=page.body,
        )
        (out / f"{page.name}.html").write_text(text, encoding="utf-8")


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
    write_site(pages, out)
    print(f"build-docs: {len(pages)} pages in {out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
