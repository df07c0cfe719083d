"""req.get_addhandler_exts(): the extensions AddHandler maps to mod_python
(used by the publisher to find the module a URL names)."""

from helpers import code

APP = code("""
    def handler(req):
        req.write(req.get_addhandler_exts())
        return apache.OK
""")


def test_addhandler_exts_lists_python_extensions(apache):
    srv = apache(files={"app.py": APP, "app.mpy": "", "other/app.py": APP}, config="""
<Directory @DOCROOT@>
  AddHandler mod_python .py
  AddHandler python-program .mpy
  AddHandler cgi-script .cgi
  PythonHandler app
</Directory>
<Directory @DOCROOT@/other>
  SetHandler mod_python
  PythonHandler app
  RemoveHandler .py .mpy
</Directory>
""")
    assert sorted(srv.get("/app.py").text.split()) == [".mpy", ".py"]
    assert srv.get("/other/app.py").text == ""
