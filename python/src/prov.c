/* The provisioner and Configuration Client primitives under
 * blemesh.Provisioner (python/blemesh/provisioner.py): each starts a
 * procedure and returns; results come back as events, dispatched to the
 * Python callback like every other callback. The waiting is done in
 * Python, by running the Sim or by waiting for the loop thread. */
#include "bmpy.h"

#include <string.h>

static void on_provision(void *user, const struct bm_provision_result *r)
{
    struct bmpy_event ev = {.kind = BMPY_EV_PROVISION, .pr = *r};
    bmpy_queue_push(user, &ev);
}

static void on_cfg(void *user, const struct bm_cfg_rsp *rsp)
{
    struct bmpy_event ev = {.kind = BMPY_EV_CFG,
                            .cfg_err = rsp->err,
                            .cfg_req = rsp->req,
                            .cfg_op = rsp->opcode,
                            .cfg_src = rsp->src,
                            .cfg_status = rsp->status};
    size_t len = rsp->raw && rsp->raw_len < BMPY_RAW_MAX ? rsp->raw_len : 0;
    if (rsp->raw && rsp->raw_len >= BMPY_RAW_MAX)
        len = BMPY_RAW_MAX;
    if (len)
        memcpy(ev.raw, rsp->raw, len);
    ev.raw_len = (uint16_t)len;
    bmpy_queue_push(user, &ev);
}

static int key_arg(PyObject *o, uint8_t key[16], const char *what)
{
    Py_buffer b;
    if (PyObject_GetBuffer(o, &b, PyBUF_SIMPLE) < 0)
        return -1;
    int ok = b.len == 16;
    if (ok)
        memcpy(key, b.buf, 16);
    PyBuffer_Release(&b);
    if (!ok) {
        PyErr_Format(PyExc_ValueError, "%s: a key or UUID is 16 octets", what);
        return -1;
    }
    return 0;
}

PyObject *bmpy_prov_create_network(NodeObject *n, PyObject *args, PyObject *kw)
{
    static char *kwlist[] = {"net_key", "net_idx", "iv_index", "addr", NULL};
    PyObject *key_o = Py_None;
    int net_idx = 0, addr = 1;
    unsigned long iv = 0;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "|O$iki", kwlist, &key_o, &net_idx, &iv, &addr) ||
        !bmpy_node_ok(n))
        return NULL;
    uint8_t key[16];
    if (key_o != Py_None && key_arg(key_o, key, "create_network") < 0)
        return NULL;
    if (net_idx < 0 || net_idx > 0xfff || addr < 1 || addr > 0x7fff || iv > 0xffffffffUL)
        return bmpy_raise(BM_EINVAL, "create_network",
                          "net_idx 0..4095, addr a unicast address 1..0x7FFF, iv_index 32-bit");
    PyThreadState *ts = bmpy_enter(n);
    int rc = bm_prov_create_network(n->node, key_o == Py_None ? NULL : key, (uint16_t)net_idx,
                                    (uint32_t)iv, (uint16_t)addr);
    bmpy_leave(n, ts);
    memset(key, 0, sizeof(key));
    if (rc != BM_OK)
        return bmpy_raise(rc, "create_network", NULL);
    Py_RETURN_NONE;
}

/* Results are read with bm_prov_scan_results; the core wants a callback. */
static void on_scan(void *user, const struct bm_unprov_device *dev)
{
    (void)user;
    (void)dev;
}

PyObject *bmpy_prov_scan(NodeObject *n, PyObject *on)
{
    if (!bmpy_node_ok(n))
        return NULL;
    int start = PyObject_IsTrue(on);
    if (start < 0)
        return NULL;
    PyThreadState *ts = bmpy_enter(n);
    int rc = start ? bm_prov_scan_start(n->node, on_scan, NULL) : bm_prov_scan_stop(n->node);
    bmpy_leave(n, ts);
    if (rc != BM_OK)
        return bmpy_raise(rc, "scan", NULL);
    Py_RETURN_NONE;
}

PyObject *bmpy_prov_scan_results(NodeObject *n, PyObject *unused)
{
    (void)unused;
    if (!bmpy_node_ok(n))
        return NULL;
    struct bm_unprov_device *devs = PyMem_Calloc(BM_CFG_SCAN_RESULTS, sizeof(*devs));
    if (!devs)
        return PyErr_NoMemory();
    size_t count = 0;
    PyThreadState *ts = bmpy_enter(n);
    int rc = bm_prov_scan_results(n->node, devs, BM_CFG_SCAN_RESULTS, &count);
    bmpy_leave(n, ts);
    PyObject *list = rc == BM_OK ? PyList_New(0) : bmpy_raise(rc, "scan_results", NULL);
    for (size_t i = 0; list && i < count; i++) {
        PyObject *d = Py_BuildValue("{s:y#,s:s,s:i,s:i,s:K}", "uuid", (const char *)devs[i].uuid,
                                    (Py_ssize_t)16, "name", devs[i].name, "rssi", devs[i].rssi,
                                    "oob_info", devs[i].oob_info, "last_seen_ms",
                                    (unsigned long long)devs[i].last_seen_ms);
        if (!d || PyList_Append(list, d) < 0)
            Py_CLEAR(list);
        Py_XDECREF(d);
    }
    PyMem_Free(devs);
    return list;
}

