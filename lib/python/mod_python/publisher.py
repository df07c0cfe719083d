"""mod_python.publisher: publishes the objects inside Python files ("pages")
at URLs, e.g. /app.py/hello?name=x calls hello(name="x") in app.py and
sends what it returns.

Configure with ``SetHandler mod_python`` (or ``AddHandler mod_python .py``)
and ``PythonHandler mod_python.publisher``; see docs/publisher.md.
"""

import ast
import base64
import binascii
import collections
import linecache
import os
import re
import stat
import types
import weakref

from mod_python import apache, cache, options, util

_METHODS = ("GET", "POST", "HEAD")


def handler(req):
    req.allow_methods(list(_METHODS))
    if req.method not in _METHODS:
        raise apache.SERVER_RETURN(apache.HTTP_METHOD_NOT_ALLOWED)
    config = req.get_config()
    debug = options.debug_in(config)
    path, st, object_path = _locate(req)
    autoreload = options.autoreload_in(config)
    module = _pages[_Lookup(path, st, req, autoreload, debug)]
    auth = _Auth(req)
    auth.check(module)
    obj = _traverse(req, module, object_path, auth)
    if not _publish(req, obj) and not req._bytes_queued and debug:
        req.log_error("mod_python.publisher: nothing to publish.",
                      apache.APLOG_NOTICE)
    return apache.OK


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
    if _inside.get(key) == identity:
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
_Lookup = collections.namedtuple("_Lookup", "path stat req autoreload log")


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
        return super().build(key, name, opened, entry)


_pages = _PageCache()


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


def _traverse(req, module, object_path, auth):
    """The object at `object_path` in `module`, auth checked at each step."""
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
        auth.check(obj)
        previous = name
    if isinstance(obj, _HIDDEN):
        _refuse_traversal(req, "Cannot publish %s in %s because it is not "
                          "publishable" % (previous, req.uri))
    return obj


def _refuse_traversal(req, message):
    req.log_error(message, apache.APLOG_WARNING)
    raise apache.SERVER_RETURN(apache.HTTP_FORBIDDEN)


# ---------------------------------------------------------------------------
# __auth__, __access__, __auth_realm__
# ---------------------------------------------------------------------------

_MISSING = object()
_REALM, _AUTH, _ACCESS = _AUTH_NAMES = ("__auth_realm__", "__auth__",
                                        "__access__")


class _Auth:
    """Authentication state carried down one traversal (library.md 2.3)."""

    def __init__(self, req):
        self.req = req
        self.realm = "unknown"
        self.user = self.password = None

    def check(self, obj):
        try:
            found = _auth_attributes(obj)
        except UnreadableAuth as exc:
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
        return _nested_auth(obj)
    lookup = getattr
    if isinstance(obj, types.ModuleType) and "__getattr__" not in obj.__dict__:
        obj, lookup = obj.__dict__, dict.get  # same result, no exceptions
    found = {}
    for name in _AUTH_NAMES:
        value = lookup(obj, name, _MISSING)
        if value is not _MISSING:
            found[name] = value
    return found


# Functions cannot be asked for their local definitions without running
# them, and bytecode layout changes with every Python release, so the
# definitions are read from the function's source with `ast`: top-level
# statements of its body that `def __auth__`/`def __access__`, or assign a
# constant (realm, dict of users, list of users) or a name of the page to
# one of the three names.  Whether a function sets them at all is known
# from its code object (its local names), so a function whose auth cannot
# be read that way is refused, never served unprotected.

# source file -> (source, {(function name, first line): [(name, code, value)]})
_indexes = {}


# function -> (the sources its auth was read from, the auth found)
_nested_found = weakref.WeakKeyDictionary()


_UNREADABLE = object()     # an auth name set to what cannot be read


class UnreadableAuth(Exception):
    """A published function defines __auth__/__access__/__auth_realm__
    that cannot be read: it must not be served."""


def _declared_auth(func):
    """The auth names a function assigns locally, known from its code
    object alone (no source needed)."""
    code = func.__code__
    return set(code.co_varnames + code.co_cellvars) & set(_AUTH_NAMES)


def _nested_auth(obj):
    """The nested auth of a function or method, worked out once per
    function for as long as its source is unchanged.  Raises
    UnreadableAuth when a layer assigns an auth name that its source does
    not show (no source: a .pyc-only deployment; source changed since the
    import), or when a decorator hides a protected function."""
    func = getattr(obj, "__func__", obj)
    layers = _layers(func)
    sources = [_source(layer) for layer in layers]
    cached = _nested_found.get(func)
    if cached is not None and all(a is b for a, b in zip(cached[0], sources)):
        return cached[1]
    found = {}
    # innermost first, so that a decorator's wrapper can override
    for layer, source in reversed(list(zip(layers, sources))):
        items = _auth_items(layer, source)
        _require_all_read(layer, source, items)
        for name, code, value in items:
            if code is not None:
                value = _evaluate(layer, name, code)
            elif value is _UNREADABLE:
                raise UnreadableAuth(
                    "%s in %s sets %s to an expression that cannot be "
                    "evaluated without running the function (use a "
                    "constant, a nested def or a name of the page)"
                    % (layer.__qualname__, layer.__code__.co_filename, name))
            found[name] = value
    _refuse_hidden(layers[-1])
    _nested_found[func] = (sources, found)
    return found


