/* mp_finfo: file information (apr_finfo_t), by attribute or old-style index. */
#include "finfo.h"
#include "convert.h"

PyObject *mp_finfo_object(const apr_finfo_t *finfo)
{
    mp_finfo *self = PyObject_New(mp_finfo, &mp_finfo_type);
    if (!self)
        return NULL;
    self->finfo = *finfo;
    self->fname = mp_str(finfo->fname);
    self->name = mp_str(finfo->filetype != APR_NOFILE ? finfo->name : NULL);
    /* The copy must not point into a pool that may go away. */
    self->finfo.fname = self->finfo.name = NULL;
    if (!self->fname || !self->name) {
        Py_DECREF(self);
        return NULL;
    }
    return (PyObject *)self;
}

static void finfo_dealloc(mp_finfo *self)
{
    Py_XDECREF(self->fname);
    Py_XDECREF(self->name);
    PyObject_Free(self);
}

/* The fields in old tuple order (FINFO_MODE .. FINFO_FILETYPE). */
enum { MODE, INO, DEV, NLINK, UID, GID, SIZE, ATIME, MTIME, CTIME, FNAME,
       NAME, FILETYPE, NFIELDS };

static const apr_int32_t FIELD_VALID[NFIELDS] = {
    APR_FINFO_PROT, APR_FINFO_INODE, APR_FINFO_DEV, APR_FINFO_NLINK,
    APR_FINFO_USER, APR_FINFO_GROUP, APR_FINFO_SIZE, APR_FINFO_ATIME,
    APR_FINFO_MTIME, APR_FINFO_CTIME, 0, APR_FINFO_NAME, 0
};

static PyObject *field(mp_finfo *self, int which)
{
    const apr_finfo_t *f = &self->finfo;

    if (which == FNAME)
        return (Py_INCREF(self->fname), self->fname);
    if (which == FILETYPE)
        return PyLong_FromLong(f->filetype);
    if (f->filetype == APR_NOFILE || !(f->valid & FIELD_VALID[which]))
        Py_RETURN_NONE;
    switch (which) {
    case MODE:  return PyLong_FromLong(f->protection);
    case INO:   return PyLong_FromUnsignedLongLong((unsigned long long)f->inode);
    case DEV:   return PyLong_FromUnsignedLongLong((unsigned long long)f->device);
    case NLINK: return PyLong_FromLong(f->nlink);
    case UID:   return PyLong_FromLong((long)f->user);
    case GID:   return PyLong_FromLong((long)f->group);
    case SIZE:  return PyLong_FromLongLong((long long)f->size);
    case ATIME: return PyLong_FromLongLong((long long)apr_time_sec(f->atime));
    case MTIME: return PyLong_FromLongLong((long long)apr_time_sec(f->mtime));
    case CTIME: return PyLong_FromLongLong((long long)apr_time_sec(f->ctime));
    default:    return (Py_INCREF(self->name), self->name);
    }
}

static PyObject *get_field(PyObject *o, void *which)
{
    return field((mp_finfo *)o, (int)(intptr_t)which);
}

static PyObject *get_valid(PyObject *o, void *c)
{
    return PyLong_FromLong(((mp_finfo *)o)->finfo.valid);
}

#define FIELD(name, which) {name, get_field, NULL, NULL, (void *)(intptr_t)(which)}
static PyGetSetDef finfo_getset[] = {
    FIELD("fname", FNAME), FIELD("filetype", FILETYPE),
    {"valid", get_valid, NULL, NULL, NULL},
    FIELD("protection", MODE), FIELD("user", UID), FIELD("group", GID),
    FIELD("inode", INO), FIELD("device", DEV), FIELD("nlink", NLINK),
    FIELD("size", SIZE), FIELD("atime", ATIME), FIELD("mtime", MTIME),
    FIELD("ctime", CTIME), FIELD("name", NAME),
    {NULL}
};

static Py_ssize_t finfo_length(PyObject *o) { return NFIELDS; }

static PyObject *finfo_item(PyObject *o, Py_ssize_t i)
{
    if (i < 0 || i >= NFIELDS) {
        PyErr_SetString(PyExc_IndexError, "finfo index out of range");
        return NULL;
    }
    return field((mp_finfo *)o, (int)i);
}

static PySequenceMethods finfo_as_sequence = {
    .sq_length = finfo_length,
    .sq_item = finfo_item,
};

static PyObject *finfo_repr(mp_finfo *self)
{
    static const char *const keys[] = {
        "fname", "filetype", "valid", "protection", "user", "group", "size",
        "inode", "device", "nlink", "atime", "mtime", "ctime", "name", NULL
    };
    PyObject *parts = PyList_New(0), *sep, *joined, *result = NULL;
    int i;

    if (!parts)
        return NULL;
    for (i = 0; keys[i]; i++) {
        PyObject *value = PyObject_GetAttrString((PyObject *)self, keys[i]);
        PyObject *item = value ? PyUnicode_FromFormat("'%s': %R", keys[i], value) : NULL;
        Py_XDECREF(value);
        if (!item || PyList_Append(parts, item) < 0) {
            Py_XDECREF(item);
            Py_DECREF(parts);
            return NULL;
        }
        Py_DECREF(item);
    }
    if ((sep = PyUnicode_FromString(", "))) {
        if ((joined = PyUnicode_Join(sep, parts))) {
            result = PyUnicode_FromFormat("{%U}", joined);
            Py_DECREF(joined);
        }
        Py_DECREF(sep);
    }
    Py_DECREF(parts);
    return result;
}

PyTypeObject mp_finfo_type = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "mp_finfo",
    .tp_basicsize = sizeof(mp_finfo),
    .tp_dealloc = (destructor)finfo_dealloc,
    .tp_repr = (reprfunc)finfo_repr,
    .tp_as_sequence = &finfo_as_sequence,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "File information, as from apr_stat()",
    .tp_getset = finfo_getset,
};
