"""L. PSP (behaviours.md items 274-290, library.md section 3, ambiguity 27),
on a real Apache: `PythonHandler mod_python.psp` for *.psp in the
DocumentRoot, plus handlers using mod_python.psp as a library.

The site runs under both the prefork and the event MPM.
"""

import os
import re
import time
from contextlib import closing

import pytest

from helpers import Site

SITE = Site(dir_directives="AddHandler mod_python .psp .psp_\n"
                           "PythonHandler mod_python.psp\n"
                           "PythonDebug On\n"
                           "PythonOption mod_python.session.database_directory @ROOT@/tmp")
SITE.config("""
    <Directory @DOCROOT@/nodebug>
        PythonDebug Off
    </Directory>
    <Directory @DOCROOT@/dbm>
        PythonOption mod_python.psp.cache_database_filename @ROOT@/tmp/psp_cache
    </Directory>
""")


def page(rel, text):
    SITE.file(rel, text)


def handler(name, text):
    SITE.handler(name, text, directives="SetHandler mod_python")


page("l274.psp", '<% if 1:\n    req.write("t")\n%>est<%=" "+"ok"%>')


def test_basic_page(site):
    # L-274
    r = site.get("/l274.psp")
    assert (r.status, r.text) == (200, "test ok")


def test_content_type(site):
    # L-275
    assert site.get("/l274.psp").header("Content-Type").startswith("text/html")


page("l276.psp", "test:-n:\\n\ntest:-r:\\r\ntest:-t:\\t\n")


def test_escapes_are_literal(site):
    # L-276
    assert site.get("/l276.psp").text == "test:-n:\\n\ntest:-r:\\r\ntest:-t:\\t\n"


page("l277.psp", '<% test_str = "x" %>"<%= test_str %>" \'<%= test_str %>\'')


def test_quotes_around_expressions(site):
    # L-277
    assert site.get("/l277.psp").text == '"x" \'x\''


page("l278.psp", "a<%-- comment <%= 1/0 %>\n--%>b")


def test_comment(site):
    # L-278
    assert site.get("/l278.psp").text == "ab"


page("l279.psp", '[<%@ include file="l279_other.psp" %>]')
page("l279_other.psp", "other <%= 1 + 1 %>")


def test_include(site):
    # L-279
    assert site.get("/l279.psp").text == "[other 2]"


page("l280.psp", "<% for n in range(3): %>\n<p>paragraph <%= n %></p>\n<%\n%>end\n")


def test_colon_block_repeats_text(site):
    # L-280
    text = site.get("/l280.psp").text
    assert text.count("<p>paragraph") == 3
    assert text.endswith("</p>\nend\n") and text.count("end") == 1


def test_missing_page(site):
    # L-281
    assert site.get("/l281_missing.psp").status == 404


page("l282.psp", "<% x = '<b>' %><%= x %>\n")
page("nodebug/l282.psp", "<%= 1 %>\n")


def test_code_view_only_with_debug(site):
    # L-282
    r = site.get("/l282.psp_")
    assert r.status == 200
    assert r.header("Content-Type").startswith("text/html")
    assert "<table" in r.text
    assert "&lt;%&nbsp;x&nbsp;=&nbsp;'&lt;b&gt;'" in r.text       # the PSP source
    assert "req.write(str(&nbsp;x&nbsp;),0)" in r.text           # the generated code
    r = site.get("/nodebug/l282.psp_")
    assert r.status == 404 and "<table" not in r.text
    assert site.get("/nodebug/l282.psp").text == "1\n"


page("l283.psp", "<% session['n'] = session.get('n', 0) + 1 %><%= session['n'] %>")


def test_session(site):
    # L-283
    r = site.get("/l283.psp")
    assert (r.status, r.text) == (200, "1")
    cookie = r.header("Set-Cookie")
    assert re.match(r"pysid=[0-9a-f]{32}", cookie)
    sid = cookie.split(";")[0]
    assert site.get("/l283.psp", headers={"Cookie": sid}).text == "2"
    assert site.get("/l283.psp", headers={"Cookie": sid}).text == "3"


page("l283_none.psp", "<%= 'no session here' %>")


def test_no_session_unless_used(site):
    r = site.get("/l283_none.psp")
    assert r.header("Set-Cookie") is None


