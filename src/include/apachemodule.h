/* The built-in _apache module. */
#ifndef MP_APACHEMODULE_H
#define MP_APACHEMODULE_H

#include "mod_python.h"

/* The types of _apache, made anew in every interpreter that imports it
 * (multi-phase initialisation: no Python object is shared between
 * interpreters).  The module's state. */
typedef struct mp_types {
    PyTypeObject *table, *table_iter, *request, *server, *conn, *filter,
                 *hlist, *finfo;
    PyObject *server_return;
} mp_types;

/* The PyInit function of the built-in _apache. */
PyObject *mp_init_apache_module(void);

/* The types of the running interpreter (GIL held); its _apache is
 * imported when the interpreter is set up. */
const mp_types *mp_types_running(void);

/* The state of an _apache module object. */
const mp_types *mp_types_of_module(PyObject *module);

/* tp_dealloc's last step for our (heap) types: frees obj, then lets go
 * of its type. */
void mp_free_object(PyObject *obj);

/* Keeps callable(data) for child exit in the running interpreter (the
 * server is passed to the logging of its errors). */
PyObject *mp_register_child_cleanup(PyObject *callable, PyObject *data,
                                    PyObject *server);

#endif
