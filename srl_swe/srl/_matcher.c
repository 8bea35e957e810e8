/* difflib.SequenceMatcher(None, a, b).ratio() for str a and b, in C, for many a against one b.

   The same algorithm as CPython's difflib (3.11): b's index without "popular" characters (autojunk:
   when len(b) >= 200, a character found more than len(b) // 100 + 1 times), find_longest_match
   with its tie-breaking (earliest in a, then earliest in b) and its extension over equal
   characters, and get_matching_blocks' splitting around each longest match. ratio() needs only the
   total size of the matching blocks, so the blocks are summed, not listed. What makes it faster than
   difflib (and cdifflib, which keeps difflib's dicts of Python ints) is the data layout: the
   j2len rows are two int arrays reused across rows and calls, and b's index is a flat array of
   positions per character. The equality tests in tests/test_similarity_native.py hold it to
   difflib's exact ratios. */

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    Py_UCS4 ch;
    Py_ssize_t start; /* into positions */
    Py_ssize_t count; /* 0: absent or popular */
    int used;
} Slot;

/* Raw allocators throughout but for b: matching runs without the GIL. */
typedef struct {
    Py_UCS4 *b;
    Py_ssize_t lb;
    Slot *slots;
    size_t mask;
    Py_ssize_t *positions; /* b's indices grouped by character, ascending within a character */
    int32_t *prev, *cur;   /* j2len rows, indexed by j + 1; all zero between calls */
    Py_ssize_t *prev_set, *cur_set;
    Py_ssize_t *stack;     /* (alo, ahi, blo, bhi) ranges still to match */
    Py_ssize_t stack_cap;
} Index;

static size_t hash_ch(Py_UCS4 ch) { return (size_t)ch * 2654435761u; }

static Slot *find_slot(const Index *ix, Py_UCS4 ch)
{
    size_t h = hash_ch(ch) & ix->mask;
    while (ix->slots[h].used) {
        if (ix->slots[h].ch == ch)
            return &ix->slots[h];
        h = (h + 1) & ix->mask;
    }
    return NULL;
}

static Slot *insert_slot(Index *ix, Py_UCS4 ch)
{
    size_t h = hash_ch(ch) & ix->mask;
    while (ix->slots[h].used) {
        if (ix->slots[h].ch == ch)
            return &ix->slots[h];
        h = (h + 1) & ix->mask;
    }
    ix->slots[h].used = 1;
    ix->slots[h].ch = ch;
    return &ix->slots[h];
}

static void free_index(Index *ix)
{
    PyMem_Free(ix->b); /* PyUnicode_AsUCS4Copy's */
    PyMem_RawFree(ix->slots);
    PyMem_RawFree(ix->positions);
    PyMem_RawFree(ix->prev);
    PyMem_RawFree(ix->cur);
    PyMem_RawFree(ix->prev_set);
    PyMem_RawFree(ix->cur_set);
    PyMem_RawFree(ix->stack);
}

