"""test/docs_examples.py, the reader behind test/test_docs.py: Markdown
parsing, console blocks, the curl interpreter, output comparison and the
analysis of python blocks."""

import base64
import textwrap

import pytest

import docs_examples as dx


def page(text):
    return dx.parse_page("page.md", textwrap.dedent(text))


def block(lang, text, line=10):
    return dx.Block(lang=lang, text=textwrap.dedent(text), line=line)


def errors(parsed):
    return [(e.line, e.message) for e in parsed.errors]


# --------------------------------------------------------------------------
# fenced blocks

def test_blocks_have_language_text_and_line():
    parsed = page("""\
        # Title

        ```python
        x = 1
        ```

        ~~~apache title="conf"
        SetHandler mod_python
        ~~~
        """)
    assert [(b.lang, b.text, b.line) for b in parsed.blocks] == [
        ("python", "x = 1\n", 3), ("apache", "SetHandler mod_python\n", 7)]
    assert parsed.errors == []


def test_a_block_without_info_string_has_no_language():
    parsed = page("```\nplain\n```\n")
    assert parsed.blocks[0].lang == ""


def test_four_backtick_fence_holds_three_backtick_lines():
    parsed = page("""\
        ````markdown
        ```python
        x = 1
        ```
        ````
        """)
    assert len(parsed.blocks) == 1
    assert parsed.blocks[0].text == "```python\nx = 1\n```\n"


def test_inline_code_at_line_start_is_not_a_fence():
    parsed = page("""\
        Blocks have a language (```` ```python ````,
        ```` ```apache ````, ...).
        """)
    assert parsed.blocks == []
    assert parsed.errors == []


def test_indented_fence_content_is_unindented():
    parsed = page("""\
        1. Step:

           ```python
           if x:
               y = 1
           ```
        """)
    assert parsed.blocks[0].text == "if x:\n    y = 1\n"


def test_html_comments_inside_blocks_are_not_markup():
    parsed = page("""\
        <!-- not run: shows the markup -->
        ```html
        <!-- example: inside -->
        <!-- not run: inside -->
        ```
        """)
    assert parsed.examples == []
    assert parsed.errors == []
    assert parsed.blocks[0].not_run == "shows the markup"


def test_unclosed_fence_is_an_error():
    parsed = page("text\n```python\nx = 1\n")
    assert errors(parsed) == [(2, "fenced block is not closed")]


# --------------------------------------------------------------------------
# not-run comments

def test_not_run_applies_across_blank_lines():
    parsed = page("""\
        <!-- not run: covered by test/test_install.py -->


        ```sh
        make install
        ```

        ```python
        x = 1
        ```
        """)
    assert [b.not_run for b in parsed.blocks] == ["covered by test/test_install.py", None]


def test_not_run_comment_may_span_lines():
    parsed = page("""\
        <!-- not run: a long
             reason -->
        ```sh
        make
        ```
        """)
    assert parsed.blocks[0].not_run == "a long reason"


@pytest.mark.parametrize("text,line", [
    ("<!-- not run: x -->\nSome text.\n\n```sh\nmake\n```\n", 1),
    ("<!-- not run: x -->\n", 1),
    ("<!-- not run: x -->\n<!-- other -->\n```sh\nmake\n```\n", 1),
])
def test_not_run_must_be_followed_by_a_block(text, line):
    parsed = page(text)
    assert [e.line for e in parsed.errors] == [line]
    assert all(b.not_run is None for b in parsed.blocks)


@pytest.mark.parametrize("comment", ["<!-- not run -->", "<!-- not run: -->"])
def test_not_run_needs_a_reason(comment):
    parsed = page(comment + "\n```sh\nmake\n```\n")
    assert "reason" in parsed.errors[0].message
    assert parsed.blocks[0].not_run is None


# --------------------------------------------------------------------------
# examples