def _require_all_read(layer, source, items):
    missing = _declared_auth(layer) - {name for name, _, _ in items}
    if missing:
        why = ("its source cannot be found (deploy the .py file, not only "
               "the .pyc)" if not source else
               "its source does not match the code that runs (changed "
               "since the import? reload the page)")
        raise UnreadableAuth("%s in %s sets %s, but %s"
                             % (layer.__qualname__, layer.__code__.co_filename,
                                ", ".join(sorted(missing)), why))


def _refuse_hidden(func):
    """A decorator without functools.wraps hides the function it wraps,
    and its auth with it: refuse rather than serve it unprotected."""
    for cell in func.__closure__ or ():
        try:
            inner = cell.cell_contents
        except ValueError:
            continue
        if isinstance(inner, types.FunctionType) and _declared_auth(inner):
            raise UnreadableAuth(
                "%s in %s wraps %s, which sets %s, without functools.wraps: "
                "its auth cannot be found (decorate the wrapper with "
                "@functools.wraps(func))"
                % (func.__qualname__, func.__code__.co_filename,
                   inner.__qualname__, ", ".join(sorted(_declared_auth(inner)))))


def _evaluate(layer, name, code):
    """A nested def (made in the function's globals), or a name of the
    page (a checking function defined elsewhere in it)."""
    namespace = {}
    try:
        exec(code, layer.__globals__, namespace)
    except Exception as exc:
        raise UnreadableAuth("%s in %s: %s cannot be evaluated (%s: %s)"
                             % (layer.__qualname__, layer.__code__.co_filename,
                                name, type(exc).__name__, exc))
    return namespace[name]


def _layers(func):
    """`func` and the functions it wraps (functools.wraps' __wrapped__),
    so that decorating a protected function keeps it protected."""
    layers = []
    while isinstance(func, types.FunctionType) and func not in layers:
        layers.append(func)
        func = getattr(func, "__wrapped__", None)
    return layers


def _auth_items(func, source):
    code = func.__code__
    if not source:
        return ()
    cached = _indexes.get(code.co_filename)
    if cached is None or cached[0] is not source:
        cached = (source, _index(source, code.co_filename))
        _indexes[code.co_filename] = cached
    return cached[1].get((code.co_name, code.co_firstlineno), ())


def _source(func):
    """The source `func` was compiled from: for pages the text they ran
    (from their loader), else the lines linecache has for the file.  The
    same object is returned while the source is unchanged."""
    namespace = func.__globals__
    loader = namespace.get("__loader__")
    if (isinstance(loader, cache.SourceLoader)
            and loader.get_filename() == func.__code__.co_filename):
        return loader.get_source()
    return linecache.getlines(func.__code__.co_filename, namespace)


def _index(source, filename):
    """{(function name, first line): auth items} for a module's source; the
    first line is the first decorator's, as in co_firstlineno."""
    if isinstance(source, list):
        source = "".join(source)
    try:
        tree = ast.parse(source, filename)
    except (SyntaxError, ValueError):
        return {}
    index = {}
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            items = [_auth_item(stmt, filename) for stmt in node.body]
            items = [item for item in items if item]
            if items:
                lines = [d.lineno for d in node.decorator_list]
                first = min([node.lineno] + lines)
                index[(node.name, first)] = items
    return index


def _auth_item(stmt, filename):
    """(name, code of a nested def or None, constant) for a statement that
    defines an auth name, else None."""
    if isinstance(stmt, ast.FunctionDef):
        if stmt.name not in (_AUTH, _ACCESS):
            return None
        try:
            tree = ast.Module(body=[stmt], type_ignores=[])
            return stmt.name, compile(tree, filename, "exec"), None
        except SyntaxError:
            # e.g. `nonlocal` in it: fail closed rather than unprotected
            return stmt.name, None, False
    if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1:
        target = stmt.targets[0]
    elif isinstance(stmt, ast.AnnAssign) and stmt.value is not None:
        target = stmt.target
    else:
        return None
    if not (isinstance(target, ast.Name) and target.id in _AUTH_NAMES):
        return None
    try:
        # a constant: a realm, a dict of users, a list or tuple of users
        return target.id, None, ast.literal_eval(stmt.value)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        pass
    if _is_reference(stmt.value):
        # a name of the page (`__auth__ = check_user`): looked up in the
        # function's globals, as its body would
        assign = ast.Assign(targets=[ast.Name(target.id, ast.Store())],
                            value=stmt.value)
        tree = ast.fix_missing_locations(ast.Module(body=[assign],
                                                    type_ignores=[]))
        return target.id, compile(tree, filename, "exec"), None
    # anything else would have to run the function's own code
    return target.id, None, _UNREADABLE


def _is_reference(node):
    """A plain name or a dotted one (module.function)."""
    while isinstance(node, ast.Attribute):
        node = node.value
    return isinstance(node, ast.Name)


# ---------------------------------------------------------------------------
# Publishing
# ---------------------------------------------------------------------------

_HTML_END = re.compile(r"</html\s*>\s*$", re.IGNORECASE)

# A callable returning a callable is called again; a chain this long is a
# loop (e.g. an object returning itself), not a page.
_MAX_CALLS = 100


def _publish(req, obj):
    """Write `obj`, calling it first while it is callable; True when there
    was something to write."""
    form, calls = None, 0
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
