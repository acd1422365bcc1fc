/* Node: the board's BLE_Mesh object over one bm_node (init, set_node_prov,
 * reset_node_prov, create_element), its event queue, and the POSIX
 * backend's loop thread.
 *
 * The loop thread (POSIX): waits in poll() on the bearer's socket and an
 * eventfd (written after every core call from Python) with the timeout of
 * the node's and the bearer's next deadline; takes the lock for each core
 * step; then, with the lock released, takes the GIL only if events are
 * queued and runs their callbacks. Signals are blocked in it, so Ctrl-C
 * reaches the main thread as usual. */
#include "bmpy.h" /* Python.h first, as the C API asks; it defines _GNU_SOURCE */

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "bm_posix.h"

/* Advertisements read per wake-up before timers get their turn again. */
#define RX_BATCH 64
/* Events a queue holds before the oldest are dropped (a loop whose
 * callbacks never get the GIL must not grow without bound). */
#define QUEUE_MAX 4096

/* ------------------------------------------------------------ event queue */

void bmpy_queue_push(NodeObject *n, const struct bmpy_event *ev)
{
    struct bmpy_queue *q = &n->queue;
    if (q->len == q->cap) {
        if (q->cap >= QUEUE_MAX) {
            q->head = (q->head + 1) % q->cap; /* drop the oldest */
            q->len--;
        } else {
            size_t cap = q->cap ? q->cap * 2 : 16;
            struct bmpy_event *e = malloc(cap * sizeof(*e));
            if (!e)
                return;
            for (size_t i = 0; i < q->len; i++)
                e[i] = q->ev[(q->head + i) % q->cap];
            free(q->ev);
            q->ev = e;
            q->cap = cap;
            q->head = 0;
        }
    }
    q->ev[(q->head + q->len) % q->cap] = *ev;
    q->len++;
    if (n->backend == BMPY_SIM && n->sim)
        n->sim->pending++;
}

/* Pops one event into *ev; false when empty. */
static bool queue_pop(NodeObject *n, struct bmpy_event *ev)
{
    bool got = false;
    if (n->backend == BMPY_POSIX)
        pthread_mutex_lock(&n->lock);
    struct bmpy_queue *q = &n->queue;
    if (q->len) {
        *ev = q->ev[q->head];
        q->head = (q->head + 1) % q->cap;
        q->len--;
        got = true;
        if (n->backend == BMPY_SIM && n->sim && n->sim->pending)
            n->sim->pending--;
    }
    if (n->backend == BMPY_POSIX)
        pthread_mutex_unlock(&n->lock);
    return got;
}

static void queue_clear(NodeObject *n)
{
    if (n->backend == BMPY_SIM && n->sim)
        n->sim->pending -= n->sim->pending < n->queue.len ? n->sim->pending : n->queue.len;
    free(n->queue.ev);
    memset(&n->queue, 0, sizeof(n->queue));
}

/* Calls fn(args), printing (not raising) any exception it raises: a
 * callback's error must not stop the loop. Steals args. */
static void call_printing(PyObject *fn, PyObject *args)
{
    if (!args) {
        PyErr_WriteUnraisable(fn);
        return;
    }
    PyObject *r = PyObject_CallObject(fn, args);
    Py_DECREF(args);
    if (!r)
        PyErr_WriteUnraisable(fn);
    Py_XDECREF(r);
}

static PyObject *provision_dict(const struct bm_provision_result *r)
{
    return Py_BuildValue("{s:i,s:y#,s:i,s:i,s:i,s:i,s:i,s:i,s:i}", "event", (int)r->event, "uuid",
                         (const char *)r->uuid, (Py_ssize_t)16, "addr", r->addr, "elements",
                         r->elements, "algorithm", r->algorithm, "oob_action", r->oob_action,
                         "oob_size", r->oob_size, "err", r->err, "reason", r->reason);
}

static PyObject *cfg_dict(const struct bmpy_event *ev)
{
    return Py_BuildValue("{s:i,s:s,s:I,s:I,s:i,s:i,s:y#}", "err", ev->cfg_err, "error",
                         ev->cfg_err ? bm_strerror(ev->cfg_err) : "", "req", ev->cfg_req, "opcode",
                         ev->cfg_op, "src", ev->cfg_src, "status", ev->cfg_status, "raw",
                         (const char *)ev->raw, (Py_ssize_t)ev->raw_len);
}

