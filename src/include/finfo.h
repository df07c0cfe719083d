/* mp_finfo: file information (apr_finfo_t). */
#ifndef MP_FINFO_H
#define MP_FINFO_H

#include "mod_python.h"

typedef struct {
    PyObject_HEAD
    apr_finfo_t finfo;
    PyObject *fname;        /* str or None */
    PyObject *name;
} mp_finfo;

extern PyType_Spec mp_finfo_spec;   /* made per interpreter by _apache */

PyObject *mp_finfo_object(const apr_finfo_t *finfo);

#endif