def test_example_collects_its_blocks():
    parsed = page("""\
        ```python
        before = 1
        ```
        <!-- example: hello root=/srv/site/ -->
        ```apache
        SetHandler mod_python
        ```
        <!-- end example -->
        <!-- example: other -->
        ```console
        $ curl http://localhost/
        ```
        <!-- end example -->
        """)
    hello, other = parsed.examples
    assert (hello.name, hello.root, hello.line) == ("hello", "/srv/site", 4)
    assert (other.name, other.root) == ("other", "/var/www/html")
    assert [b.lang for b in hello.blocks] == ["apache"]
    assert [b.lang for b in other.blocks] == ["console"]
    assert parsed.blocks[0].example is None
    assert parsed.blocks[1].example is hello
    assert parsed.errors == []


@pytest.mark.parametrize("text,message", [
    ("<!-- example: a -->\n", "has no <!-- end example -->"),
    ("<!-- end example -->\n", "without an example"),
    ("<!-- example: a -->\n<!-- example: b -->\n<!-- end example -->\n",
     "starts inside example"),
    ("<!-- example: a -->\n<!-- end example -->\n"
     "<!-- example: a -->\n<!-- end example -->\n", "a second example"),
    ("<!-- example: a b=c -->\n<!-- end example -->\n", "unknown example setting"),
    ("<!-- example: -->\n", "NAME"),
    ("<!-- example: a\n", "not closed"),
])
def test_broken_example_markup_is_reported(text, message):
    parsed = page(text)
    assert any(message in e.message for e in parsed.errors), errors(parsed)


# --------------------------------------------------------------------------
# roles of blocks

@pytest.mark.parametrize("first_line,path", [
    ("# file: app/hello.py", "app/hello.py"),
    ("#file:/var/www/html/x.py", "/var/www/html/x.py"),
    ("<%-- file: app/page.psp --%>", "app/page.psp"),
    ("# a comment", None),
    ("<%-- comment --%>", None),
])
def test_file_marker(first_line, path):
    assert block("python", first_line + "\nrest\n").file == path


@pytest.mark.parametrize("lang,text,not_run,role", [
    ("python", "# file: a.py\n", None, "file"),
    ("html", "<%-- file: a.psp --%>\n", None, "file"),
    ("text", "# file: .htpasswd\n", None, "file"),
    ("apache", "# file: .htaccess\n", None, "file"),
    ("apache", "SetHandler mod_python\n", None, "config"),
    ("console", "$ curl http://localhost/\n", None, "requests"),
    ("console", "$ ls\n", "shell", "skip"),
    ("python", "x = 1\n", None, "alone"),
    ("html", "<p>\n", None, "alone"),
])
def test_example_role(lang, text, not_run, role):
    assert dx.example_role(dx.Block(lang, text, 1, not_run)) == role


def test_blocks_alone_are_outside_examples_or_unused_by_them():
    parsed = page("""\
        ```python
        a = 1
        ```
        <!-- example: e -->
        ```python
        # file: x.py
        ```
        ```python
        b = 2
        ```
        <!-- end example -->
        """)
    assert [b.line for b in dx.blocks_alone(parsed)] == [1, 8]
    assert [b.line for b in dx.blocks_alone(parsed, "apache")] == []


def test_map_root_replaces_whole_path_names_only():
    text = "/var/www/html/app /var/www/html /var/www/html2 /var/www/html.bak"
    assert dx.map_root(text, "/var/www/html", "/tmp/x") == \
        "/tmp/x/app /tmp/x /var/www/html2 /var/www/html.bak"


def test_normalise_config_drops_listen_and_python_loadmodule():
    text = ("LoadModule python_module /usr/lib/apache2/modules/mod_python.so\n"
            "LoadModule ssl_module modules/mod_ssl.so\n"
            "  Listen 8080\n"
            "PythonDebug On\n")
    assert dx.normalise_config(text) == \
        "LoadModule ssl_module modules/mod_ssl.so\nPythonDebug On\n"


