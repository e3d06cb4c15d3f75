/* dedup.detectors.find_repeats in C: the first copy of every unit, which every pass of
 * the detector starts from; the copied runs; and which repeats and blocks go.
 *
 * For each repeated unit (in document order), the length of the longest run of
 * consecutive repeats ending at it that copies a run of consecutive earlier units: its
 * first copy, or one of the first 16 later copies of it (the same bound as the Python
 * loop, which this computes exactly; see dedup.detectors._copied_runs). Also the
 * columns of a document's decisions, made from the findings in one pass.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <string.h>

#include "_arrays.h"

#define MAX_COPIES 16
/* How many units ahead a table slot is fetched: the tables are larger than the cache,
 * and a probe that waits for memory costs as much as the rest of a unit's work. */
#define AHEAD 16

#if defined(__GNUC__) || defined(__clang__)
#define PREFETCH(address) __builtin_prefetch(address)
#else
#define PREFETCH(address) ((void)(address))
#endif

/* The first slot to probe for a fingerprint in a table of size slots (a power of 2). */
static inline size_t slot_of(uint64_t fingerprint, size_t size) {
    return (size_t)((fingerprint * UINT64_C(0x9E3779B97F4A7C15)) >> 20) & (size - 1);
}
#define MAX_CHAIN (MAX_COPIES + 1)

typedef struct {
    int64_t position[MAX_CHAIN];
    int64_t length[MAX_CHAIN];
    int count;
} Chain;

/* A group of units with one fingerprint, known by its first copy: where its later
 * copies are listed (a block of MAX_COPIES positions, one cache line) and how many. */
typedef struct {
    int32_t block;
    int32_t copies;
} Group;

static int64_t chain_length(const Chain *chain, int64_t position) {
    for (int i = 0; i < chain->count; i++)
        if (chain->position[i] == position)
            return chain->length[i];
    return 0;
}

static PyObject *copied_runs(PyObject *module, PyObject *const *args, Py_ssize_t nargs) {
    if (nargs != 4) {
        PyErr_SetString(PyExc_TypeError, "copied_runs(fingerprints, first_of, repeats, out)");
        return NULL;
    }
    Py_buffer fps_view, first_view, repeats_view, out_view;
    PyObject *result = NULL;
    if (get_array(args[0], &fps_view, 'Q', "fingerprints") < 0)
        return NULL;
    if (get_array(args[1], &first_view, 'q', "first_of") < 0)
        goto release_fps;
    if (get_array(args[2], &repeats_view, 'q', "repeats") < 0)
        goto release_first;
    if (get_array(args[3], &out_view, 'q', "out") < 0)
        goto release_repeats;
    /* The fingerprints only give the count of units: first_of, made from them, tells
     * which units are copies of which. */
    const int64_t *first_of = first_view.buf;
    const int64_t *repeats = repeats_view.buf;
    int64_t *out = out_view.buf;
    Py_ssize_t units = fps_view.len / 8, count = repeats_view.len / 8;
    if (first_view.len / 8 != units || out_view.len / 8 != count) {
        PyErr_SetString(PyExc_ValueError, "the arrays' lengths do not agree");
        goto release_all;
    }
    for (Py_ssize_t r = 0; r < count; r++) {
        if (repeats[r] < 1 || repeats[r] >= units || first_of[repeats[r]] < 0 ||
            first_of[repeats[r]] >= repeats[r]) {
            PyErr_SetString(PyExc_ValueError, "a repeat lies outside the fingerprints");
            goto release_all;
        }
    }
    /* The first MAX_COPIES later copies of each group, in the group's block. Groups are
     * indexed by their first copy, which first_of gives (it came from the fingerprints),
     * so no table is probed. The group and the block a repeat reads are fetched some
     * repeats ahead: they are scattered over memory larger than the cache. */
    if (units > INT32_MAX) {
        PyErr_SetString(PyExc_ValueError, "too many units");
        goto release_all;
    }
    Group *groups = PyMem_Calloc((size_t)units + 1, sizeof *groups);
    char *block_memory = PyMem_Malloc(((size_t)count + 1) * MAX_COPIES * sizeof(int32_t) + 64);
    Chain *before = PyMem_Malloc(sizeof *before), *chain = PyMem_Malloc(sizeof *chain);
    if (!groups || !block_memory || !before || !chain) {
        PyErr_NoMemory();
        goto free_all;
    }
    /* Each block on a cache line of its own. */
    int32_t *blocks = (int32_t *)(block_memory + (64 - (uintptr_t)block_memory % 64) % 64);
    int32_t blocks_used = 0;
    before->count = 0;
    int64_t previous = -2;
    for (Py_ssize_t r = 0; r < count; r++) {
        if (r + AHEAD < count)
            PREFETCH(&groups[first_of[repeats[r + AHEAD]]]);
        if (r + AHEAD / 2 < count) {
            const Group *ahead = &groups[first_of[repeats[r + AHEAD / 2]]];
            if (ahead->copies)
                PREFETCH(&blocks[(size_t)ahead->block * MAX_COPIES]);
        }
        int64_t position = repeats[r];
        if (position != previous + 1)
            before->count = 0; /* the unit before is a first copy: no run goes through it */
        previous = position;
        int64_t first = first_of[position];
        Group *group = &groups[first];
        int32_t *copies = &blocks[(size_t)(group->copies ? group->block : blocks_used) * MAX_COPIES];
        chain->count = 1;
        chain->position[0] = first;
        chain->length[0] = chain_length(before, first - 1) + 1;
        int64_t longest = chain->length[0];
        for (int32_t i = 0; i < group->copies; i++) {
            int64_t at = copies[i];
            int64_t length = chain_length(before, at - 1) + 1;
            chain->position[chain->count] = at;
            chain->length[chain->count++] = length;
            if (length > longest)
                longest = length;
        }
        if (group->copies < MAX_COPIES) {
            if (!group->copies)
                group->block = blocks_used++;
            copies[group->copies++] = (int32_t)position;
        }
        out[r] = longest;
        Chain *swap = before;
        before = chain;
        chain = swap;
    }
    result = Py_NewRef(Py_None);
free_all:
    PyMem_Free(groups);
    PyMem_Free(block_memory);
    PyMem_Free(before);
    PyMem_Free(chain);
release_all:
    PyBuffer_Release(&out_view);
release_repeats:
    PyBuffer_Release(&repeats_view);
release_first:
    PyBuffer_Release(&first_view);
release_fps:
    PyBuffer_Release(&fps_view);
    return result;
}

