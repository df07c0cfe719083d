"""mod_python.httpdconf: configuration as Python objects (R-352..361)."""

import os
import subprocess
import sys

import pytest

from mod_python import httpdconf
from mod_python.httpdconf import (
    Comment, Container, ContainerTag, CustomLog, Directive, Directory,
    DirectoryMatch, DocumentRoot, ErrorLog, IfModule, Listen, LockFile,
    LogFormat, Location, PythonDebug, PythonHandler,
    PythonInterpPerDirectory, PythonOption, PythonPath, Require,
    SetHandler, keep_backslashes, module_config, quote, quote_if_needed,
    quote_if_space, write_basic_config)

LIB = os.path.abspath(os.path.join(os.path.dirname(__file__),
                                   os.pardir, os.pardir, "lib", "python"))


def namespace():
    """What a generated config script sees."""
    ns = {}
    exec("from mod_python.httpdconf import *", ns)
    return ns


def test_directive_str_and_repr():
    #
    d = DocumentRoot('/path/to/htdocs')
    assert str(d) == 'DocumentRoot /path/to/htdocs\n'
    assert repr(d) == "DocumentRoot('/path/to/htdocs')"


def test_flipslash():
    #
    assert str(Directive('X', r'C:\a')) == 'X C:/a\n'
    assert str(PythonPath(r'C:\a')) == 'PythonPath C:\\a\n'
    assert str(LogFormat(r'"\"%r\"" x')) == 'LogFormat "\\"%r\\"" x\n'
    assert str(Directive('X', r'C:\a', flipslash=0)) == 'X C:\\a\n'


def test_container_concatenates():
    #
    c = Container(CustomLog('logs/access_log combined'),
                  ErrorLog('logs/error_log'))
    assert str(c) == ('CustomLog logs/access_log combined\n'
                      'ErrorLog logs/error_log\n')


def test_only_if():
    #
    assert str(Container(Listen('1'), only_if="False")) == ""
    assert str(Container(Listen('1'), only_if="True")) == "Listen 1\n"
    # Evaluated where mod_python is visible.
    version = "mod_python.version.HTTPD_VERSION == %r"
    ver = httpdconf.mod_python.version.HTTPD_VERSION
    assert str(Container(Listen('1'), only_if=version % ver)) == "Listen 1\n"


def test_container_tag():
    #
    assert (str(Directory('/d', SetHandler('mod_python')))
            == '<Directory /d>\n  SetHandler mod_python\n</Directory>\n')
    nested = Location('/x', IfModule('mod_python.c', PythonDebug('On')))
    assert str(nested) == ('<Location /x>\n'
                           '  <IfModule mod_python.c>\n'
                           '    PythonDebug On\n'
                           '  </IfModule>\n'
                           '</Location>\n')
    assert str(Directory(r'C:\www')).startswith('<Directory C:/www>\n')


def test_comment():
    #
    assert str(Comment("a\nb")) == '# a\n# b\n'
    assert str(Directory('/d', Comment("c"))) == (
        '<Directory /d>\n  # c\n</Directory>\n')


def test_append_rejects_other_objects():
    #
    with pytest.raises(TypeError):
        Container().append("text")
    with pytest.raises(TypeError):
        Container("text")
    c = Container()
    c.append(Listen('1'))
    assert str(c) == 'Listen 1\n'


def test_repr_round_trip():
    #
    obj = Container(
        Listen('0.0.0.0:8888'),
        LogFormat(r'"%h \"%r\"" combined'),
        PythonPath('"sys.path+[\'/a\']"'),
        Comment("first line\nsecond line\n"),
        Container(LockFile('logs/accept.lock'), only_if="1 == 2"),
        Container(Listen('2'), only_if="1 == 1"),
        Directory('/srv/www',
                  SetHandler('mod_python'),
                  PythonHandler('mod_python.publisher'),
                  Location('/x', PythonOption('a b'))),
        PythonInterpPerDirectory(),
        Directive('Custom', r'C:\x'),
        ContainerTag('Proxy', '*', [Directive('Y', r'a\b', flipslash=0)]),
    )
    again = eval(repr(obj), namespace())
    assert str(again) == str(obj)
    assert repr(again) == repr(obj)
    assert 'Listen 2\n' in str(obj) and 'LockFile' not in str(obj)


def test_quote_if_space():
    #
    assert quote_if_space("a b") == '"a b"'
    assert quote_if_space("ab") == "ab"


def apache_word(text):
    """The first argument Apache's ap_getword_conf reads from text, and
    the rest: how a configuration line's arguments are split and
    unquoted."""
    text = text.lstrip()
    quote_char = text[:1] if text[:1] in ('"', "'") else ""
    i, word = len(quote_char), []
    while i < len(text):
        c = text[i]
        if c == quote_char or (not quote_char and c.isspace()):
            break
        if c == "\\" and text[i + 1:i + 2] in ("\\", quote_char or "\\"):
            i += 1
            c = text[i]
        word.append(c)
        i += 1
    return "".join(word), text[i + len(quote_char):]


