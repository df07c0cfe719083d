"""The PSP parser (mod_python.pspparser, library.md 3.1): every syntax
element, the indentation rules, line numbers, errors, and speed."""

import time

import pytest

from mod_python import pspparser
from mod_python.pspparser import generate


class Req:
    def __init__(self):
        self.out = []

    def write(self, data, flush=1):
        self.out.append(data)


def render(page, **scope):
    """Output of the page text `page` (its code run with a fake req)."""
    req = Req()
    exec(compile(generate(page).source, "page.psp", "exec"), dict(scope, req=req))
    return "".join(req.out)


def failing_line(page):
    """Line (of the generated code) where running `page` raises."""
    code = compile(generate(page).source, "page.psp", "exec")
    with pytest.raises(ZeroDivisionError) as info:
        exec(code, {"req": Req()})
    tb = info.value.__traceback__
    while tb.tb_next is not None:
        tb = tb.tb_next
    return tb.tb_lineno


# ---------------------------------------------------------------------------
# text

@pytest.mark.parametrize("text", [
    "plain text\n",
    'quotes " and "" and """ and \'\'\'',
    "ends with a quote\"",
    "backslashes: \\n \\r \\t \\\\ \\x41 \\N{DASH} \\",
    "trailing backslash\\\nnext line",
    "tabs\tand\x0cform feeds",
    "unicode: \u00e9\u20ac\U0001f600",
    "CRLF\r\nlines\r\nand CR\ronly\n\n",
    "a % sign, %> alone, <% never mind",
])
def test_text_is_verbatim(text):
    page = text.replace("<%", "<%= '<' %>%")   # keep the last case text-only
    assert render(page) == text


def test_text_becomes_unflushed_writes():
    assert 'req.write("""hello""",0)' in generate("hello").source


def test_empty_page():
    assert generate("").source == ""
    assert render("") == ""


def test_only_code_and_only_whitespace():
    assert render("<% x = 1 %>") == ""
    assert render("   \n\t") == "   \n\t"


# ---------------------------------------------------------------------------
# expressions

def test_expression():
    assert render("a<%= 1 + 1 %>b") == "a2b"
    assert render('<%=" "+"ok"%>') == " ok"
    assert render("<%= x %>", x=[1]) == "[1]"


def test_expression_within_quotes_in_text():
    # L-277
    assert render('"<%= s %>" and \'<%= s %>\'', s="v") == '"v" and \'v\''


def test_expression_with_end_tag_in_string():
    assert render('<%= "a%>b" %>') == "a%>b"
    assert render("<%= '%>' + \"%>\" %>") == "%>%>"
    assert render('<%= """x\n%>\ny""" %>') == "x\n%>\ny"


def test_expression_over_lines():
    assert render("<%= (1 +\n    2) %>") == "3"
    assert render("<%= 1 +\r\n 2 %>") == "3"


def test_expression_ending_in_comment():
    assert render("<%= 7 # seven %>!") == "7!"


def test_empty_expression_writes_nothing():
    assert render("a<%= %>b") == "ab"


# ---------------------------------------------------------------------------
# code blocks

def test_code_block():
    assert render('<% req.write("x") %>') == "x"
    assert render('<%\nfor i in range(3):\n    req.write(str(i))\n%>') == "012"


def test_end_tag_inside_strings_of_code():
    assert render("<% req.write('%>') %>") == "%>"
    assert render('<% s = "a %> b"; req.write(s) %>!') == "a %> b!"
    assert render("<% s = '''\n%>\n'''\nreq.write(s) %>") == "\n%>\n"
    assert render(r'<% req.write("\"%>\"") %>') == '"%>"'
    assert render(r"<% req.write(r'\'%>') %>") == "\\'%>"


def test_end_tag_inside_a_comment_ends_the_code():
    assert render("<% x = 1 # a comment %>after") == "after"
    assert render("<% # it's a comment %>ok") == "ok"


def test_quotes_in_a_comment_do_not_open_strings():
    assert render("<%\n# don't\nx = 'y'\n%><%= x %>") == "y"


def test_leading_whitespace_after_tag_is_ignored():
    assert render("<%    x = 5 %><%= x %>") == "5"
    assert render("<%\tx = 5\n%><%= x %>") == "5"


def test_code_line_endings():
    # CR, LF and CRLF inside code (library.md 3.1)
    for brk in ("\n", "\r\n", "\r"):
        page = "<%" + brk.join(["", "x = 1", "if x:", "    x = 2", ""]) + "%><%= x %>"
        assert render(page) == "2", repr(brk)


# ---------------------------------------------------------------------------
# indentation rules

def test_b274_example():
    # L-274
    assert render('<% if 1:\n    req.write("t")\n%>est<%=" "+"ok"%>') == "test ok"


def test_colon_indents_following_text():
    # L-280
    page = "<% for n in range(3): %>\nrep <%= n %><% %>\nonce"
    assert render(page) == "\nrep 0\nrep 1\nrep 2\nonce"