static void dispatch_one(NodeObject *n, const struct bmpy_event *ev)
{
    switch (ev->kind) {
    case BMPY_EV_MODEL: {
        ModelObject *m = (ModelObject *)ev->model;
        if (m && m->callback)
            call_printing(m->callback, Py_BuildValue("(OiI)", (PyObject *)m, (int)ev->me.event,
                                                     (unsigned int)ev->me.recv_op));
        break;
    }
    case BMPY_EV_PROV_OOB:
        if (n->prov_cb) {
            PyObject *args = ev->oob_is_string
                                 ? Py_BuildValue("(is)", BM_OOB_OUTPUT, ev->oob_string)
                                 : Py_BuildValue("(iI)", BM_OOB_OUTPUT, ev->oob_number);
            call_printing(n->prov_cb, args);
        }
        break;
    case BMPY_EV_PROVISION:
        if (n->provision_cb) {
            PyObject *d = provision_dict(&ev->pr);
            call_printing(n->provision_cb, d ? Py_BuildValue("(N)", d) : NULL);
        }
        break;
    case BMPY_EV_CFG:
        if (n->cfg_cb) {
            PyObject *d = cfg_dict(ev);
            call_printing(n->cfg_cb, d ? Py_BuildValue("(N)", d) : NULL);
        }
        break;
    }
}

void bmpy_dispatch(NodeObject *n)
{
    if (n->dispatching)
        return; /* a callback's own core call: the outer loop picks its events up */
    n->dispatching = true;
    Py_INCREF(n);
    struct bmpy_event *ev = PyMem_Malloc(sizeof(*ev));
    while (ev && queue_pop(n, ev))
        dispatch_one(n, ev);
    PyMem_Free(ev);
    n->dispatching = false;
    Py_DECREF(n);
}

/* ---------------------------------------------------------- core brackets */

PyThreadState *bmpy_enter(NodeObject *n)
{
    if (n->backend != BMPY_POSIX)
        return NULL;
    PyThreadState *ts = PyEval_SaveThread();
    pthread_mutex_lock(&n->lock);
    return ts;
}

static void wake(NodeObject *n)
{
    if (n->wake_fd >= 0) {
        uint64_t one = 1;
        ssize_t w = write(n->wake_fd, &one, sizeof(one));
        (void)w; /* a full counter already wakes the loop */
    }
}

void bmpy_leave(NodeObject *n, PyThreadState *ts)
{
    if (n->backend == BMPY_POSIX) {
        n->dirty = true;
        pthread_mutex_unlock(&n->lock);
        PyEval_RestoreThread(ts);
        wake(n);
    } else {
        bmpy_sim_kick(n);
        bmpy_dispatch(n);
    }
}

bool bmpy_node_ok(NodeObject *n)
{
    if (n->node)
        return true;
    PyErr_SetString(bmpy_error, "this BLE_Mesh node is closed");
    return false;
}

/* -------------------------------------------------------- core callbacks */

void bmpy_model_cb(void *user, struct bm_model *model, const struct bm_model_event_info *e)
{
    (void)model;
    ModelObject *m = user;
    struct bmpy_event ev = {.kind = BMPY_EV_MODEL, .model = (PyObject *)m, .me = *e};
    bmpy_queue_push(m->node, &ev);
}

static void prov_cb(void *user, const struct bm_prov_info *info)
{
    NodeObject *n = user;
    if (info->event != BM_PROV_EVT_OUTPUT_OOB)
        return;
    struct bmpy_event ev = {.kind = BMPY_EV_PROV_OOB, .oob_number = info->oob_number};
    if (info->oob_string) {
        ev.oob_is_string = true;
        snprintf(ev.oob_string, sizeof(ev.oob_string), "%s", info->oob_string);
    }
    bmpy_queue_push(n, &ev);
}

/* --------------------------------------------------------- the loop thread */

static uint64_t min_u64(uint64_t a, uint64_t b)
{
    return a < b ? a : b;
}

