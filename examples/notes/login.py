"""The login page of the notes example (public; mod_python.publisher).

GET /login shows the form, POST /login checks the password and stores the
user in the session.
"""

import notes_app
from mod_python import util


def index(req, user=None, password=None, next=None):
    target = notes_app.safe_next(req, next)
    if req.method == "POST":
        if notes_app.check_password(user, password):
            sess = notes_app.fresh_session(req)
            sess["user"] = user
            sess.save()
            util.redirect(req, target)
        req.status = 403
        message = "Wrong user name or password."
    else:
        message = None
    notes_app.render(req, "login.psp", user=user or "", next=target,
                     message=message)
