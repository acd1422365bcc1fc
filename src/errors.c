/* Descriptions of the BM_E* codes. */
#include "blemesh/errors.h"

const char *bm_strerror(int err)
{
    switch (err) {
    case BM_OK: return "success";
    case BM_EINVAL: return "invalid argument";
    case BM_EMALFORMED: return "malformed PDU";
    case BM_ENOSPC: return "no space left in a fixed table or buffer";
    case BM_ENOKEY: return "no matching key";
    case BM_EAUTH: return "authentication failed (MIC mismatch)";
    case BM_EREPLAY: return "replayed sequence number";
    case BM_EDUP: return "duplicate (already in the message cache)";
    case BM_ECRYPTO: return "crypto backend failure";
    case BM_ENOTSUP: return "not supported yet";
    case BM_ESTATE: return "not allowed in the current state";
    case BM_ENOENT: return "no such entry";
    case BM_EEXIST: return "entry already exists";
    case BM_ETIMEOUT: return "timed out";
    case BM_EIVINDEX: return "IV index outside the accepted window";
    case BM_EINCOMPLETE: return "incomplete: more segments needed";
    case BM_EBADKEY: return "invalid public key";
    case BM_EBUSY: return "busy";
    default: return "unknown error";
    }
}
