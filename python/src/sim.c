/* Sim: the simulated air (port/sim, docs/sim.md) with nodes in one
 * process, driven by explicit virtual time: Sim.run(ms).
 *
 * run() stops the simulator as soon as a node has queued an event, runs
 * the Python callbacks at that virtual instant, and goes on: callbacks see
 * the time they happened at, and their own core calls (set_state...) take
 * effect from that instant, not at the end of the run. Everything happens
 * in the calling thread with the GIL held; same seed, same calls, same run. */
#include "bmpy.h"

#include <stdlib.h>
#include <string.h>

#include "sim.h"

static void glue_rx(void *user, const uint8_t *adv, size_t len, int8_t rssi)
{
    NodeObject *n = user;
    if (n && n->node)
        bm_node_rx_adv(n->node, adv, len, rssi);
}

static uint64_t glue_process(void *user, uint64_t now_ms)
{
    NodeObject *n = user;
    return n && n->node ? bm_node_process(n->node, now_ms) : UINT64_MAX;
}

static const struct bm_sim_node_ops glue = {.rx = glue_rx, .process = glue_process};

/* A node that is gone: it hears nothing and never wakes. */
static uint64_t dead_process(void *user, uint64_t now_ms)
{
    (void)user;
    (void)now_ms;
    return UINT64_MAX;
}
static const struct bm_sim_node_ops dead = {.rx = NULL, .process = dead_process};

int bmpy_sim_attach(SimObject *s, NodeObject *n)
{
    if (s->running) {
        PyErr_SetString(bmpy_error, "Sim.node() cannot be called from a callback during run()");
        return -1;
    }
    if (s->node_count == s->node_cap) {
        size_t cap = s->node_cap ? s->node_cap * 2 : 8;
        NodeObject **nodes = realloc(s->nodes, cap * sizeof(*nodes));
        if (!nodes) {
            PyErr_NoMemory();
            return -1;
        }
        s->nodes = nodes;
        s->node_cap = cap;
    }
    uint32_t id;
    int rc = bm_sim_add_node(s->sim, &glue, n, &id);
    if (rc != BM_OK) {
        bmpy_raise(rc, "Sim.node", NULL);
        return -1;
    }
    s->nodes[id] = n;
    s->node_count = id + 1;
    n->sim = (SimObject *)Py_NewRef((PyObject *)s);
    n->sim_id = id;
    if (s->auto_link >= 0) {
        for (uint32_t i = 0; i < id; i++)
            if (s->nodes[i])
                bm_sim_link(s->sim, i, id, s->auto_link);
    }
    if (bmpy_node_create_core(n, bm_sim_platform(s->sim, id)) < 0)
        return -1;
    return 0;
}

void bmpy_sim_detach(NodeObject *n)
{
    SimObject *s = n->sim;
    if (!s || !s->sim || n->sim_id >= s->node_count || s->nodes[n->sim_id] != n)
        return;
    s->nodes[n->sim_id] = NULL;
    bm_sim_node_restart(s->sim, n->sim_id, &dead, NULL);
    bm_sim_set_radio(s->sim, n->sim_id, false);
}

void bmpy_sim_kick(NodeObject *n)
{
    if (n->sim && n->sim->sim)
        bm_sim_kick(n->sim->sim, n->sim_id);
}

/* Sim(seed=1, *, link=1.0, collisions=False, queue_len=16) */
static PyObject *sim_new(PyTypeObject *type, PyObject *args, PyObject *kw)
{
    static char *kwlist[] = {"seed", "link", "collisions", "queue_len", NULL};
    unsigned long long seed = 1;
    PyObject *link = NULL;
    int collisions = 0, queue_len = 16;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "|K$Opi:Sim", kwlist, &seed, &link, &collisions,
                                     &queue_len))
        return NULL;
    double auto_link = 1.0;
    if (link == Py_None) {
        auto_link = -1;
    } else if (link) {
        auto_link = PyFloat_AsDouble(link);
        if (auto_link == -1 && PyErr_Occurred())
            return NULL;
        if (!(auto_link >= 0 && auto_link <= 1))
            return bmpy_raise(BM_EINVAL, "Sim", "link must be a probability 0..1 or None");
    }
    if (queue_len < 1 || queue_len > BM_SIM_QUEUE_MAX)
        return PyErr_Format(PyExc_ValueError, "Sim: queue_len must be 1..%d", BM_SIM_QUEUE_MAX);
    SimObject *s = (SimObject *)type->tp_alloc(type, 0);
    if (!s)
        return NULL;
    struct bm_sim_config cfg;
    bm_sim_config_default(&cfg);
    cfg.seed = seed;
    cfg.collisions = collisions != 0;
    cfg.queue_len = (uint8_t)queue_len;
    int rc = bm_sim_create(&s->sim, &cfg);
    if (rc != BM_OK) {
        Py_DECREF(s);
        return bmpy_raise(rc, "Sim", NULL);
    }
    s->auto_link = auto_link;
    return (PyObject *)s;
}

