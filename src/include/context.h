/* The C side of one request: a registry of its Python objects (one per
 * interpreter), handlers added with req.add_handler(), and filters
 * registered for it. */
#ifndef MP_CONTEXT_H
#define MP_CONTEXT_H

#include "config.h"
#include "interpreters.h"

typedef struct mp_object_node {
    mp_interp *interp;
    PyObject *request;
    struct mp_object_node *next;
} mp_object_node;

typedef struct {
    request_rec *r;
    mp_object_node *objects;
    apr_hash_t *added;          /* phase -> array of mp_handler */
    apr_hash_t *input_filters;  /* req.register_input_filter(): name -> mp_handler */
    apr_hash_t *output_filters;
    int unmapped;               /* a Python <Location>: no URI-to-file mapping */
#ifdef Py_GIL_DISABLED
    PyMutex objects_lock;       /* no GIL: threads take turns on objects */
#endif
} mp_context;

/* The request's context; created (with its pool cleanup) when create. */
mp_context *mp_context_get(request_rec *r, int create);

/* Handlers added for a phase (created empty when create). */
apr_array_header_t *mp_context_added(mp_context *ctx, const char *phase, int create);

/* The request object of r in the running interpreter (borrowed). */
PyObject *mp_context_request(request_rec *r);

/* In the child, before any request: `end` runs when a request's pool
 * goes. */
void mp_context_child_init(apr_pool_t *pchild, void (*end)(mp_context *));

/* Cuts each request object off its request_rec and drops the context's
 * references (each in its own interpreter). */
void mp_context_release_objects(mp_context *ctx);

/* The same for one object; the caller holds its interpreter. */
void mp_context_release_object(mp_object_node *node);

#endif
