/* Logging the pending Python exception. */
#include "errors.h"
#include "interpreters.h"

/* Logs prefix + "Type: message" of exc (any error while reading the
 * message is dropped: nothing may stay pending). */
static void log_exception_line(server_rec *s, const char *prefix, PyObject *exc)
{
    PyObject *text = exc ? PyObject_Str(exc) : NULL;
    const char *msg = text ? PyUnicode_AsUTF8(text) : NULL;

    if (!msg)
        PyErr_Clear();
    ap_log_error(APLOG_MARK, APLOG_ERR, 0, s, "%s%s: %s", prefix,
                 exc ? Py_TYPE(exc)->tp_name : "error", msg ? msg : "?");
    Py_XDECREF(text);
}

/* Logs each line of text (may be several, '\n'-separated) after prefix. */
static void log_lines(server_rec *s, const char *prefix, const char *text)
{
    while (*text) {
        const char *end = strchr(text, '\n');
        int len = end ? (int)(end - text) : (int)strlen(text);
        ap_log_error(APLOG_MARK, APLOG_ERR, 0, s, "%s%.*s", prefix, len, text);
        text += len + (end != NULL);
    }
}

/* Logs the traceback of exc, formatted by the traceback module.  Not
 * PyErr_Print: for SystemExit it would end the whole child. */
static void log_traceback(server_rec *s, const char *prefix, PyObject *exc)
{
    PyObject *module = PyImport_ImportModule("traceback");
    PyObject *tb = PyException_GetTraceback(exc);
    PyObject *lines = module ? PyObject_CallMethod(module, "format_exception",
                                                   "OOO", Py_TYPE(exc), exc,
                                                   tb ? tb : Py_None)
                             : NULL;
    Py_ssize_t i;

    if (!lines) {
        PyErr_Clear();
        ap_log_error(APLOG_MARK, APLOG_ERR, 0, s,
                     "%s(the traceback could not be formatted)", prefix);
    }
    for (i = 0; lines && i < PyList_GET_SIZE(lines); i++) {
        const char *text = PyUnicode_AsUTF8(PyList_GET_ITEM(lines, i));
        if (text)
            log_lines(s, prefix, text);
        else
            PyErr_Clear();      /* (no call with an error pending) */
    }
    Py_XDECREF(lines);
    Py_XDECREF(tb);
    Py_XDECREF(module);
}

void mp_log_python_error(server_rec *s, const char *context)
{
    PyObject *exc = PyErr_GetRaisedException();
    mp_interp *interp = mp_interp_running();
    char prefix[256];

    apr_snprintf(prefix, sizeof(prefix), "mod_python (interpreter '%s'): %s: ",
                 interp ? interp->name : "?", context);
    log_exception_line(s, prefix, exc);
    if (exc)
        log_traceback(s, prefix, exc);
    Py_XDECREF(exc);
}

static void log_cleanup_error(server_rec *s, PyObject *callable)
{
    PyObject *exc = PyErr_GetRaisedException(), *repr = PyObject_Repr(callable);
    const char *name = repr ? PyUnicode_AsUTF8(repr) : NULL;

    if (!name)
        PyErr_Clear();
    ap_log_error(APLOG_MARK, APLOG_ERR, 0, s,
                 "python_cleanup: Error calling cleanup object %s", name ? name : "?");
    log_exception_line(s, "    ", exc);
    Py_XDECREF(repr);
    Py_XDECREF(exc);
}

void mp_call_cleanups(PyObject *list, server_rec *s)
{
    Py_ssize_t i;
    Py_INCREF(list);
    for (i = 0; i < PyList_GET_SIZE(list); i++) {
        PyObject *entry = PyList_GET_ITEM(list, i);
        PyObject *callable = PyTuple_GET_ITEM(entry, 0);
        PyObject *result = PyObject_CallOneArg(callable, PyTuple_GET_ITEM(entry, 1));
        if (!result)
            log_cleanup_error(s, callable);
        Py_XDECREF(result);
    }
    Py_DECREF(list);
}
