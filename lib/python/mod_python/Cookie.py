"""mod_python.Cookie: HTTP cookies, plain, signed and marshalled.

Cookie renders and parses cookies; SignedCookie adds an HMAC of the name
and value so that the client cannot alter it; MarshalCookie carries any
marshal-able object inside a SignedCookie.  add_cookie(), get_cookies() and
get_cookie() connect them to a request.

Signatures are HMAC-SHA256 (64 hex chars).  Cookies signed the mod_python
3.5 way (HMAC-MD5, 32 hex chars) still verify unless legacy signatures are
refused: `PythonOption mod_python.cookie.legacy_signatures Off` for
get_cookies()/get_cookie(), `legacy_signatures=False` for parse().
"""

import base64
import binascii
import hmac
import marshal
import re
import time

from mod_python import options

__all__ = ["CookieError", "Cookie", "SignedCookie", "MarshalCookie",
           "add_cookie", "get_cookies", "get_cookie", "parse",
           "DOWNGRADE", "IGNORE", "EXCEPTION"]

# what SignedCookie.parse does with a cookie whose signature does not verify
DOWNGRADE = 0   # keep it as a plain Cookie with the raw value
IGNORE = 1      # drop it
EXCEPTION = 3   # raise CookieError

OPTION_LEGACY = "mod_python.cookie.legacy_signatures"
OPTION_SIGN_WITH = "mod_python.cookie.sign_with"

# signature form -> (hashlib name, length of the hex digest)
_DIGESTS = {"sha256": ("sha256", 64), "md5": ("md5", 32)}

_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun",
           "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_EXPIRES = re.compile(r"(%s), (\d\d)-(%s)-(\d{4}) (\d\d):(\d\d):(\d\d) GMT\Z"
                      % ("|".join(_DAYS), "|".join(_MONTHS)))

# rendering order of the attributes (name and value come first)
_ORDER = ("version", "path", "domain", "secure", "comment", "expires",
          "max_age", "samesite", "commentURL", "discard", "port", "httponly")
_FLAGS = frozenset(("secure", "discard", "httponly"))
_ALLOWED = frozenset(_ORDER + ("name", "value", "__data__"))


class CookieError(Exception):
    """A cookie header or value that cannot be parsed or signed."""


def _expires_string(seconds):
    """Epoch seconds as 'Wdy, DD-Mon-YYYY HH:MM:SS GMT', independent of
    the locale (strftime's %a and %b are not)."""
    try:
        t = time.gmtime(seconds)
    except (OverflowError, OSError, ValueError):
        raise ValueError("Invalid expires time: %r" % (seconds,))
    return "%s, %02d-%s-%04d %02d:%02d:%02d GMT" % (
        _DAYS[t.tm_wday], t.tm_mday, _MONTHS[t.tm_mon - 1], t.tm_year,
        t.tm_hour, t.tm_min, t.tm_sec)


def _valid_expires(text):
    match = _EXPIRES.match(text)
    if not match:
        return False
    day, hour, minute, sec = (int(match.group(i)) for i in (2, 5, 6, 7))
    return 1 <= day <= 31 and hour <= 23 and minute <= 59 and sec <= 61


