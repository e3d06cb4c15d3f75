/* Which keys might match the boilerplate library: one C pass before dedup.boilerplate's
 * Matcher does its exact work on those keys only.
 *
 * A key is flagged when it is one of the literal strings, or, no longer than the
 * longest key a template can match, when it starts with one of the given prefixes,
 * ends with one of the suffixes or holds one of the needles (the literal pieces that
 * the Matcher indexes its templates and searched entries by) with no more spaces than
 * a key matching by that needle can hold. Every key the Matcher
 * can match is flagged; most of a document's keys are not, and the Matcher never sees
 * them. A key's flag says what it passed: 1 for a literal, else the HAS_ bits of the
 * tests it passed (dedup.boilerplate reads them).
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <string.h>

#define MAX_AFFIX 8

#define HAS_PREFIX 2
#define HAS_SUFFIX 4
#define HAS_NEEDLE 8

/* A set of affixes of one length, packed into integers: open addressing. */
typedef struct {
    uint64_t *values;
    unsigned char *used;
    size_t mask;
    Py_ssize_t count;
} AffixSet;

/* The affixes of one side, by length, and what a key's end must hold for one to match:
 * a bit per byte for one-byte affixes, per pair of bytes for those of two or three, per
 * hash of four bytes for longer ones. Most keys fail these tests, so the sets are looked
 * up for few of them. */
typedef struct {
    AffixSet by_length[MAX_AFFIX + 1];
    unsigned char singles[32];
    unsigned char *pairs;
    unsigned char *grams;
} Affixes;

static inline size_t slot_of(uint64_t value, size_t mask) {
    return (size_t)((value * UINT64_C(0x9E3779B97F4A7C15)) >> 32) & mask;
}

static inline uint64_t pack(const char *bytes, Py_ssize_t length) {
    uint64_t value = 0;
    memcpy(&value, bytes, (size_t)length);
    return value;
}

static inline unsigned pair_bit(const unsigned char *bytes) {
    return (unsigned)bytes[0] << 8 | bytes[1];
}

static inline unsigned gram_bit(const unsigned char *bytes) {
    uint32_t gram;
    memcpy(&gram, bytes, 4);
    return (gram * UINT32_C(2654435761)) >> 16;
}

static inline int bit_set(const unsigned char *bits, unsigned bit) {
    return bits[bit >> 3] & (1u << (bit & 7));
}

/* Set a bit of a 65536-bit map, allocated when first needed; -1 on error. */
static int set_bit(unsigned char **bits, unsigned bit) {
    if (*bits == NULL && !(*bits = PyMem_Calloc(8192, 1))) {
        PyErr_NoMemory();
        return -1;
    }
    (*bits)[bit >> 3] |= (unsigned char)(1u << (bit & 7));
    return 0;
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
    PyMem_Free(affixes->pairs);
    PyMem_Free(affixes->grams);
    memset(affixes, 0, sizeof *affixes);
}

/* Where an affix of `size` bytes lies in a key of `length` bytes. */
static inline const char *affix_at(const char *text, Py_ssize_t length, Py_ssize_t size,
                                   int at_end) {
    return at_end ? text + length - size : text;
}

/* Fill `affixes` from a list of bytes of 1 to MAX_AFFIX bytes each; -1 on error, when
 * the caller frees what was built. */
static int build_affixes(PyObject *list, Affixes *affixes, const char *what, int at_end) {
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
            PyErr_NoMemory();
            return -1;
        }
    }
    for (Py_ssize_t i = 0; i < count; i++) {
        PyObject *item = PyList_GET_ITEM(list, i);
        const char *bytes = PyBytes_AS_STRING(item);
        Py_ssize_t size = PyBytes_GET_SIZE(item);
        AffixSet *set = &affixes->by_length[size];
        uint64_t value = pack(bytes, size);
        size_t slot = slot_of(value, set->mask);
        while (set->used[slot] && set->values[slot] != value)
            slot = (slot + 1) & set->mask;
        set->values[slot] = value;
        set->used[slot] = 1;
        /* The bytes at the key's end: an affix's first bytes for a prefix, its last
         * ones for a suffix. */
        const unsigned char *end = (const unsigned char *)bytes;
        int failed = 0;
        if (size == 1)
            affixes->singles[end[0] >> 3] |= (unsigned char)(1u << (end[0] & 7));
        else if (size < 4)
            failed = set_bit(&affixes->pairs, pair_bit(at_end ? end + size - 2 : end));
        else
            failed = set_bit(&affixes->grams, gram_bit(at_end ? end + size - 4 : end));
        if (failed)
            return -1;
    }
    return 0;
}

