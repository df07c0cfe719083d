"""`for line in req` reads the body line by line (PEP 3333's wsgi.input
iteration, which mod_python.wsgi relies on)."""

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
