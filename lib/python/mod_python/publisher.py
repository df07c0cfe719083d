"""mod_python.publisher: publishes the objects inside Python files ("pages")
at URLs, e.g. /app.py/hello?name=x calls hello(name="x") in app.py and
sends what it returns.

Configure with ``SetHandler mod_python`` (or ``AddHandler mod_python .py``)
and ``PythonHandler mod_python.publisher``; see docs/publisher.md.
"""

import base64
import binascii
import collections
import os
import re
import stat
import types

from mod_python import apache, cache, nestedauth, options, page_names, util
from mod_python.lookup import lookup

_METHODS = ("GET", "POST", "HEAD")
_METHOD_LIST = list(_METHODS)

# On: publish only what a page defines itself, nothing it imports.
STRICT_OPTION = "mod_python.publisher.strict"


def handler(req):
    """Publish the object the URL names in the page file it maps to
    (PythonHandler mod_python.publisher)."""
    req.allow_methods(_METHOD_LIST)
    if req.method not in _METHODS:
        raise apache.SERVER_RETURN(apache.HTTP_METHOD_NOT_ALLOWED)
    config = req.get_config()
    strict = options.flag(req, False, STRICT_OPTION)
    autoreload = options.autoreload_in(config)
    hlist = req.hlist
    key = (req.filename, req.path_info, hlist.directory, hlist.is_location,
           strict, autoreload)
    route = lookup(_routes, key)
    if route is not None and route.current(req):
        published = _publish_route(req, route)
    else:
        published = _look_up_and_publish(req, config, strict, autoreload, key)
    if not published and not req._bytes_queued and options.debug_in(config):
        req.log_error("mod_python.publisher: nothing to publish.",
                      apache.APLOG_NOTICE)
    return apache.OK


def _look_up_and_publish(req, config, strict, autoreload, key):
    """The whole way: page file, page module, auth, traversal; remembers
    the route when the next request to this URL may skip it."""
    debug = options.debug_in(config)
    path, st, object_path = _locate(req)
    module = _pages[_Lookup(path, st, req, autoreload, debug, strict)]
    if _has_body(req):
        # Read before any __auth__ runs: one that opens a session would
        # otherwise hold its lock while a slow client uploads.
        util.request_form(req)
    auth = _Auth(req)
    auth.check(module)
    obj = _traverse(req, module, object_path, auth, strict)
    if path == key[0]:
        _remember_route(req, key, module, object_path, obj)
    return _publish(req, obj)


def _has_body(req):
    headers = req.headers_in
    return (headers.get("Content-Length", "0") != "0"
            or "Transfer-Encoding" in headers)


# ---------------------------------------------------------------------------
# From the request to a page file and an object path
# ---------------------------------------------------------------------------

def _locate(req):
    """(page file, its stat, dotted object path) named by the request;
    sets req.filename to the page file."""
    filename = req.filename
    if not filename:
        # <Location> handlers get no file name (directives.md 2.6)
        req.log_error("mod_python.publisher: the request has no file name",
                      apache.APLOG_WARNING)
        raise apache.SERVER_RETURN(apache.HTTP_NOT_FOUND)
    if ".." in filename.split(os.sep):
        # Apache never maps a URL to such a name; something rewrote it
        _refuse(req, "%s contains '..'" % filename)
    directory, base = os.path.split(filename)
    name = _strip_extension(req, base) if base else "index"
    object_path = req.path_info or ""
    if object_path.startswith("/"):
        object_path = object_path[1:]
    if object_path.endswith("/"):
        object_path = object_path[:-1]
    path, st = _page_file(directory, name)
    if st is None:
        object_path = name + "/" + object_path if object_path else name
        path, st = _page_file(directory, "index")
        if st is None:
            raise apache.SERVER_RETURN(apache.HTTP_NOT_FOUND)
    _check_inside(req, path, st, directory)
    req.filename = path
    return path, st, (object_path or "index").replace("/", ".")


def _page_file(directory, name):
    """(normalised path of <directory>/<name>.py, its stat or None when it
    is not a regular file)."""
    path = os.path.normpath(os.path.join(directory, name + ".py"))
    try:
        st = os.stat(path)
    except (OSError, ValueError):
        return path, None
    return path, (st if stat.S_ISREG(st.st_mode) else None)