static void sim_dealloc(SimObject *s)
{
    /* Every node holds a reference to its Sim: none is left here. */
    bm_sim_free(s->sim);
    free(s->nodes);
    Py_TYPE(s)->tp_free((PyObject *)s);
}

static PyObject *sim_node(SimObject *s, PyObject *args, PyObject *kw)
{
    static char *kwlist[] = {NULL};
    if (!PyArg_ParseTupleAndKeywords(args, kw, ":node", kwlist))
        return NULL;
    NodeObject *n = bmpy_node_alloc(BMPY_SIM);
    if (!n)
        return NULL;
    if (bmpy_sim_attach(s, n) < 0) {
        Py_DECREF(n);
        return NULL;
    }
    return (PyObject *)n;
}

/* A node argument: a Node of this Sim, or its id. */
static int node_id_arg(SimObject *s, PyObject *o, uint32_t *id)
{
    if (PyObject_TypeCheck(o, &BmNode_Type)) {
        NodeObject *n = (NodeObject *)o;
        if (n->backend != BMPY_SIM || n->sim != s) {
            PyErr_SetString(PyExc_ValueError, "that node is not in this Sim");
            return -1;
        }
        *id = n->sim_id;
        return 0;
    }
    unsigned long v = PyLong_AsUnsignedLong(o);
    if (PyErr_Occurred())
        return -1;
    if (v >= s->node_count) {
        PyErr_Format(PyExc_ValueError, "no node %lu in this Sim", v);
        return -1;
    }
    *id = (uint32_t)v;
    return 0;
}

static PyObject *sim_link(SimObject *s, PyObject *args, PyObject *kw)
{
    static char *kwlist[] = {"a", "b", "prob", "rssi", NULL};
    PyObject *a, *b;
    double prob = 1.0;
    int rssi = BM_SIM_LINK_RSSI_DEFAULT;
    uint32_t ia, ib;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "OO|d$i:link", kwlist, &a, &b, &prob, &rssi) ||
        node_id_arg(s, a, &ia) < 0 || node_id_arg(s, b, &ib) < 0)
        return NULL;
    if (!(prob >= 0 && prob <= 1) || ia == ib || rssi < -128 || rssi > 127)
        return bmpy_raise(BM_EINVAL, "link",
                          "prob is 0..1, rssi -128..127 dBm, and a node never hears itself");
    int rc = bm_sim_link_rssi(s->sim, ia, ib, prob, (int8_t)rssi);
    if (rc == BM_OK)
        rc = bm_sim_link_rssi(s->sim, ib, ia, prob, (int8_t)rssi);
    if (rc != BM_OK)
        return bmpy_raise(rc, "link", NULL);
    Py_RETURN_NONE;
}

static PyObject *sim_unlink(SimObject *s, PyObject *args)
{
    PyObject *a, *b;
    uint32_t ia, ib;
    if (!PyArg_ParseTuple(args, "OO:unlink", &a, &b) || node_id_arg(s, a, &ia) < 0 ||
        node_id_arg(s, b, &ib) < 0)
        return NULL;
    int rc = bm_sim_unlink(s->sim, ia, ib);
    if (rc != BM_OK)
        return bmpy_raise(rc, "unlink", NULL);
    Py_RETURN_NONE;
}

static bool no_events(void *ctx)
{
    return ((SimObject *)ctx)->pending == 0;
}

static void dispatch_all(SimObject *s)
{
    for (uint32_t i = 0; i < s->node_count && s->pending; i++)
        if (s->nodes[i] && s->nodes[i]->queue.len)
            bmpy_dispatch(s->nodes[i]);
}