page("l284.psp", "<%= form['a'] %>,<%= '+'.join(form.getlist('b')) %>")


def test_form(site):
    # L-284
    assert site.get("/l284.psp?a=1&b=2&b=3").text == "1,2+3"
    assert site.post("/l284.psp?a=q", "b=p").text == "q,p"


page("l285.psp", "<% psp.set_error_page('l285_err.psp') %>okay\n"
                 "<% session['seen'] = 1\nraise ValueError('boom') %>")
page("l285_err.psp", "fail <%= exception[0].__name__ %> <%= exception[1] %> "
                     "<%= session['seen'] %>")


def test_error_page(site):
    # L-285
    r = site.get("/l285.psp", timeout=15)
    assert (r.status, r.text) == (200, "okay\nfail ValueError boom 1")
    sid = r.header("Set-Cookie").split(";")[0]
    # the session was unlocked: the next request with it does not wait
    start = time.time()
    assert site.get("/l285.psp", headers={"Cookie": sid}, timeout=15).status == 200
    assert time.time() - start < 5


page("l286/t.html", "Hello, <%=what%>!")
handler("l286", """
    from mod_python import psp

    def handler(req):
        req.content_type = "text/plain"
        psp.PSP(req, filename="l286/t.html").run({"what": "world"})
        return apache.OK
""")


def test_template_from_handler(site):
    # L-286
    assert site.get("/l286.py").text == "Hello, world!"


handler("l287", """
    from mod_python import psp

    def handler(req):
        return reply(req, capture(lambda: psp.PSP(req, filename="a", string="b")))
""")


def test_filename_and_string(site):
    # L-287
    assert site.get("/l287.py").json() == \
        "EXC:ValueError:Must specify either filename or string"


handler("l288", """
    from mod_python import psp

    def handler(req):
        source = psp.parsestring("<%= 1 %>")
        assert isinstance(source, str)
        exec(source, {"req": req})
        return apache.OK
""")


def test_parsestring(site):
    # L-288
    assert site.get("/l288.py").text == "1"


page("l289/x.psp", "from x.psp")
handler("l289", """
    from mod_python import psp

    def handler(req):
        directory = os.path.join(os.path.dirname(req.filename), "l289") + "/"
        exec(psp.parse("x.psp", directory), {"req": req})
        return apache.OK
""")


def test_parse_with_dir(site):
    # L-289
    assert site.get("/l289.py").text == "from x.psp"


page("l290.psp", "<% psp.redirect('/l274.psp') %>never")


def test_redirect(site):
    # L-290 and ambiguity 27: SERVER_RETURN from a page is not turned into a 500
    r = site.get("/l290.psp")
    assert r.status == 302
    assert r.header("Location") == "/l274.psp"
    assert "never" not in r.text


page("a27.psp", "<% raise apache.SERVER_RETURN(apache.HTTP_FORBIDDEN) %>")


def test_server_return_from_page(site):
    # ambiguity 27
    assert site.get("/a27.psp").status == 403


page("l290_login.psp", "<% session['user'] = 'me'\npsp.redirect('/l290_who.psp') %>")
page("l290_who.psp", "<%= session.get('user') %>")


def test_redirect_keeps_the_session(site):
    r = site.get("/l290_login.psp")
    assert r.status == 302
    sid = r.header("Set-Cookie").split(";")[0]
    assert site.get("/l290_who.psp", headers={"Cookie": sid}).text == "me"


page("syntax.psp", "a\nb\n<%= 1 %>\n\n\n<% x = 1 %>\n<% if x %>\nc\n")
page("nodebug/runtime.psp", "a\n\n<% x = 0 %>\n<%= 1 / x %>\n")


def test_errors_name_page_and_line(site):
    mark = site.log_mark()
    r = site.get("/syntax.psp")
    assert r.status == 500
    where = 'File "%s/syntax.psp", line 7' % site.docroot
    assert where in r.text                     # PythonDebug On
    assert "SyntaxError" in r.text
    site.wait_log(where, since=mark)
    mark = site.log_mark()
    r = site.get("/nodebug/runtime.psp")
    assert r.status == 500 and "runtime.psp" not in r.text
    log = site.wait_log("ZeroDivisionError", since=mark)
    assert 'File "%s/nodebug/runtime.psp", line 4' % site.docroot in log


page("edit.psp", "version 1")