static void *loop_main(void *arg)
{
    NodeObject *n = arg;
    struct bm_posix_bearer *b = bm_posix_get_bearer(n->px);
    uint64_t node_next = 0;
    for (;;) {
        pthread_mutex_lock(&n->lock);
        if (n->stop) {
            pthread_mutex_unlock(&n->lock);
            break;
        }
        uint64_t now = bm_posix_now_ms();
        if (n->dirty || node_next <= now) {
            n->dirty = false;
            node_next = bm_node_process(n->node, now);
        }
        uint64_t tx_next = bm_posix_bearer_tx(b, now);
        bool events = n->queue.len > 0;
        pthread_mutex_unlock(&n->lock);

        if (events) {
            PyGILState_STATE g = PyGILState_Ensure();
            bmpy_dispatch(n);
            PyGILState_Release(g);
            continue; /* callbacks may have changed the node */
        }

        uint64_t wake_at = min_u64(node_next, tx_next);
        int timeout = -1;
        if (wake_at != UINT64_MAX)
            timeout = wake_at <= now ? 0 : (int)min_u64(wake_at - now, INT_MAX);
        struct pollfd fds[2] = {{.fd = bm_posix_bearer_fd(b), .events = POLLIN},
                                {.fd = n->wake_fd, .events = POLLIN}};
        int rc = poll(fds, 2, timeout);
        if (rc < 0 && errno != EINTR)
            break;
        if (rc <= 0)
            continue;
        if (fds[1].revents & POLLIN) {
            uint64_t v;
            ssize_t r = read(n->wake_fd, &v, sizeof(v));
            (void)r;
        }
        if (fds[0].revents & (POLLIN | POLLERR)) {
            pthread_mutex_lock(&n->lock);
            for (int i = 0; i < RX_BATCH && !n->stop; i++) {
                uint8_t adv[BM_ADV_MAX_LEN];
                size_t len;
                int8_t rssi;
                if (bm_posix_bearer_recv(b, adv, &len, &rssi) != BM_OK)
                    break;
                bm_node_rx_adv(n->node, adv, len, rssi);
                n->dirty = true;
            }
            pthread_mutex_unlock(&n->lock);
        }
    }
    return NULL;
}

static int start_thread(NodeObject *n)
{
    if (n->backend != BMPY_POSIX || n->thread_running)
        return 0;
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, &old); /* the new thread inherits this mask */
    int rc = pthread_create(&n->thread, NULL, loop_main, n);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (rc != 0) {
        PyErr_Format(bmpy_error, "cannot start the mesh event loop thread (errno %d)", rc);
        return -1;
    }
    n->thread_running = true;
    /* Stop the thread before the interpreter finalizes: after that it
     * could no longer take the GIL to run a callback. */
    PyObject *atexit = PyImport_ImportModule("atexit");
    PyObject *close = atexit ? PyObject_GetAttrString((PyObject *)n, "close") : NULL;
    PyObject *r = close ? PyObject_CallMethod(atexit, "register", "O", close) : NULL;
    Py_XDECREF(r);
    Py_XDECREF(close);
    Py_XDECREF(atexit);
    return r ? 0 : -1;
}

static int stop_thread(NodeObject *n)
{
    if (!n->thread_running)
        return 0;
    if (pthread_equal(pthread_self(), n->thread)) {
        PyErr_SetString(bmpy_error, "close() cannot be called from a mesh callback");
        return -1;
    }
    pthread_mutex_lock(&n->lock);
    n->stop = true;
    pthread_mutex_unlock(&n->lock);
    wake(n);
    Py_BEGIN_ALLOW_THREADS pthread_join(n->thread, NULL);
    Py_END_ALLOW_THREADS n->thread_running = false;
    return 0;
}

/* ------------------------------------------------------------ life cycle */

NodeObject *bmpy_node_alloc(enum bmpy_backend backend)
{
    NodeObject *n = PyObject_New(NodeObject, &BmNode_Type);
    if (!n)
        return NULL;
    n->backend = backend;
    n->node = NULL;
    n->mem = NULL;
    n->initialized = false;
    n->element_count = 0;
    n->prov_cb = n->provision_cb = n->cfg_cb = NULL;
    memset(&n->queue, 0, sizeof(n->queue));
    n->dispatching = false;
    n->px = NULL;
    pthread_mutex_init(&n->lock, NULL);
    n->thread_running = false;
    n->stop = false;
    n->dirty = false;
    n->wake_fd = -1;
    n->sim = NULL;
    n->sim_id = 0;
    n->models = PyList_New(0);
    if (!n->models) {
        Py_DECREF(n);
        return NULL;
    }
    return n;
}

