/* Which keys might match the boilerplate library: one C pass before dedup.boilerplate's
 * Matcher does its exact work on those keys only.
 *
 * A key is flagged when it is one of the literal strings, or, no longer than the
 * longest key a template can match, when it starts with one of the given prefixes,
 * ends with one of the suffixes or holds one of the needles (the literal pieces that
 * the Matcher indexes its templates and searched entries by) with no more spaces than
 * a key matching by that needle can hold. Every key the Matcher
 * can match is flagged; most of a document's keys are not, and the Matcher never sees
 * them.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <string.h>

#define MAX_AFFIX 8

/* A set of affixes of one length, packed into integers: open addressing. */
typedef struct {
    uint64_t *values;
    unsigned char *used;
    size_t mask;
    Py_ssize_t count;
} AffixSet;

typedef struct {
    AffixSet by_length[MAX_AFFIX + 1];
} Affixes;

static inline size_t slot_of(uint64_t value, size_t mask) {
    return (size_t)((value * UINT64_C(0x9E3779B97F4A7C15)) >> 32) & mask;
}

static inline uint64_t pack(const char *bytes, Py_ssize_t length) {
    uint64_t value = 0;
    memcpy(&value, bytes, (size_t)length);
    return value;
}

static int contains_value(const AffixSet *set, uint64_t value) {
    for (size_t slot = slot_of(value, set->mask); set->used[slot]; slot = (slot + 1) & set->mask)
        if (set->values[slot] == value)
            return 1;
    return 0;
}

static void free_affixes(Affixes *affixes) {
    for (int length = 0; length <= MAX_AFFIX; length++) {
        PyMem_Free(affixes->by_length[length].values);
        PyMem_Free(affixes->by_length[length].used);
    }
}

/* Fill `affixes` from a list of bytes of 1 to MAX_AFFIX bytes each; -1 on error. */
static int build_affixes(PyObject *list, Affixes *affixes, const char *what) {
    memset(affixes, 0, sizeof *affixes);
    if (!PyList_Check(list)) {
        PyErr_Format(PyExc_TypeError, "%s must be a list of bytes", what);
        return -1;
    }
    Py_ssize_t count = PyList_GET_SIZE(list);
    for (Py_ssize_t i = 0; i < count; i++) {
        PyObject *item = PyList_GET_ITEM(list, i);
        if (!PyBytes_Check(item) || PyBytes_GET_SIZE(item) < 1 ||
            PyBytes_GET_SIZE(item) > MAX_AFFIX) {
            PyErr_Format(PyExc_ValueError, "%s must hold bytes of 1 to %d bytes", what,
                         MAX_AFFIX);
            return -1;
        }
        affixes->by_length[PyBytes_GET_SIZE(item)].count++;
    }
    for (int length = 1; length <= MAX_AFFIX; length++) {
        AffixSet *set = &affixes->by_length[length];
        if (set->count == 0)
            continue;
        size_t size = 8;
        while (size < (size_t)set->count * 2)
            size <<= 1;
        set->values = PyMem_Calloc(size, sizeof *set->values);
        set->used = PyMem_Calloc(size, 1);
        set->mask = size - 1;
        if (!set->values || !set->used) {
            free_affixes(affixes);
            PyErr_NoMemory();
            return -1;
        }
    }
    for (Py_ssize_t i = 0; i < count; i++) {
        PyObject *item = PyList_GET_ITEM(list, i);
        AffixSet *set = &affixes->by_length[PyBytes_GET_SIZE(item)];
        uint64_t value = pack(PyBytes_AS_STRING(item), PyBytes_GET_SIZE(item));
        size_t slot = slot_of(value, set->mask);
        while (set->used[slot] && set->values[slot] != value)
            slot = (slot + 1) & set->mask;
        set->values[slot] = value;
        set->used[slot] = 1;
    }
    return 0;
}

static int has_affix(const Affixes *affixes, const char *text, Py_ssize_t length, int at_end) {
    for (Py_ssize_t size = 1; size <= MAX_AFFIX && size <= length; size++) {
        const AffixSet *set = &affixes->by_length[size];
        if (set->count && contains_value(set, pack(at_end ? text + length - size : text, size)))
            return 1;
    }
    return 0;
}