def test_empty_block_with_newline_ends_indentation():
    page = "<% for n in range(2): %>x<%\n%>y"
    assert render(page) == "xxy"


def test_last_line_indentation_persists():
    page = ("<%\nfor n in range(3):\n    # This indent will persist\n%>\n"
            "<p>repeated</p>\n<%\n# This line will cause the block to end\n%>\n"
            "once\n")
    assert render(page) == "\n<p>repeated</p>\n" * 3 + "\nonce\n"


def test_last_code_line_sets_indentation():
    page = "<%\nfor n in range(2):\n    m = n * 10\n%>[<%= m %>]<% %>."
    assert render(page) == "[0][10]."


def test_colon_on_last_line_before_end_tag_line():
    page = "<%\nfor n in range(2):\n%><%= n %><% %>."
    assert render(page) == "01."


def test_colon_in_trailing_comment_does_not_count():
    page = "<% x = 1  # note: %>a<%= x %>"
    assert render(page) == "a1"


def test_colon_inside_brackets_of_last_line():
    page = "<% for n in (1,\n          2): %><%= n %><% %>."
    assert render(page) == "12."


def test_if_else_blocks():
    page = "<% if x: %>yes<% else: %>no<% %>."
    assert render(page, x=1) == "yes."
    assert render(page, x=0) == "no."


def test_nested_blocks():
    page = ("<%\nfor a in range(2):\n    for b in range(2):\n%>"
            "<%= a %><%= b %> <%\n%>.")
    assert render(page) == "00 01 10 11 ."


def test_new_block_resets_indentation():
    page = "<% for n in range(2): %>x<% y = 1 %>y"
    assert render(page) == "xxy"


def test_expression_inherits_indentation():
    page = "<% for n in range(3): %><%= n %><% %>"
    assert render(page) == "012"


def test_extra_level_is_a_tab():
    assert "\n\treq.write" in generate("<% if 1: %>\nx").source


# ---------------------------------------------------------------------------
# comments

def test_comments_are_removed():
    # L-278
    assert render("a<%-- a comment --%>b") == "ab"
    assert render("a<%-- <%= 1/0 %> %> \n\n --%>b") == "ab"
    assert generate("<%-- x --%>").source.strip() == ""


# ---------------------------------------------------------------------------
# include

def test_include(tmp_path):
    # L-279
    (tmp_path / "inc.psp").write_text("[<%= 6 * 7 %>]")
    page = 'a<%@ include file="inc.psp" %>b'
    req = Req()
    g = generate(page, "main.psp", str(tmp_path) + "/")
    exec(compile(g.source, "main.psp", "exec"), {"req": req})
    assert "".join(req.out) == "a[42]b"
    assert [d[0] for d in g.deps] == [str(tmp_path) + "/inc.psp"]
    assert g.files == ["main.psp", str(tmp_path) + "/inc.psp"]


def test_include_forms(tmp_path):
    (tmp_path / "i.psp").write_text("I")
    base = str(tmp_path) + "/"
    for directive in ["<%@ include file='i.psp' %>", '<%@include file = "i.psp"%>',
                      '<%@ include file="' + base + 'i.psp" %>']:
        g = generate(directive, "m.psp", base)
        req = Req()
        exec(g.source, {"req": req})
        assert req.out == ["I"], directive


def test_include_is_textual_and_nested(tmp_path):
    (tmp_path / "head.psp").write_text('<% for n in range(2): %><%@ include file="body.psp" %>')
    (tmp_path / "body.psp").write_text("<%= n %>,")
    g = generate('<%@ include file="head.psp" %><% %>end', "m.psp",
                 str(tmp_path) + "/")
    req = Req()
    exec(g.source, {"req": req})
    assert "".join(req.out) == "0,1,end"


def test_include_without_dir_is_used_as_is(tmp_path, monkeypatch):
    (tmp_path / "i.psp").write_text("cwd")
    monkeypatch.chdir(tmp_path)
    req = Req()
    exec(generate('<%@ include file="i.psp" %>').source, {"req": req})
    assert req.out == ["cwd"]


def test_missing_include(tmp_path):
    with pytest.raises(OSError) as info:
        generate('\n<%@ include file="nope.psp" %>', "m.psp", str(tmp_path) + "/")
    assert info.value.filename == str(tmp_path) + "/nope.psp"
    assert "m.psp, line 2" in str(info.value)


def test_recursive_include(tmp_path):
    (tmp_path / "a.psp").write_text('<%@ include file="b.psp" %>')
    (tmp_path / "b.psp").write_text('x\n<%@ include file="a.psp" %>')
    with pytest.raises(SyntaxError) as info:
        generate('<%@ include file="a.psp" %>', "m.psp", str(tmp_path) + "/")
    assert "includes itself" in info.value.msg
    assert (info.value.filename, info.value.lineno) == (str(tmp_path) + "/b.psp", 2)


