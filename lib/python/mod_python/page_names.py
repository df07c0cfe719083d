"""Which names of a publisher page the page defines itself, and which it
only imports.

`from subprocess import check_output` in a page makes check_output a
page-level callable, which the publisher would publish like the page's own
functions.  Strict mode (PythonOption mod_python.publisher.strict On)
publishes only what the page defines; with PythonDebug On the publisher
warns once per page version about each imported name it exposes.
"""

import ast
import threading
import types
import weakref

from mod_python import cache, nestedauth
from mod_python.lookup import lookup

# page module -> frozenset of the names its own statements bind
_own_names = weakref.WeakKeyDictionary()
_own_names_lock = threading.Lock()

def defined_here(page, name, obj):
    """True when `name` is bound by the page's own code (a def, a class,
    an assignment; not an import) and, for a function, the function was
    defined in the page (or wraps one that was)."""
    if name not in own_names(page):
        return False
    if isinstance(obj, (types.FunctionType, types.MethodType)):
        return _defined_in(page, obj)
    return True


def exposed_imports(page, hidden):
    """Sorted public names of the page holding what it imported (functions,
    but also data such as os.environ), except objects of the `hidden`
    types, which are never published: what strict mode stops publishing."""
    return sorted(name for name, obj in vars(page).items()
                  if not name.startswith("_") and not isinstance(obj, hidden)
                  and not defined_here(page, name, obj))


def own_names(page):
    """The names the page's top-level statements bind other than by
    import, read once per page version from the source it ran.  Empty
    when the source cannot be had, so strict mode then publishes
    nothing."""
    with _own_names_lock:
        names = lookup(_own_names, page)
    if names is None:
        names = _bound_names(_source(page))
        with _own_names_lock:
            _own_names[page] = names
    return names


def _source(page):
    loader = getattr(page, "__loader__", None)
    if isinstance(loader, cache.SourceLoader):
        return loader.get_source()
    return None


def _bound_names(source):
    if not source:
        return frozenset()
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return frozenset()
    names = set()
    _collect(tree.body, names)
    return frozenset(names)


# Statements whose bodies run at module level (unlike def and class).
_BLOCKS = (ast.If, ast.For, ast.AsyncFor, ast.While, ast.With, ast.AsyncWith,
           ast.Try) + ((ast.TryStar,) if hasattr(ast, "TryStar") else ())


def _collect(statements, names):
    for stmt in statements:
        if isinstance(stmt, (ast.Import, ast.ImportFrom)):
            continue
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(stmt.name)
            continue
        for target in _targets(stmt) + _walrus_targets(stmt):
            names.update(n.id for n in ast.walk(target) if isinstance(n, ast.Name))
        if isinstance(stmt, _BLOCKS):
            for field in ("body", "orelse", "finalbody"):
                _collect(getattr(stmt, field, ()), names)
            for handler in getattr(stmt, "handlers", ()):
                if handler.name:
                    names.add(handler.name)
                _collect(handler.body, names)
        if hasattr(ast, "Match") and isinstance(stmt, ast.Match):
            for case in stmt.cases:
                _collect(case.body, names)


def _targets(stmt):
    if isinstance(stmt, ast.Assign):
        return list(stmt.targets)
    if isinstance(stmt, (ast.AnnAssign, ast.AugAssign)):
        plain_annotation = isinstance(stmt, ast.AnnAssign) and stmt.value is None
        return [] if plain_annotation else [stmt.target]
    if isinstance(stmt, (ast.For, ast.AsyncFor)):
        return [stmt.target]
    if isinstance(stmt, (ast.With, ast.AsyncWith)):
        return [item.optional_vars for item in stmt.items if item.optional_vars]
    return []


def _walrus_targets(stmt):
    """`name := value` in the statement's own expressions (an if's test, an
    expression statement) binds at module level too."""
    found = []
    for _, value in ast.iter_fields(stmt):
        for expr in value if isinstance(value, list) else [value]:
            if isinstance(expr, ast.expr):
                found += [n.target for n in ast.walk(expr)
                          if isinstance(n, ast.NamedExpr)]
    return found


def _defined_in(page, func):
    """Whether func, or a function it wraps (functools.wraps), was compiled
    in the page's own namespace."""
    layers = nestedauth.layers(getattr(func, "__func__", func))
    return any(layer.__globals__ is page.__dict__ for layer in layers)
