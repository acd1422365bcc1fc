/* blemesh._blemesh: the CPython extension over libblemesh (docs/python.md).
 *
 * Object model:
 *   Node    - one mesh node: the board's BLE_Mesh object. Its backend is
 *             either the POSIX port (socket bearer + directory store, run by
 *             a background thread) or a node of a Sim (run by Sim.run()).
 *   Element - an element of a node (create_element).
 *   Model   - a model on an element (add_model).
 *   Sim     - the simulated air with several nodes in one process.
 *
 * Callbacks: the core calls our C callbacks from inside bm_node_process /
 * bm_node_rx_adv; they only queue an event (no Python there, no GIL
 * needed). The queue is drained with the GIL held after the core call has
 * returned, by the loop thread (POSIX) or by Sim.run() (Sim), so the core
 * is never re-entered from a callback and Python code never runs while the
 * node's mutex is held.
 *
 * Locking (POSIX backend): every core call holds node->lock and never the
 * GIL; a Python thread releases the GIL before taking the lock. So the only
 * order ever used is "lock, then nothing", and GIL -> lock only to pop an
 * event: no deadlock. Sim nodes are only touched with the GIL held.
 *
 * The type objects and the exception are process-wide, as CPython's static
 * types are; the C core itself keeps no global state. */
#ifndef BLEMESH_PY_BMPY_H
#define BLEMESH_PY_BMPY_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "blemesh/blemesh.h"
#include "blemesh/cfg_client.h"
#include "blemesh/provisioner.h"

struct bm_posix;
struct bm_sim;

/* What a queued event is. */
enum bmpy_ev_kind {
    BMPY_EV_MODEL = 0,     /* a model callback: model, event, recv_op */
    BMPY_EV_PROV_OOB = 1,  /* the device shows an Output OOB value */
    BMPY_EV_PROVISION = 2, /* the provisioner's procedure reports */
    BMPY_EV_CFG = 3,       /* the Configuration Client got a Status or timed out */
};

/* Parameters of a Status copied out of the callback (raw points into the
 * core's buffer only during the callback). 384 octets holds any
 * Configuration Status an unsegmented or segmented access PDU carries. */
#define BMPY_RAW_MAX 384

struct bmpy_event {
    enum bmpy_ev_kind kind;
    PyObject *model; /* BMPY_EV_MODEL: the Model object (borrowed: the node keeps it) */
    struct bm_model_event_info me;
    uint32_t oob_number; /* BMPY_EV_PROV_OOB */
    char oob_string[16];
    bool oob_is_string;
    struct bm_provision_result pr; /* BMPY_EV_PROVISION */
    int cfg_err;                   /* BMPY_EV_CFG */
    uint32_t cfg_req, cfg_op;
    uint16_t cfg_src;
    uint8_t cfg_status;
    uint16_t raw_len;
    uint8_t raw[BMPY_RAW_MAX];
};

struct bmpy_queue {
    struct bmpy_event *ev;
    size_t head, len, cap;
};

enum bmpy_backend { BMPY_POSIX = 0, BMPY_SIM = 1 };

typedef struct SimObject SimObject;

typedef struct {
    PyObject_HEAD enum bmpy_backend backend;
    struct bm_node *node; /* NULL once closed */
    void *mem;
    bool initialized;
    int element_count;
    PyObject *models;       /* list of Model: keeps every callback target alive */
    PyObject *prov_cb;      /* set_node_prov callback or NULL */
    PyObject *provision_cb; /* provisioner: called with each result dict */
    PyObject *cfg_cb;       /* Configuration Client: called with each response dict */
    struct bmpy_queue queue;
    bool dispatching;

    /* POSIX backend */
    struct bm_posix *px;
    pthread_mutex_t lock;
    pthread_t thread;
    bool thread_running;
    bool stop;
    bool dirty; /* the node changed outside the loop: process it now */
    int wake_fd;

    /* Sim backend */
    SimObject *sim; /* strong reference */
    uint32_t sim_id;
} NodeObject;