/* The needles, each with the most spaces a key holding it may have to match (or -1 for
 * any number), and bitmaps of their first bytes, so that one scan of a key tests them
 * all and only stops where a needle may start: a bit per pair of bytes for needles of
 * two or three bytes, a bit per hash of four bytes for longer ones (most needles hold a
 * common pair, " a", and rarely a common four bytes). */
typedef struct {
    Py_ssize_t count;
    const char **bytes;
    Py_ssize_t *sizes, *most_spaces;
    unsigned char *pairs; /* 65536 bits, or NULL when no needle has two or three bytes */
    unsigned char *grams; /* 65536 bits, or NULL when no needle has four bytes or more */
} Needles;

static inline unsigned gram_bit(const unsigned char *bytes) {
    uint32_t gram;
    memcpy(&gram, bytes, 4);
    return (gram * UINT32_C(2654435761)) >> 16;
}

static inline int bit_set(const unsigned char *bits, unsigned bit) {
    return bits[bit >> 3] & (1u << (bit & 7));
}

static int set_bit(unsigned char **bits, unsigned bit) {
    if (*bits == NULL && !(*bits = PyMem_Calloc(8192, 1))) {
        PyErr_NoMemory();
        return -1;
    }
    (*bits)[bit >> 3] |= (unsigned char)(1u << (bit & 7));
    return 0;
}

static void free_needles(Needles *needles) {
    PyMem_Free(needles->bytes);
    PyMem_Free(needles->sizes);
    PyMem_Free(needles->most_spaces);
    PyMem_Free(needles->pairs);
    PyMem_Free(needles->grams);
}

/* Fill `needles` from a list of (bytes, most spaces) pairs; -1 on error. The list keeps
 * the bytes alive while they are used. */
static int build_needles(PyObject *list, Needles *needles) {
    memset(needles, 0, sizeof *needles);
    if (!PyList_Check(list)) {
        PyErr_SetString(PyExc_TypeError, "needles must be a list of (bytes, int)");
        return -1;
    }
    Py_ssize_t count = PyList_GET_SIZE(list);
    needles->bytes = PyMem_Calloc((size_t)count + 1, sizeof *needles->bytes);
    needles->sizes = PyMem_Calloc((size_t)count + 1, sizeof *needles->sizes);
    needles->most_spaces = PyMem_Calloc((size_t)count + 1, sizeof *needles->most_spaces);
    if (!needles->bytes || !needles->sizes || !needles->most_spaces) {
        PyErr_NoMemory();
        return -1;
    }
    for (Py_ssize_t n = 0; n < count; n++) {
        PyObject *item = PyList_GET_ITEM(list, n);
        PyObject *needle;
        Py_ssize_t most_spaces;
        if (!PyTuple_Check(item) || !PyArg_ParseTuple(item, "Sn", &needle, &most_spaces)) {
            if (!PyErr_Occurred() || PyErr_ExceptionMatches(PyExc_TypeError)) {
                PyErr_Clear();
                PyErr_SetString(PyExc_TypeError, "needles must be a list of (bytes, int)");
            }
            return -1;
        }
        const unsigned char *bytes = (const unsigned char *)PyBytes_AS_STRING(needle);
        Py_ssize_t size = PyBytes_GET_SIZE(needle);
        needles->bytes[n] = (const char *)bytes;
        needles->sizes[n] = size;
        needles->most_spaces[n] = most_spaces;
        if (size >= 2 && (size < 4 ? set_bit(&needles->pairs, (unsigned)bytes[0] << 8 | bytes[1])
                                   : set_bit(&needles->grams, gram_bit(bytes))))
            return -1;
    }
    needles->count = count;
    return 0;
}

/* Whether a key of `spaces` spaces may match by needle n (spaces counted when asked). */
static int within_bound(const Needles *needles, Py_ssize_t n, const unsigned char *text,
                        Py_ssize_t length, Py_ssize_t *spaces) {
    if (needles->most_spaces[n] < 0)
        return 1;
    if (*spaces < 0) {
        *spaces = 0;
        for (Py_ssize_t i = 0; i < length; i++)
            *spaces += text[i] == ' ';
    }
    return *spaces <= needles->most_spaces[n];
}

