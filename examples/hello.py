"""The smallest mod_python handler: `mod_python serve examples/hello.py`
answers every URL with it."""

from mod_python import apache


def handler(req):
    req.content_type = "text/plain"
    req.write("Hello from mod_python\n")
    return apache.OK
