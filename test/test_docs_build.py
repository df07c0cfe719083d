"""scripts/build-docs: docs/*.md become linked HTML pages, and a link to a
missing page or anchor fails the build, naming the page.  The pages have a
search box (search.js over search-index.js), highlighted code, contents
lists on long pages, and links written as file names show page titles."""

import json
import os
import re
import shutil
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


def ids(page_html):
    return set(re.findall(r'id="([^"]*)"', page_html))


def contents(page_html):
    """The contents list of a page, or None."""
    match = re.search(r'<nav [^>]*class="contents".*?</nav>', page_html, re.S)
    return match and match.group(0)


def search_index(site_dir):
    """search-index.js's list of pages, read as the JSON it is built from."""
    text = read(site_dir / "search-index.js")
    match = re.fullmatch(r"var DOCS_SEARCH_INDEX = (.*);\n", text, re.S)
    assert match, text[:200]
    return {entry["page"]: entry for entry in json.loads(match.group(1))}


def build_page(src, out, name, text):
    """Builds src with docs/NAME.md replaced by text; NAME's HTML."""
    (src / f"{name}.md").write_text(text)
    result = build(out, src)
    assert result.returncode == 0, result.stderr
    return read(out / f"{name}.html")


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


def test_title_is_the_first_heading_and_the_site_name(site):
    assert "<title>Writing handlers — mod_python</title>" in site["handlers"]
    # the index's title is the site's own
    assert "<title>mod_python documentation</title>" in site["index"]


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
    assert '<pre class="highlight"><code class="language-python">' in site["index"]
    assert "<table>" in site["index"]


def test_file_markers_and_nested_lists(scratch_docs, tmp_path):
    (scratch_docs / "second.md").write_text(
        "# Second\n\nSteps:\n1. first\n   - nested\n2. second\n\n"
        "```python\n# file: app/hello.py\nprint('hi')\n```\n")
    result = build(tmp_path / "out", scratch_docs)
    assert result.returncode == 0, result.stderr
    page_html = read(tmp_path / "out" / "second.html")
    assert '<code class="language-python"><span class="c1"># file: app/hello.py</span>' in page_html
    assert re.search(r"<ol>\s*<li>first<ul>\s*<li>nested</li>\s*</ul>\s*</li>\s*<li>second</li>",
                     page_html), page_html