# --------------------------------------------------------------------------
# console blocks

def test_console_commands_and_their_output():
    commands = dx.parse_console(block("console", """\
        $ curl -i http://localhost/a \\
            -H 'X: y'
        HTTP/1.1 200 OK

        body
        $ curl http://localhost/b
        $ curl http://localhost/c
        c
        """))
    assert [(c.line, c.text, c.expected) for c in commands] == [
        (11, "curl -i http://localhost/a  -H 'X: y'",
         ["HTTP/1.1 200 OK", "", "body"]),
        (16, "curl http://localhost/b", []),
        (17, "curl http://localhost/c", ["c"]),
    ]


def test_console_output_before_a_command_is_an_error():
    with pytest.raises(dx.DocsError) as caught:
        dx.parse_console(block("console", "\nstray\n$ curl http://localhost/\n"))
    assert caught.value.line == 12


# --------------------------------------------------------------------------
# curl

def curl(*args, root="/nonexistent"):
    return dx.parse_curl(["curl"] + list(args), root)


def headers(request):
    return dict(request.headers)


def test_plain_get_mimics_curl():
    request = curl("http://localhost/app/hello?x=1#frag")
    assert (request.method, request.target, request.body) == ("GET", "/app/hello?x=1", None)
    assert request.headers == [("Host", "localhost"), ("User-Agent", "curl/7.88.1"),
                               ("Accept", "*/*")]
    assert not request.include


def test_port_is_kept_in_host_header_and_path_defaults_to_slash():
    request = curl("http://localhost:8080")
    assert (request.target, headers(request)["Host"]) == ("/", "localhost:8080")


@pytest.mark.parametrize("args", [["-s", "-i"], ["-si"], ["-is"],
                                  ["--silent", "--include"]])
def test_flags_and_clusters(args):
    assert curl(*args, "http://localhost/").include


def test_data_is_joined_urlencoded_post():
    request = curl("-d", "a=1", "--data", "b=2 3", "-dc=4", "http://localhost/f")
    assert request.method == "POST"
    assert request.body == b"a=1&b=2 3&c=4"
    assert headers(request)["Content-Type"] == "application/x-www-form-urlencoded"
    assert headers(request)["Content-Length"] == "13"


def test_empty_data_still_posts():
    request = curl("-d", "", "http://localhost/f")
    assert (request.method, request.body) == ("POST", b"")
    assert headers(request)["Content-Length"] == "0"


def test_form_fields_and_uploads(tmp_path):
    (tmp_path / "up").mkdir()
    (tmp_path / "up" / "notes.txt").write_bytes(b"hello\n")
    (tmp_path / "data.bin").write_bytes(b"\x00\x01")
    request = curl("-F", "title=Hi", "-F", "doc=@up/notes.txt",
                   "-F", "raw=@%s" % (tmp_path / "data.bin"),
                   "http://localhost/u", root=str(tmp_path))
    boundary = dx.BOUNDARY
    assert request.method == "POST"
    assert headers(request)["Content-Type"] == \
        "multipart/form-data; boundary=" + boundary
    assert request.body == (
        "--{b}\r\nContent-Disposition: form-data; name=\"title\"\r\n\r\nHi\r\n"
        "--{b}\r\nContent-Disposition: form-data; name=\"doc\"; filename=\"notes.txt\"\r\n"
        "Content-Type: text/plain\r\n\r\nhello\n\r\n"
        "--{b}\r\nContent-Disposition: form-data; name=\"raw\"; filename=\"data.bin\"\r\n"
        "Content-Type: application/octet-stream\r\n\r\n\x00\x01\r\n"
        "--{b}--\r\n").format(b=boundary).encode("latin-1")
    assert headers(request)["Content-Length"] == str(len(request.body))


