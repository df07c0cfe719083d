/* _apache.parse_qsl and _apache.parse_qs (library.md 1.2): split on '&'
 * and ';', '+' is a space (before unescaping, so %2B stays '+'), %XX
 * decoded, empty pieces skipped, blank values kept only on request.
 * bytes in give bytes out; str in gives str out, escapes read as UTF-8. */
#include "querystring.h"

static int hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* The decoded form of s[0..n) as bytes, or str when as_text. */
static PyObject *unescape(const char *s, Py_ssize_t n, int as_text)
{
    char *buf = PyMem_Malloc(n ? n : 1), *out = buf;
    PyObject *result;
    Py_ssize_t i;

    if (!buf)
        return PyErr_NoMemory();
    for (i = 0; i < n; i++) {
        int hi, lo;
        if (s[i] == '+')
            *out++ = ' ';
        else if (s[i] == '%' && i + 2 < n
                 && (hi = hex_value(s[i + 1])) >= 0 && (lo = hex_value(s[i + 2])) >= 0) {
            *out++ = (char)(hi * 16 + lo);
            i += 2;
        }
        else
            *out++ = s[i];
    }
    result = as_text ? PyUnicode_DecodeUTF8(buf, out - buf, "replace")
                     : PyBytes_FromStringAndSize(buf, out - buf);
    PyMem_Free(buf);
    return result;
}

/* The query string as bytes (str: Latin-1, else UTF-8 with surrogates). */
static PyObject *as_bytes(PyObject *qs)
{
    PyObject *bytes;
    if (PyBytes_Check(qs))
        return Py_NewRef(qs);
    if (PyUnicode_Check(qs)) {
        if ((bytes = PyUnicode_AsLatin1String(qs)))
            return bytes;
        PyErr_Clear();
        return PyUnicode_AsEncodedString(qs, "utf-8", "surrogateescape");
    }
    if (PyByteArray_Check(qs) || PyMemoryView_Check(qs))
        return PyBytes_FromObject(qs);
    return PyErr_Format(PyExc_TypeError, "query string must be str or bytes, not %s",
                        Py_TYPE(qs)->tp_name);
}

/* Appends (name, value) of one piece to list, if it is to be kept. */
static int add_piece(PyObject *list, const char *piece, Py_ssize_t n, int keep_blank,
                     int as_text)
{
    const char *eq = memchr(piece, '=', n);
    Py_ssize_t name_len = eq ? eq - piece : n;
    Py_ssize_t value_len = eq ? n - name_len - 1 : 0;
    PyObject *name, *value, *pair;
    int rc;

    if (!n || (!value_len && !keep_blank))
        return 0;
    name = unescape(piece, name_len, as_text);
    value = name ? unescape(eq ? eq + 1 : piece + n, value_len, as_text) : NULL;
    pair = value ? PyTuple_Pack(2, name, value) : NULL;
    rc = pair ? PyList_Append(list, pair) : -1;
    Py_XDECREF(name);
    Py_XDECREF(value);
    Py_XDECREF(pair);
    return rc;
}

static PyObject *pairs(PyObject *qs, int keep_blank)
{
    PyObject *bytes = as_bytes(qs), *list;
    const char *s, *end, *start;
    int as_text = PyUnicode_Check(qs);

    if (!bytes)
        return NULL;
    if (!(list = PyList_New(0))) {
        Py_DECREF(bytes);
        return NULL;
    }
    s = start = PyBytes_AS_STRING(bytes);
    end = s + PyBytes_GET_SIZE(bytes);
    for (; s <= end; s++) {
        if (s == end || *s == '&' || *s == ';') {
            if (add_piece(list, start, s - start, keep_blank, as_text) < 0) {
                Py_CLEAR(list);
                break;
            }
            start = s + 1;
        }
    }
    Py_DECREF(bytes);
    return list;
}

static int parse_args(PyObject *args, PyObject *kw, const char *fmt, PyObject **qs,
                      int *keep_blank)
{
    static char *names[] = { "qs", "keep_blank_values", "strict_parsing", NULL };
    int strict = 0;     /* accepted and ignored, as in every mod_python */
    *keep_blank = 0;
    return PyArg_ParseTupleAndKeywords(args, kw, fmt, names, qs, keep_blank, &strict);
}

PyObject *mp_parse_qsl(PyObject *module, PyObject *args, PyObject *kw)
{
    PyObject *qs;
    int keep_blank;
    if (!parse_args(args, kw, "O|ii:parse_qsl", &qs, &keep_blank))
        return NULL;
    return pairs(qs, keep_blank);
}

PyObject *mp_parse_qs(PyObject *module, PyObject *args, PyObject *kw)
{
    PyObject *qs, *list, *dict;
    int keep_blank;
    Py_ssize_t i;

    if (!parse_args(args, kw, "O|ii:parse_qs", &qs, &keep_blank)
        || !(list = pairs(qs, keep_blank)))
        return NULL;
    if (!(dict = PyDict_New())) {
        Py_DECREF(list);
        return NULL;
    }
    for (i = 0; i < PyList_GET_SIZE(list); i++) {
        PyObject *pair = PyList_GET_ITEM(list, i), *values;
        PyObject *name = PyTuple_GET_ITEM(pair, 0);
        if (!(values = PyDict_GetItemWithError(dict, name))) {
            if (PyErr_Occurred() || !(values = PyList_New(0))
                || PyDict_SetItem(dict, name, values) < 0) {
                Py_XDECREF(values);
                Py_CLEAR(dict);
                break;
            }
            Py_DECREF(values);      /* the dict holds it */
        }
        if (PyList_Append(values, PyTuple_GET_ITEM(pair, 1)) < 0) {
            Py_CLEAR(dict);
            break;
        }
    }
    Py_DECREF(list);
    return dict;
}