static int node_close(NodeObject *n)
{
    if (stop_thread(n) < 0)
        return -1;
    if (n->backend == BMPY_SIM)
        bmpy_sim_detach(n);
    if (n->node)
        bm_node_destroy(n->node); /* wipes the keys in its memory */
    n->node = NULL;
    free(n->mem);
    n->mem = NULL;
    if (n->px)
        bm_posix_close(n->px);
    n->px = NULL;
    if (n->wake_fd >= 0)
        close(n->wake_fd);
    n->wake_fd = -1;
    queue_clear(n);
    return 0;
}

static void node_dealloc(NodeObject *n)
{
    if (node_close(n) < 0)
        PyErr_Clear();
    pthread_mutex_destroy(&n->lock);
    Py_XDECREF(n->models);
    Py_XDECREF(n->prov_cb);
    Py_XDECREF(n->provision_cb);
    Py_XDECREF(n->cfg_cb);
    Py_XDECREF((PyObject *)n->sim);
    Py_TYPE(n)->tp_free((PyObject *)n);
}

static int create_core_node(NodeObject *n, const struct bm_platform *plat)
{
    size_t size = bm_node_size();
    n->mem = calloc(1, size); /* malloc's alignment is max_align_t's */
    if (!n->mem) {
        PyErr_NoMemory();
        return -1;
    }
    n->node = bm_node_create(n->mem, size, plat);
    if (!n->node) {
        PyErr_SetString(bmpy_error, "bm_node_create failed");
        return -1;
    }
    return 0;
}

int bmpy_node_create_core(NodeObject *n, const struct bm_platform *plat)
{
    return create_core_node(n, plat);
}

/* Node(store=None, *, group=None, port=0, iface=None, log_level=1,
 * name=None): a node on the socket bearer (POSIX port). */
static PyObject *node_new(PyTypeObject *type, PyObject *args, PyObject *kw)
{
    (void)type;
    static char *kwlist[] = {"store", "group", "port", "iface", "log_level", "name", NULL};
    const char *store = NULL, *group = NULL, *iface = NULL, *name = NULL;
    int port = 0, log_level = BM_LOG_WRN;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "|z$ziziz", kwlist, &store, &group, &port, &iface,
                                     &log_level, &name))
        return NULL;
    if (port < 0 || port > 65535)
        return bmpy_raise(BM_EINVAL, "Node", "port must be 0..65535");
    if (log_level < BM_LOG_ERR || log_level > BM_LOG_DBG)
        return bmpy_raise(BM_EINVAL, "Node", "log_level must be 0 (errors) .. 3 (debug)");
    NodeObject *n = bmpy_node_alloc(BMPY_POSIX);
    if (!n)
        return NULL;
    struct bm_posix_opts o;
    bm_posix_opts_default(&o);
    o.store_dir = store;
    o.bearer.group = group;
    o.bearer.port = (uint16_t)port;
    o.bearer.iface = iface;
    o.no_signals = true; /* Python keeps SIGINT: Ctrl-C raises KeyboardInterrupt */
    o.log_level = (enum bm_log_level)log_level;
    o.name = name;
    int rc;
    Py_BEGIN_ALLOW_THREADS rc = bm_posix_open(&n->px, &o);
    Py_END_ALLOW_THREADS if (rc != BM_OK)
    {
        Py_DECREF(n);
        if (rc == BM_EBUSY && store)
            return PyErr_Format(bmpy_error,
                                "Node: the store %s is in use by another process (or the "
                                "bearer's port is taken)",
                                store);
        return PyErr_Format(rc == BM_EINVAL ? PyExc_ValueError : bmpy_error,
                            "Node: cannot open the POSIX port (store %s, air %s:%d): %s",
                            store ? store : "none", group ? group : BM_POSIX_DEFAULT_GROUP,
                            port ? port : BM_POSIX_DEFAULT_PORT, bm_strerror(rc));
    }
    n->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (n->wake_fd < 0) {
        Py_DECREF(n);
        return PyErr_SetFromErrno(PyExc_OSError);
    }
    if (create_core_node(n, bm_posix_platform(n->px)) < 0) {
        Py_DECREF(n);
        return NULL;
    }
    return (PyObject *)n;
}

