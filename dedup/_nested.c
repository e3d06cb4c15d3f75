/* The quick neighbour test of dedup.nested.AdjacentPairs, in C.
 *
 * For each pair (unit, following) of keys: can the unit be a wrapper whose skeleton
 * starts with the following unit's? The unit must be the longer key, and the heads
 * (the first HEAD bytes of each key without ASCII bytes that are not letters or
 * digits) must start one another; where they differ and one holds a byte beyond ASCII,
 * a head may end inside a character, so their letters and digits are compared without
 * the last character of each (dedup.nested._may_start, which this computes exactly).
 * Also the skeleton of a key (dedup.nested.skeleton), which the regular expression
 * took long to make of a long key beyond ASCII.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <string.h>

#include "_utf8.h"

#define HEAD 48 /* dedup.nested._HEAD */

/* Bytes kept in a head: ASCII letters and digits, and every byte beyond ASCII. */
static unsigned char kept[256];

static Py_ssize_t head_of(PyObject *key, unsigned char *head, int *wide) {
    const unsigned char *text = (const unsigned char *)PyBytes_AS_STRING(key);
    Py_ssize_t length = PyBytes_GET_SIZE(key), used = 0;
    if (length > HEAD)
        length = HEAD;
    for (Py_ssize_t i = 0; i < length; i++) {
        if (kept[text[i]]) {
            head[used++] = text[i];
            *wide |= text[i] >= 0x80;
        }
    }
    return used;
}

/* The letters and digits (str.isalnum, as the regex [\W_] leaves them) of bytes that
 * hold no ASCII byte but letters and digits; bytes that begin no valid character
 * decode to lone surrogates for Python, which are not letters. */
static Py_ssize_t letters_of(const unsigned char *bytes, Py_ssize_t used, Py_UCS4 *letters) {
    Py_ssize_t count = 0;
    for (Py_ssize_t at = 0; at < used;) {
        if (bytes[at] < 0x80) { /* an ASCII letter or digit, as the bytes hold no other */
            letters[count++] = bytes[at++];
            continue;
        }
        int32_t code = next_code_point(bytes, used, &at);
        if (code < 0)
            at++;
        else if (Py_UNICODE_ISALNUM((Py_UCS4)code))
            letters[count++] = (Py_UCS4)code;
    }
    return count;
}

/* The first byte that a head keeps from a key's first `length` bytes, or -1. */
static int first_kept(const unsigned char *text, Py_ssize_t length) {
    for (Py_ssize_t i = 0; i < length; i++)
        if (kept[text[i]])
            return text[i];
    return -1;
}

/* Most neighbours differ at their first letter: when both heads start with an ASCII
 * letter or digit, these differ, and neither head holds a byte beyond ASCII (which
 * would compare letters instead), the heads do not start one another. */
static int differ_at_once(PyObject *unit, PyObject *following) {
    const unsigned char *text = (const unsigned char *)PyBytes_AS_STRING(unit);
    const unsigned char *next = (const unsigned char *)PyBytes_AS_STRING(following);
    Py_ssize_t length = PyBytes_GET_SIZE(unit), next_length = PyBytes_GET_SIZE(following);
    length = length < HEAD ? length : HEAD;
    next_length = next_length < HEAD ? next_length : HEAD;
    int first = first_kept(text, length), next_first = first_kept(next, next_length);
    /* (A following head with no byte kept, next_first -1, starts nothing either way.) */
    return first >= 0 && first < 0x80 && next_first < 0x80 && first != next_first &&
           is_ascii(text, length) && is_ascii(next, next_length);
}

/* 1 when `unit` may wrap `following` (both bytes), else 0. */
static int may_wrap(PyObject *unit, PyObject *following) {
    if (PyBytes_GET_SIZE(following) >= PyBytes_GET_SIZE(unit))
        return 0; /* the usual case: a wrapper is longer than its first piece */
    if (differ_at_once(unit, following))
        return 0;
    unsigned char head[HEAD], following_head[HEAD];
    int wide = 0;
    Py_ssize_t used = head_of(unit, head, &wide);
    Py_ssize_t following_used = head_of(following, following_head, &wide);
    if (following_used == 0)
        return 0;
    Py_ssize_t common = used < following_used ? used : following_used;
    if (memcmp(head, following_head, (size_t)common) == 0)
        return 1;
    if (!wide)
        return 0;
    /* Without the last character of each: it may be cut. */
    Py_UCS4 letters[HEAD], following_letters[HEAD];
    Py_ssize_t count = letters_of(head, used, letters) - 1;
    Py_ssize_t following_count = letters_of(following_head, following_used, following_letters) - 1;
    common = count < following_count ? count : following_count;
    if (common < 0)
        common = 0;
    return memcmp(letters, following_letters, (size_t)common * sizeof *letters) == 0;
}

/* dedup.nested.skeleton: a key's letters and digits only, as str. Like the Python
 * code, it drops the ASCII bytes that are not letters or digits before decoding: the
 * bytes of a broken character may meet across them. */