def test_user_cookie_header_and_method():
    request = curl("-u", "ann:s3:cret", "-b", "a=1", "-b", "b=2",
                   "-H", "X-Demo: yes", "-H", "Accept: text/plain",
                   "-X", "PUT", "http://localhost/")
    expected_auth = "Basic " + base64.b64encode(b"ann:s3:cret").decode()
    assert request.method == "PUT"
    assert request.headers == [
        ("Host", "localhost"), ("Authorization", expected_auth),
        ("User-Agent", "curl/7.88.1"), ("Accept", "text/plain"),
        ("Cookie", "a=1; b=2"), ("X-Demo", "yes")]


def test_cookie_jar_files():
    # -c FILE names where the response's cookies go; -b FILE sends them
    jars = {"cookies.txt": {"pysid": "abc", "theme": "dark"}}
    request = dx.parse_curl(["curl", "-c", "new.txt", "-b", "cookies.txt",
                             "-b", "x=1", "http://localhost/"], "/tmp", jars)
    assert request.cookie_jar == "new.txt"
    assert headers(request)["Cookie"] == "pysid=abc; theme=dark; x=1"
    assert "Cookie" not in headers(
        dx.parse_curl(["curl", "-b", "none.txt", "http://localhost/"], "/", jars))


def test_keep_cookies():
    jar = {"old": "1", "gone": "2", "aged": "3"}
    dx.keep_cookies(jar, ["pysid=abc; path=/; httponly",
                          "gone=x; expires=Thu, 01 Jan 1970 00:00:00 GMT",
                          "aged=y; Max-Age=0", "old=4; expires=Fri, 01 Jan 2100 00:00:00 GMT"])
    assert jar == {"old": "4", "pysid": "abc"}


def test_empty_header_value_removes_curls_header():
    request = curl("-H", "User-Agent:", "http://localhost/")
    assert "User-Agent" not in headers(request)


def test_method_overrides_the_post_of_data():
    assert curl("-X", "PATCH", "-d", "a=1", "http://localhost/").method == "PATCH"


@pytest.mark.parametrize("args,message", [
    (["-L", "http://localhost/"], "following redirects is not supported"),
    (["-sL", "http://localhost/"], "following redirects is not supported"),
    (["--location", "http://localhost/"], "following redirects"),
    (["--compressed", "http://localhost/"], "option --compressed is not supported"),
    (["-v", "http://localhost/"], "option -v is not supported"),
    (["-H"], "needs a value"),
    ([], "one URL expected"),
    (["http://localhost/a", "http://localhost/b"], "one URL expected"),
    (["http://localhost/", "|", "head"], "one URL expected"),
    (["https://localhost/"], "only http://localhost"),
    (["http://example.com/"], "only http://localhost"),
    (["-u", "ann", "http://localhost/"], "user:password"),
    (["-H", "NoColon", "http://localhost/"], "Name: value"),
    (["-d", "a=1", "-F", "b=2", "http://localhost/"], "cannot be combined"),
    (["-d", "@file", "http://localhost/"], "-d @file"),
    (["-F", "novalue", "http://localhost/"], "name=value"),
    (["-F", "f=<file", "http://localhost/"], "not supported"),
    (["-F", "f=@missing.txt", "http://localhost/"], "cannot read missing.txt"),
])
def test_curl_errors(args, message):
    with pytest.raises(dx.CurlError) as caught:
        curl(*args)
    assert message in str(caught.value)


# --------------------------------------------------------------------------
# comparing output

def response(body="hello\n", status="HTTP/1.1 200 OK", headers=None):
    return dx.Response(status, headers or [("Date", "now"), ("Content-Type", "text/plain")],
                       body)


@pytest.mark.parametrize("expected,actual", [
    (["hello"], "hello\n"),
    (["hello   ", "", ""], "hello"),
    (["a", "...", "d"], "a\nb\nc\nd\n"),
    (["a", "...", "b"], "a\nb\n"),
    (["...", "z"], "x\ny\nz\n"),
    (["..."], ""),
    ([], ""),
    (["crlf"], "crlf\r\n"),
])
def test_body_matches(expected, actual):
    assert dx.output_problem(expected, response(actual), include=False) is None


