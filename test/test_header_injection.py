"""A header value (or name) with CR or LF, set through headers_out,
err_headers_out or util.redirect, is refused with ValueError at the call:
it could only add header lines of the writer's choosing (response
splitting).  Cookie values are quoted instead, with such characters (and
';', which could add cookie attributes) escaped.  The response carries
nothing of the injected text as headers."""

from helpers import code

ATTEMPTS = code("""
    from mod_python import Cookie, util

    def attempt(results, name, fn):
        try:
            fn()
            results.append(name + "=accepted")
        except ValueError as exc:
            results.append(name + "=ValueError")

    def handler(req):
        results = []
        evil = "x\\r\\nSet-Cookie: stolen=1"
        attempt(results, "headers_out", lambda: req.headers_out.__setitem__(
            "X-One", evil))
        attempt(results, "err_headers_out.add", lambda: req.err_headers_out.add(
            "X-Two", "y\\nX-Injected: 1"))
        attempt(results, "key", lambda: req.headers_out.__setitem__(
            "X-Bad\\r\\nX-Injected", "v"))
        attempt(results, "update", lambda: req.headers_out.update(
            {"X-Three": "z\\rX-Injected: 1"}))
        attempt(results, "cookie", lambda: Cookie.add_cookie(
            req, "pref", "v\\r\\nX-Injected: 1"))
        attempt(results, "redirect", lambda: util.redirect(
            req, "/elsewhere\\r\\nSet-Cookie: stolen=1"))
        # other tables keep any text
        req.notes["multi"] = "line one\\nline two"
        results.append("notes=" + repr(req.notes["multi"]))
        req.headers_out["X-Fine"] = "a value"
        req.content_type = "text/plain"
        req.write("|".join(results))
        return apache.OK
""")


def test_header_injection_is_refused_at_the_call(apache):
    srv = apache(files={"inject.py": ATTEMPTS}, config="""
<Location /inject>
    SetHandler mod_python
    PythonHandler inject
    PythonPath "['@DOCROOT@'] + sys.path"
</Location>
""")
    r = srv.get("/inject")
    assert r.status == 200, srv.error_log()
    assert r.text.split("|") == [
        "headers_out=ValueError", "err_headers_out.add=ValueError",
        "key=ValueError", "update=ValueError", "cookie=accepted",
        "redirect=ValueError", "notes='line one\\nline two'"]
    names = [k.lower() for k, _ in r.headers]
    assert "x-injected" not in names
    assert r.header_list("Set-Cookie") == ['pref="v\\015\\012X-Injected: 1"']
    assert r.header("X-Fine") == "a value"


COOKIE_VALUE = code("""
    from mod_python import Cookie

    def handler(req):
        Cookie.add_cookie(req, "pref", req.args or "")
        req.write("ok")
        return apache.OK
""")


def test_a_cookie_value_from_the_request_cannot_add_attributes(apache):
    # M-291: plain values render as they are; unsafe ones are quoted
    srv = apache(files={"pref.py": COOKIE_VALUE}, config="""
<Location /pref>
    SetHandler mod_python
    PythonHandler pref
    PythonPath "['@DOCROOT@'] + sys.path"
</Location>
""")
    r = srv.get("/pref?x;%20Domain=evil.example;%20Max-Age=99999")
    cookie = r.header("Set-Cookie")
    assert cookie == 'pref="x\\073%20Domain=evil.example\\073%20Max-Age=99999"'
    assert ";" not in cookie
