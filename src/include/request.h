/* mp_request: the request object handed to handlers. */
#ifndef MP_REQUEST_H
#define MP_REQUEST_H

#include "mod_python.h"
#include "interpreters.h"
#include "thread_gate.h"

typedef struct {
    PyObject_HEAD
    request_rec *rec;          /* NULL once the request is over */
    mp_gate *gate;             /* &threads (for mp_record_object) */
    PyObject *dict;
    PyObject *headers_in, *headers_out, *err_headers_out;
    PyObject *subprocess_env, *notes, *connection;
    PyObject *hlist;           /* cursor of the running phase, or NULL */
    PyObject *cleanups;        /* [(callable, data)] from register_cleanup */
    PyObject *options;         /* get_options() table, made from options_of */
    const void *options_of;    /* the mp_dir_config it was made from */
    const char *phase;         /* running phase directive, or NULL */
    const char *extension;     /* matched "| .ext", or NULL */
    mp_interp *interp;
    int body_state;            /* see request_body.c */
    char *rbuf;                /* readline() look-ahead */
    apr_size_t rbuf_len, rbuf_pos, rbuf_size;
    int content_type_set;
    apr_off_t bytes_queued;
    mp_gate threads;           /* open while a phase runs with the object */
} mp_request;

extern PyType_Spec mp_request_spec;   /* made per interpreter by _apache */

/* A new request object for r in the current interpreter. */
PyObject *mp_request_new(request_rec *r, mp_interp *interp);

/* Runs callbacks from req.register_cleanup(); errors are logged. */
void mp_request_run_cleanups(mp_request *self);

/* Opens the object to other threads as `phase` starts (dispatch.c);
 * closes it, waiting for those inside Apache, as the phase ends
 * (thread_gate.h). */
void mp_request_open(mp_request *self, const char *phase);
void mp_request_close(mp_request *self);

/* Cuts the object off its request_rec, which is about to go. */
void mp_request_invalidate(mp_request *self);

/* Raises SERVER_RETURN(status) of the current interpreter. */
void mp_raise_server_return(int status);

/* Body reading (request_body.c). */
PyObject *mp_request_read(mp_request *self, PyObject *args);
PyObject *mp_request_readline(mp_request *self, PyObject *args);
PyObject *mp_request_readlines(mp_request *self, PyObject *args);
PyObject *mp_request_discard_request_body(mp_request *self, PyObject *unused);
PyObject *mp_request_iternext(mp_request *self);

#endif
