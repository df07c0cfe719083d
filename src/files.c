/* _apache._exchange_files(a, b): swap two paths in one step (Linux's
 * renameat2 RENAME_EXCHANGE).  FileSession saves a session by writing its
 * spare file and swapping it with the session's: readers see the old
 * version or the new, never a part, and no file is truncated or renamed
 * over, which ext4 answers with a forced write-out (~80 us a save). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include "files.h"

PyObject *mp_exchange_files(PyObject *module, PyObject *args)
{
    PyObject *a, *b, *result = NULL;
    int rc, error;

    if (!PyArg_ParseTuple(args, "O&O&:_exchange_files",
                          PyUnicode_FSConverter, &a, PyUnicode_FSConverter, &b))
        return NULL;
    Py_BEGIN_ALLOW_THREADS
#ifdef RENAME_EXCHANGE
    rc = renameat2(AT_FDCWD, PyBytes_AS_STRING(a), AT_FDCWD, PyBytes_AS_STRING(b),
                   RENAME_EXCHANGE);
    error = rc ? errno : 0;
#else
    rc = -1;
    error = ENOSYS;
#endif
    Py_END_ALLOW_THREADS
    if (rc) {
        errno = error;
        PyErr_SetFromErrnoWithFilenameObjects(PyExc_OSError, a, b);
    }
    else
        result = Py_NewRef(Py_None);
    Py_DECREF(a);
    Py_DECREF(b);
    return result;
}
