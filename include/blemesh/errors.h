/* Error codes returned by every blemesh function: 0 on success, a negative
 * BM_E* value on failure. Spec status codes sent on the air (Config Status,
 * Provisioning Failed) are data, never return values. */
#ifndef BLEMESH_ERRORS_H
#define BLEMESH_ERRORS_H

enum bm_err {
    BM_OK = 0,
    BM_EINVAL = -1,      /* an argument from the caller is out of range */
    BM_EMALFORMED = -2,  /* bytes from the air do not parse: length or field */
    BM_ENOSPC = -3,      /* a fixed-size table or buffer is full */
    BM_ENOKEY = -4,      /* no key matches the NID / AID / address */
    BM_EAUTH = -5,       /* a MIC or authentication value does not verify */
    BM_EREPLAY = -6,     /* sequence number already seen (replay protection) */
    BM_EDUP = -7,        /* already in the network message cache */
    BM_ECRYPTO = -8,     /* the crypto backend failed */
    BM_ENOTSUP = -9,     /* valid but not supported (yet) */
    BM_ESTATE = -10,     /* not allowed in the current state */
    BM_ENOENT = -11,     /* no such entry */
    BM_EEXIST = -12,     /* entry already exists */
    BM_ETIMEOUT = -13,   /* a procedure timed out */
    BM_EIVINDEX = -14,   /* IV index does not match the accepted window */
    BM_EINCOMPLETE = -15,/* more segments are needed */
    BM_EBADKEY = -16,    /* a public key is invalid (not on the curve, reflected) */
    BM_EBUSY = -17,      /* a procedure of this kind is already running */
};

/* Returns a short, constant, human-readable description of err. */
const char *bm_strerror(int err);

#endif