@pytest.mark.parametrize("expected,actual", [
    (["hello"], "hello\nworld\n"),
    (["a", "...", "d"], "a\nb\nc\n"),
    (["  hello"], "hello\n"),
    ([], "something\n"),
])
def test_body_mismatches(expected, actual):
    assert "the body differs" in dx.output_problem(expected, response(actual),
                                                  include=False)


def test_include_checks_status_listed_headers_and_body():
    expected = ["HTTP/1.1 200 OK", "content-type:   text/plain", "", "hello"]
    assert dx.output_problem(expected, response(), include=True) is None


def test_include_without_blank_line_means_empty_body():
    assert dx.output_problem(["HTTP/1.1 200 OK"], response(""), include=True) is None
    assert dx.output_problem(["HTTP/1.1 200 OK"], response("x"), include=True)


def test_include_problems_are_named_and_diffed():
    expected = ["HTTP/1.1 404 Not Found", "Content-Type: text/html", "", "hello"]
    problem = dx.output_problem(expected, response(), include=True)
    assert "status line is 'HTTP/1.1 200 OK'" in problem
    assert "header 'Content-Type: text/html' not in the response" in problem
    assert "-HTTP/1.1 404 Not Found\n-Content-Type: text/html\n+HTTP/1.1 200 OK\n" in problem


def test_mismatch_shows_a_unified_diff():
    problem = dx.output_problem(["hello", "world"], response("hello\nthere\n"),
                                include=False)
    assert "--- expected (page)\n+++ actual (server)" in problem
    assert "-world\n+there" in problem


def test_lines_match_with_many_ellipses_is_fast():
    assert not dx.lines_match(["..."] * 30 + ["x"], ["y"] * 200)


# --------------------------------------------------------------------------
# python blocks

@pytest.mark.parametrize("source,names", [
    ("import os\nprint(os.sep)\n", set()),
    ("def handler(req):\n    req.write('x')\n    return apache.OK\n", {"apache"}),
    ("req.write('x')\n", {"req"}),
    ("class A:\n    x = y\n", {"y"}),
    ("x = [i for i in range(3)]\nprint(x, __name__)\n", set()),
    ("def f():\n    global g\n    g = 1\nf()\nprint(g)\n", set()),
    ("def outer():\n    v = 1\n    def inner():\n        return v\n", set()),
    ("try:\n    pass\nexcept OSError as e:\n    print(e)\n", set()),
])
def test_free_names(source, names):
    assert dx.free_names(source) == names


def test_imports():
    source = ("import os, xml.dom\nfrom mod_python import util as u\n"
              "from . import sibling\ndef f():\n    from json import *\n")
    assert dx.imports(source) == [
        ("os", None), ("xml.dom", None), ("mod_python", "util"), (".", "sibling"),
        ("json", "*")]


def everything(module, name):
    return True


def nothing(module, name):
    return False


@pytest.mark.parametrize("source,importable,runs", [
    ("import json\nprint(json.dumps(1))\n", nothing, True),
    ("from mod_python import Cookie\nCookie.Cookie('a', 'b')\n", everything, True),
    ("from mod_python import apache\n", nothing, False),
    ("import requests\n", everything, False),
    ("from . import x\n", everything, False),
    ("from os.path import *\n", everything, False),
    ("req.write('x')\n", everything, False),
])
def test_runs_alone(source, importable, runs):
    assert dx.runs_alone(source, importable) is runs


def test_runs_alone_asks_about_mod_python_imports_only():
    asked = []
    dx.runs_alone("import os\nfrom mod_python import util\nimport mod_python.cache\n",
                  lambda module, name: asked.append((module, name)) or True)
    assert asked == [("mod_python", "util"), ("mod_python.cache", None)]