/* A fingerprint and the position of its first unit, side by side: a probe of the table
 * reads one cache line, not one in each of two arrays. */
typedef struct {
    uint64_t fingerprint;
    int64_t position;
} Slot;

/* first_of[i] = the position of the first of the count fingerprints equal to fps[i],
 * with an open-addressing table, each slot fetched some fingerprints ahead; -1 with
 * MemoryError set if the table cannot be made. */
static int first_positions(const uint64_t *fps, Py_ssize_t count, int64_t *first_of) {
    size_t size = 16;
    while (size < (size_t)count * 2)
        size <<= 1;
    Slot *slots = PyMem_Malloc(size * sizeof *slots);
    if (!slots) {
        PyErr_NoMemory();
        return -1;
    }
    memset(slots, 0xff, size * sizeof *slots); /* a position of -1 marks an empty slot */
    for (Py_ssize_t i = 0; i < count; i++) {
        if (i + AHEAD < count)
            PREFETCH(&slots[slot_of(fps[i + AHEAD], size)]);
        uint64_t fingerprint = fps[i];
        size_t slot = slot_of(fingerprint, size);
        while (slots[slot].position >= 0 && slots[slot].fingerprint != fingerprint)
            slot = (slot + 1) & (size - 1);
        if (slots[slot].position < 0) {
            slots[slot].fingerprint = fingerprint;
            slots[slot].position = i;
        }
        first_of[i] = slots[slot].position;
    }
    PyMem_Free(slots);
    return 0;
}

/* first_copies(fingerprints, first_of) -> bytes: first_of[i] = the position of the
 * first unit with fingerprints[i]; returns the positions where that is not i (the
 * repeats), as native int64. What dedup.detectors.first_copies does with a dict. */
static PyObject *first_copies(PyObject *module, PyObject *const *args, Py_ssize_t nargs) {
    if (nargs != 2) {
        PyErr_SetString(PyExc_TypeError, "first_copies(fingerprints, first_of)");
        return NULL;
    }
    Py_buffer fps_view, first_view;
    if (get_array(args[0], &fps_view, 'Q', "fingerprints") < 0)
        return NULL;
    if (get_array(args[1], &first_view, 'q', "first_of") < 0) {
        PyBuffer_Release(&fps_view);
        return NULL;
    }
    int64_t *first_of = first_view.buf;
    Py_ssize_t count = fps_view.len / 8, repeats = 0;
    PyObject *result = NULL;
    int64_t *found = NULL;
    if (first_view.len / 8 != count) {
        PyErr_SetString(PyExc_ValueError, "the arrays' lengths do not agree");
        goto done;
    }
    found = PyMem_Malloc(((size_t)count + 1) * sizeof *found);
    if (!found) {
        PyErr_NoMemory();
        goto done;
    }
    if (first_positions(fps_view.buf, count, first_of) < 0)
        goto done;
    for (Py_ssize_t i = 0; i < count; i++)
        if (first_of[i] != i)
            found[repeats++] = i;
    result = PyBytes_FromStringAndSize((const char *)found, repeats * 8);
done:
    PyMem_Free(found);
    PyBuffer_Release(&first_view);
    PyBuffer_Release(&fps_view);
    return result;
}

