/* Python input and output filters, and the mp_filter object. */
#ifndef MP_FILTER_H
#define MP_FILTER_H

#include "config.h"
#include "util_filter.h"

/* Request note set when SSI Python code failed or called filter.disable():
 * the page's later #python elements are passed over. */
#define MP_SSI_DISABLED_NOTE "mod_python.ssi_disabled"

/* Name of the filter behind req.register_*_filter() registrations. */
#define MP_REQUEST_FILTER "MOD_PYTHON"

/* State of one filter in one request's chain. */
typedef struct {
    const mp_handler *reg;      /* handler string and directory */
    const char *name;           /* what filter.name reports */
    const char *interpreter;    /* where it runs, worked out on first use */
    int disabled;               /* pass-through from now on */
    apr_bucket_brigade *out;    /* what one call of the callable writes */
    apr_bucket_brigade *pending; /* input produced beyond what was asked */
    apr_bucket_brigade *upstream; /* input fetched but not yet read */
    int eos_seen;               /* input: upstream ended */
    int finished;               /* our output has ended (EOS sent) */
} mp_filter_ctx;

typedef struct {
    PyObject_HEAD
    ap_filter_t *f;             /* NULL once the invocation is over */
    mp_filter_ctx *ctx;         /* NULL for SSI code */
    apr_bucket_brigade *bb_in;  /* data handed to (or fetched for) us */
    apr_bucket_brigade *bb_out; /* what we produce */
    ap_input_mode_t mode;
    apr_read_type_e block;
    apr_off_t readbytes;
    PyObject *req;
    const char *name;
    int is_input, closed, eos_seen;
    int end_told;               /* a read returned None */
    int progressed;             /* input filters: fetched or read data */
    int read_failed;            /* input filters: a fetch from upstream failed */
    int softspace;
} mp_filter;

extern PyType_Spec mp_filter_spec;   /* made per interpreter by _apache */

/* The state of a filter registered as `reg`, for request r. */
mp_filter_ctx *mp_filter_ctx_make(request_rec *r, const mp_handler *reg,
                                  const char *name, int is_input);

/* Registers the Apache filter that runs a PythonInputFilter or
 * PythonOutputFilter of that name (config time); -1 when another module
 * already has a filter of that name. */
int mp_register_filter(const char *name, int is_input);

/* Registers the filters behind req.register_*_filter() (hook time). */
void mp_register_request_filters(void);

/* A filter object over f (current interpreter); for SSI, ctx is NULL and
 * writes go to bb. */
PyObject *mp_filter_object(ap_filter_t *f, mp_filter_ctx *ctx, apr_bucket_brigade *bb_in,
                           apr_bucket_brigade *bb_out, int is_input);

/* Cuts a filter object off its invocation. */
void mp_filter_invalidate(mp_filter *self);

#endif
