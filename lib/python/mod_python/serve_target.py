"""What `mod_python serve` is asked to serve: a handler file, a WSGI
module or a directory, checked before Apache starts so that mistakes are
reported in one line (TargetError) instead of as a 500 per request."""

import ast
import os


class TargetError(Exception):
    """A problem with what `serve` was asked to serve (exit status 2)."""


def _read_module(path):
    """Parse a module file; syntax errors become TargetError."""
    if not os.path.isfile(path):
        raise TargetError("no such file: %s" % path)
    with open(path, "rb") as f:
        source = f.read()
    try:
        return ast.parse(source, path)
    except SyntaxError as exc:
        raise TargetError("syntax error in %s, line %s: %s"
                          % (path, exc.lineno, exc.msg))


def _top_level_names(tree):
    """Names bound at module level, and whether a `*` import is present."""
    names, star = set(), False
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef,
                             ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
            targets = getattr(node, "targets", None) or [node.target]
            for target in targets:
                names.update(n.id for n in ast.walk(target)
                             if isinstance(n, ast.Name))
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            for alias in node.names:
                star = star or alias.name == "*"
                names.add((alias.asname or alias.name).split(".")[0])
    return names, star


def _require_callable(path, name, tree=None):
    names, star = _top_level_names(tree or _read_module(path))
    if name.split(".")[0] not in names and not star:
        raise TargetError("%s defines no %s" % (path, name.split(".")[0]))


# Names WSGI applications are usually given.
_WSGI_NAMES = ("application", "app")


def _wsgi_callable(tree):
    """The name of what looks like a WSGI application in a module: one of
    the usual names, or a function taking (environ, start_response)."""
    names, _ = _top_level_names(tree)
    for name in _WSGI_NAMES:
        if name in names:
            return name
    for node in tree.body:
        if isinstance(node, ast.FunctionDef):
            args = [a.arg for a in node.args.args]
            if args[:1] == ["environ"] and len(args) == 2:
                return node.name
    return None


def _handler_target(spec):
    given, _, handler = spec.partition("::")
    handler = handler or "handler"
    if not given.endswith(".py"):
        raise TargetError("not a Python file: %s" % given)
    path = os.path.abspath(given)
    tree = _read_module(path)
    try:
        _require_callable(path, handler, tree)
    except TargetError:
        app = _wsgi_callable(tree) if not spec.count("::") else None
        if app:
            raise TargetError("%s defines no handler, but %s looks like a "
                              "WSGI application: serve it with "
                              "--wsgi %s:%s" % (given, app, given, app))
        raise
    module = os.path.basename(path)[:-3]
    return {"kind": "handler", "dir": os.path.dirname(path),
            "handler": "%s::%s" % (module, handler),
            "what": "%s::%s" % (path, handler)}


def _wsgi_module_file(module):
    """The file of a WSGI module given as path/to/mod.py or pkg.mod."""
    if module.endswith(".py") or os.sep in module:
        path = os.path.abspath(module)
        return path, os.path.basename(path)[:-3]
    if not all(part.isidentifier() for part in module.split(".")):
        raise TargetError("bad module name in --wsgi: %r" % module)
    base = os.path.join(os.getcwd(), *module.split("."))
    for path in (base + ".py", os.path.join(base, "__init__.py")):
        if os.path.isfile(path):
            return path, module
    raise TargetError("module %s not found (no %s.py)" % (module, base))


def _wsgi_target(spec):
    module, sep, func = spec.replace("::", ":").partition(":")
    func = func if sep else "application"
    if not module or not func.replace(".", "_").isidentifier():
        raise TargetError("bad --wsgi %r: use module:callable" % spec)
    path, name = _wsgi_module_file(module)
    _require_callable(path, func)
    depth = name.count(".") + (path.endswith("__init__.py"))
    top = os.path.dirname(path)
    for _ in range(depth):
        top = os.path.dirname(top)
    return {"kind": "wsgi", "dir": top, "app": "%s::%s" % (name, func),
            "what": "WSGI %s:%s" % (path, func)}


def _dir_target(path):
    path = os.path.abspath(path)
    return {"kind": "dir", "dir": path, "what": path + "/"}


def resolve_target(opts):
    """Validate what to serve; raises TargetError."""
    if opts.wsgi:
        if opts.target:
            raise TargetError("give either TARGET or --wsgi, not both")
        return _wsgi_target(opts.wsgi)
    if not opts.target:
        raise TargetError("nothing to serve: give TARGET or --wsgi")
    if os.path.isdir(opts.target):
        return _dir_target(opts.target)
    return _handler_target(opts.target)