/* ---------------------------------------------------------- the board API */

static PyObject *node_init(NodeObject *n, PyObject *args, PyObject *kw)
{
    static char *kwlist[] = {"name", "auth", NULL};
    const char *name = "PYCOM-ESP-BLE-MESH";
    Py_ssize_t name_len = (Py_ssize_t)strlen(name);
    int auth = BM_OOB_NONE;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "|s#$i:init", kwlist, &name, &name_len, &auth))
        return NULL;
    if (!bmpy_node_ok(n))
        return NULL;
    if (name_len > BM_NAME_MAX || (Py_ssize_t)strlen(name) != name_len)
        return PyErr_Format(PyExc_ValueError,
                            "init: name must be at most %d octets (UTF-8) without NUL, got %zd",
                            BM_NAME_MAX, name_len);
    if (auth == BM_OOB_INPUT)
        return bmpy_raise(BM_ENOTSUP, "init",
                          "auth=OOB_INPUT is not supported (a host has no input device); use "
                          "OOB_OUTPUT or 0");
    if (auth != BM_OOB_NONE && auth != BM_OOB_OUTPUT)
        return PyErr_Format(PyExc_ValueError, "init: auth must be 0, OOB_OUTPUT (2), got %d", auth);
    if (n->initialized)
        return bmpy_raise(BM_ESTATE, "init", "already initialized");
    PyThreadState *ts = bmpy_enter(n);
    int rc = bm_init(n->node, name, (uint8_t)auth);
    bmpy_leave(n, ts);
    if (rc != BM_OK)
        return bmpy_raise(rc, "init", NULL);
    n->initialized = true;
    if (start_thread(n) < 0)
        return NULL;
    Py_RETURN_NONE;
}

static PyObject *node_set_node_prov(NodeObject *n, PyObject *args, PyObject *kw)
{
    static char *kwlist[] = {"bearer", "callback", NULL};
    int bearer = BM_PROV_NONE;
    PyObject *cb = Py_None;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "|i$O:set_node_prov", kwlist, &bearer, &cb))
        return NULL;
    if (!bmpy_node_ok(n))
        return NULL;
    if (cb != Py_None && !PyCallable_Check(cb))
        return bmpy_raise(BM_EINVAL, "set_node_prov", "callback must be callable or None");
    if (bearer != BM_PROV_NONE && (bearer <= 0 || (bearer & ~(BM_PROV_ADV | BM_PROV_GATT))))
        return PyErr_Format(PyExc_ValueError,
                            "set_node_prov: bearer must be PROV_ADV, PROV_GATT, both ORed, or "
                            "PROV_NONE; got %d",
                            bearer);
    if (bearer & BM_PROV_GATT)
        return bmpy_raise(BM_ENOTSUP, "set_node_prov",
                          "PROV_GATT is not supported yet (the host has no GATT bearer); use "
                          "PROV_ADV");
    if (!n->initialized)
        return bmpy_raise(BM_ESTATE, "set_node_prov", "call init() first");
    Py_XSETREF(n->prov_cb, cb == Py_None ? NULL : Py_NewRef(cb));
    PyThreadState *ts = bmpy_enter(n);
    int rc = bm_set_node_prov(n->node, (uint8_t)bearer, prov_cb, n);
    bmpy_leave(n, ts);
    if (rc != BM_OK)
        return bmpy_raise(rc, "set_node_prov", NULL);
    Py_RETURN_NONE;
}

static PyObject *node_reset_node_prov(NodeObject *n, PyObject *unused)
{
    (void)unused;
    if (!bmpy_node_ok(n))
        return NULL;
    if (!n->initialized)
        return bmpy_raise(BM_ESTATE, "reset_node_prov", "call init() first");
    PyThreadState *ts = bmpy_enter(n);
    int rc = bm_reset_node_prov(n->node);
    bmpy_leave(n, ts);
    if (rc != BM_OK)
        return bmpy_raise(rc, "reset_node_prov", NULL);
    Py_RETURN_NONE;
}

