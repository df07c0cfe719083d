"""The smallest mod_python handler: served by scripts/serve-examples."""

from mod_python import apache


def handler(req):
    req.content_type = "text/plain"
    req.write("Hello from mod_python\n")
    return apache.OK
