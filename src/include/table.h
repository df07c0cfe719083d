/* mp_table: a Python mapping over an apr_table_t. */
#ifndef MP_TABLE_H
#define MP_TABLE_H

#include "mod_python.h"
#include "thread_gate.h"

typedef struct {
    PyObject_HEAD
    apr_table_t *table;
    apr_pool_t *pool;     /* owned pool for tables made from Python, else NULL */
    PyObject *owner;      /* object whose record the table belongs to */
    int response_headers; /* keys and values go out as header lines */
    int configuration;    /* part of the configuration: shared by every thread */
} mp_table;

extern PyType_Spec mp_table_spec;   /* made per interpreter by _apache */
extern PyType_Spec mp_table_iter_spec;

/* A live view of an Apache table; owner (may be NULL) is kept alive and
 * must still be valid (see mp_owner_alive) whenever the table is used. */
PyObject *mp_table_wrap(apr_table_t *table, PyObject *owner);

/* A live view of a table of the configuration (the server's options,
 * the directives in effect), which every thread and interpreter of the
 * child sees: each operation on it holds a process-wide lock. */
PyObject *mp_config_table_wrap(apr_table_t *table, PyObject *owner);

/* Makes that lock (child_init, before any request). */
void mp_table_child_init(apr_pool_t *pchild);

/* The same, for headers the response sends (headers_out,
 * err_headers_out): keys and values with CR or LF are refused, as they
 * would add header lines of the writer's choosing. */
PyObject *mp_headers_wrap(apr_table_t *table, PyObject *owner);

/* Objects wrapping a request's or a connection's record start with this
 * header, so tables can refuse to touch a record that is gone, and pass
 * its gate (thread_gate.h) while they use it. */
typedef struct {
    PyObject_HEAD
    void *rec;
    mp_gate *gate;
} mp_record_object;

/* Latin-1 text for Apache: str (must be Latin-1) or bytes.  The result
 * points into *keep, which the caller releases. */
const char *mp_latin1_arg(PyObject *obj, PyObject **keep);

#endif