def _strip_extension(req, base):
    """`base` without a trailing extension that maps to mod_python."""
    lower = base.lower()
    if lower.endswith(".py") and len(base) > 3:
        return base[:-3]  # the common case, without asking mod_mime
    extensions = set(req.get_addhandler_exts().split())
    if req.extension:
        extensions.add(req.extension)
    for ext in sorted(extensions, key=len, reverse=True):
        if len(base) > len(ext) and lower.endswith(ext.lower()):
            return base[:-len(ext)]
    return base


# (page path, handler directory) -> (device, inode) of the file found inside
_inside = {}


def _check_inside(req, path, st, directory):
    """403 unless `path`, symbolic links resolved, lies in the handler's
    directory (or, for handlers without one, in the directory the URL
    was mapped to)."""
    hlist = req.hlist
    if hlist.directory and not hlist.is_location:
        directory = hlist.directory
    key, identity = (path, directory), (st.st_dev, st.st_ino)
    if lookup(_inside, key) == identity:
        return  # the very file found inside before: no links to resolve
    real = os.path.realpath(path)
    # A resolved path has no links, so if it starts with `directory` as
    # written, that is a real directory too; only otherwise resolve it.
    if not real.startswith(os.path.join(directory, "")):
        base = os.path.join(os.path.realpath(directory), "")
        if not real.startswith(base):
            _refuse(req, "%s leads out of %s" % (path, base))
    _inside[key] = identity


def _refuse(req, reason):
    req.log_error("mod_python.publisher: %s" % reason, apache.APLOG_WARNING)
    raise apache.SERVER_RETURN(apache.HTTP_FORBIDDEN)


# ---------------------------------------------------------------------------
# Pages
# ---------------------------------------------------------------------------

# A page lookup: the path is the cache key, the rest is for the hooks
# (`stat`, taken by _locate, spares a second system call).
_Lookup = collections.namedtuple("_Lookup", "path stat req autoreload log strict")


class _PageCache(cache.ModuleCache):
    """The pages of this interpreter, by path (library.md 2.4)."""

    def key(self, name):
        return name.path

    def stat(self, key, name):
        return name.stat

    def check(self, key, name, entry):
        loaded = entry.get_value() is not cache.NOT_INITIALIZED
        if loaded and not name.autoreload:
            return None
        return super().check(key, name, entry)

    def build(self, key, name, opened, entry):
        if name.log:
            loaded = entry.get_value() is not cache.NOT_INITIALIZED
            name.req.log_error("Publisher %s page %s"
                               % ("reloading" if loaded else "loading", key),
                               apache.APLOG_NOTICE)
        page = super().build(key, name, opened, entry)
        if name.log and not name.strict:
            _warn_exposed_imports(name.req, key, page)
        return page


_pages = _PageCache()


def _warn_exposed_imports(req, path, page):
    """Once per page version, with PythonDebug On: what the page publishes
    without defining it."""
    for name in page_names.exposed_imports(page, _HIDDEN):
        req.log_error("mod_python.publisher: %s publishes %s, which it imports "
                      "(PythonOption %s On publishes only what a page defines)"
                      % (path, name, STRICT_OPTION), apache.APLOG_WARNING)


# ---------------------------------------------------------------------------
# Routes: a URL's lookup done once per page version
# ---------------------------------------------------------------------------

class _Route:
    """Where a URL led: a plain function of a page, with no auth names on
    it or on the page.  Reused while the page file, the function and the
    page's lack of auth names stay as they were."""

    __slots__ = ("stamp", "module", "name", "function", "pass_req")

    def __init__(self, stamp, module, name, function):
        self.stamp = stamp
        self.module, self.name, self.function = module, name, function
        names, takes_any = util.parameters(function)
        self.pass_req = takes_any or "req" in names

    def current(self, req):
        """Whether the full lookup would still lead here.  The page file is
        req.filename, whose stat Apache made for this request: any change
        to it (even with autoreload Off) sends the request the full way,
        through the checks of the file's place."""
        found = self.module.__dict__
        if (found.get(self.name) is not self.function or _REALM in found
                or _AUTH in found or _ACCESS in found):
            return False
        return req._file_stamp() == self.stamp


