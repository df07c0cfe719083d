"""mod_python.cache (library.md section 8)."""

import gc
import http.server
import os
import sys
import threading
import time

import pytest

from mod_python import cache


def write(path, text, mtime=None):
    path.write_text(text)
    if mtime is not None:
        os.utime(str(path), (mtime, mtime))


class Counting(cache.Cache):
    """Builds "<name>-<n>"; rebuilds when `stale` names it."""

    def __init__(self, max_size=0):
        super().__init__(max_size)
        self.builds = []
        self.stale = set()

    def check(self, key, name, entry):
        return "reopened" if key in self.stale else None

    def build(self, key, name, opened, entry):
        self.builds.append((key, opened))
        return "%s-%d" % (name, len(self.builds))


def test_plain_cache_is_a_dictionary():
    c = cache.Cache()
    with pytest.raises(KeyError):
        c["a"]
    assert "a" not in c and len(c) == 0
    c["a"] = 1
    assert c["a"] == 1 and "a" in c and len(c) == 1
    del c["a"]
    assert "a" not in c
    with pytest.raises(KeyError):
        del c["a"]


def test_build_once_then_check_decides():
    c = Counting()
    assert c["x"] == "x-1"
    assert c["x"] == "x-1"
    c.stale.add("x")
    assert c["x"] == "x-2"
    assert c.builds == [("x", None), ("x", "reopened")]


def test_key_hook_maps_names_to_entries():
    class Lower(Counting):
        def key(self, name):
            return name.lower()

    c = Lower()
    assert c["A"] == "A-1"
    assert c["a"] == "A-1"
    assert c.mru() == "a"


def test_failed_build_leaves_nothing_behind():
    class Failing(cache.Cache):
        fail = True

        def build(self, key, name, opened, entry):
            if self.fail:
                raise ValueError("no")
            return "ok"

    c = Failing()
    with pytest.raises(ValueError):
        c["x"]
    assert "x" not in c
    c.fail = False
    assert c["x"] == "ok"


def test_lru_eviction_and_order():
    c = Counting(max_size=2)
    c["a"], c["b"]
    assert (c.lru(), c.mru()) == ("a", "b")
    c["a"]  # now the most recent
    assert (c.lru(), c.mru()) == ("b", "a")
    c["c"]
    assert "b" not in c and "a" in c and "c" in c
    c["z"] = 0
    assert len(c) == 2 and "a" not in c
    c.clear()
    assert len(c) == 0 and c.mru() is None and c.lru() is None


def test_one_build_per_name_across_threads():
    gate = threading.Event()

    class Slow(cache.Cache):
        builds = 0

        def build(self, key, name, opened, entry):
            Slow.builds += 1
            gate.wait(5)
            return name * 2

    c = Slow()
    results = []
    threads = [threading.Thread(target=lambda: results.append(c["ab"]))
               for _ in range(8)]
    for t in threads:
        t.start()
    time.sleep(0.2)
    gate.set()
    for t in threads:
        t.join()
    assert results == ["abab"] * 8 and Slow.builds == 1


def test_weak_cache_rebuilds_dead_values():
    class Thing:
        pass

    class Things(cache.WeakCache):
        builds = 0

        def build(self, key, name, opened, entry):
            Things.builds += 1
            return Thing()

    c = Things()
    first = c["t"]
    assert c["t"] is first and Things.builds == 1
    del first
    gc.collect()
    c["t"]
    assert Things.builds == 2


def test_file_cache_rereads_on_mtime_change(tmp_path):
    path = tmp_path / "f.txt"
    write(path, "one", mtime=time.time() - 100)
    c = cache.FileCache()
    assert c[str(path)] == b"one"
    write(path, "two", mtime=time.time() - 100)  # same mtime, other size
    assert c[str(path)] == b"two"
    write(path, "six", mtime=time.time() - 50)
    assert c[str(path)] == b"six"
    text = cache.FileCache(mode="r")
    assert text[str(path)] == "six"


def test_file_cache_missing_file(tmp_path):
    c = cache.FileCache()
    with pytest.raises(FileNotFoundError):
        c[str(tmp_path / "none")]
    assert len(c) == 0


def test_module_cache(tmp_path):
    path = tmp_path / "my-page.py"
    write(path, "import time\nLOADED = time.time()\nX = 1\n", mtime=time.time() - 100)
    c = cache.ModuleCache()
    module = c[str(path)]
    assert module.X == 1
    assert module.__file__ == str(path)
    assert module.__name__ == cache.module_name(str(path))
    assert "my_page_py" in module.__name__ and "/" not in module.__name__
    assert module.__name__ not in sys.modules
    assert c[str(path)] is module  # unchanged: not executed again
    write(path, "Y = 2\n", mtime=time.time() - 50)
    again = c[str(path)]
    assert again is not module and again.Y == 2 and not hasattr(again, "X")
    assert again.__loader__.get_source() == "Y = 2\n"


def test_module_cache_syntax_error_is_not_cached(tmp_path):
    path = tmp_path / "bad.py"
    write(path, "def (:\n")
    c = cache.ModuleCache()
    with pytest.raises(SyntaxError):
        c[str(path)]
    assert len(c) == 0


def test_function_cache_memoises():
    calls = []

    def add(a, b=0):
        calls.append((a, b))
        return a + b

    f = cache.FunctionCache(add, max_size=10)
    assert f(1, b=2) == 3 and f(1, b=2) == 3
    assert f(1) == 1
    assert calls == [(1, 2), (1, 0)]


class _Handler(http.server.BaseHTTPRequestHandler):
    hits = []

    def do_GET(self):
        _Handler.hits.append((self.path, self.headers.get("If-None-Match")))
        if self.path == "/etag" and self.headers.get("If-None-Match") == '"v1"':
            self.send_response(304)
            self.end_headers()
            return
        body = b"X = 42\n"
        self.send_response(200)
        if self.path == "/fresh":
            self.send_header("Cache-Control", "max-age=3600")
        if self.path == "/etag":
            self.send_header("ETag", '"v1"')
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def http_url():
    server = http.server.HTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    _Handler.hits.clear()
    yield "http://127.0.0.1:%d" % server.server_port
    server.shutdown()
    server.server_close()


def test_http_cache_max_age_and_etag(http_url):
    c = cache.HTTPCache()
    entity = c[http_url + "/fresh"]
    assert isinstance(entity, cache.HTTPEntity)
    assert entity.entity == b"X = 42\n" and str(entity) == "X = 42\n"
    assert entity.metadata["Cache-Control"] == "max-age=3600"
    assert c[http_url + "/fresh"] is entity
    assert _Handler.hits == [("/fresh", None)]
    first = c[http_url + "/etag"]
    assert c[http_url + "/etag"] is first  # revalidated: 304
    assert _Handler.hits[1:] == [("/etag", None), ("/etag", '"v1"')]


def test_http_module_cache(http_url):
    module = cache.HttpModuleCache()[http_url + "/fresh"]
    assert module.X == 42 and module.__file__ == http_url + "/fresh"
