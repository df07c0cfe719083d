/* Conversions between C strings from Apache and Python objects. */
#ifndef MP_CONVERT_H
#define MP_CONVERT_H

#include "mod_python.h"

/* str (UTF-8, undecodable bytes kept as surrogates) or None for NULL. */
PyObject *mp_str(const char *s);

/* str decoded as Latin-1, or None for NULL. */
PyObject *mp_latin1_str(const char *s);

/* Text argument for Apache: str (UTF-8, surrogates restored) or bytes,
 * copied into pool p.  allow_none makes None give NULL without error. */
const char *mp_str_arg(PyObject *obj, apr_pool_t *p, int allow_none, int *failed);

/* Seconds as a Python float. */
PyObject *mp_time(apr_time_t t);

/* (ip, port) of a socket address. */
PyObject *mp_sockaddr(apr_sockaddr_t *sa);

/* Message and level for log_error(): level 0 means "not given" (ERR). */
int mp_log_level(int level);

#endif