static PyObject *node_create_element(NodeObject *n, PyObject *args, PyObject *kw)
{
    static char *kwlist[] = {"primary", "feature", "beacon", "ttl", NULL};
    int primary = -1, beacon = 1, feature = 0, ttl = 7;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "|$pipi:create_element", kwlist, &primary, &feature,
                                     &beacon, &ttl))
        return NULL;
    if (!bmpy_node_ok(n))
        return NULL;
    if (primary < 0)
        return bmpy_raise(BM_EINVAL, "create_element", "primary= is required (True or False)");
    if (feature < 0 || (feature & ~(BM_RELAY | BM_GATT_PROXY | BM_LOW_POWER | BM_FRIEND)))
        return PyErr_Format(PyExc_ValueError,
                            "create_element: feature must be an OR of RELAY, GATT_PROXY, "
                            "LOW_POWER, FRIEND; got %d",
                            feature);
    if (ttl < 0 || ttl == 1 || ttl > 127)
        return PyErr_Format(PyExc_ValueError, "create_element: ttl must be 0 or 2..127, got %d",
                            ttl);
    if (primary && n->element_count > 0)
        return bmpy_raise(BM_EINVAL, "create_element", "the node already has a primary element");
    if (!primary && n->element_count == 0)
        return bmpy_raise(BM_EINVAL, "create_element",
                          "create the primary element first (primary=True)");
    int index = -1;
    PyThreadState *ts = bmpy_enter(n);
    int rc = bm_create_element(n->node, primary != 0, (uint8_t)feature, beacon != 0, (uint8_t)ttl,
                               &index);
    bmpy_leave(n, ts);
    if (rc != BM_OK)
        return bmpy_raise(rc, "create_element", NULL);
    n->element_count++;
    return (PyObject *)bmpy_element_new(n, index);
}

/* --------------------------------------------------------- host extras */

static PyObject *node_is_provisioned(NodeObject *n, PyObject *unused)
{
    (void)unused;
    if (!bmpy_node_ok(n))
        return NULL;
    PyThreadState *ts = bmpy_enter(n);
    bool p = bm_node_is_provisioned(n->node);
    bmpy_leave(n, ts);
    return PyBool_FromLong(p);
}

static PyObject *node_address(NodeObject *n, PyObject *unused)
{
    (void)unused;
    if (!bmpy_node_ok(n))
        return NULL;
    PyThreadState *ts = bmpy_enter(n);
    uint16_t a = bm_node_addr(n->node);
    bmpy_leave(n, ts);
    return PyLong_FromLong(a);
}

static PyObject *node_uuid(NodeObject *n, PyObject *unused)
{
    (void)unused;
    if (!bmpy_node_ok(n))
        return NULL;
    uint8_t uuid[16];
    PyThreadState *ts = bmpy_enter(n);
    int rc = bm_get_uuid(n->node, uuid);
    bmpy_leave(n, ts);
    if (rc != BM_OK)
        return bmpy_raise(rc, "uuid", "call init() first");
    return PyBytes_FromStringAndSize((const char *)uuid, 16);
}

static PyObject *node_set_uuid(NodeObject *n, PyObject *arg)
{
    Py_buffer b;
    if (!bmpy_node_ok(n) || PyObject_GetBuffer(arg, &b, PyBUF_SIMPLE) < 0)
        return NULL;
    if (b.len != 16) {
        PyBuffer_Release(&b);
        return bmpy_raise(BM_EINVAL, "set_uuid", "the UUID is 16 octets");
    }
    uint8_t uuid[16];
    memcpy(uuid, b.buf, 16);
    PyBuffer_Release(&b);
    PyThreadState *ts = bmpy_enter(n);
    int rc = bm_set_uuid(n->node, uuid);
    bmpy_leave(n, ts);
    if (rc != BM_OK)
        return bmpy_raise(rc, "set_uuid", rc == BM_ESTATE ? "only while unprovisioned" : NULL);
    Py_RETURN_NONE;
}

static PyObject *node_elements(NodeObject *n, PyObject *unused)
{
    (void)unused;
    return PyLong_FromLong(n->element_count);
}

static PyObject *node_close_m(NodeObject *n, PyObject *unused)
{
    (void)unused;
    if (node_close(n) < 0)
        return NULL;
    Py_RETURN_NONE;
}