/* run(ms): advances virtual time by ms, running callbacks as they fall due. */
static PyObject *sim_run(SimObject *s, PyObject *args)
{
    unsigned long long ms;
    if (!PyArg_ParseTuple(args, "K:run", &ms))
        return NULL;
    if (s->running)
        return bmpy_raise(BM_ESTATE, "Sim.run", "already running (called from a callback?)");
    uint64_t end_us = (bm_sim_now_ms(s->sim) + ms) * 1000;
    s->running = true;
    Py_INCREF(s);
    int rc = BM_OK;
    bool interrupted = false;
    for (;;) {
        dispatch_all(s);
        if (PyErr_CheckSignals() < 0) {
            interrupted = true; /* KeyboardInterrupt: leave with it set */
            break;
        }
        uint64_t now_us = bm_sim_now_us(s->sim);
        uint64_t limit_ms = end_us > now_us ? (end_us - now_us) / 1000 : 0;
        rc = bm_sim_run_while(s->sim, no_events, s, limit_ms);
        if (rc == BM_OK || (rc == BM_ETIMEOUT && s->pending))
            continue; /* an event is queued: run its callback at this instant */
        if (rc != BM_ETIMEOUT)
            break;
        /* the last fraction of a ms, then the callbacks it caused */
        rc = bm_sim_now_us(s->sim) < end_us ? bm_sim_run_until(s->sim, end_us / 1000) : BM_OK;
        dispatch_all(s);
        break;
    }
    s->running = false;
    Py_DECREF(s);
    if (interrupted)
        return NULL;
    if (rc != BM_OK)
        return bmpy_raise(rc, "Sim.run", NULL);
    Py_RETURN_NONE;
}

static PyObject *sim_get_now(SimObject *s, void *closure)
{
    (void)closure;
    return PyLong_FromUnsignedLongLong(bm_sim_now_ms(s->sim));
}

static PyObject *sim_get_count(SimObject *s, void *closure)
{
    (void)closure;
    return PyLong_FromUnsignedLong(s->node_count);
}

static PyObject *sim_stats(SimObject *s, PyObject *args)
{
    PyObject *o = NULL;
    uint32_t id = 0;
    if (!PyArg_ParseTuple(args, "|O:stats", &o))
        return NULL;
    struct bm_sim_stats st;
    if (o) {
        if (node_id_arg(s, o, &id) < 0)
            return NULL;
        st = *bm_sim_stats(s->sim, id);
    } else {
        bm_sim_stats_total(s->sim, &st);
    }
    return Py_BuildValue("{s:K,s:K,s:K,s:K,s:K}", "sent", (unsigned long long)st.sent, "received",
                         (unsigned long long)st.received, "dropped_loss",
                         (unsigned long long)st.dropped_loss, "dropped_collision",
                         (unsigned long long)st.dropped_collision, "queued",
                         (unsigned long long)st.queued);
}

static PyMethodDef sim_methods[] = {
    {"node", (PyCFunction)(void (*)(void))sim_node, METH_VARARGS | METH_KEYWORDS,
     "node() -> a new node (a BLE_Mesh object) in this air"},
    {"link", (PyCFunction)(void (*)(void))sim_link, METH_VARARGS | METH_KEYWORDS,
     "link(a, b, prob=1.0, *, rssi=-50): a and b hear each other with probability prob"},
    {"unlink", (PyCFunction)sim_unlink, METH_VARARGS, "unlink(a, b): they no longer hear"},
    {"run", (PyCFunction)sim_run, METH_VARARGS,
     "run(ms): advances virtual time by ms, running callbacks when they fall due"},
    {"stats", (PyCFunction)sim_stats, METH_VARARGS, "stats([node]) -> radio counters"},
    {NULL, NULL, 0, NULL},
};

static PyGetSetDef sim_getset[] = {
    {"now_ms", (getter)sim_get_now, NULL, "virtual time in ms", NULL},
    {"node_count", (getter)sim_get_count, NULL, "nodes created", NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

PyTypeObject BmSim_Type = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "blemesh._blemesh.Sim",
    .tp_basicsize = sizeof(SimObject),
    .tp_dealloc = (destructor)sim_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE,
    .tp_doc = "Sim(seed=1, *, link=1.0, collisions=False, queue_len=16): the simulated air. "
              "Each new node hears every earlier one with probability link (None: no "
              "automatic links).",
    .tp_methods = sim_methods,
    .tp_getset = sim_getset,
    .tp_new = sim_new,
};
