"""util.parse_qs / parse_qsl."""

import pytest

from mod_python import util


def test_separators_and_order():
    assert util.parse_qsl("a=1&b=2;c=3") == [("a", "1"), ("b", "2"), ("c", "3")]


def test_parse_qs_collects_values_in_order():
    assert util.parse_qs("a=1&a=2&b=3") == {"a": ["1", "2"], "b": ["3"]}


def test_blank_values():
    assert util.parse_qsl("a=&b=1&c") == [("b", "1")]
    assert util.parse_qsl("a=&b=1&c", keep_blank_values=1) == [("a", ""), ("b", "1"),
                                                                 ("c", "")]
    assert util.parse_qs("a=", 1) == {"a": [""]}


def test_plus_before_unescaping():
    assert util.parse_qsl("x=a+b%2Bc") == [("x", "a b+c")]
    assert util.parse_qsl("a+b%3D=c%26d") == [("a b=", "c&d")]


def test_empty_pieces_are_skipped():
    assert util.parse_qsl("&&a=1;;&") == [("a", "1")]
    assert util.parse_qsl("") == []


def test_value_keeps_later_equals_signs():
    assert util.parse_qsl("a=b=c") == [("a", "b=c")]


def test_types_follow_the_input():
    assert util.parse_qsl(b"a=1&b=%C3%A9") == [(b"a", b"1"), (b"b", b"\xc3\xa9")]
    assert util.parse_qsl("e=%C3%A9") == [("e", "\u00e9")]
    assert util.parse_qs(b"a=1") == {b"a": [b"1"]}


def test_raw_utf8_in_a_latin1_decoded_query_string():
    # Apache hands req.args over Latin-1 decoded: raw UTF-8 arrives as
    # mojibake and must come out as the text the client meant
    raw = "n=\u00e9".encode("utf-8").decode("latin-1")
    assert util.parse_qsl(raw) == [("n", "\u00e9")]


def test_invalid_utf8_is_replaced():
    assert util.parse_qsl("a=%FF%FEok") == [("a", "\ufffd\ufffdok")]


def test_text_beyond_latin1_is_taken_as_text():
    assert util.parse_qsl("a=\u20ac") == [("a", "\u20ac")]


def test_bad_escapes_are_left_alone():
    assert util.parse_qsl("a=%zz%4") == [("a", "%zz%4")]


def test_nul_bytes_survive():
    assert util.parse_qsl("a%00b=c%00") == [("a\0b", "c\0")]


def test_strict_parsing_is_accepted():
    assert util.parse_qsl("a", 0, 1) == []


def test_rejects_other_types():
    with pytest.raises(TypeError):
        util.parse_qsl(None)
    with pytest.raises(TypeError):
        util.parse_qs(5)


def test_unescaping_matches_urllib_on_random_input():
    import random
    import urllib.parse
    rnd = random.Random(5)
    for _ in range(3000):
        raw = bytes(rnd.choice(b"%\\x0aAfFg+=&\xff") for _ in range(rnd.randrange(12)))
        expected = [(urllib.parse.unquote_to_bytes(n.replace(b"+", b" ")),
                     urllib.parse.unquote_to_bytes(v.replace(b"+", b" ")))
                    for n, _, v in (p.partition(b"=") for p in raw.replace(b";", b"&")
                                    .split(b"&")) if v]
        assert util.parse_qsl(raw) == expected, raw
