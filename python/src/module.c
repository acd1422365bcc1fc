/* The module blemesh._blemesh: its types, the BLE_MeshError exception and
 * the board's constants (values of the Pycom firmware, see blemesh.h). */
#include "bmpy.h"
#include "sim.h"

PyObject *bmpy_error;

PyObject *bmpy_raise(int rc, const char *what, const char *detail)
{
    PyObject *type = rc == BM_EINVAL ? PyExc_ValueError : bmpy_error;
    if (rc == BM_ENOTSUP && !detail)
        detail = "not supported";
    if (detail)
        PyErr_Format(type, "%s: %s", what, detail);
    else
        PyErr_Format(type, "%s: %s", what, bm_strerror(rc));
    return NULL;
}

struct constant {
    const char *name;
    long value;
};

/* The board's names and values, plus the model callback's events. */
static const struct constant constants[] = {
    {"PROV_ADV", BM_PROV_ADV},
    {"PROV_GATT", BM_PROV_GATT},
    {"PROV_NONE", BM_PROV_NONE},
    {"RELAY", BM_RELAY},
    {"GATT_PROXY", BM_GATT_PROXY},
    {"LOW_POWER", BM_LOW_POWER},
    {"FRIEND", BM_FRIEND},
    {"OOB_INPUT", BM_OOB_INPUT},
    {"OOB_OUTPUT", BM_OOB_OUTPUT},
    {"ADDR_ALL_NODES", BM_ADDR_ALL_NODES},
    {"ADDR_PUBLISH", BM_ADDR_PUBLISH},
    {"GENERIC", BM_GENERIC},
    {"SENSORS", BM_SENSORS},
    {"TIME_SCENES", BM_TIME_SCENES},
    {"LIGHTNING", BM_LIGHTNING},
    {"ONOFF", BM_ONOFF},
    {"LEVEL", BM_LEVEL},
    {"SERVER", BM_SERVER},
    {"CLIENT", BM_CLIENT},
    {"EVT_STATE_CHANGED", BM_EVT_STATE_CHANGED},
    {"EVT_STATUS", BM_EVT_STATUS},
    {"EVT_TIMEOUT", BM_EVT_TIMEOUT},
};

int bmpy_add_constants(PyTypeObject *type)
{
    for (size_t i = 0; i < sizeof(constants) / sizeof(constants[0]); i++) {
        PyObject *v = PyLong_FromLong(constants[i].value);
        if (!v || PyDict_SetItemString(type->tp_dict, constants[i].name, v) < 0) {
            Py_XDECREF(v);
            return -1;
        }
        Py_DECREF(v);
    }
    PyType_Modified(type);
    return 0;
}

static int add_module_constants(PyObject *m)
{
    for (size_t i = 0; i < sizeof(constants) / sizeof(constants[0]); i++)
        if (PyModule_AddIntConstant(m, constants[i].name, constants[i].value) < 0)
            return -1;
    return 0;
}

static struct PyModuleDef module_def = {
    PyModuleDef_HEAD_INIT,
    .m_name = "blemesh._blemesh",
    .m_doc = "The C extension under the blemesh package: nodes, the simulated air, the "
             "provisioner's primitives (docs/python.md).",
    .m_size = -1,
};

PyMODINIT_FUNC PyInit__blemesh(void)
{
    PyTypeObject *types[] = {&BmNode_Type, &BmElement_Type, &BmModel_Type, &BmSim_Type};
    for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
        if (PyType_Ready(types[i]) < 0)
            return NULL;
    if (bmpy_add_constants(&BmNode_Type) < 0)
        return NULL;
    PyObject *m = PyModule_Create(&module_def);
    if (!m)
        return NULL;
    if (!bmpy_error) {
        bmpy_error = PyErr_NewExceptionWithDoc(
            "blemesh.BLE_MeshError",
            "A mesh call failed for the node's state (not provisioned, no AppKey bound, "
            "closed, not supported...). Bad arguments raise ValueError instead.",
            PyExc_RuntimeError, NULL);
        if (!bmpy_error)
            goto fail;
    }
    if (PyModule_AddObjectRef(m, "BLE_MeshError", bmpy_error) < 0 ||
        PyModule_AddObjectRef(m, "Node", (PyObject *)&BmNode_Type) < 0 ||
        PyModule_AddObjectRef(m, "Element", (PyObject *)&BmElement_Type) < 0 ||
        PyModule_AddObjectRef(m, "Model", (PyObject *)&BmModel_Type) < 0 ||
        PyModule_AddObjectRef(m, "Sim", (PyObject *)&BmSim_Type) < 0 ||
        add_module_constants(m) < 0 || PyModule_AddIntConstant(m, "NAME_MAX", BM_NAME_MAX) < 0 ||
        PyModule_AddIntConstant(m, "CFG_CLI_TIMEOUT_MS", BM_CFG_CLI_TIMEOUT_MS) < 0 ||
        PyModule_AddIntConstant(m, "CFG_CLI_RETRIES", BM_CFG_CLI_RETRIES) < 0)
        goto fail;
    return m;
fail:
    Py_DECREF(m);
    return NULL;
}