class Cookie:
    """One cookie: Cookie(name, value, path="/", expires=..., ...)."""

    DOWNGRADE = DOWNGRADE
    IGNORE = IGNORE
    EXCEPTION = EXCEPTION

    def __init__(self, name, value, **attributes):
        self.__data__ = {}
        self.name = name
        self.value = value
        for key, val in attributes.items():
            setattr(self, key.lower(), val)

    def __setattr__(self, name, value):
        # a typo such as c.max_agee must not silently vanish from the output
        if name not in _ALLOWED:
            raise AttributeError("%r is not a valid cookie attribute" % name)
        object.__setattr__(self, name, value)

    @property
    def expires(self):
        """The Expires attribute as an HTTP date string; set it to a date
        string or to seconds since the epoch (a number)."""
        try:
            return self.__dict__["expires"]
        except KeyError:
            raise AttributeError("expires") from None

    @expires.setter
    def expires(self, value):
        if isinstance(value, (int, float)):
            value = _expires_string(value)
        elif not isinstance(value, str) or not _valid_expires(value):
            raise ValueError("Invalid expires time: %r" % (value,))
        self.__dict__["expires"] = value

    @expires.deleter
    def expires(self):
        self.__dict__.pop("expires", None)

    def _attributes(self):
        """The '; attr=value' tail, in the fixed order."""
        parts = []
        for attr in _ORDER:
            if attr not in self.__dict__:
                continue
            if attr in _FLAGS:
                parts.append(attr)
            else:
                parts.append("%s=%s" % (attr, self.__dict__[attr]))
        return "".join("; " + part for part in parts)

    def _rendered_value(self):
        return self.value

    def __str__(self):
        return "%s=%s%s" % (self.name, _quoted(self._rendered_value()),
                            self._attributes())

    def __repr__(self):
        try:
            text = str(self)
        except CookieError:   # e.g. a SignedCookie without its secret yet
            text = "%s=%s (unsigned)" % (self.name, self.value)
        return "<%s: %s>" % (type(self).__name__, text)

    @classmethod
    def parse(cls, string, names=None):
        """Parse a Cookie (or Set-Cookie) header value into a dict
        name -> instance of cls; names, if given, limits the result."""
        return {name: cls(name, value)
                for name, value in _select(string, names).items()}


class SignedCookie(Cookie):
    """A cookie whose value is prefixed with an HMAC of name and value.

    sign_with: "sha256" (default) or "md5" (the mod_python 3.5 form);
    legacy_signatures: whether unsign() accepts the 3.5 form."""

    def __init__(self, name, value, secret=None, *, sign_with=None,
                 legacy_signatures=True, **attributes):
        Cookie.__init__(self, name, value, **attributes)
        if sign_with is not None and sign_with not in _DIGESTS:
            raise ValueError("sign_with must be 'sha256' or 'md5', not %r"
                             % (sign_with,))
        self.__data__.update(secret=secret, sign_with=sign_with,
                             legacy_signatures=legacy_signatures)

    def _hmac(self, form, text):
        secret = self.__data__.get("secret")
        if not secret:
            raise CookieError("Cannot sign without a secret")
        if isinstance(secret, str):
            secret = secret.encode("utf-8")
        # name=value: a name holds no '=', so no other (name, value) pair
        # signs the same ("user"+"admin" would be "use"+"radmin").  3.5's
        # MD5 form signed name+value, and still does, for old cookies.
        separator = "" if form == "md5" else "="
        message = (str(self.name) + separator + text).encode(
            "utf-8", "surrogatepass")
        return hmac.new(secret, message, _DIGESTS[form][0]).hexdigest()

    def hexdigest(self, text):
        """The signature of text for this cookie, in the signing form."""
        return self._hmac(self.__data__.get("sign_with") or "sha256", text)

    def _rendered_value(self):
        value = str(self.value)
        return self.hexdigest(value) + value

    def _verified_rest(self, signed):
        """The value without its signature, or None if none verifies.
        The SHA-256 form is tried first: its 64 chars could otherwise be
        taken for an MD5 signature followed by 32 chars of value."""
        forms = ["sha256"]
        if self.__data__.get("legacy_signatures", True):
            forms.append("md5")
        for form in forms:
            size = _DIGESTS[form][1]
            sig, rest = signed[:size], signed[size:]
            if len(sig) == size and hmac.compare_digest(
                    _as_bytes(sig), self._hmac(form, rest).encode("ascii")):
                return rest
        return None

    def unsign(self, secret):
        """Check the signature with secret; on success value loses it."""
        self.__data__["secret"] = secret
        signed = _unquoted(str(self.value))
        rest = self._verified_rest(signed)
        if rest is None:
            raise CookieError("Incorrectly Signed Cookie: %s=%s"
                              % (self.name, signed))
        self.value = rest

    def _verify(self, secret):
        self.unsign(secret)

    @classmethod
    def parse(cls, string, secret, mismatch=DOWNGRADE, names=None,
              legacy_signatures=True):
        """Parse and verify: a dict name -> cls instance for the cookies
        whose signature verifies; the others per mismatch (DOWNGRADE: a
        plain Cookie with the raw value, IGNORE: dropped, EXCEPTION:
        CookieError)."""
        result = {}
        for name, value in _select(string, names).items():
            cookie = cls(name, value, legacy_signatures=legacy_signatures)
            try:
                cookie._verify(secret)
            except CookieError:
                if mismatch == EXCEPTION:
                    raise
                if mismatch == IGNORE:
                    continue
                cookie = Cookie(name, value)
            result[name] = cookie
        return result