/* distinct(fingerprints) -> bytes: the fingerprints without their repeats, in order, as
 * native uint64. */
static PyObject *distinct(PyObject *module, PyObject *fingerprints) {
    Py_buffer fps_view;
    if (get_array(fingerprints, &fps_view, 'Q', "fingerprints") < 0)
        return NULL;
    const uint64_t *fps = fps_view.buf;
    Py_ssize_t count = fps_view.len / 8, kept = 0;
    PyObject *result = NULL;
    int64_t *first_of = PyMem_Malloc(((size_t)count + 1) * sizeof *first_of);
    uint64_t *out = PyMem_Malloc(((size_t)count + 1) * sizeof *out);
    if (!first_of || !out) {
        PyErr_NoMemory();
        goto done;
    }
    if (first_positions(fps, count, first_of) < 0)
        goto done;
    for (Py_ssize_t i = 0; i < count; i++)
        if (first_of[i] == i)
            out[kept++] = fps[i];
    result = PyBytes_FromStringAndSize((const char *)out, kept * 8);
done:
    PyMem_Free(first_of);
    PyMem_Free(out);
    PyBuffer_Release(&fps_view);
    return result;
}

/* first_copies_among(first_of_all, active, first_of) -> bytes: what first_copies gives
 * for the fingerprints of the units in active (a list of ascending unit indices), worked
 * out from first_of_all, the first copies among all units: two units have one
 * fingerprint when they have one first copy. No table is probed, and a unit that is a
 * first copy (most are) is a read of memory in order. */
static PyObject *first_copies_among(PyObject *module, PyObject *const *args, Py_ssize_t nargs) {
    if (nargs != 3 || !PyList_Check(args[1])) {
        PyErr_SetString(PyExc_TypeError, "first_copies_among(first_of_all, active: list, first_of)");
        return NULL;
    }
    Py_buffer all_view, first_view;
    if (get_array(args[0], &all_view, 'q', "first_of_all") < 0)
        return NULL;
    if (get_array(args[2], &first_view, 'q', "first_of") < 0) {
        PyBuffer_Release(&all_view);
        return NULL;
    }
    const int64_t *first_of_all = all_view.buf;
    int64_t *first_of = first_view.buf;
    PyObject *active = args[1], *result = NULL;
    Py_ssize_t units = all_view.len / 8, count = PyList_GET_SIZE(active), repeats = 0;
    int32_t *leader = NULL; /* per first copy among all: the position of its group's first */
    int64_t *found = NULL;
    if (first_view.len / 8 != count) {
        PyErr_SetString(PyExc_ValueError, "first_of must hold one position per active unit");
        goto done;
    }
    if (units > INT32_MAX) {
        PyErr_SetString(PyExc_ValueError, "too many units");
        goto done;
    }
    leader = PyMem_Malloc(((size_t)units + 1) * sizeof *leader);
    found = PyMem_Malloc(((size_t)count + 1) * sizeof *found);
    if (!leader || !found) {
        PyErr_NoMemory();
        goto done;
    }
    memset(leader, 0xff, ((size_t)units + 1) * sizeof *leader); /* -1: no member met yet */
    int64_t previous = -1;
    for (Py_ssize_t position = 0; position < count; position++) {
        int64_t unit = PyLong_AsLongLong(PyList_GET_ITEM(active, position));
        if (unit == -1 && PyErr_Occurred())
            goto done;
        if (unit <= previous || unit >= units) {
            PyErr_SetString(PyExc_ValueError, "active must be ascending units");
            goto done;
        }
        previous = unit;
        int64_t first = first_of_all[unit];
        if (first < 0 || first > unit) {
            PyErr_SetString(PyExc_ValueError, "a first copy lies after its unit");
            goto done;
        }
        if (leader[first] < 0)
            leader[first] = (int32_t)position;
        else
            found[repeats++] = position;
        first_of[position] = leader[first];
    }
    result = PyBytes_FromStringAndSize((const char *)found, repeats * 8);
done:
    PyMem_Free(leader);
    PyMem_Free(found);
    PyBuffer_Release(&first_view);
    PyBuffer_Release(&all_view);
    return result;
}

