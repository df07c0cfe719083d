/* mp_hlist: a cursor on the handler list of the running phase. */
#ifndef MP_HLIST_H
#define MP_HLIST_H

#include "config.h"

typedef struct {
    PyObject_HEAD
    PyObject *owner;                       /* request or connection object:
                                              keeps r valid; its critical
                                              section guards the list */
    request_rec *r;
    const apr_array_header_t *configured;  /* mp_handler, may be NULL */
    const char *phase;                     /* its req.add_handler() entries
                                              follow (looked up when reached) */
    int pos;
} mp_hlist;

extern PyType_Spec mp_hlist_spec;   /* made per interpreter by _apache */

/* phase: the phase whose req.add_handler() entries follow the configured
 * ones (NULL: none, as for a connection handler). */
PyObject *mp_hlist_new(PyObject *owner, request_rec *r,
                       const apr_array_header_t *configured,
                       const char *phase);

/* The handler under the cursor, or NULL past the end. */
const mp_handler *mp_hlist_current(const mp_hlist *h);

#endif