def test_page_recompiled_when_changed(site):
    with closing(site.conn()) as conn:   # the same child every time
        assert conn.get("/edit.psp").text == "version 1"
        path = site.path("edit.psp")
        site.write("edit.psp", "version <%= 1 + 1 %>")
        st = os.stat(path)
        os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 2 * 10**9))
        assert conn.get("/edit.psp").text == "version 2"


page("edit_in_place.psp", "version <%= 1 %>")


def test_page_edited_in_place_in_the_same_second_is_recompiled(site):
    # The page's own stat is Apache's for the request (issue 14): same
    # size, same inode, within a second, only the mtime's fraction differs.
    with closing(site.conn()) as conn:
        for _ in range(3):
            assert conn.get("/edit_in_place.psp").text == "version 1"
        with open(site.path("edit_in_place.psp"), "r+") as f:
            f.write("version <%= 2 %>")
        assert conn.get("/edit_in_place.psp").text == "version 2"


page("dbm/cached.psp", "cached <%= 6 * 7 %>")


def test_dbm_cache(site):
    assert site.get("/dbm/cached.psp").text == "cached 42"
    made = [n for n in os.listdir(site.path("@ROOT@/tmp")) if n.startswith("psp_cache")]
    assert made
    assert site.get("/dbm/cached.psp").text == "cached 42"


page("dbm_planted/cached.psp", "cached <%= 6 * 7 %>")
page("dbm_shared_dir/cached.psp", "cached <%= 6 * 7 %>")
SITE.config("""
    <Directory @DOCROOT@/dbm_planted>
        PythonOption mod_python.psp.cache_database_filename @ROOT@/tmp/psp_planted
    </Directory>
    <Directory @DOCROOT@/dbm_shared_dir>
        PythonOption mod_python.psp.cache_database_filename @ROOT@/shared/psp_cache
    </Directory>
""")


def test_dbm_cache_of_another_user_is_refused(site):
    # planted by another local user (root here) before the first request:
    # its marshalled code would run in Apache
    planted = site.path("@ROOT@/tmp/psp_planted")
    with open(planted, "wb") as f:
        f.write(b"not ours")
    mark = site.log_mark()
    assert site.get("/dbm_planted/cached.psp").status == 500
    site.wait_log("mod_python.psp: %s is not a file owned by uid" % planted,
                  since=mark)
    os.unlink(planted)
    assert site.get("/dbm_planted/cached.psp").text == "cached 42"


def test_dbm_cache_in_a_directory_others_can_write_is_refused(site):
    shared = site.path("@ROOT@/shared")
    os.makedirs(shared, exist_ok=True)
    os.chmod(shared, 0o777)
    mark = site.log_mark()
    assert site.get("/dbm_shared_dir/cached.psp").status == 500
    site.wait_log("the directory %s of PSP cache database" % shared, since=mark)
    assert "lets another user replace it" in site.error_log(since=mark)
    assert not [n for n in os.listdir(shared) if n.startswith("psp_cache")]
    os.chmod(shared, 0o1777)     # sticky, like /tmp: fine
    assert site.get("/dbm_shared_dir/cached.psp").text == "cached 42"


@pytest.fixture(scope="module")
def site(module_mpm):
    with SITE.serve(mpm=module_mpm) as srv:
        yield srv


def test_pages_have_the_globals_of_35_pages(apache):
    """3.5 pages ran with its psp module's names: escape (Python 2's
    cgi.escape) above all, the usual guard in <%= escape(x) %>."""
    srv = apache(files={"names.psp": (
        '<%= escape(form.getfirst("q", "")) %>|'
        '<%= escape(\'"a"\', True) %>|'
        '<%= ",".join(n for n in ("apache", "util", "os", "sys", "marshal", '
        '"tempfile", "_apache", "PSP", "PSPInterface") if n in globals()) %>')},
        config="""
<Directory @DOCROOT@>
    AddHandler mod_python .psp
    PythonHandler mod_python.psp
</Directory>
""")
    r = srv.get("/names.psp?q=%3Cscript%3Ex%26y%3C/script%3E")
    assert r.text == ("&lt;script&gt;x&amp;y&lt;/script&gt;|&quot;a&quot;|"
                      "apache,util,os,sys,marshal,tempfile,_apache,PSP,"
                      "PSPInterface")
