/* mp_server: the server_rec of a (virtual) server. */
#ifndef MP_SERVER_H
#define MP_SERVER_H

#include "mod_python.h"

typedef struct {
    PyObject_HEAD
    server_rec *rec;
    PyObject *dict;
} mp_server;

extern PyType_Spec mp_server_spec;   /* made per interpreter by _apache */

/* The current interpreter's object for s (new reference); one per
 * (server, interpreter), so attributes set on it persist. */
PyObject *mp_server_object(server_rec *s);

#endif