@pytest.mark.parametrize("link, target", [
    ("[gone](missing.md)", "missing.md"),
    ("[missing.md](missing.md)", "missing.md"),
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


def test_every_page_has_the_search_box_and_its_scripts(site, site_dir):
    for name, page_html in site.items():
        assert '<input type="search" id="search-input"' in page_html, name
        assert 'id="search-results"' in page_html, name
        assert '<script src="search-index.js" defer></script>' in page_html, name
        assert '<script src="search.js" defer></script>' in page_html, name
    assert "function searchDocs(" in read(site_dir / "search.js")


def test_search_index_has_the_titles_headings_and_text(site, site_dir):
    index = search_index(site_dir)
    assert sorted(index) == sorted(f"{name}.html" for name in md_names(DOCS))
    api = index["api.html"]
    assert api["title"] == "Python API"
    sections = {section["id"]: section for section in api["sections"]}
    assert sections["request-objects"]["heading"] == "Request objects"
    assert "built on the _apache module" in sections["python-api"]["text"]
    assert set(sections) <= ids(site["api"])
    # a link written as a file name reads as the page's title there too
    released = {s["id"]: s["text"] for s in index["index.html"]["sections"]}["what-is-in-this-release"]
    assert "input and output filters (Filters);" in released


def test_search_index_leaves_code_out(scratch_docs, tmp_path):
    build_page(scratch_docs, tmp_path / "out", "second",
               "# Second\n\nSome prosaicword.\n\n```python\ncodeword = 1\n```\n")
    second = search_index(tmp_path / "out")["second.html"]
    assert second["sections"] == [
        {"id": "second", "heading": "Second", "text": "Some prosaicword."}]


def node_search(site_dir, query):
    """search.js's searchDocs(DOCS_SEARCH_INDEX, query), run by node."""
    script = """
        const fs = require("fs"), vm = require("vm");
        const [dir, query] = process.argv.slice(1);
        const context = vm.createContext({});
        for (const name of ["search-index.js", "search.js"])
            vm.runInContext(fs.readFileSync(dir + "/" + name, "utf8"), context, {filename: name});
        context.query = query;
        console.log(JSON.stringify(vm.runInContext("searchDocs(DOCS_SEARCH_INDEX, query)", context)));
    """
    result = subprocess.run(["node", "-e", script, str(site_dir), query],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


@pytest.mark.skipif(shutil.which("node") is None, reason="needs node")
def test_search_js_finds_pages_and_sections(site_dir):
    found = node_search(site_dir, "FieldStorage")
    assert "util.html" in [result["url"].split("#")[0] for result in found]
    # a heading match comes first, shown with its page's title
    first = node_search(site_dir, "Connection  HANDLERS")[0]
    assert first["url"] == "handlers.html#connection-handlers"
    assert first["where"] == "Writing handlers › Connection handlers"
    assert "connection" in first["snippet"].lower()
    # every word must be there
    assert node_search(site_dir, "FieldStorage nosuchwordanywhere") == []
    assert node_search(site_dir, "   ") == []


def test_code_blocks_are_highlighted_unless_plain(scratch_docs, tmp_path, site_dir):
    page_html = build_page(scratch_docs, tmp_path / "out", "second",
                           "# Second\n\n```python\nimport os\n```\n\n"
                           "```\nimport plain <b>\n```\n\n```nosuchlanguage\nimport odd\n```\n")
    assert ('<pre class="highlight"><code class="language-python">'
            '<span class="kn">import</span> <span class="nn">os</span>') in page_html
    assert "<pre><code>import plain &lt;b&gt;\n</code></pre>" in page_html
    assert '<pre><code class="language-nosuchlanguage">import odd\n</code></pre>' in page_html
    # the colours are in the site's own stylesheet
    style = read(site_dir / "style.css")
    assert ".highlight .kn" in style and ".highlight .s2" in style


def test_the_real_pages_have_highlighted_apache_and_console(site):
    assert '<code class="language-apache"><span class="nt">&lt;Directory</span>' in site["index"]
    assert '<code class="language-console"><span class="gp">$ </span>curl' in site["index"]


def test_links_written_as_file_names_show_the_titles(scratch_docs, tmp_path):
    page_html = build_page(
        scratch_docs, tmp_path / "out", "index",
        "# Scratch docs\n\n| page | what |\n|---|---|\n| [Second page](second.md) | it |\n\n"
        "See [second.md](second.md), [`second.md`](second.md#some-part) "
        "and [this](second.md).\n")
    assert '<a href="second.html">Second</a>,' in page_html
    assert '<a href="second.html#some-part">Second › Some part</a>' in page_html
    assert '<a href="second.html">this</a>' in page_html


def test_no_real_link_shows_a_file_name(site):
    for name, page_html in site.items():
        assert not re.findall(r"<a [^>]*>(?:<code>)?[\w.-]+\.md(?:</code>)?</a>", page_html), name
    assert '<a href="handlers.html#connection-handlers">Writing handlers › Connection handlers</a>' \
        in site["index"]


def test_a_long_page_has_a_contents_list(site):
    page_html = site["api"]
    listed = contents(page_html)
    assert listed, "no contents list in api.html"
    links = hrefs(listed)
    assert "#request-objects" in links and "#writing-the-response" in links
    assert all(link.startswith("#") for link in links)
    assert {link[1:] for link in links} <= ids(page_html)
    # every ## and ### heading, in order, and nothing else
    headings = re.findall(r'<h[23] id="([^"]*)"', page_html)
    assert [link[1:] for link in links] == headings
    # after the introduction, before the first section
    assert page_html.index("</h1>") < page_html.index(listed) < page_html.index("<h2")


def test_short_pages_have_no_contents_list(site, scratch_docs, tmp_path):
    assert contents(site["index"]) is None  # two ## sections
    sections = "".join(f"## Part {n}\n\nText.\n\n" for n in range(1, 4))
    out = tmp_path / "out"
    assert contents(build_page(scratch_docs, out, "second", "# Second\n\n" + sections)) is None
    sections += "## Part 4\n\nText.\n"
    assert contents(build_page(scratch_docs, out, "second", "# Second\n\n" + sections))
