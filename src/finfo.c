/* mp_finfo: file information (apr_finfo_t), by attribute or old-style index. */
#include "finfo.h"
#include "apachemodule.h"
#include "convert.h"

PyObject *mp_finfo_object(const apr_finfo_t *finfo)
{
    mp_finfo *self = PyObject_New(mp_finfo, mp_types_running()->finfo);
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
    mp_free_object((PyObject *)self);
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

static PyType_Slot mp_finfo_slots[] = {
    {Py_tp_dealloc, (void *)(destructor)finfo_dealloc},
    {Py_tp_repr, (void *)(reprfunc)finfo_repr},
    {Py_tp_doc, (void *)"File information, as from apr_stat()"},
    {Py_tp_getset, (void *)finfo_getset},
    {Py_sq_length, (void *)finfo_length},
    {Py_sq_item, (void *)finfo_item},
    {0, NULL}
};

PyType_Spec mp_finfo_spec = {
    .name = "_apache.mp_finfo",
    .basicsize = sizeof(mp_finfo),
    .flags = Py_TPFLAGS_DEFAULT | MP_TPFLAGS_NO_NEW,
    .slots = mp_finfo_slots,
};