/* gather(values, positions, out): out[i] = values[positions[i]], for a list of positions. */
static PyObject *gather(PyObject *module, PyObject *const *args, Py_ssize_t nargs) {
    if (nargs != 3 || !PyList_Check(args[1])) {
        PyErr_SetString(PyExc_TypeError, "gather(values, positions: list, out)");
        return NULL;
    }
    Py_buffer values_view, out_view;
    if (get_array(args[0], &values_view, 'Q', "values") < 0)
        return NULL;
    if (get_array(args[2], &out_view, 'Q', "out") < 0) {
        PyBuffer_Release(&values_view);
        return NULL;
    }
    const uint64_t *values = values_view.buf;
    uint64_t *out = out_view.buf;
    PyObject *positions = args[1], *result = NULL;
    Py_ssize_t size = values_view.len / 8, count = PyList_GET_SIZE(positions);
    if (out_view.len / 8 != count) {
        PyErr_SetString(PyExc_ValueError, "out must hold one value per position");
        goto done;
    }
    for (Py_ssize_t i = 0; i < count; i++) {
        Py_ssize_t position = PyLong_AsSsize_t(PyList_GET_ITEM(positions, i));
        if (position == -1 && PyErr_Occurred())
            goto done;
        if (position < 0 || position >= size) {
            PyErr_SetString(PyExc_IndexError, "a position lies outside the values");
            goto done;
        }
        out[i] = values[position];
    }
    result = Py_NewRef(Py_None);
done:
    PyBuffer_Release(&out_view);
    PyBuffer_Release(&values_view);
    return result;
}

/* The unit at a position: active[position] for a list, the position itself for None (the
 * first pass, where every unit is active); -1 with an error set if it is no unit. */
static int64_t unit_at(PyObject *active, int64_t position, Py_ssize_t units) {
    int64_t unit = position;
    if (active != Py_None) {
        unit = PyLong_AsLongLong(PyList_GET_ITEM(active, position));
        if (unit == -1 && PyErr_Occurred())
            return -1;
    }
    if (unit < 0 || unit >= units) {
        PyErr_SetString(PyExc_ValueError, "a position lies outside the units");
        return -1;
    }
    return unit;
}

/* A unit's key length, from the list key_lengths; -1 with an error set. */
static Py_ssize_t length_of(PyObject *lengths, int64_t unit) {
    return PyLong_AsSsize_t(PyList_GET_ITEM(lengths, unit));
}

/* The unit at a position as an int object: active's own, or a new one for None. */
static PyObject *unit_object(PyObject *active, int64_t position) {
    if (active == Py_None)
        return PyLong_FromLongLong(position);
    return Py_NewRef(PyList_GET_ITEM(active, position));
}

/* repeat_findings(fingerprints, first_of, repeats, run_length, active, key_lengths,
 * protected, min_chars, block_min_chars, finding, rules) -> dict: what find_repeats
 * finds, {unit: finding((rule, kept unit))}, where rules is (repeat rule, block rule),
 * finding a tuple type of two fields, and the kept unit active[first_of[position]]. Its
 * two loops, rule for rule. Positions index active (a list of units, or None when every
 * unit is active), whose units index the lists key_lengths and protected. */
