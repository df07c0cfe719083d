"""Cookie objects: attributes, expires, rendering (behaviours.md M)."""

import os

import pytest

from mod_python import Cookie


def test_name_value_only():
    # M-291
    assert str(Cookie.Cookie("spam", "eggs")) == "spam=eggs"


def test_flags_render_as_bare_words():
    # M-292
    c = Cookie.Cookie("a", "b", path="/", secure=True, httponly=True)
    assert str(c) == "a=b; path=/; secure; httponly"


def test_flags_render_whatever_their_value():
    # M-292: set means output, even when false
    assert str(Cookie.Cookie("a", "b", secure=False, discard=0)) == "a=b; secure; discard"


def test_attribute_order_is_fixed():
    # M-293: keyword order does not matter
    c = Cookie.Cookie("n", "v", httponly=1, port="80", discard=1, max_age=60,
                      expires=0, comment="c", secure=1, domain="d.org", path="/p",
                      version=1, samesite="Lax")
    c.commentURL = "http://x/"
    assert str(c) == ("n=v; version=1; path=/p; domain=d.org; secure; comment=c; "
                      "expires=Thu, 01-Jan-1970 00:00:00 GMT; max_age=60; "
                      "samesite=Lax; commentURL=http://x/; discard; port=80; httponly")


def test_only_set_attributes_are_rendered_and_can_be_removed():
    # M-293
    c = Cookie.Cookie("n", "v", path="/", expires=0)
    del c.path
    del c.expires
    assert str(c) == "n=v"
    with pytest.raises(AttributeError):
        c.path


def test_samesite_has_no_default():
    # M-291: nothing is added unless asked for
    assert "samesite" not in str(Cookie.Cookie("n", "v", path="/"))
    assert str(Cookie.Cookie("n", "v", samesite="Strict")) == "n=v; samesite=Strict"


def test_unknown_attribute_raises():
    # M-294
    c = Cookie.Cookie("a", "b")
    with pytest.raises(AttributeError):
        c.foo = 1
    with pytest.raises(AttributeError):
        Cookie.Cookie("a", "b", foo=1)


def test_keyword_names_are_lower_cased():
    # M-294: so commentURL is only settable as an attribute
    assert str(Cookie.Cookie("a", "b", PATH="/x", Max_Age=5)) == "a=b; path=/x; max_age=5"
    with pytest.raises(AttributeError):
        Cookie.Cookie("a", "b", commentURL="http://x/")


def test_data_dict_for_subclasses():
    # M-294
    c = Cookie.Cookie("a", "b")
    assert c.__data__ == {}
    c.__data__["x"] = 1
    assert str(c) == "a=b"


def test_expires_number_becomes_a_date():
    # M-295
    c = Cookie.Cookie("a", "b")
    c.expires = 0
    assert c.expires == "Thu, 01-Jan-1970 00:00:00 GMT"
    c.expires = 1055558556.7
    assert c.expires == "Sat, 14-Jun-2003 02:42:36 GMT"


def test_expires_string_kept_as_given():
    # M-295
    c = Cookie.Cookie("a", "b", expires="Sat, 14-Jun-2003 02:42:36 GMT")
    assert c.expires == "Sat, 14-Jun-2003 02:42:36 GMT"
    assert str(c) == "a=b; expires=Sat, 14-Jun-2003 02:42:36 GMT"


@pytest.mark.parametrize("bad", [
    "bogus", "", "Sat, 14 Jun 2003 02:42:36 GMT", "Sat, 14-Jun-2003 02:42:36",
    "sat, 14-Jun-2003 02:42:36 GMT", "Sat, 14-Jux-2003 02:42:36 GMT",
    "Sat, 32-Jun-2003 02:42:36 GMT", "Sat, 14-Jun-2003 24:00:00 GMT",
    "Sat, 14-Jun-2003 02:42:36 GMT\r\nX: y", None, [1], 1e300])
def test_invalid_expires_raises_value_error(bad):
    # M-295
    c = Cookie.Cookie("a", "b")
    with pytest.raises(ValueError, match="Invalid expires time"):
        c.expires = bad
    assert "expires" not in str(c)


def test_expires_is_locale_independent(tmp_path):
    # M-295: month and day names are English whatever the locale.  The
    # French locale is compiled for the test (Debian ships its source);
    # LOCPATH must be set before the process starts, hence a subprocess.
    import shutil
    import subprocess
    import sys
    if not shutil.which("localedef") or not os.path.isdir("/usr/share/i18n/locales"):
        pytest.skip("localedef or the locale sources are missing")
    built = subprocess.run(["localedef", "-i", "fr_FR", "-f", "UTF-8",
                            str(tmp_path / "fr_FR.UTF-8")], capture_output=True)
    assert (tmp_path / "fr_FR.UTF-8").is_dir(), built.stderr
    code = ("import locale, time; locale.setlocale(locale.LC_TIME, 'fr_FR.UTF-8'); "
            "from mod_python import Cookie; "
            "print(time.strftime('%a %b', time.gmtime(0))); "
            "print(Cookie.Cookie('a', 'b', expires=0).expires)")
    lib = os.path.dirname(os.path.dirname(os.path.abspath(Cookie.__file__)))
    env = dict(os.environ, LOCPATH=str(tmp_path), PYTHONPATH=lib)
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                         text=True, check=True).stdout.splitlines()
    assert out[0] == "jeu. janv."          # the locale is really French
    assert out[1].startswith("Thu, 01-Jan")


def test_repr_names_the_class():
    # M-291
    assert repr(Cookie.Cookie("a", "b", path="/")) == "<Cookie: a=b; path=/>"
    assert repr(Cookie.SignedCookie("a", "b")) == "<SignedCookie: a=b (unsigned)>"


def test_module_contents():
    # M-303
    for name in ("Cookie", "SignedCookie", "MarshalCookie", "CookieError",
                 "add_cookie", "get_cookies", "get_cookie", "parse"):
        assert hasattr(Cookie, name), name
    assert (Cookie.Cookie.DOWNGRADE, Cookie.Cookie.IGNORE, Cookie.Cookie.EXCEPTION) \
        == (0, 1, 3) == (Cookie.DOWNGRADE, Cookie.IGNORE, Cookie.EXCEPTION)
    assert issubclass(Cookie.CookieError, Exception)
    assert issubclass(Cookie.MarshalCookie, Cookie.SignedCookie)


def test_a_value_cannot_add_attributes():
    text = str(Cookie.Cookie("pref", "x; Domain=evil.example", path="/"))
    assert text == 'pref="x\\073 Domain=evil.example"; path=/'
    assert text.count(";") == 1


def test_quoting_only_where_needed():
    assert str(Cookie.Cookie("a", "plain value")) == "a=plain value"
    assert str(Cookie.Cookie("a", 'q"b\\c,d')) == 'a="q\\042b\\134c\\054d"'
    assert str(Cookie.Cookie("a", "x\ty")) == 'a="x\\011y"'
