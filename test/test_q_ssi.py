"""Q. SSI `#python` elements through mod_include (behaviours.md items 344-351).

DOCROOT has `Options +Includes` and the INCLUDES filter for .shtml;
DOCROOT/noexec has `Options IncludesNOEXEC`.  The site runs under both the
prefork and the event MPM.
"""

import pytest

from helpers import Site

SSI_ERROR = "[an error occurred while processing this directive]"

SITE = Site(dir_directives="""Options +Includes
AddType text/html .shtml
AddOutputFilter INCLUDES .shtml
PythonDebug On""")

SITE.module("q_fixup.py", """
    def set_globals(req):
        req.ssi_globals = {"data": "test"}
        return apache.OK

    def add_includes(req):
        req.add_output_filter("INCLUDES")
        return apache.OK
""")

# an exec element with two statements on separate lines, a space, an eval
SITE.file("q344.shtml", '<!--#python exec="\nfilter.write(data[:1])\nfilter.write(data[1:])\n" -->'
                        ' <!--#python eval="\'ok\'" -->')
SITE.files_section("q344.shtml", "PythonFixupHandler q_fixup::set_globals")

SITE.file("q345.shtml", "[<!--#python eval=\"10*'HELLO '\" -->]"
                        "[<!--#python eval=\"len('HELLO')\" -->]"
                        "[<!--#python eval=\"None\" -->]")

SITE.file("q346.shtml", "<!--#python eval=\"'x' in globals()\" -->|"
                        "<!--#python exec=\"x = 'defined'\nimport os\" -->"
                        "<!--#python eval=\"x\" -->|<!--#python eval=\"os.sep\" -->")

SITE.file("noexec/q347.shtml", "before|<!--#python eval=\"'q347 ran'\" -->|after")
SITE.config("""
    <Directory @DOCROOT@/noexec>
        Options IncludesNOEXEC
    </Directory>
""")

SITE.file("q348.shtml", "before|<!--#python foo=\"1\" -->|after")

SITE.file("q349.shtml", "before|<!--#python exec=\"raise ValueError('q349 boom')\" -->|after")

SITE.file("qoff.shtml",
          "a<!--#python eval=\"'1'\" -->"
          "<!--#python exec=\"raise ValueError('qoff')\" -->"
          "b<!--#python eval=\"'2'\" -->c")
SITE.file("qdisable.shtml",
          "a<!--#python exec=\"filter.write('1'); filter.disable()\" -->"
          "b<!--#python eval=\"'2'\" -->c")

SITE.file("q350.html", "sum=<!--#python eval=\"1+1\" -->.")
SITE.files_section("q350.html", "PythonFixupHandler q_fixup::add_includes")

SITE.file("q351.shtml",
          "<!--#python exec=\"filter.req.subprocess_env['DEBUG'] = '1'\nPYVAR = '1'\" -->"
          "debug:<!--#if expr=\"v('DEBUG') == '1'\" -->on<!--#else -->off<!--#endif -->|"
          "pyvar:<!--#if expr=\"v('PYVAR') == '1'\" -->visible<!--#else -->hidden<!--#endif -->|"
          "python:<!--#python eval=\"PYVAR\" -->")


@pytest.fixture(scope="module")
def site(module_mpm):
    with SITE.serve(mpm=module_mpm) as srv:
        yield srv


def test_exec_and_eval_with_ssi_globals(site):
    #
    r = site.get("/q344.shtml")
    assert (r.status, r.text) == (200, "test ok")


def test_eval_results(site):
    #
    r = site.get("/q345.shtml")
    assert (r.status, r.text) == (200, "[%s][5][]" % ("HELLO " * 10))


def test_globals_per_page(site):
    # same keep-alive connection (same child and interpreter) twice
    c = site.conn()
    try:
        for _ in range(2):
            r = c.get("/q346.shtml")
            assert (r.status, r.text) == (200, "False|defined|/")
    finally:
        c.close()


def test_includes_noexec(site):
    #
    mark = site.log_mark()
    r = site.get("/noexec/q347.shtml")
    assert r.status == 200
    assert r.text == "before|%s|after" % SSI_ERROR
    site.wait_log("#python used but not allowed", since=mark)


def test_unexpected_parameter(site):
    #
    mark = site.log_mark()
    r = site.get("/q348.shtml")
    assert r.status == 200
    assert r.text == "before|%s|after" % SSI_ERROR
    log = site.wait_log("q348.shtml", since=mark)
    assert "foo" in log and "python" in log, log


# ssi.md section 2: the malformed elements, each executing nothing
SITE.file("qsyntax_missing.shtml", "a|<!--#python -->|b")
SITE.file("qsyntax_empty.shtml", "a|<!--#python exec=\"\" -->|b")
SITE.file("qsyntax_multiple.shtml",
          "a|<!--#python eval=\"'one'\" exec=\"filter.write('two')\" -->|b")
SITE.file("qsyntax_unexpected.shtml", "a|<!--#python foo=\"1\" -->|b")

SYNTAX_LOG = {
    "missing": "missing 'eval/exec' parameter to tag 'python' in ",
    "empty": "empty value for 'exec' parameter to tag 'python' in ",
    "multiple": "multiple 'eval/exec' parameters",
    "unexpected": "unexpected 'foo' parameter to tag 'python' in ",
}


@pytest.mark.parametrize("case", sorted(SYNTAX_LOG))
def test_malformed_element_inserts_error(site, case):
    # Q-348 and ssi.md section 2 (missing / empty / multiple / unexpected)
    r = site.get("/qsyntax_%s.shtml" % case)
    assert r.status == 200
    assert r.text == "a|%s|b" % SSI_ERROR


@pytest.mark.parametrize("case", sorted(SYNTAX_LOG))
def test_malformed_element_log_message(site, case):
    # ssi.md section 2: the error logged for each malformed element
    mark = site.log_mark()
    site.get("/qsyntax_%s.shtml" % case)
    log = site.wait_log("qsyntax_%s.shtml" % case, since=mark, timeout=3)
    assert SYNTAX_LOG[case] in log, log


def test_exec_exception_with_debug(site):
    #
    mark = site.log_mark()
    r = site.get("/q349.shtml")
    assert r.status == 200
    text = r.text
    assert text.startswith("before|"), text
    assert "Mod_python error:" in text, text
    assert "Traceback (most recent call last)" in text, text
    assert "q349 boom" in text, text
    assert SSI_ERROR in text, text
    assert text.endswith("|after"), text
    assert text.index("q349 boom") < text.index("|after")
    site.wait_log("q349 boom", since=mark)


@pytest.mark.parametrize("page, expected", [
    ("qoff.shtml", "a1" + SSI_ERROR + "bc"),
    ("qdisable.shtml", "a1bc")])
def test_python_off_for_the_rest_of_the_page(site, page, expected):
    # ssi.md section 4: after an error, or filter.disable(), the page's
    # later #python elements are passed over; the rest of the page is not
    r = site.get("/" + page)
    assert r.status == 200
    text = r.text
    if "Mod_python error" in text:      # the site runs with PythonDebug On
        text = text[:text.index("<pre>")] + text[text.index("</pre>") + 6:]
    assert text.replace("\n", "") == expected


def test_includes_added_from_fixup(site):
    #
    r = site.get("/q350.html")
    assert (r.status, r.text) == (200, "sum=2.")


def test_subprocess_env_visible_to_if(site):
    # Q-351 (ap_expr syntax of httpd 2.4: v('NAME') is the SSI variable)
    r = site.get("/q351.shtml")
    assert (r.status, r.text) == (200, "debug:on|pyvar:hidden|python:1")