static PyObject *repeat_findings(PyObject *module, PyObject *const *args, Py_ssize_t nargs) {
    if (nargs != 11 || !(PyList_Check(args[4]) || args[4] == Py_None) ||
        !PyList_Check(args[5]) || !PyList_Check(args[6]) || !PyType_Check(args[9]) ||
        !PyType_IsSubtype((PyTypeObject *)args[9], &PyTuple_Type) || !PyTuple_Check(args[10]) ||
        PyTuple_GET_SIZE(args[10]) != 2) {
        PyErr_SetString(PyExc_TypeError,
                        "repeat_findings(fingerprints, first_of, repeats, run_length, active: "
                        "list or None, key_lengths: list, protected: list, min_chars, "
                        "block_min_chars, finding: a tuple type, rules: a pair)");
        return NULL;
    }
    PyTypeObject *finding = (PyTypeObject *)args[9];
    PyObject *rule_of[3] = {NULL, PyTuple_GET_ITEM(args[10], 0), PyTuple_GET_ITEM(args[10], 1)};
    PyObject *active = args[4], *lengths = args[5], *protected = args[6];
    Py_ssize_t min_chars = PyLong_AsSsize_t(args[7]);
    Py_ssize_t block_min_chars = PyLong_AsSsize_t(args[8]);
    if (PyErr_Occurred())
        return NULL;
    Py_buffer views[4];
    const char codes[4] = {'Q', 'q', 'q', 'q'};
    const char *names[4] = {"fingerprints", "first_of", "repeats", "run_length"};
    int held = 0;
    PyObject *result = NULL;
    char *kinds = NULL;
    for (; held < 4; held++) {
        if (get_array(args[held], &views[held], codes[held], names[held]) < 0)
            goto release;
    }
    const uint64_t *fps = views[0].buf;
    const int64_t *first_of = views[1].buf, *repeats = views[2].buf, *run_length = views[3].buf;
    Py_ssize_t positions = views[0].len / 8, count = views[2].len / 8;
    Py_ssize_t units = PyList_GET_SIZE(lengths);
    if (views[1].len / 8 != positions || views[3].len / 8 != count ||
        PyList_GET_SIZE(protected) != units ||
        (active != Py_None && PyList_GET_SIZE(active) != positions)) {
        PyErr_SetString(PyExc_ValueError, "the arrays' lengths do not agree");
        goto release;
    }
    for (Py_ssize_t r = 0; r < count; r++) {
        if (repeats[r] < 1 || repeats[r] >= positions || run_length[r] < 1 ||
            run_length[r] > repeats[r]) {
            PyErr_SetString(PyExc_ValueError, "a repeat lies outside the positions");
            goto release;
        }
    }
    kinds = PyMem_Calloc((size_t)positions + 1, 1);
    if (kinds == NULL) {
        PyErr_NoMemory();
        goto release;
    }
    for (Py_ssize_t r = 0; r < count; r++) {
        int64_t position = repeats[r], unit = unit_at(active, position, units);
        if (unit < 0)
            goto release;
        int is_protected = PyObject_IsTrue(PyList_GET_ITEM(protected, unit));
        if (is_protected < 0)
            goto release;
        if (is_protected)
            continue;
        /* A unit right after its own copy is a scraper stutter whatever its length. */
        if (fps[position - 1] == fps[position]) {
            kinds[position] = 1;
            continue;
        }
        Py_ssize_t length = length_of(lengths, unit);
        if (length == -1 && PyErr_Occurred())
            goto release;
        if (length >= min_chars)
            kinds[position] = 1;
    }
    int64_t limit = positions; /* positions from here on are inside a block already taken */
    for (Py_ssize_t r = count - 1; r >= 0; r--) {
        int64_t position = repeats[r], length = run_length[r];
        if (position >= limit || length < 2)
            continue;
        Py_ssize_t total = 0;
        for (int64_t start = position - length + 1; start <= position; start++) {
            int64_t unit = unit_at(active, start, units);
            Py_ssize_t chars = unit < 0 ? -1 : length_of(lengths, unit);
            if (chars == -1 && PyErr_Occurred())
                goto release;
            total += chars;
        }
        if (total >= block_min_chars)
            memset(kinds + position - length + 1, 2, (size_t)length);
        limit = position - length + 1;
    }
    /* Every position found is a repeat: the blocks are runs of them. */
    result = PyDict_New();
    if (result == NULL)
        goto release;
    for (Py_ssize_t r = 0; r < count; r++) {
        int64_t position = repeats[r];
        if (!kinds[position])
            continue;
        if (first_of[position] < 0 || first_of[position] >= positions) {
            PyErr_SetString(PyExc_ValueError, "a first copy lies outside the positions");
            goto fail;
        }
        PyObject *item = finding->tp_alloc(finding, 2);
        PyObject *unit = unit_object(active, position);
        PyObject *kept = item && unit ? unit_object(active, first_of[position]) : NULL;
        if (kept == NULL) {
            Py_XDECREF(item);
            Py_XDECREF(unit);
            goto fail;
        }
        PyTuple_SET_ITEM(item, 0, Py_NewRef(rule_of[(int)kinds[position]]));
        PyTuple_SET_ITEM(item, 1, kept);
        int failed = PyDict_SetItem(result, unit, item);
        Py_DECREF(unit);
        Py_DECREF(item);
        if (failed < 0)
            goto fail;
    }
    goto release;
fail:
    Py_CLEAR(result);
release:
    PyMem_Free(kinds);
    for (int i = 0; i < held; i++)
        PyBuffer_Release(&views[i]);
    return result;
}

/* A finding of the dict, with its unit: sorted by unit to make the columns. */
typedef struct {
    int64_t unit;
    PyObject *finding;
} Found;

static int compare_found(const void *a, const void *b) {
    int64_t x = ((const Found *)a)->unit, y = ((const Found *)b)->unit;
    return (x > y) - (x < y);
}

static PyObject *int64_bytes(const int64_t *values, Py_ssize_t count) {
    return PyBytes_FromStringAndSize((const char *)values, count * (Py_ssize_t)sizeof *values);
}

/* finding_columns(findings, starts, ends, offset): the columns of a document's decisions
 * (see dedup.results.DecisionList), one C pass instead of a map per column. findings
 * maps unit -> (rule, kept unit or None); starts and ends are the units' spans. Returns
 * (units, starts, ends, rules, copied, copy_starts, copy_units): the units in order and
 * their spans (plus offset), their rules (a list), and for the findings with a kept
 * copy, their positions among the units, the copy's start (plus offset) and the copy;
 * the int columns as native int64 bytes. */