/* difflib's __chain_b with isjunk=None, autojunk=True. */
static int build_index(Index *ix, PyObject *b)
{
    memset(ix, 0, sizeof(*ix));
    ix->lb = PyUnicode_GET_LENGTH(b);
    ix->b = PyUnicode_AsUCS4Copy(b);
    if (ix->b == NULL)
        return -1;
    size_t cap = 16;
    while (cap < (size_t)ix->lb * 2)
        cap <<= 1;
    ix->mask = cap - 1;
    ix->slots = PyMem_RawCalloc(cap, sizeof(Slot));
    ix->positions = PyMem_RawMalloc(sizeof(Py_ssize_t) * (ix->lb + 1));
    ix->prev = PyMem_RawCalloc(ix->lb + 2, sizeof(int32_t));
    ix->cur = PyMem_RawCalloc(ix->lb + 2, sizeof(int32_t));
    ix->prev_set = PyMem_RawMalloc(sizeof(Py_ssize_t) * (ix->lb + 1));
    ix->cur_set = PyMem_RawMalloc(sizeof(Py_ssize_t) * (ix->lb + 1));
    ix->stack_cap = 64;
    ix->stack = PyMem_RawMalloc(sizeof(Py_ssize_t) * 4 * ix->stack_cap);
    if (!ix->slots || !ix->positions || !ix->prev || !ix->cur || !ix->prev_set || !ix->cur_set || !ix->stack) {
        PyErr_NoMemory();
        return -1;
    }
    for (Py_ssize_t j = 0; j < ix->lb; j++)
        insert_slot(ix, ix->b[j])->count++;
    Py_ssize_t offset = 0;
    for (size_t h = 0; h < cap; h++) {
        if (ix->slots[h].used) {
            ix->slots[h].start = offset;
            offset += ix->slots[h].count;
            ix->slots[h].count = 0;
        }
    }
    for (Py_ssize_t j = 0; j < ix->lb; j++) {
        Slot *s = find_slot(ix, ix->b[j]);
        ix->positions[s->start + s->count++] = j;
    }
    if (ix->lb >= 200) {
        Py_ssize_t ntest = ix->lb / 100 + 1;
        for (size_t h = 0; h < cap; h++)
            if (ix->slots[h].used && ix->slots[h].count > ntest)
                ix->slots[h].count = 0;
    }
    return 0;
}

/* difflib's find_longest_match(alo, ahi, blo, bhi) without junk: the extension loops over junk
   elements never run, and the first two extend over any equal characters (popular ones too). */
static void longest_match(Index *ix, const Py_UCS4 *a, Py_ssize_t alo, Py_ssize_t ahi, Py_ssize_t blo,
                          Py_ssize_t bhi, Py_ssize_t *out_i, Py_ssize_t *out_j, Py_ssize_t *out_k)
{
    const Py_UCS4 *b = ix->b;
    Py_ssize_t besti = alo, bestj = blo, bestsize = 0;
    Py_ssize_t nprev = 0;
    for (Py_ssize_t i = alo; i < ahi; i++) {
        Py_ssize_t ncur = 0;
        const Slot *s = find_slot(ix, a[i]);
        if (s != NULL && s->count) {
            const Py_ssize_t *js = ix->positions + s->start;
            Py_ssize_t lo = 0, hi = s->count;
            while (lo < hi) { /* the first position >= blo: difflib skips the smaller ones */
                Py_ssize_t mid = (lo + hi) / 2;
                if (js[mid] < blo)
                    lo = mid + 1;
                else
                    hi = mid;
            }
            for (Py_ssize_t n = lo; n < s->count; n++) {
                Py_ssize_t j = js[n];
                if (j >= bhi)
                    break;
                int32_t k = ix->prev[j] + 1; /* j2len[j - 1] of the previous row, stored at j */
                ix->cur[j + 1] = k;
                ix->cur_set[ncur++] = j + 1;
                if (k > bestsize) {
                    besti = i - k + 1;
                    bestj = j - k + 1;
                    bestsize = k;
                }
            }
        }
        for (Py_ssize_t n = 0; n < nprev; n++)
            ix->prev[ix->prev_set[n]] = 0;
        int32_t *row = ix->prev;
        ix->prev = ix->cur;
        ix->cur = row;
        Py_ssize_t *set = ix->prev_set;
        ix->prev_set = ix->cur_set;
        ix->cur_set = set;
        nprev = ncur;
    }
    for (Py_ssize_t n = 0; n < nprev; n++)
        ix->prev[ix->prev_set[n]] = 0;
    while (besti > alo && bestj > blo && a[besti - 1] == b[bestj - 1]) {
        besti--;
        bestj--;
        bestsize++;
    }
    while (besti + bestsize < ahi && bestj + bestsize < bhi && a[besti + bestsize] == b[bestj + bestsize])
        bestsize++;
    *out_i = besti;
    *out_j = bestj;
    *out_k = bestsize;
}

