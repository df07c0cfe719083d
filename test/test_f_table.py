"""F. Table object (behaviours.md items 125-144).

Every check runs inside Apache: /f.py/<item> calls function t<item> in f.py,
which returns a dict that the test compares with the expected values.
"""

import pytest

from helpers import Site

SITE = Site()

SITE.handler("f", '''
    T = apache.table

    def t125(req):
        t = T()
        return {"len": len(t), "keys": list(t.keys()), "a_in": "a" in t}

    def t126(req):
        t = T()
        t["Content-Type"] = "x"
        return {"lower": t["content-type"], "upper_in": "CONTENT-TYPE" in t,
                "get": t.get("CoNtEnT-tYpE")}

    def t127(req):
        t = T({"a": "b"})
        t.add("a", "c")
        return {"a": t["a"], "len": len(t)}

    def t128(req):
        t = T()
        t.add("a", "x")
        t.add("a", "y")
        t["a"] = "z"
        return {"a": t["a"], "len": len(t)}

    def t129(req):
        t = T()
        t.add("a", "first")
        t.add("a", "second")
        return {"first": t.get("a"), "missing": t.get("missing"),
                "default": t.get("missing", "3")}

    def t130(req):
        t = T()
        return {"exc": capture(lambda: t["missing"])}

    def t131(req):
        t = T()
        t.add("a", "1")
        t.add("A", "2")
        t.add("b", "3")
        del t["a"]
        return {"a_in": "a" in t, "len": len(t), "keys": list(t.keys())}

    def t132(req):
        t = T()
        def setit():
            t["x"] = 1
        return {"exc": capture(setit), "x_in": "x" in t}

    def t133(req):
        t = T()
        t.update({"1": "100"})
        t.update({1: 1})
        class BadKeys:
            def keys(self):
                raise ZeroDivisionError("from keys")
        class BadItem:
            def keys(self):
                return ["k"]
            def __getitem__(self, k):
                raise LookupError("from getitem")
        return {"one": t["1"], "len": len(t),
                "none": capture(lambda: t.update(None)),
                "badkeys": capture(lambda: t.update(BadKeys())),
                "baditem": capture(lambda: t.update(BadItem()))}

    def t134(req):
        t = T({"k2": "v2"})
        r1 = t.setdefault("k")
        r2 = t.setdefault("k2", "other")
        return {"r1": r1, "stored": t.get("k"), "r2": r2, "k2": t["k2"]}

    def t135(req):
        t = T({"a": "1", "b": "2"})
        c = t.copy()
        equal = c == t
        c["a"] = "changed"
        c["new"] = "x"
        return {"equal": equal, "t_a": t["a"], "new_in_t": "new" in t,
                "c_a": c["a"], "type": type(c).__name__}

    def t136(req):
        t = T({"a": "1", "b": "2"})
        t.clear()
        return {"len": len(t), "eq_empty": t == T(), "eq_dict": t == {}}

    def t137(req):
        t = T([("a", "1"), ("b", "2"), ("c", "3")])
        popped = []
        for i in range(3):
            popped.append(list(t.popitem()))
        return {"popped": sorted(popped), "len": len(t),
                "empty": capture(lambda: t.popitem())}

    def t138(req):
        t = T([("a", "1"), ("b", "2")])
        keys = [k for k in t]
        def modify():
            for k in t:
                t["new-" + k] = "x"
        return {"keys": keys, "modify": capture(modify)}

    def t139(req):
        return {"hash": capture(lambda: hash(T()))}

    def t140(req):
        class Sub(T):
            def __str__(self):
                return "custom str"
        s = Sub({"a": "b"})
        return {"str": str(s), "a": s["a"], "is_table": isinstance(s, T)}

    def t141(req):
        return {"empty": repr(T()), "notes": repr(req.connection.notes),
                "one": repr(T({"a": "b"}))}

    def t142(req):
        t = T([("a", "1"), ("b", "2")])
        return {"a": t["a"], "b": t["b"], "len": len(t),
                "bad": capture(lambda: T([("a", "1", "x")]))}

    def t143(req):
        req.headers_out["X-Test-Header"] = "test ok"
        return {"set": True}

    def t144(req):
        return {"type": type(req.headers_in["Host"]).__name__,
                "keys": sorted(set(type(k).__name__ for k in req.headers_in.keys()))}

    def handler(req):
        name = "t" + req.path_info.strip("/")
        return reply(req, globals()[name](req))
''')