static int in_set(const Affixes *affixes, const char *text, Py_ssize_t length, Py_ssize_t size,
                  int at_end) {
    const AffixSet *set = &affixes->by_length[size];
    return set->count && contains_value(set, pack(affix_at(text, length, size, at_end), size));
}

static int has_affix(const Affixes *affixes, const char *text, Py_ssize_t length, int at_end) {
    if (length < 1)
        return 0;
    const unsigned char *bytes = (const unsigned char *)text;
    unsigned char last = bytes[at_end ? length - 1 : 0];
    if (bit_set(affixes->singles, last) && in_set(affixes, text, length, 1, at_end))
        return 1;
    if (length >= 2 && affixes->pairs &&
        bit_set(affixes->pairs, pair_bit(bytes + (at_end ? length - 2 : 0)))) {
        for (Py_ssize_t size = 2; size < 4 && size <= length; size++)
            if (in_set(affixes, text, length, size, at_end))
                return 1;
    }
    if (length >= 4 && affixes->grams &&
        bit_set(affixes->grams, gram_bit(bytes + (at_end ? length - 4 : 0)))) {
        for (Py_ssize_t size = 4; size <= MAX_AFFIX && size <= length; size++)
            if (in_set(affixes, text, length, size, at_end))
                return 1;
    }
    return 0;
}

/* Needles that a key may hold, for keys of a range of space counts: those of one or
 * two or three bytes are tested at every byte (by memchr, or a bit per pair of bytes);
 * the longer ones at every `step`-th byte, by a bit per hash of each of the four bytes
 * at their first `step` offsets, where step is the shortest one's length less three:
 * any place where one of them starts is followed, within `step` bytes, by a tested
 * place where four of its bytes are. */
typedef struct {
    int every; /* an empty needle: every key holds it */
    Py_ssize_t count;
    const char **bytes;
    Py_ssize_t *sizes;
    Py_ssize_t step;
    unsigned char *pairs;
    unsigned char *grams;
} NeedleSet;

/* The needles, each with the most spaces a key holding it may have to match (or -1 for
 * any number), in one set per range of space counts, so that a long key with many
 * spaces is not scanned for short needles that only match short labels ("X at 10:30"):
 * `sets[i]` holds the needles that bound spaces by `bounds[i]` or more, or not at all,
 * for keys of `bounds[i - 1]` (exclusive) to `bounds[i]` spaces; `sets[levels]` holds
 * the unbounded ones, for keys of more spaces. */
typedef struct {
    Py_ssize_t levels;
    Py_ssize_t *bounds;
    NeedleSet *sets;
} Needles;

static void free_needles(Needles *needles) {
    for (Py_ssize_t i = 0; needles->sets && i <= needles->levels; i++) {
        PyMem_Free(needles->sets[i].bytes);
        PyMem_Free(needles->sets[i].sizes);
        PyMem_Free(needles->sets[i].pairs);
        PyMem_Free(needles->sets[i].grams);
    }
    PyMem_Free(needles->sets);
    PyMem_Free(needles->bounds);
}

/* Fill a set with the needles whose bound is -1 or at least `least`; -1 on error. */
static int build_set(NeedleSet *set, Py_ssize_t count, const char **bytes, const Py_ssize_t *sizes,
                     const Py_ssize_t *most_spaces, Py_ssize_t least) {
    set->bytes = PyMem_Calloc((size_t)count + 1, sizeof *set->bytes);
    set->sizes = PyMem_Calloc((size_t)count + 1, sizeof *set->sizes);
    if (!set->bytes || !set->sizes) {
        PyErr_NoMemory();
        return -1;
    }
    Py_ssize_t shortest = PY_SSIZE_T_MAX;
    for (Py_ssize_t n = 0; n < count; n++) {
        if (most_spaces[n] >= 0 && most_spaces[n] < least)
            continue;
        set->bytes[set->count] = bytes[n];
        set->sizes[set->count++] = sizes[n];
        set->every |= sizes[n] == 0;
        if (sizes[n] >= 4 && sizes[n] < shortest)
            shortest = sizes[n];
    }
    set->step = shortest == PY_SSIZE_T_MAX ? 1 : shortest - 3;
    for (Py_ssize_t n = 0; n < set->count; n++) {
        const unsigned char *needle = (const unsigned char *)set->bytes[n];
        Py_ssize_t size = set->sizes[n];
        if (size == 2 || size == 3) {
            if (set_bit(&set->pairs, pair_bit(needle)) < 0)
                return -1;
        } else if (size >= 4) {
            for (Py_ssize_t offset = 0; offset < set->step; offset++)
                if (set_bit(&set->grams, gram_bit(needle + offset)) < 0)
                    return -1;
        }
    }
    return 0;
}

