"""add_cookie, get_cookies, get_cookie against a request stand-in
(behaviours.md M)."""

import re

import pytest

from mod_python import Cookie, apache


class CookieRequest:
    """headers_in/headers_out tables and PythonOption values."""

    def __init__(self, cookies=(), options=None):
        self.headers_in = apache.table()
        for value in cookies:
            self.headers_in.add("Cookie", value)
        self.headers_out = apache.table()
        self.options = dict(options or {})

    def get_options(self):
        return self.options

    def set_cookies(self):
        return [v for k, v in self.headers_out.items() if k == "Set-Cookie"]


def test_add_cookie_first_one_adds_cache_control():
    # M-296
    req = CookieRequest()
    Cookie.add_cookie(req, Cookie.Cookie("a", "1", path="/"))
    Cookie.add_cookie(req, Cookie.Cookie("b", "2"))
    assert req.headers_out.items() == [
        ("Cache-Control", 'no-cache="set-cookie"'), ("Set-Cookie", "a=1; path=/"),
        ("Set-Cookie", "b=2")]


def test_add_cookie_keeps_existing_set_cookie():
    # M-296: a Set-Cookie already there means no Cache-Control is added
    req = CookieRequest()
    req.headers_out.add("Set-Cookie", "x=0")
    Cookie.add_cookie(req, "a", "1")
    assert "Cache-Control" not in req.headers_out
    assert req.set_cookies() == ["x=0", "a=1"]


def test_add_cookie_builds_the_cookie():
    # M-297
    req = CookieRequest()
    Cookie.add_cookie(req, "spam", "eggs", expires=0, path="/")
    assert req.set_cookies() == ["spam=eggs; path=/; expires=Thu, 01-Jan-1970 00:00:00 GMT"]
    Cookie.add_cookie(req, "empty")
    assert req.set_cookies()[-1] == "empty="


def test_add_cookie_signed_and_sign_with_option():
    # M-302
    req = CookieRequest()
    Cookie.add_cookie(req, Cookie.SignedCookie("n", "v", secret="s"))
    req.options["mod_python.cookie.sign_with"] = "MD5"
    Cookie.add_cookie(req, Cookie.SignedCookie("n", "v", secret="s"))
    Cookie.add_cookie(req, Cookie.SignedCookie("n", "v", secret="s", sign_with="sha256"))
    assert [len(re.match(r"n=([0-9a-f]*)v", v).group(1)) for v in req.set_cookies()] \
        == [64, 32, 64]


def test_get_cookies_without_header():
    # M-300
    assert Cookie.get_cookies(CookieRequest()) == {}
    assert Cookie.get_cookie(CookieRequest(), "spam") is None
    assert Cookie.get_cookies(CookieRequest(), Cookie.SignedCookie, secret="s") == {}


def test_get_cookies_joins_several_headers():
    # M-298
    req = CookieRequest(["spam=foo; path=blah;;eggs=bar;", "bar=foo"])
    cookies = Cookie.get_cookies(req)
    assert sorted(cookies) == ["bar", "eggs", "path", "spam"]
    assert cookies["bar"].value == "foo"


def test_get_cookie():
    # M-300
    req = CookieRequest(["spam=1; eggs=2"])
    c = Cookie.get_cookie(req, "spam")
    assert type(c) is Cookie.Cookie and (c.name, c.value) == ("spam", "1")
    assert Cookie.get_cookie(req, "nope") is None


def test_get_cookies_signed_class():
    # M-303
    good = str(Cookie.SignedCookie("good", "1", secret="s"))
    req = CookieRequest([good + "; bad=" + "0" * 64 + "1"])
    cookies = Cookie.get_cookies(req, Cookie.SignedCookie, secret="s")
    assert type(cookies["good"]) is Cookie.SignedCookie and cookies["good"].value == "1"
    assert type(cookies["bad"]) is Cookie.Cookie
    assert list(Cookie.get_cookies(req, Cookie.SignedCookie, secret="s",
                                   mismatch=Cookie.IGNORE)) == ["good"]
    with pytest.raises(Cookie.CookieError):
        Cookie.get_cookie(req, "bad", Cookie.SignedCookie, secret="s",
                          mismatch=Cookie.EXCEPTION)


def test_get_cookie_marshal_class():
    # M-304
    req = CookieRequest([str(Cookie.MarshalCookie("m", {"a": [1]}, secret="s"))])
    assert Cookie.get_cookie(req, "m", Cookie.MarshalCookie, secret="s").value == {"a": [1]}


def legacy_request(option):
    sig = Cookie.SignedCookie("n", "v", secret="s", sign_with="md5")
    options = {} if option is None else {"mod_python.cookie.legacy_signatures": option}
    return CookieRequest([str(sig)], options)


@pytest.mark.parametrize("option, accepted", [
    (None, True), ("On", True), ("", True), ("Off", False), ("off", False),
    ("0", False), ("no", False), ("false", False)])
def test_legacy_signatures_option(option, accepted):
    # M-302
    c = Cookie.get_cookie(legacy_request(option), "n", Cookie.SignedCookie, secret="s")
    assert (type(c) is Cookie.SignedCookie) is accepted


def test_legacy_keyword_overrides_the_option():
    # M-302
    c = Cookie.get_cookie(legacy_request("Off"), "n", Cookie.SignedCookie, secret="s",
                          legacy_signatures=True)
    assert type(c) is Cookie.SignedCookie


def test_request_without_get_options():
    # M-300: a minimal stand-in still works
    class Bare:
        headers_in = apache.table()
        headers_out = apache.table()
    Bare.headers_in["Cookie"] = str(Cookie.SignedCookie("n", "v", secret="s"))
    assert Cookie.get_cookie(Bare(), "n", Cookie.SignedCookie, secret="s").value == "v"
    Cookie.add_cookie(Bare(), Cookie.SignedCookie("n", "v", secret="s"))


def test_add_cookie_that_cannot_render_adds_nothing():
    # M-305
    req = CookieRequest()
    with pytest.raises(Cookie.CookieError):
        Cookie.add_cookie(req, Cookie.SignedCookie("n", "v"))
    assert len(req.headers_out) == 0