@pytest.mark.parametrize("directive", [
    '<%@ include %>', '<%@ include file=x.psp %>', '<%@ include file="a b" %>',
    '<%@ page import="x" %>'])
def test_bad_directives(directive):
    with pytest.raises(SyntaxError) as info:
        generate("\n\n" + directive, "p.psp")
    assert (info.value.filename, info.value.lineno) == ("p.psp", 3)


# ---------------------------------------------------------------------------
# errors

@pytest.mark.parametrize("page, line, what", [
    ("a\nb\n<% x = 1\n", 3, "'<%' without a closing '%>'"),
    ("a\r\nb\r\n<%= x", 3, "'<%' without"),
    ("\r\r<%-- x %>", 3, "'<%--' without a closing '--%>'"),
    ("\n<%@ include", 2, "'<%@' without"),
    ("\n\n\n<% s = '''\n%>\n", 4, "a string that opens here is never closed"),
    ("<% x = 1 # %> %>\n<% y = 2", 2, "without a closing"),
])
def test_unterminated_tags(page, line, what):
    with pytest.raises(SyntaxError) as info:
        generate(page, "page.psp")
    assert info.value.filename == "page.psp"
    assert info.value.lineno == line
    assert what in info.value.msg


def test_unterminated_one_line_string_is_left_to_python():
    # a one-line string ends at the line end; Python reports it
    g = generate("<% s = 'abc\n%>")
    with pytest.raises(SyntaxError):
        compile(g.source, "p", "exec")


# ---------------------------------------------------------------------------
# line numbers: generated lines match the page's

@pytest.mark.parametrize("page, line", [
    ("a\nb\n<% 1/0 %>", 3),
    ("a\nb\n<%= 1/0 %>", 3),
    ("a<% x = 1 %>\nb\n\n<%= 1/0 %>", 4),
    ("<% x = 1 %><% y = 2 %>\n\n\nz<%= 1/0 %>", 4),
    ("<%-- 1\n2\n3 --%>\n<% 1/0 %>", 4),
    ("<%\nx = 1\n\n%>\n\n\n<%\n\n1/0\n%>", 9),
    ("a\r\nb\rc\n<%= 1/0 %>", 4),
    ("<% for n in range(1): %>\n\n<%= 1/0 %>", 3),
    ("<%= 1 %><%= 2 %>\n<%= 3 %><%= 4 %>\n<%= 1/0 %>", 3),
    ('<%= """\n\n""" %>\n<%= 1/0 %>', 4),
    ("x\n" * 50 + "<% if 1:\n    y = 1\n    1/0\n%>", 53),
])
def test_line_numbers_match(page, line):
    assert failing_line(page) == line


def test_line_map_of_included_lines(tmp_path):
    (tmp_path / "inc.psp").write_text("one\ntwo\n<% x = 1 %>")
    g = generate('a\n<%@ include file="inc.psp" %>\nb', "m.psp", str(tmp_path) + "/")
    origins = {g.origin(n) for n in range(1, g.source.count("\n") + 2)}
    assert (str(tmp_path) + "/inc.psp", 3) in origins
    assert ("m.psp", 1) in origins


# ---------------------------------------------------------------------------
# entry points

def test_parse_file_and_bytes(tmp_path):
    p = tmp_path / "p.psp"
    p.write_bytes("caf\u00e9 <%= 1 %>".encode("utf-8"))
    g, st = pspparser.parse_file(str(p))
    assert st.st_size == p.stat().st_size
    assert "caf\u00e9" in g.source
    assert "caf\u00e9" in pspparser.parse_bytes("caf\u00e9".encode("latin-1")).source
    assert pspparser.decode(b"\xef\xbb\xbfbom") == "bom"


# ---------------------------------------------------------------------------
# speed: one linear pass, nothing that backtracks

@pytest.mark.parametrize("page", [
    "<%= x %> text \"q\" \\n\n" * 40000,
    "<% x = 1 %>\n" * 40000,
    "<%-- c --%>" * 40000,
    "text line\r\n" * 100000,
    "<% s = '" + "\\'" * 200000 + "' %>",
    "<% x = (" + "[" * 100000 + "]" * 100000 + ") %>",
    "<% # " + "%" * 200000 + " %>",
], ids=["exprs", "code", "comments", "crlf", "escapes", "brackets", "percents"])
def test_parsing_is_linear(page):
    start = time.perf_counter()
    generate(page)
    assert time.perf_counter() - start < 3


@pytest.mark.parametrize("page", [
    "<%" + "'" * 200001,
    "<%" + '"""' + '\\"' * 100000,
    "<%" + "#" * 200000,
    "<%--" + "-" * 200000,
    "<%" + " %" * 100000,
], ids=["quotes", "triple", "comment", "dashes", "percents"])
def test_unterminated_is_fast_too(page):
    start = time.perf_counter()
    with pytest.raises(SyntaxError):
        generate(page)
    assert time.perf_counter() - start < 3
