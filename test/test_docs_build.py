"""scripts/build-docs: docs/*.md become linked HTML pages, and a link to a
missing page or anchor fails the build, naming the page."""

import os
import re
import subprocess

import pytest

from conftest import REPO

BUILD_DOCS = os.path.join(REPO, "scripts", "build-docs")
DOCS = os.path.join(REPO, "docs")


def build(out, src=None):
    args = [BUILD_DOCS] + (["--src", str(src)] if src else []) + [str(out)]
    return subprocess.run(args, capture_output=True, text=True, timeout=600)


def md_names(src):
    return sorted(name[:-3] for name in os.listdir(src) if name.endswith(".md"))


def read(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


def nav(page_html):
    return re.search(r"<nav.*?</nav>", page_html, re.S).group(0)


def hrefs(page_html):
    return re.findall(r'href="([^"]*)"', page_html)


@pytest.fixture(scope="module")
def site_dir(tmp_path_factory):
    """The real docs, built once."""
    out = tmp_path_factory.mktemp("docs-html")
    result = build(out)
    assert result.returncode == 0, result.stderr
    return out


@pytest.fixture(scope="module")
def site(site_dir):
    """{page name: its HTML}."""
    return {name[:-5]: read(site_dir / name)
            for name in os.listdir(site_dir) if name.endswith(".html")}


@pytest.fixture
def scratch_docs(tmp_path):
    """A minimal docs directory the test can break."""
    src = tmp_path / "docs"
    src.mkdir()
    (src / "index.md").write_text(
        "# Scratch docs\n\n| page | what |\n|---|---|\n"
        "| [Second page](second.md) | the other one |\n")
    (src / "second.md").write_text("# Second\n\n## Some part\n\nBack to [index](index.md).\n")
    return src


def test_one_html_page_per_markdown_page(site, site_dir):
    assert sorted(site) == md_names(DOCS)
    assert 'href="style.css"' in site["index"]
    assert "font" in read(site_dir / "style.css")


def test_index_links_every_page_in_the_table_order(site):
    links = [href[:-5] for href in hrefs(nav(site["index"]))]
    assert sorted(links) == md_names(DOCS)
    assert links[0] == "index"
    table = re.findall(r"^\|\s*\[[^\]]+\]\(([^)#]+)\.md\)", read(os.path.join(DOCS, "index.md")), re.M)
    listed = [name for name in table if name in links]
    assert links[1:1 + len(listed)] == listed


def test_title_comes_from_the_first_heading(site):
    assert "<title>Writing handlers — mod_python</title>" in site["handlers"]


def test_headings_have_github_anchors(site):
    assert 'id="connection-handlers"' in site["handlers"]
    # index.md links that anchor as handlers.md#connection-handlers
    assert 'href="handlers.html#connection-handlers"' in site["index"]


def test_links_to_md_pages_are_rewritten(site):
    for name, page_html in site.items():
        local = [h for h in hrefs(page_html) if "://" not in h]
        assert not [h for h in local if re.search(r"\.md(#|$)", h)], name


def test_html_comments_do_not_show(site):
    for name, page_html in site.items():
        assert "<!--" not in page_html, name
    # shown inside code blocks, they stay (escaped)
    assert "&lt;!-- example: NAME" in site["writing-docs"]


def test_code_blocks_keep_their_language(site):
    assert '<pre><code class="language-python">' in site["index"]
    assert "<table>" in site["index"]


def test_file_markers_and_nested_lists(scratch_docs, tmp_path):
    (scratch_docs / "second.md").write_text(
        "# Second\n\nSteps:\n1. first\n   - nested\n2. second\n\n"
        "```python\n# file: app/hello.py\nprint('hi')\n```\n")
    result = build(tmp_path / "out", scratch_docs)
    assert result.returncode == 0, result.stderr
    page_html = read(tmp_path / "out" / "second.html")
    assert '<code class="language-python"># file: app/hello.py' in page_html
    assert re.search(r"<ol>\s*<li>first<ul>\s*<li>nested</li>\s*</ul>\s*</li>\s*<li>second</li>",
                     page_html), page_html


@pytest.mark.parametrize("link, target", [
    ("[gone](missing.md)", "missing.md"),
    ("[gone](second.md#no-such-part)", "second.md#no-such-part"),
    ("[gone](#nowhere)", "#nowhere"),
])
def test_a_broken_link_fails_naming_page_and_target(scratch_docs, tmp_path, link, target):
    with open(scratch_docs / "second.md", "a") as f:
        f.write(f"\nSee {link}.\n")
    result = build(tmp_path / "out", scratch_docs)
    assert result.returncode != 0
    assert "second.md" in result.stderr and target in result.stderr, result.stderr
    assert not (tmp_path / "out").exists()


def test_a_good_anchor_link_builds(scratch_docs, tmp_path):
    with open(scratch_docs / "index.md", "a") as f:
        f.write("\nSee [part](second.md#some-part).\n")
    result = build(tmp_path / "out", scratch_docs)
    assert result.returncode == 0, result.stderr
    assert 'href="second.html#some-part"' in read(tmp_path / "out" / "index.html")