# (req.filename, req.path_info, handler directory, is_location, strict,
# autoreload) -> _Route; URLs that led elsewhere than a plain function are
# not kept.
_routes = {}
_MAX_ROUTES = 1000


def _remember_route(req, key, module, object_path, obj):
    # The stamp is of the file before the page was loaded from it: if the
    # file changed in between, the next request takes the full way again.
    stamp = req._file_stamp()
    if (stamp is None or type(obj) is not types.FunctionType
            or "." in object_path
            or type(module) is not types.ModuleType
            or module.__dict__.get(object_path) is not obj
            or _auth_attributes(module) or _auth_attributes(obj)):
        return
    if len(_routes) >= _MAX_ROUTES:
        _routes.clear()  # simpler than LRU, and a page set this big is rare
    _routes[key] = _Route(stamp, module, object_path, obj)


def _publish_route(req, route):
    """_look_up_and_publish() for a remembered route: the function is
    called with the request's fields, as by the full way."""
    if req.args or _has_body(req):
        form = util.request_form(req)
        return _publish(req, util.apply_fs_data(route.function, form, req=req), 1)
    util.request_form(req)  # req.form exists for the function, as always
    result = route.function(req=req) if route.pass_req else route.function()
    return _publish(req, result, 1)


# ---------------------------------------------------------------------------
# Traversal
# ---------------------------------------------------------------------------

_BUILTINS = (types.BuiltinFunctionType, types.BuiltinMethodType,
             types.WrapperDescriptorType, types.MethodWrapperType,
             types.MethodDescriptorType, types.ClassMethodDescriptorType)
# Neither traversed nor published.
_HIDDEN = (types.ModuleType, type) + _BUILTINS
# Published, never traversed: every type the types module names.  As in
# 3.5 the test is on the exact type: an instance of an application's
# subclass of one (types.SimpleNamespace, say) is traversed.
_OPAQUE = frozenset({t for t in vars(types).values() if isinstance(t, type)}
                    | {type(None)})


def _traversable(obj):
    return not isinstance(obj, _HIDDEN) and type(obj) not in _OPAQUE


def _traverse(req, module, object_path, auth, strict):
    """The object at `object_path` in `module`, auth checked at each step;
    when `strict`, the first step must be a name the page defines."""
    obj = module
    previous = None
    for name in object_path.split("."):
        if name.startswith("_"):
            _refuse_traversal(req, "Cannot traverse %s in %s because it "
                              "starts with an underscore" % (name, req.uri))
        if previous is not None and not _traversable(obj):
            _refuse_traversal(req, "Cannot traverse %s in %s because %s is "
                              "not a traversable object"
                              % (name, req.uri, previous))
        try:
            obj = getattr(obj, name)
        except AttributeError:
            raise apache.SERVER_RETURN(apache.HTTP_NOT_FOUND)
        if strict and previous is None and not page_names.defined_here(module, name, obj):
            _not_defined_here(req, module, name)
        auth.check(obj)
        previous = name
    if isinstance(obj, _HIDDEN):
        _refuse_traversal(req, "Cannot publish %s in %s because it is not "
                          "publishable" % (previous, req.uri))
    return obj


def _not_defined_here(req, page, name):
    if options.debug(req):
        req.log_error("mod_python.publisher: %s is not defined in %s (strict "
                      "mode publishes only what a page defines)"
                      % (name, page.__file__), apache.APLOG_NOTICE)
    raise apache.SERVER_RETURN(apache.HTTP_NOT_FOUND)


def _refuse_traversal(req, message):
    req.log_error(message, apache.APLOG_WARNING)
    raise apache.SERVER_RETURN(apache.HTTP_FORBIDDEN)


# ---------------------------------------------------------------------------
# __auth__, __access__, __auth_realm__
# ---------------------------------------------------------------------------

_MISSING = object()
_REALM, _AUTH, _ACCESS = _AUTH_NAMES = nestedauth.AUTH_NAMES