typedef struct {
    PyObject_HEAD NodeObject *node;
    int index;
} ElementObject;

typedef struct {
    PyObject_HEAD NodeObject *node; /* strong reference */
    ElementObject *element;
    struct bm_model *model;
    PyObject *callback; /* or NULL */
    int type, functionality, server_client;
} ModelObject;

struct SimObject {
    PyObject_HEAD struct bm_sim *sim;
    NodeObject **nodes; /* by sim id; borrowed, NULL once a node is gone */
    size_t node_cap;
    uint32_t node_count;
    size_t pending;   /* events queued on its nodes and not yet dispatched */
    double auto_link; /* < 0: no automatic links; else probability of each new link */
    bool running;
};

extern PyTypeObject BmNode_Type;
extern PyTypeObject BmElement_Type;
extern PyTypeObject BmModel_Type;
extern PyTypeObject BmSim_Type;
extern PyObject *bmpy_error; /* blemesh.BLE_MeshError, a RuntimeError */

PyMODINIT_FUNC PyInit__blemesh(void);

/* Raises the exception that fits rc (ValueError for BM_EINVAL, else
 * BLE_MeshError) with "what: detail" or "what: bm_strerror(rc)". Returns
 * NULL for the caller to return. */
PyObject *bmpy_raise(int rc, const char *what, const char *detail);

/* Adds the board's constants (PROV_ADV, GENERIC, ...) to a type's dict. */
int bmpy_add_constants(PyTypeObject *type);

/* --- node.c --- */
/* A node with no backend yet; the caller sets one up. */
NodeObject *bmpy_node_alloc(enum bmpy_backend backend);
/* Core call brackets: enter releases the GIL and takes the lock (POSIX) and
 * returns what leave needs; leave undoes it, then wakes the loop (POSIX) or
 * kicks the node and dispatches its events (Sim). The core call in between
 * must not touch Python objects. */
PyThreadState *bmpy_enter(NodeObject *n);
void bmpy_leave(NodeObject *n, PyThreadState *ts);
/* Raises BLE_MeshError "closed" and returns false when n has no node. */
bool bmpy_node_ok(NodeObject *n);
/* Queues one event (called from the core's callbacks, lock held). */
void bmpy_queue_push(NodeObject *n, const struct bmpy_event *ev);
/* Runs the queued events' Python callbacks; the GIL must be held. */
void bmpy_dispatch(NodeObject *n);
/* The core's model callback (user = the Model object). */
void bmpy_model_cb(void *user, struct bm_model *model, const struct bm_model_event_info *e);

/* --- model.c --- */
ElementObject *bmpy_element_new(NodeObject *node, int index);

/* Places the core node in fresh memory, bound to plat. */
int bmpy_node_create_core(NodeObject *n, const struct bm_platform *plat);

/* --- prov.c: the provisioner and Configuration Client methods of Node --- */
PyObject *bmpy_prov_create_network(NodeObject *n, PyObject *args, PyObject *kw);
PyObject *bmpy_prov_scan(NodeObject *n, PyObject *on);
PyObject *bmpy_prov_scan_results(NodeObject *n, PyObject *unused);
PyObject *bmpy_prov_provision(NodeObject *n, PyObject *args, PyObject *kw);
PyObject *bmpy_prov_input_oob(NodeObject *n, PyObject *value);
PyObject *bmpy_prov_nodes(NodeObject *n, PyObject *unused);
PyObject *bmpy_cfg_enable(NodeObject *n, PyObject *callback);
PyObject *bmpy_cfg_request(NodeObject *n, PyObject *args);

/* --- sim.c --- */
/* The Sim glue: attaches a new node to sim. */
int bmpy_sim_attach(SimObject *sim, NodeObject *n);
void bmpy_sim_detach(NodeObject *n);
void bmpy_sim_kick(NodeObject *n);

#endif
