/*
 * Callgrind client requests for rota.perf.callgrind (see that module for why).
 *
 * Each function expands one macro of valgrind's own <valgrind/callgrind.h>. Outside
 * valgrind a client request is a short sequence of instructions that does nothing, so
 * every function here is a harmless no-op in an ordinary process.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <valgrind/callgrind.h>

static PyObject *
running_on_valgrind(PyObject *module, PyObject *unused)
{
    /* 0 natively, else how many valgrinds deep this process runs (1 normally). */
    return PyLong_FromUnsignedLong((unsigned long)RUNNING_ON_VALGRIND);
}

static PyObject *
zero_stats(PyObject *module, PyObject *unused)
{
    CALLGRIND_ZERO_STATS;
    Py_RETURN_NONE;
}

static PyObject *
start_instrumentation(PyObject *module, PyObject *unused)
{
    CALLGRIND_START_INSTRUMENTATION;
    Py_RETURN_NONE;
}

static PyObject *
stop_instrumentation(PyObject *module, PyObject *unused)
{
    CALLGRIND_STOP_INSTRUMENTATION;
    Py_RETURN_NONE;
}

static PyObject *
dump_stats_at(PyObject *module, PyObject *label)
{
    const char *text = PyUnicode_AsUTF8(label);
    if (text == NULL) {
        return NULL;
    }
    CALLGRIND_DUMP_STATS_AT(text);
    Py_RETURN_NONE;
}

static PyMethodDef callgrind_methods[] = {
    {"running_on_valgrind", running_on_valgrind, METH_NOARGS,
     "How many valgrinds deep this process runs: 0 outside valgrind."},
    {"zero_stats", zero_stats, METH_NOARGS, "CALLGRIND_ZERO_STATS: zero every cost."},
    {"start_instrumentation", start_instrumentation, METH_NOARGS,
     "CALLGRIND_START_INSTRUMENTATION: count from here on, in every thread."},
    {"stop_instrumentation", stop_instrumentation, METH_NOARGS,
     "CALLGRIND_STOP_INSTRUMENTATION: stop counting, in every thread."},
    {"dump_stats_at", dump_stats_at, METH_O,
     "CALLGRIND_DUMP_STATS_AT(label): write a profile named label, then zero the costs."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef callgrind_module = {
    PyModuleDef_HEAD_INIT,
    "_callgrind",
    "Callgrind client requests (valgrind/callgrind.h); no-ops outside valgrind.",
    0,
    callgrind_methods,
    NULL,
    NULL,
    NULL,
    NULL,
};

PyMODINIT_FUNC
PyInit__callgrind(void)
{
    return PyModuleDef_Init(&callgrind_module);
}