class _Auth:
    """Authentication state carried down one traversal (library.md 2.3)."""

    def __init__(self, req):
        self.req = req
        self.realm = "unknown"
        self.user = self.password = None

    def check(self, obj):
        try:
            found = _auth_attributes(obj)
        except nestedauth.UnreadableAuth as exc:
            # fail closed: a page that asks for protection never goes out
            # unprotected
            self.req.log_error("mod_python.publisher: %s; the request is "
                               "refused" % exc, apache.APLOG_ERR)
            raise apache.SERVER_RETURN(apache.HTTP_INTERNAL_SERVER_ERROR)
        if _REALM in found:
            self.realm = found[_REALM]
        if _AUTH not in found and _ACCESS not in found:
            return  # Authorization header left alone (e.g. Digest for Apache)
        if self.user is None:
            self._read_credentials()
        if _AUTH in found:
            self._authenticate(found[_AUTH])
        if _ACCESS in found:
            self._authorize(found[_ACCESS])

    def _read_credentials(self):
        header = self.req.headers_in.get("Authorization")
        if header is None:
            return
        try:
            scheme, _, encoded = header.strip().partition(" ")
            if scheme.lower() != "basic":
                raise ValueError("not Basic")
            # validate: a non-base64 header is an error, not garbage
            decoded = base64.b64decode(encoded.strip(), validate=True)
            user, colon, password = decoded.decode("utf-8").partition(":")
            if not colon:
                raise ValueError("no ':'")
        except (AttributeError, ValueError, binascii.Error):
            raise apache.SERVER_RETURN(apache.HTTP_BAD_REQUEST)
        self.user, self.password = user, password

    def _authenticate(self, auth):
        if self.user is None:
            self._challenge('Basic realm="%s"')
        if callable(auth):
            ok = auth(self.req, self.user, self.password)
        elif isinstance(auth, dict):
            ok = self.user in auth and auth[self.user] == self.password
        else:
            ok = auth
        if not ok:
            self._challenge('Basic realm = "%s"')  # spaces as in 3.5

    def _challenge(self, template):
        realm = str(self.realm).replace("\\", "\\\\").replace('"', '\\"')
        self.req.err_headers_out["WWW-Authenticate"] = template % realm
        raise apache.SERVER_RETURN(apache.HTTP_UNAUTHORIZED)

    def _authorize(self, access):
        if callable(access):
            ok = access(self.req, self.user)
        elif isinstance(access, (list, tuple)):
            ok = self.user in access
        else:
            ok = access
        if not ok:
            raise apache.SERVER_RETURN(apache.HTTP_FORBIDDEN)


def _auth_attributes(obj):
    """{name: value} of the auth names `obj` defines."""
    if isinstance(obj, (types.FunctionType, types.MethodType)):
        return nestedauth.nested_auth(obj)
    lookup = getattr
    if isinstance(obj, types.ModuleType) and "__getattr__" not in obj.__dict__:
        obj, lookup = obj.__dict__, dict.get  # same result, no exceptions
    found = {}
    for name in _AUTH_NAMES:
        value = lookup(obj, name, _MISSING)
        if value is not _MISSING:
            found[name] = value
    return found


# ---------------------------------------------------------------------------
# Publishing
# ---------------------------------------------------------------------------

_HTML_END = re.compile(r"</html\s*>\s*$", re.IGNORECASE)

# A callable returning a callable is called again; a chain this long is a
# loop (e.g. an object returning itself), not a page.
_MAX_CALLS = 100


def _publish(req, obj, calls=0):
    """Write `obj`, calling it first while it is callable (`calls` made
    already); True when there was something to write."""
    form = None
    while callable(obj):
        calls += 1
        if calls > _MAX_CALLS:
            raise RuntimeError("publisher: more than %d callables returned "
                               "in a row" % _MAX_CALLS)
        if form is None:
            form = util.request_form(req)
        obj = util.apply_fs_data(obj, form, req=req)
    if obj is None:
        return False
    if isinstance(obj, (bytes, bytearray)):
        data = bytes(obj)  # verbatim (ambiguity 21)
        tail = data[-100:].decode("latin-1")
    else:
        data = str(obj)
        tail = data[-100:]
    if not req._content_type_set:
        html = _HTML_END.search(tail)
        req.content_type = "text/html" if html else "text/plain"
    req.write(data, 0)  # not flushed: CONTENT_LENGTH can still work
    return bool(data)