static PyObject *node_get_sim(NodeObject *n, void *closure)
{
    (void)closure;
    if (n->backend != BMPY_SIM || !n->sim)
        Py_RETURN_NONE;
    return Py_NewRef((PyObject *)n->sim);
}

static PyObject *node_get_sim_id(NodeObject *n, void *closure)
{
    (void)closure;
    if (n->backend != BMPY_SIM)
        Py_RETURN_NONE;
    return PyLong_FromUnsignedLong(n->sim_id);
}

static PyObject *node_get_models(NodeObject *n, void *closure)
{
    (void)closure;
    return PyList_GetSlice(n->models, 0, PY_SSIZE_T_MAX);
}

static PyObject *node_get_initialized(NodeObject *n, void *closure)
{
    (void)closure;
    return PyBool_FromLong(n->initialized);
}

static PyMethodDef node_methods[] = {
    {"init", (PyCFunction)(void (*)(void))node_init, METH_VARARGS | METH_KEYWORDS,
     "init(name='PYCOM-ESP-BLE-MESH', *, auth=0): starts the node"},
    {"set_node_prov", (PyCFunction)(void (*)(void))node_set_node_prov, METH_VARARGS | METH_KEYWORDS,
     "set_node_prov(bearer=PROV_NONE, *, callback=None): enables provisioning bearers"},
    {"reset_node_prov", (PyCFunction)node_reset_node_prov, METH_NOARGS,
     "reset_node_prov(): forgets keys and addresses; unprovisioned again"},
    {"create_element", (PyCFunction)(void (*)(void))node_create_element,
     METH_VARARGS | METH_KEYWORDS,
     "create_element(*, primary, feature=0, beacon=True, ttl=7) -> Element"},
    {"is_provisioned", (PyCFunction)node_is_provisioned, METH_NOARGS,
     "is_provisioned() -> bool (host extra)"},
    {"address", (PyCFunction)node_address, METH_NOARGS,
     "address() -> primary unicast address, 0 while unprovisioned (host extra)"},
    {"uuid", (PyCFunction)node_uuid, METH_NOARGS, "uuid() -> 16-octet device UUID (host extra)"},
    {"set_uuid", (PyCFunction)node_set_uuid, METH_O,
     "set_uuid(uuid): overrides the device UUID while unprovisioned (host extra)"},
    {"element_count", (PyCFunction)node_elements, METH_NOARGS,
     "element_count() -> elements created (host extra)"},
    {"close", (PyCFunction)node_close_m, METH_NOARGS,
     "close(): stops the loop, wipes the keys in memory and releases the port (host extra)"},
    {"_prov_create_network", (PyCFunction)(void (*)(void))bmpy_prov_create_network,
     METH_VARARGS | METH_KEYWORDS, NULL},
    {"_prov_scan", (PyCFunction)bmpy_prov_scan, METH_O, NULL},
    {"_prov_scan_results", (PyCFunction)bmpy_prov_scan_results, METH_NOARGS, NULL},
    {"_prov_provision", (PyCFunction)(void (*)(void))bmpy_prov_provision,
     METH_VARARGS | METH_KEYWORDS, NULL},
    {"_prov_input_oob", (PyCFunction)bmpy_prov_input_oob, METH_O, NULL},
    {"_prov_nodes", (PyCFunction)bmpy_prov_nodes, METH_NOARGS, NULL},
    {"_cfg_enable", (PyCFunction)bmpy_cfg_enable, METH_O, NULL},
    {"_cfg", (PyCFunction)bmpy_cfg_request, METH_VARARGS, NULL},
    {NULL, NULL, 0, NULL},
};

static PyGetSetDef node_getset[] = {
    {"sim", (getter)node_get_sim, NULL, "the Sim this node lives in, or None", NULL},
    {"sim_id", (getter)node_get_sim_id, NULL, "the node's id in its Sim, or None", NULL},
    {"models", (getter)node_get_models, NULL, "every Model added, in order", NULL},
    {"initialized", (getter)node_get_initialized, NULL, "True after init()", NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

PyTypeObject BmNode_Type = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "blemesh._blemesh.Node",
    .tp_basicsize = sizeof(NodeObject),
    .tp_dealloc = (destructor)node_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "A mesh node with the board's BLE_Mesh API (docs/python.md).",
    .tp_methods = node_methods,
    .tp_getset = node_getset,
    .tp_new = node_new,
};
