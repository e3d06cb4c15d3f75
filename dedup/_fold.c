/* Comparison keys of many units in one C pass, from per-character tables built in Python.
 *
 * The default profile (dedup.normalize) drops invisible characters, applies NFKC, case
 * folds, folds quotes and dashes, and collapses whitespace. For text made only of
 * "simple" characters (see dedup.fold) every step but the last works character by
 * character, so a key is the concatenation of each character's folded form with its
 * whitespace collapsed. dedup.fold works those forms out with the running interpreter's
 * own unicodedata, for the characters met so far, so the keys are exactly the Python
 * pipeline's; this file only decodes UTF-8, looks characters up and collapses spaces.
 *
 * A block table is a bytes object for 256 code points: 256 native uint32 entries,
 * (offset << 8) | length into the data that follows them, where length 255 marks a
 * character that is not simple and 254 one not worked out yet. A unit with a character
 * that is not simple or invalid UTF-8 gets None, and the caller keys it in Python. So
 * does a unit with a character not worked out yet (its block may have no table at all);
 * those characters (up to its first that is not simple) are added to `missing`, for the
 * caller to work them out and try the unit again.
 *
 * The units are bytes objects (fold_keys) or spans of one body, read in place
 * (fold_spans). Beside the keys: the characters of keys and of spans, and which keys
 * hold an ASCII letter or digit.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <string.h>

#include "_arrays.h"
#include "_utf8.h"

#define BLOCKS (0x110000 >> 8)
#define NOT_SIMPLE 255
#define UNKNOWN 254

/* The ASCII whitespace that str.split() splits on: \t \n \v \f \r, \x1c-\x1f and space. */
static inline int is_space(unsigned char byte) {
    return byte == ' ' || (byte >= '\t' && byte <= '\r') || (byte >= 0x1c && byte <= 0x1f);
}

/* is_space of every byte, for the ASCII loop. */
static unsigned char space[256];

/* 1 for the bytes 0-9, A-Z and a-z. */
static unsigned char ascii_alnum[256];

/* The high bit of the first and of the last of eight bytes read into an integer. */
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
#define FIRST_HIGH UINT64_C(0x8000000000000000)
#define LAST_HIGH UINT64_C(0x80)
#else
#define FIRST_HIGH UINT64_C(0x80)
#define LAST_HIGH UINT64_C(0x8000000000000000)
#endif

#define PLAIN 1
#define LEADING_SPACE 2  /* the first byte is a space */
#define TRAILING_SPACE 4 /* the last byte is a space */

/* Whether eight bytes are ASCII text whose only whitespace is single spaces (PLAIN,
 * with whether the first or last byte is one of them), else 0: then no space is
 * collapsed in them, but one at either end may meet whitespace beside them. Each test
 * is on all eight bytes at once; a byte's high bit marks it (no carry crosses bytes
 * below 0x80). */
static inline int plain_text(uint64_t word) {
    const uint64_t ones = 0x0101010101010101u, high = 0x8080808080808080u;
    if (word & high)
        return 0;
    uint64_t below_33 = ~(word + ones * (0x80 - 0x21)) & high;
    if (!below_33)
        return PLAIN;
    uint64_t spaces = ~((word ^ (ones * 0x20)) + ones * 0x7F) & high;
    if (below_33 != spaces || (spaces & (spaces << 8)))
        return 0;
    return PLAIN | (spaces & FIRST_HIGH ? LEADING_SPACE : 0) |
           (spaces & LAST_HIGH ? TRAILING_SPACE : 0);
}

/* Whether the ASCII table keeps the whitespace of is_space() as it is and maps no other
 * byte to whitespace, so that plain_text() can be read before the table. */
static int keeps_spaces(const unsigned char *ascii) {
    for (int byte = 0; byte < 128; byte++) {
        if (is_space((unsigned char)byte) ? ascii[byte] != byte : is_space(ascii[byte]))
            return 0;
    }
    return 1;
}

/* The key being written: a buffer reused from unit to unit. */
typedef struct {
    char *data;
    Py_ssize_t size;
} Key;

