"""SignedCookie and MarshalCookie (behaviours.md M, ambiguity 7)."""

import base64
import hashlib
import hmac
import marshal
import re

import pytest

from mod_python import Cookie

SHA256 = re.compile(r"n=([0-9a-f]{64})v\Z")


def md5_form(name, value, secret):
    """A cookie as mod_python 3.5 signed it."""
    sig = hmac.new(secret.encode(), (name + value).encode(), hashlib.md5).hexdigest()
    return "%s=%s%s" % (name, sig, value)


def test_signed_round_trip():
    # M-302
    text = str(Cookie.SignedCookie("n", "v", secret="s"))
    sig = SHA256.match(text).group(1)
    # over name=value (3.5's MD5 form signed name+value)
    assert sig == hmac.new(b"s", b"n=v", hashlib.sha256).hexdigest()
    c = Cookie.SignedCookie.parse(text, "s")["n"]
    assert type(c) is Cookie.SignedCookie and c.value == "v"
    assert str(c) == text


def test_signature_binds_name_and_value_apart():
    # M-302
    # user=<sig>admin must not verify as use=<sig>radmin (name+value alone
    # is the same string for both)
    text = str(Cookie.SignedCookie("user", "admin", secret="s"))
    forged = "use=" + text[len("user="):len("user=") + 64] + "radmin"
    assert type(Cookie.SignedCookie.parse(forged, "s")["use"]) is Cookie.Cookie
    with pytest.raises(Cookie.CookieError):
        Cookie.SignedCookie.parse(forged, "s", mismatch=Cookie.EXCEPTION)


def test_a_value_that_needs_quoting_still_verifies():
    text = str(Cookie.SignedCookie("n", 'a;b "c"', secret="s"))
    assert ";" not in text.split("=", 1)[1]
    assert Cookie.SignedCookie.parse(text, "s")["n"].value == 'a;b "c"'


def test_signature_covers_utf8_name_and_value():
    # M-302
    c = Cookie.SignedCookie("n\u00e9", "\u00e9t\u00e9", secret="k\u00e9")
    expected = hmac.new("k\u00e9".encode(), "n\u00e9=\u00e9t\u00e9".encode(),
                        hashlib.sha256).hexdigest()
    assert c.hexdigest("\u00e9t\u00e9") == expected
    assert str(c) == "n\u00e9=" + expected + "\u00e9t\u00e9"
    assert Cookie.SignedCookie.parse(str(c), b"k\xc3\xa9")["n\u00e9"].value == "\u00e9t\u00e9"


def test_attributes_follow_the_signed_value():
    # M-302
    text = str(Cookie.SignedCookie("n", "v", secret="s", path="/"))
    assert re.match(r"n=[0-9a-f]{64}v; path=/\Z", text)


def test_legacy_md5_form_verifies():
    # M-302
    c = Cookie.SignedCookie.parse(md5_form("n", "v", "s"), "s")["n"]
    assert type(c) is Cookie.SignedCookie and c.value == "v"


def test_legacy_md5_form_refused_when_switched_off():
    # M-302
    parsed = Cookie.SignedCookie.parse(md5_form("n", "v", "s"), "s",
                                       legacy_signatures=False)
    assert type(parsed["n"]) is Cookie.Cookie
    c = Cookie.SignedCookie("n", md5_form("n", "v", "s")[2:], legacy_signatures=False)
    with pytest.raises(Cookie.CookieError):
        c.unsign("s")


def test_sha256_prefix_tried_before_md5():
    # M-302: a value that itself looks like hex still round-trips
    value = "0123456789abcdef" * 4 + "tail"
    for form in ("sha256", "md5"):
        text = str(Cookie.SignedCookie("n", value, secret="s", sign_with=form))
        assert Cookie.SignedCookie.parse(text, "s")["n"].value == value


def test_sign_with_md5_makes_the_3_5_form():
    # M-302
    c = Cookie.SignedCookie("n", "v", secret="s", sign_with="md5")
    assert str(c) == md5_form("n", "v", "s")
    with pytest.raises(ValueError):
        Cookie.SignedCookie("n", "v", secret="s", sign_with="sha1")


def test_signatures_compared_in_constant_time(monkeypatch):
    # M-302
    calls = []

    def spy(a, b):
        calls.append((a, b))
        return hmac_compare(a, b)
    hmac_compare = hmac.compare_digest
    monkeypatch.setattr(hmac, "compare_digest", spy)
    value = "v" * 40   # long enough to be read as either form
    assert type(Cookie.SignedCookie.parse(md5_form("n", value, "s"), "s")["n"]) \
        is Cookie.SignedCookie
    assert len(calls) == 2   # the SHA-256 reading, then the MD5 one


def test_wrong_secret_downgrades():
    # M-303
    text = str(Cookie.SignedCookie("n", "v", secret="s"))
    c = Cookie.SignedCookie.parse(text, "other")["n"]
    assert type(c) is Cookie.Cookie and c.value == text[2:]


