"""Bad directive values are refused at start-up (apache2 -t), with a
message naming the directive; Apache never starts with them."""

import pytest

BAD_VALUES = [
    ("PythonDebug maybe", "PythonDebug"),
    ("PythonAutoReload 2", "PythonAutoReload"),
    ("PythonHandler", "PythonHandler"),
    ("PythonHandler 'not a module'", "PythonHandler"),
    ("PythonHandler mod::", "PythonHandler"),
    ("PythonHandler 9lives", "PythonHandler"),
    ("PythonHandler app |", "PythonHandler"),
    ("PythonHandler app | py", "PythonHandler"),
    ("PythonFixupHandler | .py", "PythonFixupHandler"),
    ("PythonHandlerModule a::b", "PythonHandlerModule"),
    ("PythonImport onlymodule", "PythonImport"),
    ("PythonImport 'bad name' interp", "PythonImport"),
    ("PythonOption", "PythonOption"),
    ("PythonInterpreter", "PythonInterpreter"),
    ("PythonPath", "PythonPath"),
    ("PythonOptimize perhaps", "PythonOptimize"),
    ("PythonOutputFilter 'x y' NAME", "PythonOutputFilter"),
]


@pytest.mark.parametrize("line,directive", BAD_VALUES)
def test_bad_directive_value_fails_config_test(apache, line, directive):
    srv = apache(config="<Directory @DOCROOT@>\n%s\n</Directory>\n" % line
                 if not line.startswith(("PythonImport", "PythonOptimize"))
                 else line + "\n", start=False)
    rc, out = srv.config_test()
    assert rc != 0, out
    assert directive in out, out
    assert "Invalid command" not in out, out    # refused by us, not unknown


def test_site_dirs_only_at_main_server_level(apache):
    srv = apache(config='<Directory @DOCROOT@>\nPythonOption mod_python.site_dirs "/x"\n'
                        '</Directory>\n', start=False)
    rc, out = srv.config_test()
    assert rc != 0 and "mod_python.site_dirs" in out, out


def test_good_configuration_passes(apache):
    srv = apache(config="""
PythonImport os main_interpreter
PythonOptimize Off
<Directory @DOCROOT@>
  SetHandler mod_python
  PythonHandler app app::other pkg.mod::Cls.meth | .py .tar.gz
  PythonHandlerModule app
  PythonDebug On
  PythonAutoReload Off
  PythonInterpreter some_name
  PythonOption key value
  PythonOption removed
  PythonPath "sys.path + ['/x']"
  PythonOutputFilter app::outputfilter MP_FILTER
</Directory>
""", start=False)
    rc, out = srv.config_test()
    assert rc == 0, out
