"""The request object as a Python object: `for line in req` reads the body
line by line (PEP 3333's wsgi.input iteration, which mod_python.wsgi relies
on), and attributes set from Python can be deleted again."""

from helpers import code

APP = code("""
    def handler(req):
        first = req.readline()
        rest = list(req)
        return reply(req, {"first": first.decode(), "rest": [l.decode() for l in rest]})
""")


def test_iterating_the_request_yields_remaining_lines(apache):
    srv = apache(files={"app.py": APP}, config="""
<Directory @DOCROOT@>
  SetHandler mod_python
  PythonHandler app
</Directory>
""")
    r = srv.post("/app.py", "one\ntwo\nthree", headers={"Content-Type": "text/plain"})
    assert r.json() == {"first": "one\n", "rest": ["two\n", "three"]}


DELETE = code("""
    def handler(req):
        req.mine = 1
        del req.mine                      # set from Python: may go again
        try:
            del req.uri                   # the request_rec's: may not
            uri = "deleted"
        except AttributeError as exc:
            uri = str(exc)
        return reply(req, {"mine": hasattr(req, "mine"), "uri": uri})
""")


def test_attributes_set_from_python_can_be_deleted(apache):
    srv = apache(files={"delete.py": DELETE}, config="""
<Directory @DOCROOT@>
  SetHandler mod_python
  PythonHandler delete
</Directory>
""")
    assert srv.get("/delete.py").json() == {"mine": False,
                                            "uri": "can't delete request attributes"}
