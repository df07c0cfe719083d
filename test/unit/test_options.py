"""mod_python.options: one reading of PythonDebug, PythonAutoReload and
PythonOption words for every library module."""

import pytest

from mod_python import options


class Holder:
    """A request or server stand-in: its options, config and log."""

    def __init__(self, opts=None, config=None):
        self._options = dict(opts or {})
        self._config = dict(config or {})
        self.logged = []

    def get_options(self):
        return self._options

    def get_config(self):
        return self._config

    def log_error(self, message, level=3):
        self.logged.append((message, level))


@pytest.mark.parametrize("word,value", [
    ("On", True), ("yes", True), ("TRUE", True), (" 1 ", True),
    ("off", False), ("No", False), ("false", False), ("0", False),
    ("maybe", None), ("", None), ("2", None)])
def test_parse_flag(word, value):
    assert options.parse_flag(word) is value


@pytest.mark.parametrize("text,size", [
    ("0", 0), ("123", 123), ("64K", 65536), ("64kb", 65536), ("64KiB", 65536),
    ("8M", 8 << 20), ("1g", 1 << 30), (" 2 k ", 2048)])
def test_parse_size(text, size):
    assert options.parse_size(text) == size


@pytest.mark.parametrize("text", ["", "-1", "1.5M", "lots", "8T", "0x10"])
def test_parse_size_refuses(text):
    with pytest.raises(ValueError):
        options.parse_size(text)


def test_text_takes_the_first_non_empty_key():
    req = Holder({"new": "", "old": "x", "older": "y"})
    assert options.text(req, "new", "old", "older") == "x"
    assert options.text(req, "missing") is None


def test_a_request_stand_in_without_options_reads_nothing():
    assert options.text(object(), "any") is None
    assert options.flag(object(), True, "any") is True


def test_unset_option_gives_the_default_without_a_log_line():
    req = Holder()
    assert options.flag(req, True, "k") is True
    assert options.size(req, 10, "k") == 10
    assert options.integer(req, 3, "k") == 3
    assert options.number(req, 2.5, "k") == 2.5
    assert req.logged == []


@pytest.mark.parametrize("reader,value", [
    (options.flag, "maybe"), (options.size, "lots"),
    (options.integer, "1.5"), (options.number, "soon"), (options.number, "0"),
    (options.number, "-2"), (options.number, "inf"), (options.number, "nan")])
def test_a_word_that_means_nothing_logs_one_line_and_gives_the_default(reader, value):
    req = Holder({"old": value})
    assert reader(req, "DEFAULT", "new", "old") == "DEFAULT"
    assert len(req.logged) == 1
    message, level = req.logged[0]
    assert "PythonOption old %r" % value in message and "ignored" in message
    assert level == 4   # APLOG_WARNING


def test_typed_values():
    req = Holder({"f": "Off", "s": "2M", "i": " 42 ", "n": "0.5"})
    assert options.flag(req, True, "f") is False
    assert options.size(req, 0, "s") == 2 << 20
    assert options.integer(req, 0, "i") == 42
    assert options.number(req, 0, "n") == 0.5


@pytest.mark.parametrize("config,debug,autoreload", [
    ({}, False, True),
    ({"PythonDebug": "1", "PythonAutoReload": "0"}, True, False),
    ({"PythonDebug": "0", "PythonAutoReload": "1"}, False, True)])
def test_debug_and_autoreload(config, debug, autoreload):
    holder = Holder(config=config)
    assert options.debug(holder) is debug
    assert options.autoreload(holder) is autoreload
    assert options.debug_in(config) is debug
    assert options.autoreload_in(config) is autoreload


def test_any_with_prefix():
    req = Holder({"Mod_Python.Util.max_parts": "5", "other": "x"})
    assert options.any_with_prefix(req, "mod_python.util.")
    assert not options.any_with_prefix(req, "mod_python.session.")
    assert not options.any_with_prefix(object(), "mod_python.util.")