class MarshalCookie(SignedCookie):
    """A signed cookie whose value is any marshal-able object."""

    def _rendered_value(self):
        data = base64.b64encode(marshal.dumps(self.value)).decode("ascii")
        return self.hexdigest(data) + data

    def unmarshal(self, secret):
        """Verify, then decode the value.  Nothing is unmarshalled unless
        the signature verifies: marshal.loads trusts its input."""
        self.unsign(secret)
        try:
            data = base64.b64decode(self.value.encode("ascii"), validate=True)
            self.value = marshal.loads(data)
        except (UnicodeError, binascii.Error, ValueError, EOFError,
                TypeError) as exc:
            raise CookieError("Cannot unmarshal cookie %s: %s"
                              % (self.name, exc)) from None

    def _verify(self, secret):
        self.unmarshal(secret)


# What a cookie value may not hold as it is: ';' and ',' end it (a ';'
# could add attributes of the sender's choosing: pref=x; Domain=evil),
# '"' and '\\' would confuse quoting, control characters end the header.
# Spaces stay (3.5 sent them, and values read back unquoted).
_UNSAFE = re.compile(r'[;,"\\\x00-\x1f\x7f]')
_ESCAPE = re.compile(r'\\([0-7]{3})')


def _quoted(value):
    """The value as it can go into a Set-Cookie header: unchanged when it
    holds nothing unsafe, else in double quotes with the unsafe characters
    as octal escapes (as Python's http.cookies does)."""
    value = str(value)
    if not _UNSAFE.search(value):
        return value
    return '"%s"' % _UNSAFE.sub(lambda m: "\\%03o" % ord(m.group()), value)


def _unquoted(value):
    """What _quoted() made of a value, back (other values unchanged)."""
    if len(value) >= 2 and value[0] == value[-1] == '"':
        return _ESCAPE.sub(lambda m: chr(int(m.group(1), 8)), value[1:-1])
    return value


def _as_bytes(text):
    return text.encode("utf-8", "surrogatepass")


# ---- parsing

_NAME = re.compile(r"[^;= ]+")
_QUOTED = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.S)
_SKIP = re.compile(r"[ \t,;]*")
_SPACES = re.compile(r"[ \t]*")


# A ';'-separated chunk of a header without quotes, read as _scanned_pairs
# reads it: the name's first character cannot be one the blanks skip, so
# the match never backtracks into a different name.
_CHUNK = re.compile(r"[ \t,]*([^= \t,][^= ]*)[ \t]*(?:=[ \t]*)?(.*)", re.S)


def _pairs(text):
    """Yield (name, value) from a cookie header, never raising: chunks that
    do not start with a name are skipped up to the next ';'."""
    if '"' in text:
        yield from _scanned_pairs(text)
        return
    # no quoted value, so no ';' inside a value: one match per chunk
    for chunk in text.split(";"):
        match = _CHUNK.match(chunk)
        if match is not None:
            yield match.group(1), match.group(2).rstrip(" \t")