static int holds_any(const Needles *needles, const unsigned char *text, Py_ssize_t length) {
    Py_ssize_t spaces = -1;
    for (Py_ssize_t n = 0; n < needles->count; n++) {
        if (needles->sizes[n] > 1)
            continue;
        int held = needles->sizes[n] == 0 || memchr(text, needles->bytes[n][0], (size_t)length);
        if (held && within_bound(needles, n, text, length, &spaces))
            return 1;
    }
    if (needles->pairs == NULL && needles->grams == NULL)
        return 0;
    for (Py_ssize_t at = 0; at + 1 < length; at++) {
        int may_start =
            (needles->pairs && bit_set(needles->pairs, (unsigned)text[at] << 8 | text[at + 1])) ||
            (needles->grams && at + 4 <= length && bit_set(needles->grams, gram_bit(text + at)));
        if (!may_start)
            continue;
        for (Py_ssize_t n = 0; n < needles->count; n++) {
            Py_ssize_t size = needles->sizes[n];
            if (size >= 2 && at + size <= length &&
                memcmp(text + at, needles->bytes[n], (size_t)size) == 0 &&
                within_bound(needles, n, text, length, &spaces))
                return 1;
        }
    }
    return 0;
}

static PyObject *flag_keys(PyObject *module, PyObject *const *args, Py_ssize_t nargs) {
    if (nargs != 7) {
        PyErr_SetString(PyExc_TypeError, "flag_keys(keys, literals, literal_max, short_max, "
                                         "prefixes, suffixes, needles)");
        return NULL;
    }
    PyObject *keys = args[0], *literals = args[1];
    if (!PyList_Check(keys) || !PyDict_Check(literals)) {
        PyErr_SetString(PyExc_TypeError, "keys must be a list, literals a dict");
        return NULL;
    }
    Py_ssize_t literal_max = PyLong_AsSsize_t(args[2]);
    Py_ssize_t short_max = PyLong_AsSsize_t(args[3]);
    if ((literal_max == -1 || short_max == -1) && PyErr_Occurred())
        return NULL;
    Affixes prefixes, suffixes;
    Needles needles = {0};
    PyObject *result = NULL;
    if (build_affixes(args[4], &prefixes, "prefixes") < 0)
        return NULL;
    if (build_affixes(args[5], &suffixes, "suffixes") < 0 || build_needles(args[6], &needles) < 0)
        goto done;
    Py_ssize_t count = PyList_GET_SIZE(keys);
    result = PyBytes_FromStringAndSize(NULL, count);
    if (result == NULL)
        goto done;
    char *out = PyBytes_AS_STRING(result);
    for (Py_ssize_t i = 0; i < count; i++) {
        PyObject *key = PyList_GET_ITEM(keys, i);
        if (!PyBytes_Check(key)) {
            PyErr_SetString(PyExc_TypeError, "keys must be bytes");
            Py_CLEAR(result);
            goto done;
        }
        const char *text = PyBytes_AS_STRING(key);
        Py_ssize_t length = PyBytes_GET_SIZE(key);
        int flagged = 0;
        if (length <= literal_max) {
            flagged = PyDict_Contains(literals, key);
            if (flagged < 0) {
                Py_CLEAR(result);
                goto done;
            }
        }
        if (!flagged && length <= short_max) {
            flagged = has_affix(&prefixes, text, length, 0) ||
                      has_affix(&suffixes, text, length, 1) ||
                      holds_any(&needles, (const unsigned char *)text, length);
        }
        out[i] = (char)flagged;
    }
done:
    free_affixes(&prefixes);
    free_affixes(&suffixes);
    free_needles(&needles);
    return result;
}

static PyMethodDef methods[] = {
    {"flag_keys", (PyCFunction)(void (*)(void))flag_keys, METH_FASTCALL,
     "flag_keys(keys, literals, literal_max, short_max, prefixes, suffixes, needles): one "
     "byte per key, 1 when the key might match"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_prefilter", "Keys that might match the boilerplate library.", -1,
    methods,
};

PyMODINIT_FUNC PyInit__prefilter(void) { return PyModule_Create(&module); }