def test_wrong_secret_ignore_and_exception():
    # M-303
    text = str(Cookie.SignedCookie("n", "v", secret="s")) + "; plain=1"
    assert Cookie.SignedCookie.parse(text, "x", mismatch=Cookie.Cookie.IGNORE) == {}
    with pytest.raises(Cookie.CookieError, match="Incorrectly Signed Cookie: n="):
        Cookie.SignedCookie.parse(text, "x", mismatch=Cookie.Cookie.EXCEPTION)


@pytest.mark.parametrize("value", [
    "", "v", "f" * 64, "f" * 64 + "v", "F" * 32 + "v", "\u00e9" * 70, "\x00" * 80])
def test_forged_values_do_not_verify(value):
    # M-303
    parsed = Cookie.SignedCookie.parse("n=" + value, "s", mismatch=Cookie.IGNORE)
    assert parsed == {}


def test_tampered_value_does_not_verify():
    # M-303
    text = str(Cookie.SignedCookie("n", "admin=0", secret="s"))
    assert type(Cookie.SignedCookie.parse(text[:-1] + "1", "s")["n"]) is Cookie.Cookie
    moved = text.replace("n=", "m=", 1)
    assert type(Cookie.SignedCookie.parse(moved, "s")["m"]) is Cookie.Cookie


def test_unsign():
    # M-302
    text = str(Cookie.SignedCookie("n", "v", secret="s"))
    c = Cookie.SignedCookie("n", text[2:])
    c.unsign("s")
    assert c.value == "v"
    bad = Cookie.SignedCookie("n", "xv")
    with pytest.raises(Cookie.CookieError, match="Incorrectly Signed Cookie: n=xv"):
        bad.unsign("s")
    assert bad.value == "xv"


def test_hexdigest_uses_the_signing_form():
    # M-302
    assert len(Cookie.SignedCookie("n", "v", secret="s").hexdigest("v")) == 64
    assert len(Cookie.SignedCookie("n", "v", secret="s", sign_with="md5").hexdigest("v")) == 32


def test_signing_without_secret_raises():
    # M-305
    with pytest.raises(Cookie.CookieError, match="Cannot sign without a secret"):
        str(Cookie.SignedCookie("n", "v"))
    with pytest.raises(Cookie.CookieError):
        str(Cookie.MarshalCookie("n", 1, secret=""))


# ---- MarshalCookie

@pytest.mark.parametrize("value", [{"a": 1}, [1, "two", 3.0, None], "text", b"\x00\xff",
                                   {"big": "x" * 3000}])
def test_marshal_round_trip(value):
    # M-304
    text = str(Cookie.MarshalCookie("n", value, secret="s"))
    c = Cookie.MarshalCookie.parse(text, "s")["n"]
    assert type(c) is Cookie.MarshalCookie and c.value == value


def test_marshal_value_is_signed_base64_without_newlines():
    # M-304
    value = {"big": "x" * 3000}
    text = str(Cookie.MarshalCookie("n", value, secret="s"))
    sig, data = text[2:66], text[66:]
    assert data == base64.b64encode(marshal.dumps(value)).decode()
    assert not re.search(r"\s", text)
    assert sig == hmac.new(b"s", b"n=" + data.encode(), hashlib.sha256).hexdigest()


def test_forged_marshal_cookie_is_never_unmarshalled(monkeypatch):
    # M-304: marshal.loads on untrusted data is dangerous
    calls = []
    monkeypatch.setattr(marshal, "loads", lambda data: calls.append(data))
    data = base64.b64encode(marshal.dumps({"admin": True})).decode()
    forged = "n=" + "0" * 64 + data
    c = Cookie.MarshalCookie.parse(forged, "s")["n"]
    assert type(c) is Cookie.Cookie and c.value == forged[2:]
    assert Cookie.MarshalCookie.parse(forged, "s", mismatch=Cookie.IGNORE) == {}
    with pytest.raises(Cookie.CookieError):
        Cookie.MarshalCookie.parse(forged, "s", mismatch=Cookie.EXCEPTION)
    with pytest.raises(Cookie.CookieError):
        Cookie.MarshalCookie("n", forged[2:]).unmarshal("s")
    assert calls == []


def test_signed_but_undecodable_marshal_cookie():
    # M-304: base64/unmarshal failures are signature-grade failures
    for payload in ("not base64!", base64.b64encode(b"\xff\x00junk").decode()):
        signer = Cookie.SignedCookie("n", payload, secret="s")
        text = str(signer)
        assert type(Cookie.MarshalCookie.parse(text, "s")["n"]) is Cookie.Cookie
        with pytest.raises(Cookie.CookieError, match="Cannot unmarshal"):
            Cookie.MarshalCookie.parse(text, "s", mismatch=Cookie.EXCEPTION)


def test_marshal_legacy_md5_form():
    # M-304
    text = str(Cookie.MarshalCookie("n", [1, 2], secret="s", sign_with="md5"))
    assert text == md5_form("n", text[34:], "s")
    assert Cookie.MarshalCookie.parse(text, "s")["n"].value == [1, 2]
    assert type(Cookie.MarshalCookie.parse(text, "s", legacy_signatures=False)["n"]) \
        is Cookie.Cookie
