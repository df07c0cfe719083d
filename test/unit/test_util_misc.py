"""parse_header, apply_fs_data, redirect, module contents."""

import pytest

from mod_python import apache, util

from .test_util_support import FormRequest, file_part, multipart_request, text_part


def test_module_contents():
    assert util.readBlockSize == 65368
    for name in ("parse_qs", "parse_qsl", "FieldStorage", "Field", "StringField",
                 "FieldList", "parse_header", "apply_fs_data", "redirect"):
        assert hasattr(util, name), name


# ---- parse_header

def test_parse_header_str():
    assert util.parse_header('Form-Data; Name="a"; filename="b.txt"') == (
        "form-data", {"name": "a", "filename": "b.txt"})


def test_parse_header_bytes_as_in_3_5():
    main, params = util.parse_header(b'form-data; name="\xe9"')
    assert main == b"form-data" and params == {"name": "\u00e9"}


def test_parse_header_odd_input():
    assert util.parse_header("") == ("", {})
    assert util.parse_header("text/plain;;charset=x; flag; q=\"unclosed") == (
        "text/plain", {"charset": "x", "flag": "", "q": '"unclosed'})
    assert util.parse_header('a; f="C:\\dir\\x.txt"')[1]["f"] == "C:\\dir\\x.txt"


# ---- apply_fs_data

def fields(body=b"a=1&b=2&b=3&req=evil"):
    return util.FieldStorage(FormRequest(body, ctype="application/x-www-form-urlencoded"))


def test_only_declared_parameters_are_passed():
    def f(a, req=None):
        return (a, req)
    assert util.apply_fs_data(f, fields(), req="REQ") == ("1", "REQ")


def test_kwargs_take_everything_and_lists_for_repeats():
    def f(**kw):
        return kw
    kw = util.apply_fs_data(f, fields(), req="REQ")
    assert kw == {"a": "1", "b": ["2", "3"], "req": "REQ"}
    assert all(type(k) is str for k in kw)


def test_methods_classes_and_callable_instances():
    class Thing:
        def __init__(self, a):
            self.a = a

        def method(self, b, a=None):
            return (a, b)

        def __call__(self, a, b):
            return ("call", a, b)

    assert util.apply_fs_data(Thing, fields()).a == "1"
    thing = Thing(0)
    assert util.apply_fs_data(thing.method, fields()) == ("1", ["2", "3"])
    assert util.apply_fs_data(thing, fields()) == ("call", "1", ["2", "3"])


def test_builtins_get_no_arguments():
    assert util.apply_fs_data(dict, fields()) == {}
    assert util.apply_fs_data(list, fields()) == []


def test_keyword_only_and_positional_only():
    def f(a, /, b=None, *, c=None):
        return (a, b, c)
    with pytest.raises(TypeError):
        util.apply_fs_data(f, fields(b"a=1&b=2&c=3"))
    assert util.apply_fs_data(lambda b=0, *, c=0: (b, c), fields(b"b=2&c=3")) == ("2", "3")


def test_file_fields_are_passed_as_field_objects():
    fs = util.FieldStorage(multipart_request([file_part("up", "u.txt", b"data"),
                                              text_part("t", b"text")]))
    up, t = util.apply_fs_data(lambda up, t: (up, t), fs)
    assert isinstance(up, util.Field) and up.value == b"data"
    assert t == "text" and not isinstance(t, util.Field)


# ---- redirect

def test_redirect():
    req = FormRequest(method="GET")
    with pytest.raises(apache.SERVER_RETURN) as info:
        util.redirect(req, "/dummy?a=1&b=<2>")
    assert info.value.args == (apache.DONE,)
    assert req.status == 302 and req.err_headers_out["Location"] == "/dummy?a=1&b=<2>"
    assert req.written == ['<p>The document has moved '
                           '<a href="/dummy?a=1&amp;b=&lt;2&gt;">here</a></p>\n']


def test_permanent_redirect_with_text():
    req = FormRequest(method="GET")
    with pytest.raises(apache.SERVER_RETURN):
        util.redirect(req, "/x", permanent=1, text="moved")
    assert (req.status, req.written) == (301, ["moved"])


def test_redirect_errors():
    req = FormRequest(method="GET")
    with pytest.raises(TypeError, match="location must be of type str"):
        util.redirect(req, 123)
    req.sent_bodyct = 1
    with pytest.raises(IOError, match="already been sent"):
        util.redirect(req, "/x")


@pytest.mark.parametrize("unit", ['a="\\', ';a="\\"', '"\\\\"\\"', '"', ';"', 'x=";'])
def test_parse_header_is_linear_on_hostile_input(unit):
    import time
    line = "form-data; " + unit * (200000 // len(unit))
    started = time.process_time()
    util.parse_header(line)
    assert time.process_time() - started < 0.5


def test_parse_header_quotes_and_escapes():
    assert util.parse_header('a; x="1;2"; y="\\"q\\";" ; z') == (
        "a", {"x": "1;2", "y": '"q";', "z": ""})
    assert util.parse_header('a; x="\\\\"; y=2') == ("a", {"x": "\\", "y": "2"})
    assert util.parse_header('a; x="unclosed; y=2') == ("a", {"x": '"unclosed; y=2'})