static int push(Index *ix, Py_ssize_t *depth, Py_ssize_t alo, Py_ssize_t ahi, Py_ssize_t blo, Py_ssize_t bhi)
{
    if (*depth == ix->stack_cap) {
        Py_ssize_t *grown = PyMem_RawRealloc(ix->stack, sizeof(Py_ssize_t) * 8 * ix->stack_cap);
        if (grown == NULL)
            return -1;
        ix->stack = grown;
        ix->stack_cap *= 2;
    }
    Py_ssize_t *top = ix->stack + 4 * (*depth)++;
    top[0] = alo;
    top[1] = ahi;
    top[2] = blo;
    top[3] = bhi;
    return 0;
}

/* The total size of get_matching_blocks(); -1 when out of memory. */
static Py_ssize_t matched(Index *ix, const Py_UCS4 *a, Py_ssize_t la)
{
    Py_ssize_t total = 0, depth = 0;
    if (push(ix, &depth, 0, la, 0, ix->lb) < 0)
        return -1;
    while (depth) {
        Py_ssize_t *top = ix->stack + 4 * --depth;
        Py_ssize_t alo = top[0], ahi = top[1], blo = top[2], bhi = top[3];
        Py_ssize_t i, j, k;
        longest_match(ix, a, alo, ahi, blo, bhi, &i, &j, &k);
        if (k) {
            total += k;
            if (alo < i && blo < j && push(ix, &depth, alo, i, blo, j) < 0)
                return -1;
            if (i + k < ahi && j + k < bhi && push(ix, &depth, i + k, ahi, j + k, bhi) < 0)
                return -1;
        }
    }
    return total;
}

PyDoc_STRVAR(ratios_to_doc,
"ratios_to(b, actions) -> list[float]\n\n"
"difflib.SequenceMatcher(None, a, b).ratio() for each str a in actions.");

static PyObject *ratios_to(PyObject *module, PyObject *args)
{
    PyObject *b, *actions;
    if (!PyArg_ParseTuple(args, "UO:ratios_to", &b, &actions))
        return NULL;
    PyObject *seq = PySequence_Fast(actions, "ratios_to: actions must be a sequence of str");
    if (seq == NULL)
        return NULL;
    Py_ssize_t n = PySequence_Fast_GET_SIZE(seq);
    for (Py_ssize_t m = 0; m < n; m++) {
        if (!PyUnicode_Check(PySequence_Fast_GET_ITEM(seq, m))) {
            Py_DECREF(seq);
            return PyErr_Format(PyExc_TypeError, "ratios_to: actions[%zd] is not a str", m);
        }
    }
    Index ix;
    PyObject *out = NULL;
    if (build_index(&ix, b) < 0)
        goto done;
    out = PyList_New(n);
    if (out == NULL)
        goto done;
    for (Py_ssize_t m = 0; m < n; m++) {
        PyObject *action = PySequence_Fast_GET_ITEM(seq, m);
        Py_ssize_t la = PyUnicode_GET_LENGTH(action);
        Py_UCS4 *a = PyUnicode_AsUCS4Copy(action);
        if (a == NULL) {
            Py_CLEAR(out);
            goto done;
        }
        Py_ssize_t total;
        Py_BEGIN_ALLOW_THREADS
        total = matched(&ix, a, la);
        Py_END_ALLOW_THREADS
        PyMem_Free(a);
        if (total < 0) {
            Py_CLEAR(out);
            PyErr_NoMemory();
            goto done;
        }
        Py_ssize_t length = la + ix.lb;
        /* difflib's _calculate_ratio */
        PyObject *value = PyFloat_FromDouble(length ? 2.0 * (double)total / (double)length : 1.0);
        if (value == NULL) {
            Py_CLEAR(out);
            goto done;
        }
        PyList_SET_ITEM(out, m, value);
    }
done:
    free_index(&ix);
    Py_DECREF(seq);
    return out;
}

static PyMethodDef methods[] = {
    {"ratios_to", ratios_to, METH_VARARGS, ratios_to_doc},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_matcher",
    "difflib's SequenceMatcher ratio for text, in C (see _matcher.c).", -1, methods,
};

PyMODINIT_FUNC PyInit__matcher(void) { return PyModule_Create(&module); }