/* Room for `needed` bytes in all (what is written so far is kept). */
static int reserve(Key *key, Py_ssize_t needed) {
    if (needed <= key->size)
        return 0;
    Py_ssize_t size = key->size * 2 + needed;
    char *data = PyMem_Realloc(key->data, (size_t)size);
    if (data == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    key->data = data;
    key->size = size;
    return 0;
}

/* Write one byte of folded text, collapsing runs of whitespace to one space and
 * dropping it at the start (a trailing run is never written). It works on the caller's
 * locals: stores through a pointer into the key could alias the key's own fields. */
static inline void put(char *out, Py_ssize_t *used, int *pending_space, unsigned char byte) {
    if (is_space(byte)) {
        *pending_space = *used > 0;
        return;
    }
    if (*pending_space) {
        out[(*used)++] = ' ';
        *pending_space = 0;
    }
    out[(*used)++] = (char)byte;
}

/* The key of one unit into key->data, its length in *key_length; 1 when done, 0 when Python
 * must key it, 2 once it is longer than longest_key bytes (it is not finished: a key
 * never gets shorter as it is written), -1 on error. */
static int fold_unit(Key *key, Py_ssize_t *key_length, const unsigned char *text,
                     Py_ssize_t length, Py_ssize_t longest_key, const unsigned char *ascii,
                     int plain, PyObject *blocks, PyObject *missing) {
    /* An ASCII byte writes at most one byte, plus one pending space: room for the rest of
     * the unit and a space is made here and after every folded form. */
    if (reserve(key, length + 2) < 0)
        return -1;
    char *out = key->data;
    Py_ssize_t used = 0;
    int pending_space = 0;
    Py_ssize_t at = 0;
    int incomplete = 0;
    while (at < length) {
        if (used > longest_key)
            return 2;
        if (text[at] < 0x80) {
            /* A run of ASCII, the common case, in a loop of its own on plain locals (a
             * store through `out` could alias what put() reads through pointers). It has
             * no branch but the loop's: a space is written at every step and kept only
             * before a byte that follows whitespace, and a whitespace byte is written but
             * not counted, so the next store covers it. Word lengths vary too much for a
             * branch per space to be predicted. */
            Py_ssize_t written = used;
            int pending = pending_space;
            do {
                uint64_t word;
                int kind = 0;
                if (plain && at + 8 <= length) {
                    memcpy(&word, text + at, 8);
                    kind = plain_text(word);
                }
                /* A leading space is kept as it is only after a word: at the key's start
                 * it goes, and after whitespace it is collapsed. */
                if (kind && (!(kind & LEADING_SPACE) || (!pending && written > 0))) {
                    /* Eight bytes that stay as they are but for the table: one pending
                     * space, then each byte looked up, with no test per byte. A trailing
                     * space is written but left pending, as whitespace may follow. */
                    out[written] = ' ';
                    written += pending;
                    for (int k = 0; k < 8; k++)
                        out[written + k] = (char)ascii[text[at + k]];
                    pending = (kind & TRAILING_SPACE) != 0;
                    written += 8 - pending;
                    at += 8;
                    continue;
                }
                unsigned char byte = ascii[text[at++]];
                int is_word = !space[byte];
                out[written] = ' ';
                written += pending & is_word;
                out[written] = (char)byte;
                written += is_word;
                pending = (written > 0) & !is_word;
            } while (at < length && text[at] < 0x80 && written <= longest_key);
            used = written;
            pending_space = pending;
            continue;
        }
        int32_t code = next_code_point(text, length, &at);
        if (code < 0)
            return 0;
        PyObject *block = PyList_GET_ITEM(blocks, code >> 8);
        uint32_t entry = UNKNOWN;
        const unsigned char *table = NULL;
        if (PyBytes_Check(block)) {
            table = (const unsigned char *)PyBytes_AS_STRING(block);
            memcpy(&entry, table + 4 * (code & 0xFF), sizeof entry);
        }
        Py_ssize_t folded_length = entry & 0xFF;
        if (folded_length == UNKNOWN) {
            /* Read on, to report every character the unit needs at once. */
            PyObject *index = PyLong_FromLong(code);
            if (index == NULL || PySet_Add(missing, index) < 0) {
                Py_XDECREF(index);
                return -1;
            }
            Py_DECREF(index);
            incomplete = 1;
            continue;
        }
        if (folded_length == NOT_SIMPLE)
            return 0;
        if (reserve(key, used + folded_length + (length - at) + 2) < 0)
            return -1;
        out = key->data;
        const unsigned char *folded = table + 4 * 256 + (entry >> 8);
        for (Py_ssize_t i = 0; i < folded_length; i++)
            put(out, &used, &pending_space, folded[i]);
    }
    if (used > longest_key)
        return 2;
    *key_length = used;
    return !incomplete;
}

/* Where the units come from: a list of bytes objects, or spans of one body. */
typedef struct {
    PyObject *units;
    const unsigned char *body;
    const int64_t *starts, *ends;
    Py_ssize_t count, longest, longest_key;
} Units;

/* Fold every unit into a new list of keys (None where Python must key the unit, b""
 * for a key over units->longest_key bytes). */
static PyObject *fold_all(const Units *units, const unsigned char *ascii_map, PyObject *blocks,
                          PyObject *missing) {
    PyObject *keys = PyList_New(units->count);
    if (keys == NULL)
        return NULL;
    Key key = {PyMem_Malloc(64), 64};
    if (key.data == NULL) {
        Py_DECREF(keys);
        return PyErr_NoMemory();
    }
    int plain = keeps_spaces(ascii_map);
    for (Py_ssize_t i = 0; i < units->count; i++) {
        const unsigned char *text;
        Py_ssize_t length;
        if (units->units != NULL) {
            PyObject *unit = PyList_GET_ITEM(units->units, i);
            if (!PyBytes_Check(unit)) {
                PyErr_SetString(PyExc_TypeError, "units must be bytes");
                goto fail;
            }
            text = (const unsigned char *)PyBytes_AS_STRING(unit);
            length = PyBytes_GET_SIZE(unit);
        } else {
            text = units->body + units->starts[i];
            length = (Py_ssize_t)(units->ends[i] - units->starts[i]);
        }
        Py_ssize_t key_length = 0;
        int done = 0;
        if (length <= units->longest) {
            done = fold_unit(&key, &key_length, text, length, units->longest_key, ascii_map,
                             plain, blocks, missing);
            if (done < 0)
                goto fail;
        }
        /* A key over longest_key (done 2) is left at length 0: fold_unit did not set it. */
        PyObject *item =
            done ? PyBytes_FromStringAndSize(key.data, key_length) : Py_NewRef(Py_None);
        if (item == NULL)
            goto fail;
        PyList_SET_ITEM(keys, i, item);
    }
    PyMem_Free(key.data);
    return keys;
fail:
    PyMem_Free(key.data);
    Py_DECREF(keys);
    return NULL;
}

static int check_tables(PyObject *ascii, PyObject *blocks, PyObject *missing) {
    if (!PyBytes_Check(ascii) || PyBytes_GET_SIZE(ascii) != 128 || !PyList_Check(blocks) ||
        PyList_GET_SIZE(blocks) != BLOCKS || !PySet_Check(missing)) {
        PyErr_SetString(PyExc_TypeError,
                        "expected 128 ASCII bytes, a list of 4352 blocks and a set");
        return -1;
    }
    return 0;
}

static PyObject *fold_keys(PyObject *module, PyObject *const *args, Py_ssize_t nargs) {
    if (nargs != 4 || !PyList_Check(args[0])) {
        PyErr_SetString(PyExc_TypeError, "fold_keys(units: list of bytes, ascii, blocks, missing)");
        return NULL;
    }
    if (check_tables(args[1], args[2], args[3]) < 0)
        return NULL;
    Units units = {args[0], NULL, NULL, NULL, PyList_GET_SIZE(args[0]), PY_SSIZE_T_MAX,
                   PY_SSIZE_T_MAX};
    return fold_all(&units, (const unsigned char *)PyBytes_AS_STRING(args[1]), args[2], args[3]);
}

/* fold_spans(body, starts, ends, longest, ascii, blocks, missing[, longest_key]):
 * fold_keys of the units body[starts[i]:ends[i]] without making them; a unit over
 * `longest` bytes gets None, and a key over `longest_key` bytes is not finished: it
 * comes back empty. */
static PyObject *fold_spans(PyObject *module, PyObject *const *args, Py_ssize_t nargs) {
    if ((nargs != 7 && nargs != 8) || !PyBytes_Check(args[0])) {
        PyErr_SetString(PyExc_TypeError, "fold_spans(body: bytes, starts, ends, longest, ascii, "
                                         "blocks, missing[, longest_key])");
        return NULL;
    }
    Py_ssize_t longest = PyLong_AsSsize_t(args[3]);
    if (longest == -1 && PyErr_Occurred())
        return NULL;
    Py_ssize_t longest_key = nargs == 8 ? PyLong_AsSsize_t(args[7]) : PY_SSIZE_T_MAX;
    if (longest_key == -1 && PyErr_Occurred())
        return NULL;
    if (longest_key < 0) {
        PyErr_SetString(PyExc_ValueError, "longest_key must not be negative");
        return NULL;
    }
    if (check_tables(args[4], args[5], args[6]) < 0)
        return NULL;
    Spans spans;
    if (get_spans(args[1], args[2], PyBytes_GET_SIZE(args[0]), "a span lies outside the body",
                  &spans) < 0)
        return NULL;
    Units units = {NULL, (const unsigned char *)PyBytes_AS_STRING(args[0]), spans.start,
                   spans.end, spans.count, longest, longest_key};
    PyObject *result =
        fold_all(&units, (const unsigned char *)PyBytes_AS_STRING(args[4]), args[5], args[6]);
    release_spans(&spans);
    return result;
}

/* len(text.decode("utf-8", "surrogateescape")): a byte that begins no valid character
 * decodes to one character. Eight ASCII bytes at a time where they are. */
static Py_ssize_t chars_in(const unsigned char *text, Py_ssize_t length) {
    Py_ssize_t chars = 0;
    for (Py_ssize_t at = 0; at < length; chars++) {
        uint64_t word;
        if (at + 8 <= length &&
            (memcpy(&word, text + at, 8), !(word & UINT64_C(0x8080808080808080)))) {
            chars += 7; /* and one more by the loop */
            at += 8;
            continue;
        }
        if (text[at] < 0x80 || next_code_point(text, length, &at) < 0)
            at++;
    }
    return chars;
}

/* char_counts(keys) -> list of int: chars_in() of each key. */
static PyObject *char_counts(PyObject *module, PyObject *keys) {
    if (!PyList_Check(keys)) {
        PyErr_SetString(PyExc_TypeError, "char_counts(keys: list of bytes)");
        return NULL;
    }
    Py_ssize_t count = PyList_GET_SIZE(keys);
    PyObject *result = PyList_New(count);
    if (result == NULL)
        return NULL;
    for (Py_ssize_t i = 0; i < count; i++) {
        PyObject *key = PyList_GET_ITEM(keys, i);
        if (!PyBytes_Check(key)) {
            Py_DECREF(result);
            PyErr_SetString(PyExc_TypeError, "keys must be bytes");
            return NULL;
        }
        PyObject *number = PyLong_FromSsize_t(
            chars_in((const unsigned char *)PyBytes_AS_STRING(key), PyBytes_GET_SIZE(key)));
        if (number == NULL) {
            Py_DECREF(result);
            return NULL;
        }
        PyList_SET_ITEM(result, i, number);
    }
    return result;
}

/* span_char_counts(data, starts, ends) -> bytes of native int64: the characters of each
 * span data[start:end], or -1 for a span that is not strict UTF-8 (whose count depends on
 * how it is decoded). */
static PyObject *span_char_counts(PyObject *module, PyObject *const *args, Py_ssize_t nargs) {
    if (nargs != 3 || !PyBytes_Check(args[0])) {
        PyErr_SetString(PyExc_TypeError, "span_char_counts(data: bytes, starts, ends)");
        return NULL;
    }
    Spans spans;
    if (get_spans(args[1], args[2], PyBytes_GET_SIZE(args[0]), "a span lies outside the data",
                  &spans) < 0)
        return NULL;
    const unsigned char *text = (const unsigned char *)PyBytes_AS_STRING(args[0]);
    PyObject *result = PyBytes_FromStringAndSize(NULL, spans.count * 8);
    if (result == NULL)
        goto done;
    int64_t *counts = (int64_t *)PyBytes_AS_STRING(result);
    for (Py_ssize_t i = 0; i < spans.count; i++) {
        const unsigned char *span = text + spans.start[i];
        Py_ssize_t length = (Py_ssize_t)(spans.end[i] - spans.start[i]), at = 0, chars = 0;
        while (at < length) {
            if (span[at] < 0x80) {
                at++;
            } else if (next_code_point(span, length, &at) < 0) {
                chars = -1;
                break;
            }
            chars++;
        }
        counts[i] = chars;
    }
done:
    release_spans(&spans);
    return result;
}

/* word_flags(keys) -> bytes: per key 1 when it holds an ASCII letter or digit (then it is
 * no divider, see cleaner.structural_flags), else 0. */
static PyObject *word_flags(PyObject *module, PyObject *keys) {
    if (!PyList_Check(keys)) {
        PyErr_SetString(PyExc_TypeError, "word_flags(keys: list of bytes)");
        return NULL;
    }
    Py_ssize_t count = PyList_GET_SIZE(keys);
    PyObject *result = PyBytes_FromStringAndSize(NULL, count);
    if (result == NULL)
        return NULL;
    char *flags = PyBytes_AS_STRING(result);
    for (Py_ssize_t i = 0; i < count; i++) {
        PyObject *key = PyList_GET_ITEM(keys, i);
        if (!PyBytes_Check(key)) {
            Py_DECREF(result);
            PyErr_SetString(PyExc_TypeError, "keys must be bytes");
            return NULL;
        }
        const unsigned char *text = (const unsigned char *)PyBytes_AS_STRING(key);
        Py_ssize_t length = PyBytes_GET_SIZE(key), at = 0;
        while (at < length && !ascii_alnum[text[at]])
            at++;
        flags[i] = at < length;
    }
    return result;
}

static PyMethodDef methods[] = {
    {"span_char_counts", (PyCFunction)(void (*)(void))span_char_counts, METH_FASTCALL,
     "span_char_counts(data, starts, ends) -> int64 bytes: characters per span, -1 if not "
     "UTF-8"},
    {"word_flags", (PyCFunction)word_flags, METH_O,
     "word_flags(keys) -> bytes: 1 per key with an ASCII letter or digit"},
    {"char_counts", (PyCFunction)char_counts, METH_O,
     "char_counts(keys) -> the length in characters of each key"},
    {"fold_keys", (PyCFunction)(void (*)(void))fold_keys, METH_FASTCALL,
     "fold_keys(units, ascii, blocks, missing) -> list of key bytes or None"},
    {"fold_spans", (PyCFunction)(void (*)(void))fold_spans, METH_FASTCALL,
     "fold_spans(body, starts, ends, longest, ascii, blocks, missing[, longest_key]) -> list "
     "of key bytes or None"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_fold", "Comparison keys from per-character tables.", -1, methods,
};

PyMODINIT_FUNC PyInit__fold(void) {
    for (int byte = 0; byte < 256; byte++) {
        space[byte] = (unsigned char)is_space((unsigned char)byte);
        ascii_alnum[byte] = (byte >= '0' && byte <= '9') || (byte >= 'A' && byte <= 'Z') ||
                            (byte >= 'a' && byte <= 'z');
    }
    return PyModule_Create(&module);
}