static PyObject *skeleton(PyObject *module, PyObject *key) {
    if (!PyBytes_Check(key)) {
        PyErr_SetString(PyExc_TypeError, "skeleton(key: bytes)");
        return NULL;
    }
    const unsigned char *text = (const unsigned char *)PyBytes_AS_STRING(key);
    Py_ssize_t length = PyBytes_GET_SIZE(key), used = 0;
    unsigned char *bytes = PyMem_Malloc((size_t)length + 1);
    Py_UCS4 *letters = PyMem_Malloc(((size_t)length + 1) * sizeof *letters);
    PyObject *result = NULL;
    if (bytes == NULL || letters == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    unsigned char wide = 0;
    for (Py_ssize_t at = 0; at < length; at++) { /* written always, kept by the count */
        bytes[used] = text[at];
        used += kept[text[at]];
        wide |= text[at];
    }
    if (wide < 0x80) /* ASCII letters and digits only: they are the skeleton */
        result = PyUnicode_FromKindAndData(PyUnicode_1BYTE_KIND, bytes, used);
    else
        result = PyUnicode_FromKindAndData(PyUnicode_4BYTE_KIND, letters,
                                           letters_of(bytes, used, letters));
done:
    PyMem_Free(bytes);
    PyMem_Free(letters);
    return result;
}

/* neighbour_tests(keys) -> bytes: for each unit but the last, 1 when it may wrap the
 * next unit, else 0. */
static PyObject *neighbour_tests(PyObject *module, PyObject *keys) {
    if (!PyList_Check(keys)) {
        PyErr_SetString(PyExc_TypeError, "neighbour_tests(keys: list of bytes)");
        return NULL;
    }
    Py_ssize_t size = PyList_GET_SIZE(keys);
    for (Py_ssize_t i = 0; i < size; i++) {
        if (!PyBytes_Check(PyList_GET_ITEM(keys, i))) {
            PyErr_SetString(PyExc_TypeError, "keys must be bytes");
            return NULL;
        }
    }
    Py_ssize_t count = size > 0 ? size - 1 : 0;
    PyObject *result = PyBytes_FromStringAndSize(NULL, count);
    if (result == NULL)
        return NULL;
    char *out = PyBytes_AS_STRING(result);
    for (Py_ssize_t i = 0; i < count; i++)
        out[i] = (char)may_wrap(PyList_GET_ITEM(keys, i), PyList_GET_ITEM(keys, i + 1));
    return result;
}

/* Positions p < limit in `active` (a list of unit indices, in order) whose unit may
 * wrap the unit at p + 1: read from `neighbours` (one byte per unit: the test against
 * the next unit) where the two are still neighbours, tested anew where units between
 * them were removed. */
static PyObject *active_candidates(PyObject *module, PyObject *const *args, Py_ssize_t nargs) {
    if (nargs != 4 || !PyList_Check(args[0]) || !PyBytes_Check(args[1]) ||
        !PyList_Check(args[2])) {
        PyErr_SetString(PyExc_TypeError,
                        "active_candidates(keys: list, neighbours: bytes, active: list, limit)");
        return NULL;
    }
    PyObject *keys = args[0], *active = args[2];
    const char *neighbours = PyBytes_AS_STRING(args[1]);
    Py_ssize_t size = PyList_GET_SIZE(keys), count = PyList_GET_SIZE(active);
    Py_ssize_t limit = PyLong_AsSsize_t(args[3]);
    if (limit == -1 && PyErr_Occurred())
        return NULL;
    if (PyBytes_GET_SIZE(args[1]) < size) {
        PyErr_SetString(PyExc_ValueError, "neighbours must hold a byte per key");
        return NULL;
    }
    if (limit > count - 1)
        limit = count - 1;
    PyObject *result = PyList_New(0);
    if (result == NULL)
        return NULL;
    Py_ssize_t following = -1;
    for (Py_ssize_t p = 0; p < limit; p++) {
        Py_ssize_t unit = p == 0 ? PyLong_AsSsize_t(PyList_GET_ITEM(active, 0)) : following;
        following = PyLong_AsSsize_t(PyList_GET_ITEM(active, p + 1));
        if ((unit == -1 || following == -1) && PyErr_Occurred())
            goto fail;
        if (unit < 0 || unit >= size || following < 0 || following >= size) {
            PyErr_SetString(PyExc_IndexError, "a unit lies outside the keys");
            goto fail;
        }
        PyObject *key = PyList_GET_ITEM(keys, unit), *next = PyList_GET_ITEM(keys, following);
        if (!PyBytes_Check(key) || !PyBytes_Check(next)) {
            PyErr_SetString(PyExc_TypeError, "keys must be bytes");
            goto fail;
        }
        int hit = following == unit + 1 ? neighbours[unit] != 0 : may_wrap(key, next);
        if (hit) {
            PyObject *position = PyLong_FromSsize_t(p);
            if (position == NULL || PyList_Append(result, position) < 0) {
                Py_XDECREF(position);
                goto fail;
            }
            Py_DECREF(position);
        }
    }
    return result;
fail:
    Py_DECREF(result);
    return NULL;
}

static PyMethodDef methods[] = {
    {"active_candidates", (PyCFunction)(void (*)(void))active_candidates, METH_FASTCALL,
     "active_candidates(keys, neighbours, active, limit): positions whose unit may wrap the "
     "next active unit"},
    {"skeleton", (PyCFunction)skeleton, METH_O, "skeleton(key): the key's letters and digits"},
    {"neighbour_tests", (PyCFunction)neighbour_tests, METH_O,
     "neighbour_tests(keys): per unit but the last, 1 when it may wrap the next"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_nested", "The quick neighbour test of nested wrappers.", -1,
    methods,
};

PyMODINIT_FUNC PyInit__nested(void) {
    for (int byte = 0; byte < 256; byte++)
        kept[byte] = byte >= 0x80 || (byte >= '0' && byte <= '9') ||
                     (byte >= 'A' && byte <= 'Z') || (byte >= 'a' && byte <= 'z');
    return PyModule_Create(&module);
}