static PyObject *finding_columns(PyObject *module, PyObject *const *args, Py_ssize_t nargs) {
    if (nargs != 4 || !PyDict_Check(args[0])) {
        PyErr_SetString(PyExc_TypeError, "finding_columns(findings: dict, starts, ends, offset)");
        return NULL;
    }
    Py_ssize_t offset = PyLong_AsSsize_t(args[3]);
    if (offset == -1 && PyErr_Occurred())
        return NULL;
    Spans spans;
    if (get_spans(args[1], args[2], PY_SSIZE_T_MAX, "a span is negative or reversed", &spans) < 0)
        return NULL;
    Py_ssize_t count = PyDict_GET_SIZE(args[0]);
    Found *found = PyMem_Malloc(((size_t)count + 1) * sizeof *found);
    int64_t *columns = PyMem_Malloc(((size_t)count + 1) * 6 * sizeof *columns);
    PyObject *rules = PyList_New(count), *result = NULL;
    if (!found || !columns || !rules) {
        if (!PyErr_Occurred())
            PyErr_NoMemory();
        goto done;
    }
    int64_t *units = columns, *starts = units + count, *ends = starts + count;
    int64_t *copied = ends + count, *copy_starts = copied + count, *copy_units = copy_starts + count;
    PyObject *key, *value;
    Py_ssize_t position = 0, at = 0, copies = 0;
    while (PyDict_Next(args[0], &position, &key, &value)) {
        Py_ssize_t unit = PyLong_AsSsize_t(key);
        if (unit == -1 && PyErr_Occurred())
            goto done;
        if (unit < 0 || unit >= spans.count) {
            PyErr_SetString(PyExc_IndexError, "a finding's unit lies outside the spans");
            goto done;
        }
        if (!PyTuple_Check(value) || PyTuple_GET_SIZE(value) < 2) {
            PyErr_SetString(PyExc_TypeError, "a finding must be a (rule, kept unit) tuple");
            goto done;
        }
        found[at].unit = unit;
        found[at++].finding = value;
    }
    if (count >= spans.count / 16) {
        /* Findings for many of the units (most, in sentence mode): put in order by
         * unit, one pass over the units where sorting took as long as the rest. */
        PyObject **by_unit = PyMem_Calloc((size_t)spans.count + 1, sizeof *by_unit);
        if (!by_unit) {
            PyErr_NoMemory();
            goto done;
        }
        for (Py_ssize_t i = 0; i < count; i++)
            by_unit[found[i].unit] = found[i].finding;
        at = 0;
        for (Py_ssize_t unit = 0; unit < spans.count; unit++) {
            if (by_unit[unit]) {
                found[at].unit = unit;
                found[at++].finding = by_unit[unit];
            }
        }
        PyMem_Free(by_unit);
    } else {
        qsort(found, (size_t)count, sizeof *found, compare_found);
    }
    for (Py_ssize_t i = 0; i < count; i++) {
        int64_t unit = found[i].unit;
        units[i] = unit;
        starts[i] = spans.start[unit] + offset;
        ends[i] = spans.end[unit] + offset;
        PyList_SET_ITEM(rules, i, Py_NewRef(PyTuple_GET_ITEM(found[i].finding, 0)));
        PyObject *copy = PyTuple_GET_ITEM(found[i].finding, 1);
        if (copy == Py_None)
            continue;
        Py_ssize_t copy_unit = PyLong_AsSsize_t(copy);
        if (copy_unit == -1 && PyErr_Occurred())
            goto done;
        if (copy_unit < 0 || copy_unit >= spans.count) {
            PyErr_SetString(PyExc_IndexError, "a kept copy lies outside the spans");
            goto done;
        }
        copied[copies] = i;
        copy_starts[copies] = spans.start[copy_unit] + offset;
        copy_units[copies++] = copy_unit;
    }
    result = Py_BuildValue("(NNNONNN)", int64_bytes(units, count), int64_bytes(starts, count),
                           int64_bytes(ends, count), rules, int64_bytes(copied, copies),
                           int64_bytes(copy_starts, copies), int64_bytes(copy_units, copies));
done:
    Py_XDECREF(rules);
    PyMem_Free(found);
    PyMem_Free(columns);
    release_spans(&spans);
    return result;
}

/* still_kept(units: list of int, flags: bytes-like) -> list: the units whose flag is
 * not 0, in order (the same int objects). */
