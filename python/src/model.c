/* Element and Model: create_element's result, add_model, value, set_state.
 *
 * Values cross into C as OnOff 0/1 or Level -32768..32767 (signed 16-bit,
 * Mesh Model 3.1.2; the board firmware took them unsigned) and are checked
 * here, so a bad one is a ValueError naming the range. */
#include "bmpy.h"

#include <structmember.h>

/* SIG model identifiers (Mesh Model 7.3). */
static int model_id_of(int functionality, int server_client)
{
    return 0x1000 + functionality * 2 + server_client;
}

/* Reads a state value for the model kind; -1 with ValueError/TypeError set. */
static int value_arg(PyObject *o, int functionality, const char *what, int32_t *out)
{
    PyObject *i = PyNumber_Index(o);
    if (!i) {
        PyErr_Format(PyExc_TypeError, "%s: the value must be an int (or bool), not %s", what,
                     Py_TYPE(o)->tp_name);
        return -1;
    }
    int overflow = 0;
    long v = PyLong_AsLongAndOverflow(i, &overflow);
    Py_DECREF(i);
    if (v == -1 && PyErr_Occurred())
        return -1;
    if (functionality == BM_ONOFF && (overflow || v < 0 || v > 1)) {
        PyErr_Format(PyExc_ValueError, "%s: a Generic OnOff value is 0 or 1", what);
        return -1;
    }
    if (functionality == BM_LEVEL && (overflow || v < -32768 || v > 32767)) {
        PyErr_Format(PyExc_ValueError, "%s: a Generic Level value is signed 16-bit, -32768..32767",
                     what);
        return -1;
    }
    *out = (int32_t)v;
    return 0;
}

/* ---------------------------------------------------------------- Element */

ElementObject *bmpy_element_new(NodeObject *node, int index)
{
    ElementObject *e = PyObject_New(ElementObject, &BmElement_Type);
    if (!e)
        return NULL;
    e->node = (NodeObject *)Py_NewRef((PyObject *)node);
    e->index = index;
    return e;
}

static void element_dealloc(ElementObject *e)
{
    Py_XDECREF((PyObject *)e->node);
    Py_TYPE(e)->tp_free((PyObject *)e);
}

static PyObject *element_add_model(ElementObject *e, PyObject *args, PyObject *kw)
{
    static char *kwlist[] = {"type", "functionality", "server_client", "callback", "value", NULL};
    int type = BM_GENERIC, fn = BM_ONOFF, sc = BM_SERVER;
    PyObject *cb = Py_None, *value = Py_None;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "|iii$OO:add_model", kwlist, &type, &fn, &sc, &cb,
                                     &value))
        return NULL;
    NodeObject *n = e->node;
    if (!bmpy_node_ok(n))
        return NULL;
    if (type < BM_GENERIC || type > BM_LIGHTNING)
        return PyErr_Format(PyExc_ValueError,
                            "add_model: type must be GENERIC, SENSORS, TIME_SCENES or "
                            "LIGHTNING (0..3), got %d",
                            type);
    if (fn != BM_ONOFF && fn != BM_LEVEL)
        return PyErr_Format(PyExc_ValueError,
                            "add_model: functionality must be ONOFF (0) or LEVEL (1), got %d", fn);
    if (sc != BM_SERVER && sc != BM_CLIENT)
        return PyErr_Format(PyExc_ValueError,
                            "add_model: server_client must be SERVER (0) or CLIENT (1), got %d",
                            sc);
    if (type != BM_GENERIC)
        return bmpy_raise(BM_ENOTSUP, "add_model",
                          "only GENERIC models (ONOFF, LEVEL) are supported yet");
    if (cb != Py_None && !PyCallable_Check(cb))
        return bmpy_raise(BM_EINVAL, "add_model", "callback must be callable or None");
    int32_t v = 0;
    if (value != Py_None && value_arg(value, fn, "add_model", &v) < 0)
        return NULL;

    ModelObject *m = PyObject_New(ModelObject, &BmModel_Type);
    if (!m)
        return NULL;
    m->node = (NodeObject *)Py_NewRef((PyObject *)n);
    m->element = (ElementObject *)Py_NewRef((PyObject *)e);
    m->model = NULL;
    m->callback = cb == Py_None ? NULL : Py_NewRef(cb);
    m->type = type;
    m->functionality = fn;
    m->server_client = sc;
    /* The node's list keeps the Model alive while the core may call back. */
    if (PyList_Append(n->models, (PyObject *)m) < 0) {
        Py_DECREF(m);
        return NULL;
    }
    struct bm_model *out = NULL;
    PyThreadState *ts = bmpy_enter(n);
    int rc = bm_add_model(n->node, e->index, (uint8_t)type, (uint8_t)fn, (uint8_t)sc, bmpy_model_cb,
                          m, v, &out);
    bmpy_leave(n, ts);
    if (rc != BM_OK) {
        Py_ssize_t last = PyList_GET_SIZE(n->models) - 1;
        PyList_SetSlice(n->models, last, last + 1, NULL);
        Py_DECREF(m);
        return bmpy_raise(rc, "add_model",
                          rc == BM_ENOSPC ? "no room for another model (BM_CFG limits)" : NULL);
    }
    m->model = out;
    return (PyObject *)m;
}

