"""req.is_https() and req.ssl_var_lookup() with mod_ssl on a TLS port
(G-194 covers the plain-HTTP side)."""

import http.client
import os
import ssl
import subprocess

import pytest

from helpers import code

APP = code("""
    def handler(req):
        return reply(req, {"https": req.is_https(),
                           "protocol": req.ssl_var_lookup("SSL_PROTOCOL"),
                           "cipher": req.ssl_var_lookup("SSL_CIPHER"),
                           "unknown": req.ssl_var_lookup("NO_SUCH_VARIABLE")})
""")


@pytest.fixture
def tls_server(apache):
    srv = apache(start=False, modules=["socache_shmcb", "ssl"], files={"app.py": APP},
                 config="""
<VirtualHost 127.0.0.1:@PORT2@>
  ServerName 127.0.0.1
  SSLEngine on
  SSLCertificateFile @ROOT@/conf/cert.pem
  SSLCertificateKeyFile @ROOT@/conf/key.pem
</VirtualHost>
<Directory @DOCROOT@>
  SetHandler mod_python
  PythonHandler app
</Directory>
""")
    conf = os.path.join(srv.root, "conf")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-subj", "/CN=127.0.0.1", "-keyout", os.path.join(conf, "key.pem"),
                    "-out", os.path.join(conf, "cert.pem")], check=True, capture_output=True)
    srv.start()
    return srv


def test_is_https_and_ssl_variables_over_tls(tls_server):
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    conn = http.client.HTTPSConnection("127.0.0.1", tls_server.port2, context=context,
                                       timeout=10)
    conn.request("GET", "/app.py")
    got = __import__("json").loads(conn.getresponse().read())
    assert got["https"] == 1
    assert got["protocol"].startswith("TLSv1")
    assert got["cipher"]
    assert got["unknown"] in (None, "")
    plain = tls_server.get("/app.py").json()
    assert plain["https"] == 0 and plain["protocol"] in (None, "")