static PyObject *still_kept(PyObject *module, PyObject *const *args, Py_ssize_t nargs) {
    if (nargs != 2 || !PyList_Check(args[0])) {
        PyErr_SetString(PyExc_TypeError, "still_kept(units: list, flags)");
        return NULL;
    }
    Py_buffer view;
    if (PyObject_GetBuffer(args[1], &view, PyBUF_SIMPLE) < 0)
        return NULL;
    const unsigned char *flags = view.buf;
    PyObject *units = args[0], *result = PyList_New(0);
    if (result == NULL)
        goto done;
    for (Py_ssize_t i = 0; i < PyList_GET_SIZE(units); i++) {
        PyObject *unit = PyList_GET_ITEM(units, i);
        Py_ssize_t index = PyLong_AsSsize_t(unit);
        if (index == -1 && PyErr_Occurred())
            goto fail;
        if (index < 0 || index >= view.len) {
            PyErr_SetString(PyExc_IndexError, "a unit lies outside the flags");
            goto fail;
        }
        if (flags[index] && PyList_Append(result, unit) < 0)
            goto fail;
    }
    goto done;
fail:
    Py_CLEAR(result);
done:
    PyBuffer_Release(&view);
    return result;
}

/* kept_positions(flags: bytes-like) -> list: the positions whose flag is not 0, in
 * order: an int is made for those only (compress over a range makes one for each). */
static PyObject *kept_positions(PyObject *module, PyObject *flags_object) {
    Py_buffer view;
    if (PyObject_GetBuffer(flags_object, &view, PyBUF_SIMPLE) < 0)
        return NULL;
    const unsigned char *flags = view.buf;
    Py_ssize_t count = 0;
    for (Py_ssize_t i = 0; i < view.len; i++)
        count += flags[i] != 0;
    PyObject *result = PyList_New(count);
    if (result == NULL)
        goto done;
    Py_ssize_t at = 0;
    for (Py_ssize_t i = 0; i < view.len && at < count; i++) {
        if (!flags[i])
            continue;
        PyObject *position = PyLong_FromSsize_t(i);
        if (position == NULL) {
            Py_CLEAR(result);
            goto done;
        }
        PyList_SET_ITEM(result, at++, position);
    }
done:
    PyBuffer_Release(&view);
    return result;
}

/* rule_totals(rules: list of str, starts, ends, chars) -> dict: per rule, in the order
 * rules first occur, [units, bytes, characters] of the spans (array('q')s, one entry per
 * rule). */
static PyObject *rule_totals(PyObject *module, PyObject *const *args, Py_ssize_t nargs) {
    if (nargs != 4 || !PyList_Check(args[0])) {
        PyErr_SetString(PyExc_TypeError, "rule_totals(rules: list, starts, ends, chars)");
        return NULL;
    }
    Py_buffer views[3];
    const char *names[3] = {"starts", "ends", "chars"};
    int held = 0;
    PyObject *totals = NULL, *rules = args[0];
    for (; held < 3; held++)
        if (get_array(args[held + 1], &views[held], 'q', names[held]) < 0)
            goto done;
    Py_ssize_t count = PyList_GET_SIZE(rules);
    if (views[0].len / 8 != count || views[1].len / 8 != count || views[2].len / 8 != count) {
        PyErr_SetString(PyExc_ValueError, "one start, end and count per rule");
        goto done;
    }
    const int64_t *starts = views[0].buf, *ends = views[1].buf, *chars = views[2].buf;
    totals = PyDict_New();
    if (totals == NULL)
        goto done;
    /* The sums in C, per rule: a small table beside the dict, found by the rule's
     * position among the distinct rules (rules repeat in runs, so the last one is tried
     * first). */
    Py_ssize_t distinct = 0, capacity = 16, last = -1;
    int64_t(*sums)[3] = PyMem_Calloc((size_t)capacity, sizeof *sums);
    PyObject **seen = PyMem_Calloc((size_t)capacity, sizeof *seen);
    if (!sums || !seen) {
        PyErr_NoMemory();
        goto fail;
    }
    for (Py_ssize_t i = 0; i < count; i++) {
        PyObject *rule = PyList_GET_ITEM(rules, i);
        if (!PyUnicode_CheckExact(rule)) { /* then comparing them runs no Python code */
            PyErr_SetString(PyExc_TypeError, "rules must be str");
            goto fail;
        }
        Py_ssize_t slot = -1;
        if (last >= 0 && seen[last] == rule)
            slot = last;
        for (Py_ssize_t k = 0; slot < 0 && k < distinct; k++)
            if (seen[k] == rule || PyUnicode_Compare(seen[k], rule) == 0)
                slot = k;
        if (slot < 0) {
            if (distinct == capacity) {
                capacity *= 2;
                int64_t(*more_sums)[3] = PyMem_Realloc(sums, (size_t)capacity * sizeof *sums);
                if (more_sums == NULL) {
                    PyErr_NoMemory();
                    goto fail;
                }
                sums = more_sums;
                PyObject **more_seen = PyMem_Realloc(seen, (size_t)capacity * sizeof *seen);
                if (more_seen == NULL) {
                    PyErr_NoMemory();
                    goto fail;
                }
                seen = more_seen;
            }
            slot = distinct++;
            seen[slot] = rule;
            sums[slot][0] = sums[slot][1] = sums[slot][2] = 0;
        }
        last = slot;
        sums[slot][0] += 1;
        sums[slot][1] += ends[i] - starts[i];
        sums[slot][2] += chars[i];
    }
    for (Py_ssize_t k = 0; k < distinct; k++) {
        PyObject *total = Py_BuildValue("[LLL]", (long long)sums[k][0], (long long)sums[k][1],
                                        (long long)sums[k][2]);
        if (total == NULL || PyDict_SetItem(totals, seen[k], total) < 0) {
            Py_XDECREF(total);
            goto fail;
        }
        Py_DECREF(total);
    }
    goto release;
fail:
    Py_CLEAR(totals);
release:
    PyMem_Free(sums);
    PyMem_Free(seen);
done:
    for (int i = 0; i < held; i++)
        PyBuffer_Release(&views[i]);
    return totals;
}

