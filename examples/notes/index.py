"""The private pages of the notes example (mod_python.publisher).

Apache runs notes_app.authenhandler before any of these, so req.user is
the logged-in user here.  The main page (/) is index(), /upload upload()
and /logout logout().
"""

import notes_app
from mod_python import apache, util


def index(req, message=None):
    notes_app.render(req, "index.psp", user=req.user,
                     files=notes_app.list_files(req), message=message)


def upload(req, file=None):
    if req.method != "POST":
        raise apache.SERVER_RETURN(apache.HTTP_METHOD_NOT_ALLOWED)
    name = notes_app.store_upload(req, file)
    if name is None:
        notes_app.render(req, "index.psp", user=req.user,
                         files=notes_app.list_files(req),
                         message="Choose a file to upload.")
        return
    util.redirect(req, notes_app.base(req))


def logout(req):
    if req.method != "POST":
        raise apache.SERVER_RETURN(apache.HTTP_METHOD_NOT_ALLOWED)
    notes_app.session(req).invalidate()
    util.redirect(req, notes_app.login_page(req))
