/* mp_conn: a client connection (conn_rec). */
#ifndef MP_CONNECTION_H
#define MP_CONNECTION_H

#include "mod_python.h"
#include "thread_gate.h"

typedef struct {
    PyObject_HEAD
    conn_rec *rec;          /* NULL once its request is over */
    mp_gate *gate;          /* its request's, or &threads for a connection handler */
    PyObject *notes;
    PyObject *hlist;
    apr_bucket_brigade *bb;  /* for read/write, made on first use */
    PyObject *pending;       /* bytes read but not yet returned, or NULL */
    mp_gate threads;         /* a connection handler's: open while it runs */
} mp_conn;

extern PyType_Spec mp_conn_spec;   /* made per interpreter by _apache */

/* A new object for c, whose threads pass through `gate`: its request's
 * (req.connection), or its own when gate is NULL (a connection handler's). */
PyObject *mp_conn_object(conn_rec *c, mp_gate *gate);

/* Cuts the object off its conn_rec (and breaks its reference cycles). */
void mp_conn_invalidate(mp_conn *self);

#endif
