"""The __auth__, __access__ and __auth_realm__ a published function sets
inside its own body, which 3.5 applications use to protect one function of
a page.

Functions cannot be asked for their local definitions without running
them, and bytecode layout changes with every Python release, so the
definitions are read from the function's source with `ast`: top-level
statements of its body that `def __auth__`/`def __access__`, or assign a
constant (realm, dict of users, list of users) or a name of the page to
one of the three names.  Whether a function sets them at all is known from
its code object (its local names), so a function whose auth cannot be read
that way raises UnreadableAuth: the publisher refuses it rather than serve
it unprotected.
"""

import ast
import linecache
import types
import weakref

from mod_python import cache
from mod_python.lookup import lookup

REALM, AUTH, ACCESS = AUTH_NAMES = ("__auth_realm__", "__auth__", "__access__")

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
    return set(code.co_varnames + code.co_cellvars) & set(AUTH_NAMES)


def nested_auth(obj):
    """{auth name: value} that a function or method sets in its body,
    worked out once per function for as long as its source is unchanged.
    Raises UnreadableAuth when a layer assigns an auth name that its
    source does not show (no source: a .pyc-only deployment; source
    changed since the import), or when a decorator hides a protected
    function."""
    func = getattr(obj, "__func__", obj)
    chain = layers(func)
    sources = [_source(layer) for layer in chain]
    cached = lookup(_nested_found, func)
    if cached is not None and all(a is b for a, b in zip(cached[0], sources)):
        return cached[1]
    found = {}
    # innermost first, so that a decorator's wrapper can override
    for layer, source in reversed(list(zip(chain, sources))):
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
    _refuse_hidden(chain[-1])
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


def layers(func):
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
    cached = lookup(_indexes, code.co_filename)
    if cached is None or cached[0] is not source:
        cached = (source, _index(source, code.co_filename))
        _indexes[code.co_filename] = cached
    return lookup(cached[1], (code.co_name, code.co_firstlineno), ())


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
        if stmt.name not in (AUTH, ACCESS):
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
    if not (isinstance(target, ast.Name) and target.id in AUTH_NAMES):
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
