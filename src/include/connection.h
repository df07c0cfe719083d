/* mp_conn: a client connection (conn_rec). */
#ifndef MP_CONNECTION_H
#define MP_CONNECTION_H

#include "mod_python.h"

typedef struct {
    PyObject_HEAD
    conn_rec *rec;          /* NULL once its request is over */
    PyObject *notes;
    PyObject *hlist;
} mp_conn;

extern PyTypeObject mp_conn_type;

PyObject *mp_conn_object(conn_rec *c);

#endif