PyObject *bmpy_prov_provision(NodeObject *n, PyObject *args, PyObject *kw)
{
    static char *kwlist[] = {"uuid", "callback", "attention", "refuse_no_oob", "algorithms", NULL};
    PyObject *uuid_o, *cb;
    int attention = 0, refuse = 0, algs = 0;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "OO|$ipi", kwlist, &uuid_o, &cb, &attention, &refuse,
                                     &algs) ||
        !bmpy_node_ok(n))
        return NULL;
    uint8_t uuid[16];
    if (key_arg(uuid_o, uuid, "provision") < 0)
        return NULL;
    if (!PyCallable_Check(cb))
        return bmpy_raise(BM_EINVAL, "provision", "callback must be callable");
    if (attention < 0 || attention > 255 || algs < 0 || algs > 3)
        return bmpy_raise(BM_EINVAL, "provision", "attention 0..255 s, algorithms 0..3");
    Py_XSETREF(n->provision_cb, Py_NewRef(cb));
    struct bm_provision_opts o = {.attention_s = (uint8_t)attention,
                                  .refuse_no_oob = refuse != 0,
                                  .algorithms = (uint8_t)algs};
    PyThreadState *ts = bmpy_enter(n);
    int rc = bm_prov_provision(n->node, uuid, &o, on_provision, n);
    bmpy_leave(n, ts);
    if (rc != BM_OK)
        return bmpy_raise(rc, "provision",
                          rc == BM_EBUSY ? "a provisioning is already running" : NULL);
    Py_RETURN_NONE;
}

PyObject *bmpy_prov_input_oob(NodeObject *n, PyObject *value)
{
    if (!bmpy_node_ok(n))
        return NULL;
    const char *s = PyUnicode_AsUTF8(value);
    if (!s)
        return NULL;
    char buf[16];
    if (strlen(s) >= sizeof(buf))
        return bmpy_raise(BM_EINVAL, "input_oob", "at most 8 digits or characters");
    strcpy(buf, s);
    PyThreadState *ts = bmpy_enter(n);
    int rc = bm_prov_input_oob(n->node, buf);
    bmpy_leave(n, ts);
    if (rc != BM_OK)
        return bmpy_raise(rc, "input_oob",
                          rc == BM_EINVAL ? "the value does not fit the device's OOB action "
                                            "and size"
                                          : NULL);
    Py_RETURN_NONE;
}

PyObject *bmpy_prov_nodes(NodeObject *n, PyObject *unused)
{
    (void)unused;
    if (!bmpy_node_ok(n))
        return NULL;
    struct bm_prov_node_info *nodes = PyMem_Calloc(BM_CFG_PROV_NODES, sizeof(*nodes));
    if (!nodes)
        return PyErr_NoMemory();
    size_t count = 0;
    PyThreadState *ts = bmpy_enter(n);
    int rc = bm_prov_nodes(n->node, nodes, BM_CFG_PROV_NODES, &count);
    bmpy_leave(n, ts);
    PyObject *list = rc == BM_OK ? PyList_New(0) : bmpy_raise(rc, "nodes", NULL);
    for (size_t i = 0; list && i < count; i++) {
        PyObject *d =
            Py_BuildValue("{s:y#,s:i,s:i}", "uuid", (const char *)nodes[i].uuid, (Py_ssize_t)16,
                          "addr", nodes[i].addr, "elements", nodes[i].elements);
        if (!d || PyList_Append(list, d) < 0)
            Py_CLEAR(list);
        Py_XDECREF(d);
    }
    PyMem_Free(nodes);
    return list;
}

PyObject *bmpy_cfg_enable(NodeObject *n, PyObject *callback)
{
    if (!bmpy_node_ok(n))
        return NULL;
    if (!PyCallable_Check(callback))
        return bmpy_raise(BM_EINVAL, "cfg_enable", "callback must be callable");
    Py_XSETREF(n->cfg_cb, Py_NewRef(callback));
    PyThreadState *ts = bmpy_enter(n);
    int rc = bm_cfg_cli_enable(n->node, on_cfg, n);
    bmpy_leave(n, ts);
    if (rc != BM_OK && rc != BM_EEXIST)
        return bmpy_raise(rc, "cfg_enable", NULL);
    Py_RETURN_NONE;
}