TRICKY = ["/srv/my app", '/srv/a"b', "/srv/a\\b", "/srv/end\\",
          '/srv/\\"q', "/srv/a\\\\b", "it's", "", "tab\there",
          "/srv/a\"b'c", '/srv/a"b\\', "/srv/a\"b\\'c"]


@pytest.mark.parametrize("value", TRICKY)
def test_quote_reads_back_unchanged(value):
    assert apache_word(quote(value) + " next") == (value, " next")
    assert apache_word(quote_if_needed(value) + " next") == (value, " next")


def test_quote_escapes_only_what_it_must():
    assert quote("/srv/www") == '"/srv/www"'
    assert quote(r"^\.") == r'"^\."'
    assert quote('/srv/a"b') == "'/srv/a\"b'"
    assert quote("/srv/a\"b'c") == '"/srv/a\\"b\'c"'
    assert quote_if_needed("/srv/www") == "/srv/www"
    assert quote_if_needed("/srv/my app") == '"/srv/my app"'


@pytest.mark.parametrize("value", ["/srv/a\nb", "/srv/a\rb"])
def test_quote_refuses_line_breaks(value):
    with pytest.raises(ValueError, match="line break"):
        quote(value)


def test_named_classes_take_flipslash():
    assert str(DocumentRoot(r"C:\a", flipslash=0)) == "DocumentRoot C:\\a\n"
    assert str(DirectoryMatch(r"^\.", Require("all denied"))) == (
        '<DirectoryMatch ^\\.>\n  Require all denied\n</DirectoryMatch>\n')
    assert str(Directory(r"C:\d", flipslash=0)).startswith(
        "<Directory C:\\d>")


def test_keep_backslashes_reaches_every_node_and_round_trips():
    obj = keep_backslashes(Container(
        DocumentRoot(quote("/srv/a\"b'c")),
        Directory(quote("/srv/a\\"), SetHandler("mod_python"),
                  Location("/x", Directive("X", "a\\b"))),
        Container(PythonOption(r"k C:\v"))))
    text = str(obj)
    assert 'DocumentRoot "/srv/a\\"b\'c"\n' in text
    assert '<Directory "/srv/a\\\\">\n' in text
    assert "X a\\b\n" in text and "PythonOption k C:\\v\n" in text
    again = eval(repr(obj), namespace())
    assert str(again) == text and repr(again) == repr(obj)
    assert "DocumentRoot('\"/srv/a\\\\\"b\\'c\"', flipslash=0)" in repr(obj)


def test_module_config(monkeypatch):
    installation = httpdconf.installation
    monkeypatch.setattr(installation, "module_so", lambda: "/m/my mod.so")
    monkeypatch.setattr(installation, "SITE_DIR", '/s/a"b')
    monkeypatch.setattr(installation, "site_dirs_needed", lambda: True)
    assert str(module_config()) == (
        'LoadModule python_module "/m/my mod.so"\n'
        "PythonOption mod_python.site_dirs '/s/a\"b'\n")
    monkeypatch.setattr(installation, "site_dirs_needed", lambda: False)
    assert str(module_config()) == 'LoadModule python_module "/m/my mod.so"\n'


def test_installation_gives_facts_without_httpdconf():
    code = ("import sys, mod_python.installation; "
            "assert 'mod_python.httpdconf' not in sys.modules")
    subprocess.run([sys.executable, "-c", code], check=True, cwd="/",
                   env=dict(os.environ, PYTHONPATH=LIB))


def run_script(path):
    env = dict(os.environ, PYTHONPATH=LIB)
    out = subprocess.run([sys.executable, path], env=env, check=True,
                         stdout=subprocess.PIPE, universal_newlines=True)
    return out.stdout


def test_write_basic_config(tmp_path, capsys):
    #
    root = tmp_path / "site"
    path = write_basic_config(str(root), pythonhandler='mod_python.wsgi',
                              pythonpath=['/opt/app'],
                              pythonoptions=['key value'],
                              mp_comments=['a hint'])
    assert path == str(root / "conf" / "httpd_conf.py")
    assert os.access(path, os.X_OK)
    assert (root / "logs").is_dir() and (root / "public").is_dir()
    conf = run_script(path)
    for expected in ('LoadModule python_module', 'SetHandler mod_python',
                     'PythonHandler mod_python.wsgi',
                     'Listen 0.0.0.0:8888',
                     'DocumentRoot %s' % (root / "public"),
                     'PythonPath "sys.path+[\'/opt/app\',]"',
                     'PythonOption key value', '# a hint',
                     '# PythonDebug On', 'LogLevel warn'):
        assert expected in conf

    before = open(path).read()
    capsys.readouterr()
    assert write_basic_config(str(root),
                              pythonhandler='mod_python.publisher') is None
    assert 'already exists, aborting' in capsys.readouterr().err
    assert open(path).read() == before

    path = write_basic_config(str(root), listen='9999',
                              replace_config=True)
    assert 'Listen 9999\n' in run_script(path)


def test_importable_without_apache():
    code = ("import sys, mod_python.httpdconf; "
            "assert 'mod_python.apache' not in sys.modules")
    subprocess.run([sys.executable, "-c", code], check=True, cwd="/",
                   env=dict(os.environ, PYTHONPATH=LIB))