static int compare_bounds(const void *a, const void *b) {
    Py_ssize_t x = *(const Py_ssize_t *)a, y = *(const Py_ssize_t *)b;
    return (x > y) - (x < y);
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
    const char **bytes = PyMem_Calloc((size_t)count + 1, sizeof *bytes);
    Py_ssize_t *sizes = PyMem_Calloc((size_t)count + 1, sizeof *sizes);
    Py_ssize_t *most_spaces = PyMem_Calloc((size_t)count + 1, sizeof *most_spaces);
    needles->bounds = PyMem_Calloc((size_t)count + 1, sizeof *needles->bounds);
    int result = -1;
    if (!bytes || !sizes || !most_spaces || !needles->bounds) {
        PyErr_NoMemory();
        goto done;
    }
    for (Py_ssize_t n = 0; n < count; n++) {
        PyObject *item = PyList_GET_ITEM(list, n);
        PyObject *needle;
        if (!PyTuple_Check(item) || !PyArg_ParseTuple(item, "Sn", &needle, &most_spaces[n])) {
            if (!PyErr_Occurred() || PyErr_ExceptionMatches(PyExc_TypeError)) {
                PyErr_Clear();
                PyErr_SetString(PyExc_TypeError, "needles must be a list of (bytes, int)");
            }
            goto done;
        }
        bytes[n] = PyBytes_AS_STRING(needle);
        sizes[n] = PyBytes_GET_SIZE(needle);
        if (most_spaces[n] >= 0)
            needles->bounds[needles->levels++] = most_spaces[n];
    }
    qsort(needles->bounds, (size_t)needles->levels, sizeof *needles->bounds, compare_bounds);
    Py_ssize_t distinct = 0;
    for (Py_ssize_t i = 0; i < needles->levels; i++)
        if (distinct == 0 || needles->bounds[distinct - 1] != needles->bounds[i])
            needles->bounds[distinct++] = needles->bounds[i];
    needles->levels = distinct;
    needles->sets = PyMem_Calloc((size_t)distinct + 1, sizeof *needles->sets);
    if (!needles->sets) {
        PyErr_NoMemory();
        goto done;
    }
    for (Py_ssize_t i = 0; i <= distinct; i++) {
        Py_ssize_t least = i < distinct ? needles->bounds[i] : PY_SSIZE_T_MAX;
        if (build_set(&needles->sets[i], count, bytes, sizes, most_spaces, least) < 0)
            goto done;
    }
    result = 0;
done:
    PyMem_Free(bytes);
    PyMem_Free(sizes);
    PyMem_Free(most_spaces);
    return result;
}

static int matches_at(const NeedleSet *set, const unsigned char *text, Py_ssize_t length,
                      Py_ssize_t at, Py_ssize_t smallest, Py_ssize_t largest) {
    for (Py_ssize_t n = 0; n < set->count; n++) {
        Py_ssize_t size = set->sizes[n];
        if (size >= smallest && size <= largest && at + size <= length &&
            memcmp(text + at, set->bytes[n], (size_t)size) == 0)
            return 1;
    }
    return 0;
}

