/* The built-in _apache module. */
#ifndef MP_APACHEMODULE_H
#define MP_APACHEMODULE_H

#include "mod_python.h"

PyObject *mp_init_apache_module(void);

/* Keeps callable(data) for child exit in the running interpreter (the
 * server is passed to the logging of its errors). */
PyObject *mp_register_child_cleanup(PyObject *callable, PyObject *data,
                                    PyObject *server);

#endif