def _scanned_pairs(text):
    """_pairs() for a header with quotes, which may hide a ';'."""
    pos, end = 0, len(text)
    while True:
        pos = _SKIP.match(text, pos).end()
        if pos >= end:
            return
        name = _NAME.match(text, pos)
        if name is None:   # '=' where a name should be: no name, skip it
            pos = _next_semicolon(text, pos)
            continue
        pos = _SPACES.match(text, name.end()).end()
        if text.startswith("=", pos):
            pos = _SPACES.match(text, pos + 1).end()
        value, pos = _value(text, pos)
        yield name.group(), value


def _value(text, pos):
    """(value, position after it): a quoted string (quotes kept, anything
    after it up to ';' dropped) or everything up to ';' less trailing
    blanks."""
    quoted = _QUOTED.match(text, pos) if text.startswith('"', pos) else None
    if quoted is not None:
        return quoted.group(), _next_semicolon(text, quoted.end())
    stop = _next_semicolon(text, pos)
    return text[pos:stop].rstrip(" \t"), stop


def _next_semicolon(text, pos):
    stop = text.find(";", pos)
    return len(text) if stop < 0 else stop


def _select(string, names=None):
    """name -> raw value; the last of duplicate names wins, names starting
    with '$' (RFC 2965 attributes such as $Version) are left out."""
    if isinstance(string, (bytes, bytearray)):
        string = bytes(string).decode("latin-1")
    wanted = None if names is None else set(names)
    found = {}
    for name, value in _pairs(string):
        if name.startswith("$") or (wanted is not None and name not in wanted):
            continue
        found[name] = value
    return found


def parse(string, Class=None, **kw):
    """Class.parse(string, **kw); Class defaults to Cookie."""
    return (Class or Cookie).parse(string, **kw)


# ---- request helpers

def add_cookie(req, cookie, value="", **attributes):
    """Add a Set-Cookie header (and, for the first cookie of the response,
    Cache-Control: no-cache="set-cookie" so that caches do not share it)."""
    if not isinstance(cookie, Cookie):
        cookie = Cookie(cookie, value, **attributes)
    if isinstance(cookie, SignedCookie) and not cookie.__data__.get("sign_with"):
        sign_with = (options.text(req, OPTION_SIGN_WITH) or "").strip().lower()
        if sign_with == "md5":
            cookie.__data__["sign_with"] = "md5"
    text = str(cookie)   # first, so a cookie that fails leaves no trace
    headers = req.headers_out
    if "Set-Cookie" not in headers:
        headers.add("Cache-Control", 'no-cache="set-cookie"')
    headers.add("Set-Cookie", text)


def _cookie_header(req):
    """The request's Cookie headers joined by '; ', or None."""
    try:
        value = req.headers_in["Cookie"]   # a list when there are several
    except KeyError:
        return None
    return "; ".join(value) if isinstance(value, list) else value


def _request_value(req, name):
    """The raw value of the request's cookie `name` (the last one sent),
    or None: get_cookie(req, name).value without making Cookie objects."""
    header = _cookie_header(req)
    if header is None:
        return None
    return _select(header, (name,)).get(name)


def get_cookies(req, Class=Cookie, **kw):
    """The request's cookies as parsed by Class.parse(header, **kw)
    ({} without a Cookie header); pass secret= for signed classes."""
    header = _cookie_header(req)
    if header is None:
        return {}
    if issubclass(Class, SignedCookie) and "legacy_signatures" not in kw:
        kw["legacy_signatures"] = options.flag(req, True, OPTION_LEGACY)
    return Class.parse(header, **kw)


def get_cookie(req, name, Class=Cookie, **kw):
    """One cookie of the request, or None."""
    return get_cookies(req, Class, names=[name], **kw).get(name)