static int set_holds_any(const NeedleSet *set, const unsigned char *text, Py_ssize_t length) {
    if (set->every)
        return 1;
    for (Py_ssize_t n = 0; n < set->count; n++)
        if (set->sizes[n] == 1 && memchr(text, set->bytes[n][0], (size_t)length))
            return 1;
    if (set->pairs) {
        for (Py_ssize_t at = 0; at + 1 < length; at++)
            if (bit_set(set->pairs, pair_bit(text + at)) && matches_at(set, text, length, at, 2, 3))
                return 1;
    }
    if (set->grams) {
        Py_ssize_t step = set->step;
        for (Py_ssize_t at = 0; at + 4 <= length; at += step) {
            if (!bit_set(set->grams, gram_bit(text + at)))
                continue;
            for (Py_ssize_t start = at > step - 1 ? at - step + 1 : 0; start <= at; start++)
                if (matches_at(set, text, length, start, 4, PY_SSIZE_T_MAX))
                    return 1;
        }
    }
    return 0;
}

static int holds_any(const Needles *needles, const unsigned char *text, Py_ssize_t length) {
    Py_ssize_t level = 0;
    if (needles->levels > 0) {
        Py_ssize_t spaces = 0;
        for (Py_ssize_t i = 0; i < length; i++)
            spaces += text[i] == ' ';
        while (level < needles->levels && needles->bounds[level] < spaces)
            level++;
    }
    return set_holds_any(&needles->sets[level], text, length);
}

/* A bit per literal, from its length and its first and last four bytes: a key whose bit
 * is clear is no literal, and is not hashed to be looked up in the dict (hashing every
 * short key of a document cost a third of this pass). */
static unsigned literal_bit(const unsigned char *text, Py_ssize_t length) {
    Py_ssize_t size = length < 4 ? length : 4;
    uint32_t head = 0, tail = 0;
    memcpy(&head, text, (size_t)size);
    memcpy(&tail, text + length - size, (size_t)size);
    uint64_t mixed = ((uint64_t)head << 32 | tail) ^ (uint64_t)length * UINT64_C(0x9E3779B97F4A7C15);
    return (unsigned)((mixed * UINT64_C(0xFF51AFD7ED558CCD)) >> 48);
}

/* The bits of the literals (bytes keys of the dict); -1 on error. */
static int build_literal_bits(PyObject *literals, unsigned char **bits) {
    PyObject *key, *value;
    Py_ssize_t position = 0;
    while (PyDict_Next(literals, &position, &key, &value)) {
        if (!PyBytes_Check(key))
            continue; /* no bytes key equals it */
        if (set_bit(bits, literal_bit((const unsigned char *)PyBytes_AS_STRING(key),
                                      PyBytes_GET_SIZE(key))) < 0)
            return -1;
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
    Affixes prefixes = {0}, suffixes = {0};
    Needles needles = {0};
    unsigned char *literal_bits = NULL;
    PyObject *result = NULL;
    if (build_literal_bits(literals, &literal_bits) < 0 ||
        build_affixes(args[4], &prefixes, "prefixes", 0) < 0 ||
        build_affixes(args[5], &suffixes, "suffixes", 1) < 0 ||
        build_needles(args[6], &needles) < 0)
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
        if (length <= literal_max && literal_bits &&
            bit_set(literal_bits, literal_bit((const unsigned char *)text, length))) {
            flagged = PyDict_Contains(literals, key);
            if (flagged < 0) {
                Py_CLEAR(result);
                goto done;
            }
        }
        if (!flagged && length <= short_max) {
            /* Each test that holds: Python then looks for heads only in the keys with
             * one, and so on. Few keys pass any, so all three cost little more. */
            flagged = (has_affix(&prefixes, text, length, 0) ? HAS_PREFIX : 0) |
                      (has_affix(&suffixes, text, length, 1) ? HAS_SUFFIX : 0) |
                      (holds_any(&needles, (const unsigned char *)text, length) ? HAS_NEEDLE : 0);
        }
        out[i] = (char)flagged;
    }
done:
    PyMem_Free(literal_bits);
    free_affixes(&prefixes);
    free_affixes(&suffixes);
    free_needles(&needles);
    return result;
}

static PyMethodDef methods[] = {
    {"flag_keys", (PyCFunction)(void (*)(void))flag_keys, METH_FASTCALL,
     "flag_keys(keys, literals, literal_max, short_max, prefixes, suffixes, needles): one "
     "byte per key, not 0 when the key might match: 1 for a literal, else 2 for a prefix | "
     "4 for a suffix | 8 for a needle"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_prefilter", "Keys that might match the boilerplate library.", -1,
    methods,
};

PyMODINIT_FUNC PyInit__prefilter(void) { return PyModule_Create(&module); }