static PyObject *element_address(ElementObject *e, PyObject *unused)
{
    (void)unused;
    NodeObject *n = e->node;
    if (!bmpy_node_ok(n))
        return NULL;
    PyThreadState *ts = bmpy_enter(n);
    uint16_t a = bm_node_addr(n->node);
    bmpy_leave(n, ts);
    return PyLong_FromLong(a ? a + e->index : 0);
}

static PyMethodDef element_methods[] = {
    {"add_model", (PyCFunction)(void (*)(void))element_add_model, METH_VARARGS | METH_KEYWORDS,
     "add_model(type=GENERIC, functionality=ONOFF, server_client=SERVER, *, callback=None, "
     "value=None) -> Model"},
    {"address", (PyCFunction)element_address, METH_NOARGS,
     "address() -> the element's unicast address, 0 while unprovisioned (host extra)"},
    {NULL, NULL, 0, NULL},
};

static PyMemberDef element_members[] = {
    {"index", T_INT, offsetof(ElementObject, index), READONLY, "0 for the primary element"},
    {"node", T_OBJECT, offsetof(ElementObject, node), READONLY, "the node (BLE_Mesh object)"},
    {NULL, 0, 0, 0, NULL},
};

PyTypeObject BmElement_Type = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "blemesh._blemesh.Element",
    .tp_basicsize = sizeof(ElementObject),
    .tp_dealloc = (destructor)element_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "An element, from BLE_Mesh.create_element().",
    .tp_methods = element_methods,
    .tp_members = element_members,
};

/* ------------------------------------------------------------------ Model */

static void model_dealloc(ModelObject *m)
{
    Py_XDECREF(m->callback);
    Py_XDECREF((PyObject *)m->element);
    Py_XDECREF((PyObject *)m->node);
    Py_TYPE(m)->tp_free((PyObject *)m);
}

static PyObject *model_value(ModelObject *m, PyObject *args)
{
    PyObject *vo = NULL;
    if (!PyArg_ParseTuple(args, "|O:value", &vo))
        return NULL;
    NodeObject *n = m->node;
    if (!bmpy_node_ok(n))
        return NULL;
    int rc;
    int32_t v = 0;
    if (!vo) {
        PyThreadState *ts = bmpy_enter(n);
        rc = bm_model_get_value(m->model, &v);
        bmpy_leave(n, ts);
        if (rc != BM_OK)
            return bmpy_raise(rc, "value", NULL);
        return PyLong_FromLong(v);
    }
    if (m->server_client == BM_CLIENT)
        return bmpy_raise(BM_ESTATE, "value",
                          "value(v) sets a server's state; a client changes a remote state "
                          "with set_state(v, addr)");
    if (value_arg(vo, m->functionality, "value", &v) < 0)
        return NULL;
    PyThreadState *ts = bmpy_enter(n);
    rc = bm_model_set_value(n->node, m->model, v);
    bmpy_leave(n, ts);
    if (rc != BM_OK)
        return bmpy_raise(rc, "value", NULL);
    Py_RETURN_NONE;
}