@pytest.fixture(scope="module")
def site(module_mpm):
    with SITE.serve(mpm=module_mpm) as srv:
        yield srv


def run(site, item):
    r = site.get("/f.py/%d" % item)
    assert r.status == 200, r.text
    return r.json()


def test_empty_table(site):
    # F-125
    assert run(site, 125) == {"len": 0, "keys": [], "a_in": False}


def test_case_insensitive(site):
    # F-126
    assert run(site, 126) == {"lower": "x", "upper_in": True, "get": "x"}


def test_add_duplicates(site):
    # F-127
    assert run(site, 127) == {"a": ["b", "c"], "len": 2}


def test_setitem_replaces_duplicates(site):
    # F-128
    assert run(site, 128) == {"a": "z", "len": 1}


def test_get(site):
    # F-129
    assert run(site, 129) == {"first": "first", "missing": None, "default": "3"}


def test_missing_key(site):
    # F-130
    assert run(site, 130)["exc"].startswith("EXC:KeyError")


def test_delete_all(site):
    # F-131
    d = run(site, 131)
    assert d == {"a_in": False, "len": 1, "keys": ["b"]}


def test_non_string_value(site):
    # F-132
    d = run(site, 132)
    assert d["exc"].startswith("EXC:TypeError"), d
    assert d["x_in"] is False


def test_update(site):
    # F-133
    d = run(site, 133)
    assert d["one"] == "1"
    assert d["len"] == 1
    assert d["none"].startswith("EXC:AttributeError"), d
    assert d["badkeys"].startswith("EXC:ZeroDivisionError"), d
    assert d["baditem"].startswith("EXC:LookupError"), d


def test_setdefault(site):
    # F-134
    assert run(site, 134) == {"r1": "", "stored": "", "r2": "v2", "k2": "v2"}


def test_copy(site):
    # F-135
    assert run(site, 135) == {"equal": True, "t_a": "1", "new_in_t": False,
                              "c_a": "changed", "type": "mp_table"}


def test_clear(site):
    # F-136
    assert run(site, 136) == {"len": 0, "eq_empty": True, "eq_dict": True}


def test_popitem(site):
    # F-137
    d = run(site, 137)
    assert d["popped"] == [["a", "1"], ["b", "2"], ["c", "3"]]
    assert d["len"] == 0
    assert d["empty"].startswith("EXC:KeyError"), d


def test_iteration(site):
    # F-138
    d = run(site, 138)
    assert d["keys"] == ["a", "b"]
    assert d["modify"].startswith("EXC:RuntimeError"), d


def test_unhashable(site):
    # F-139
    assert run(site, 139)["hash"].startswith("EXC:TypeError")


def test_subclass(site):
    # F-140
    assert run(site, 140) == {"str": "custom str", "a": "b", "is_table": True}


def test_repr(site):
    # F-141
    d = run(site, 141)
    assert d["empty"] == "{}"
    assert d["notes"] == "{}"
    assert d["one"] == "{'a': 'b'}"


def test_from_pairs(site):
    # F-142
    d = run(site, 142)
    assert (d["a"], d["b"], d["len"]) == ("1", "2", 2)
    assert d["bad"].startswith("EXC:ValueError"), d


def test_headers_out(site):
    # F-143
    r = site.get("/f.py/143")
    assert r.status == 200
    assert r.header("X-Test-Header") == "test ok"


def test_values_are_str(site):
    # F-144
    assert run(site, 144) == {"type": "str", "keys": ["str"]}