/* unmark(flags: bytearray, units: dict) -> None: flags[unit] = 0 for every key of units. */
static PyObject *unmark(PyObject *module, PyObject *const *args, Py_ssize_t nargs) {
    if (nargs != 2 || !PyByteArray_Check(args[0]) || !PyDict_Check(args[1])) {
        PyErr_SetString(PyExc_TypeError, "unmark(flags: bytearray, units: dict)");
        return NULL;
    }
    char *flags = PyByteArray_AS_STRING(args[0]);
    Py_ssize_t size = PyByteArray_GET_SIZE(args[0]), position = 0;
    PyObject *key, *value;
    while (PyDict_Next(args[1], &position, &key, &value)) {
        Py_ssize_t unit = PyLong_AsSsize_t(key);
        if (unit == -1 && PyErr_Occurred())
            return NULL;
        if (unit < 0 || unit >= size) {
            PyErr_SetString(PyExc_IndexError, "a unit lies outside the flags");
            return NULL;
        }
        flags[unit] = 0;
    }
    Py_RETURN_NONE;
}

static PyMethodDef methods[] = {
    {"first_copies", (PyCFunction)(void (*)(void))first_copies, METH_FASTCALL,
     "first_copies(fingerprints, first_of): fill first_of; return the repeats' positions"},
    {"distinct", (PyCFunction)distinct, METH_O,
     "distinct(fingerprints) -> the fingerprints without their repeats, as native uint64"},
    {"kept_positions", (PyCFunction)kept_positions, METH_O,
     "kept_positions(flags) -> the positions whose flag is not 0, in order"},
    {"first_copies_among", (PyCFunction)(void (*)(void))first_copies_among, METH_FASTCALL,
     "first_copies_among(first_of_all, active, first_of): first_copies of active's units"},
    {"gather", (PyCFunction)(void (*)(void))gather, METH_FASTCALL,
     "gather(values, positions, out): out[i] = values[positions[i]]"},
    {"repeat_findings", (PyCFunction)(void (*)(void))repeat_findings, METH_FASTCALL,
     "repeat_findings(fingerprints, first_of, repeats, run_length, active, key_lengths, "
     "protected, min_chars, block_min_chars, finding, rules): find_repeats' findings"},
    {"rule_totals", (PyCFunction)(void (*)(void))rule_totals, METH_FASTCALL,
     "rule_totals(rules, starts, ends, chars): [units, bytes, chars] per rule"},
    {"unmark", (PyCFunction)(void (*)(void))unmark, METH_FASTCALL,
     "unmark(flags, units): flags[unit] = 0 for every unit (dict key)"},
    {"still_kept", (PyCFunction)(void (*)(void))still_kept, METH_FASTCALL,
     "still_kept(units, flags): the units whose flag is not 0"},
    {"finding_columns", (PyCFunction)(void (*)(void))finding_columns, METH_FASTCALL,
     "finding_columns(findings, starts, ends, offset): the columns of the decisions"},
    {"copied_runs", (PyCFunction)(void (*)(void))copied_runs, METH_FASTCALL,
     "copied_runs(fingerprints, first_of, repeats, out): out[i] = the longest copied run "
     "ending at repeats[i]"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_repeats", "First copies and copied runs of repeated units.", -1,
    methods,
};

PyMODINIT_FUNC PyInit__repeats(void) { return PyModule_Create(&module); }
