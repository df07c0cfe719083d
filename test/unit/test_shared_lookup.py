"""mod_python.lookup, and the rule it exists for: a dict every thread of
a child shares is read by subscription, never with dict.get(), which on
the free-threaded CPython 3.13 makes the reading thread wait for itself
(about 10 us a call) whenever another thread stored the key."""

import ast
import collections
import os

import pytest

import mod_python
from mod_python.lookup import lookup

LIBRARY = os.path.dirname(mod_python.__file__)

# Caches kept on long-lived objects rather than at module level.
SHARED_ATTRIBUTES = {"_entries", "pages", "sdict", "modules"}

DICT_MAKERS = {"dict", "OrderedDict", "WeakValueDictionary", "WeakKeyDictionary"}


def test_a_present_key_gives_its_value():
    assert lookup({"a": 1}, "a") == 1
    assert lookup({("m", "f"): None}, ("m", "f"), 5) is None   # stored None is a value


def test_a_missing_key_gives_the_default():
    assert lookup({}, "a") is None
    assert lookup({}, "a", ()) == ()


def test_an_ordered_dict_is_read_without_reordering():
    od = collections.OrderedDict([("a", 1), ("b", 2)])
    assert lookup(od, "a") == 1
    assert list(od) == ["a", "b"]


def test_an_unhashable_key_raises_as_get_does():
    with pytest.raises(TypeError):
        lookup({}, ["a"])


def _makes_dict(node):
    if isinstance(node, ast.Dict):
        return True
    if isinstance(node, ast.Call):
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
        return name in DICT_MAKERS
    return False


def _shared_names(tree):
    """Names bound to a dict at module or class level."""
    names = set()
    for scope in [tree] + [n for n in tree.body if isinstance(n, ast.ClassDef)]:
        for stmt in scope.body:
            if isinstance(stmt, ast.Assign) and _makes_dict(stmt.value):
                names.update(t.id for t in stmt.targets if isinstance(t, ast.Name))
    return names


def _receiver_name(node):
    return node.attr if isinstance(node, ast.Attribute) else getattr(node, "id", None)


def _shared_gets(path):
    with open(path, encoding="utf-8") as f:
        tree = ast.parse(f.read(), path)
    shared = _shared_names(tree) | SHARED_ATTRIBUTES
    for node in ast.walk(tree):
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                and node.func.attr == "get"
                and _receiver_name(node.func.value) in shared):
            yield "%s:%d" % (os.path.basename(path), node.lineno)


def test_no_shared_dict_is_read_with_get():
    found = [hit for name in sorted(os.listdir(LIBRARY)) if name.endswith(".py")
             for hit in _shared_gets(os.path.join(LIBRARY, name))]
    assert found == []


def test_the_scan_finds_a_shared_get(tmp_path):
    # the check above must be able to fail
    path = tmp_path / "sample.py"
    path.write_text("import sys\n_cache = {}\n\nclass S:\n    table = dict()\n\n"
                    "def f(k):\n    return _cache.get(k), S.table.get(k), "
                    "sys.modules.get(k), {}.get(k)\n")
    assert list(_shared_gets(str(path))) == ["sample.py:8"] * 3
