"""mod_python.page_names: what a publisher page defines, and what it only
imports (strict mode's rule)."""

import textwrap
import types

from mod_python import cache, page_names


def page(source):
    return cache.new_module("/srv/page.py", textwrap.dedent(source))


PAGE = page("""
    import functools
    from glob import glob
    from os.path import join as joined
    from json import *

    def own(req):
        return "own"

    def _decorate(func):
        @functools.wraps(func)
        def wrapper(*a, **kw):
            return func(*a, **kw)
        return wrapper

    @_decorate
    def decorated(req):
        return "decorated"

    alias = glob
    made = functools.partial(own)

    class Thing:
        def __call__(self, req):
            return "thing"

    thing = Thing()
    for looped in range(1):
        pass
    with open(__import__("os").devnull) as opened:
        pass
    try:
        import secrets as maybe
    except ImportError:
        maybe = None
    if (walrus := 1):
        in_if = "x"
    counter: int = 0
    counter += 1
""")


def test_own_names():
    names = page_names.own_names(PAGE)
    for name in ("own", "_decorate", "decorated", "alias", "made", "Thing",
                 "thing", "looped", "opened", "maybe", "walrus", "in_if",
                 "counter"):
        assert name in names, name
    for name in ("functools", "glob", "joined", "dumps", "loads"):
        assert name not in names, name


def test_defined_here():
    for name in ("own", "decorated", "made", "thing", "in_if"):
        assert page_names.defined_here(PAGE, name, getattr(PAGE, name)), name
    # bound by the page, but a function of another module
    assert not page_names.defined_here(PAGE, "alias", PAGE.alias)
    for name in ("glob", "joined", "dumps"):
        assert not page_names.defined_here(PAGE, name, getattr(PAGE, name)), name


HIDDEN = (types.ModuleType, type, types.BuiltinFunctionType)


def test_exposed_imports():
    assert page_names.exposed_imports(PAGE, HIDDEN) == [
        "alias", "dump", "dumps", "glob", "joined", "load", "loads"]
    data = page("from os import sep, getcwd\nfrom json import decoder\nx = sep\n")
    # data too (sep); not x, which the page binds itself, nor modules or
    # built-ins, which are never published
    assert page_names.exposed_imports(data, HIDDEN) == ["sep"]


def test_a_page_without_source_defines_nothing():
    import types
    module = types.ModuleType("nosource")
    exec("def f(req): return 1", module.__dict__)
    assert page_names.own_names(module) == frozenset()
    assert not page_names.defined_here(module, "f", module.f)