static struct bm_cfg_model_id model_of(unsigned company, unsigned id)
{
    return (struct bm_cfg_model_id){.company = (uint16_t)company, .id = (uint16_t)id};
}

/* _cfg(name, dst, ...): one Configuration Client request; the Status comes
 * back to the cfg callback. Arguments by request:
 *   comp_get page | ttl_get | ttl_set ttl | relay_get | node_reset
 *   app_key_add net_idx app_idx key | app_bind elem app_idx company model
 *   pub_set elem company model addr app_idx ttl period retx_count retx_steps
 *   sub_add / sub_del elem addr company model */
PyObject *bmpy_cfg_request(NodeObject *n, PyObject *args)
{
    Py_ssize_t argc = PyTuple_GET_SIZE(args);
    if (argc < 2)
        return bmpy_raise(BM_EINVAL, "cfg", "name and destination address needed");
    const char *name = PyUnicode_AsUTF8(PyTuple_GET_ITEM(args, 0));
    if (!name || !bmpy_node_ok(n))
        return NULL;
    unsigned a[10] = {0};
    uint8_t key[16];
    bool has_key = strcmp(name, "app_key_add") == 0;
    for (Py_ssize_t i = 1; i < argc && i <= 10; i++) {
        PyObject *o = PyTuple_GET_ITEM(args, i);
        if (has_key && i == 4) {
            if (key_arg(o, key, "app_key_add") < 0)
                return NULL;
            continue;
        }
        unsigned long v = PyLong_AsUnsignedLong(o);
        if (PyErr_Occurred() || v > 0xffff) {
            PyErr_Clear();
            return PyErr_Format(PyExc_ValueError, "%s: argument %zd must be 0..0xFFFF", name, i);
        }
        a[i - 1] = (unsigned)v;
    }
    uint16_t dst = (uint16_t)a[0];
    int rc = BM_EINVAL;
    PyThreadState *ts = bmpy_enter(n);
    struct bm_node *node = n->node;
    if (strcmp(name, "comp_get") == 0) {
        rc = bm_cfg_comp_get(node, dst, (uint8_t)a[1]);
    } else if (strcmp(name, "ttl_get") == 0) {
        rc = bm_cfg_ttl_get(node, dst);
    } else if (strcmp(name, "ttl_set") == 0) {
        rc = bm_cfg_ttl_set(node, dst, (uint8_t)a[1]);
    } else if (strcmp(name, "relay_get") == 0) {
        rc = bm_cfg_relay_get(node, dst);
    } else if (strcmp(name, "node_reset") == 0) {
        rc = bm_cfg_node_reset(node, dst);
    } else if (has_key) {
        rc = bm_cfg_app_key_add(node, dst, (uint16_t)a[1], (uint16_t)a[2], key);
    } else if (strcmp(name, "app_bind") == 0) {
        rc = bm_cfg_app_bind(node, dst, (uint16_t)a[1], (uint16_t)a[2], model_of(a[3], a[4]));
    } else if (strcmp(name, "pub_set") == 0) {
        struct bm_cfg_pub p = {.elem_addr = (uint16_t)a[1],
                               .model = model_of(a[2], a[3]),
                               .addr = (uint16_t)a[4],
                               .app_idx = (uint16_t)a[5],
                               .ttl = (uint8_t)a[6],
                               .period = (uint8_t)a[7],
                               .retx_count = (uint8_t)a[8],
                               .retx_steps = (uint8_t)a[9]};
        rc = bm_cfg_pub_set(node, dst, &p);
    } else if (strcmp(name, "sub_add") == 0) {
        rc = bm_cfg_sub_add(node, dst, (uint16_t)a[1], (uint16_t)a[2], model_of(a[3], a[4]));
    } else if (strcmp(name, "sub_del") == 0) {
        rc = bm_cfg_sub_del(node, dst, (uint16_t)a[1], (uint16_t)a[2], model_of(a[3], a[4]));
    }
    bmpy_leave(n, ts);
    memset(key, 0, sizeof(key));
    if (rc != BM_OK) {
        const char *why = rc == BM_EBUSY    ? "another request is waiting for its Status"
                          : rc == BM_ENOKEY ? "no device key for that address"
                          : rc == BM_ESTATE ? "no Configuration Client, or not provisioned"
                                            : NULL;
        return bmpy_raise(rc, name, why);
    }
    Py_RETURN_NONE;
}