static PyObject *model_set_state(ModelObject *m, PyObject *args, PyObject *kw)
{
    static char *kwlist[] = {"value", "addr", "app_idx", NULL};
    PyObject *vo;
    int addr = BM_ADDR_ALL_NODES, app_idx = 0;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "O|i$i:set_state", kwlist, &vo, &addr, &app_idx))
        return NULL;
    NodeObject *n = m->node;
    if (!bmpy_node_ok(n))
        return NULL;
    if (m->server_client == BM_SERVER)
        return bmpy_raise(BM_ESTATE, "set_state",
                          "set_state() is for client models; a server sets its own state with "
                          "value(v)");
    int32_t v;
    if (value_arg(vo, m->functionality, "set_state", &v) < 0)
        return NULL;
    if (addr < 0 || addr > 0xffff)
        return PyErr_Format(PyExc_ValueError, "set_state: addr must be 0x0000..0xFFFF, got %d",
                            addr);
    if (addr >= 0x8000 && addr <= 0xbfff)
        return bmpy_raise(BM_EINVAL, "set_state",
                          "addr is a virtual address: publish to it with ADDR_PUBLISH instead");
    if (app_idx < 0 || app_idx > 0xfff)
        return PyErr_Format(PyExc_ValueError, "set_state: app_idx must be 0..4095, got %d",
                            app_idx);
    PyThreadState *ts = bmpy_enter(n);
    bool prov = bm_node_is_provisioned(n->node);
    int rc = prov
                 ? bm_model_set_state(n->node, m->model, v, (uint16_t)addr, (uint16_t)app_idx, true)
                 : BM_ESTATE;
    bmpy_leave(n, ts);
    if (rc == BM_ESTATE && !prov)
        return bmpy_raise(rc, "set_state", "the node is not provisioned");
    if (rc == BM_ESTATE && addr == BM_ADDR_PUBLISH)
        return PyErr_Format(bmpy_error,
                            "set_state: no AppKey bound at app_idx %d, or no publication "
                            "address configured for ADDR_PUBLISH",
                            app_idx);
    if (rc == BM_ESTATE)
        return PyErr_Format(bmpy_error,
                            "set_state: no AppKey bound to this model at app_idx %d (configure "
                            "the node: AppKey Add, then Model App Bind)",
                            app_idx);
    if (rc != BM_OK)
        return bmpy_raise(rc, "set_state", NULL);
    Py_RETURN_NONE;
}

static PyObject *model_get_id(ModelObject *m, void *closure)
{
    (void)closure;
    return PyLong_FromLong(model_id_of(m->functionality, m->server_client));
}

static PyObject *model_repr(ModelObject *m)
{
    return PyUnicode_FromFormat("<Model %s %s on element %d>",
                                m->functionality == BM_ONOFF ? "Generic OnOff" : "Generic Level",
                                m->server_client == BM_SERVER ? "Server" : "Client",
                                m->element->index);
}

static PyMethodDef model_methods[] = {
    {"value", (PyCFunction)model_value, METH_VARARGS,
     "value() -> state; value(v) on a server sets it and publishes once"},
    {"set_state", (PyCFunction)(void (*)(void))model_set_state, METH_VARARGS | METH_KEYWORDS,
     "set_state(value, addr=ADDR_ALL_NODES, *, app_idx=0): a client's acknowledged Set"},
    {NULL, NULL, 0, NULL},
};

static PyMemberDef model_members[] = {
    {"element", T_OBJECT, offsetof(ModelObject, element), READONLY, "the Element"},
    {"node", T_OBJECT, offsetof(ModelObject, node), READONLY, "the node (BLE_Mesh object)"},
    {"type", T_INT, offsetof(ModelObject, type), READONLY, "GENERIC"},
    {"functionality", T_INT, offsetof(ModelObject, functionality), READONLY, "ONOFF or LEVEL"},
    {"server_client", T_INT, offsetof(ModelObject, server_client), READONLY, "SERVER or CLIENT"},
    {"callback", T_OBJECT, offsetof(ModelObject, callback), READONLY, "the callback or None"},
    {NULL, 0, 0, 0, NULL},
};

static PyGetSetDef model_getset[] = {
    {"model_id", (getter)model_get_id, NULL, "SIG model id, e.g. 0x1000 OnOff Server", NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

PyTypeObject BmModel_Type = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "blemesh._blemesh.Model",
    .tp_basicsize = sizeof(ModelObject),
    .tp_dealloc = (destructor)model_dealloc,
    .tp_repr = (reprfunc)model_repr,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "A model, from Element.add_model().",
    .tp_methods = model_methods,
    .tp_members = model_members,
    .tp_getset = model_getset,
};
