/* _apache.parse_qsl and _apache.parse_qs: query-string parsing at C speed. */
#ifndef MP_QUERYSTRING_H
#define MP_QUERYSTRING_H

#include "mod_python.h"

PyObject *mp_parse_qsl(PyObject *module, PyObject *args, PyObject *kw);
PyObject *mp_parse_qs(PyObject *module, PyObject *args, PyObject *kw);

#endif
