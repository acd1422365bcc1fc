/* The values a node advertises to identify itself or its network over the
 * Mesh Proxy Service (Mesh Profile 7.2.2.2.3-7.2.2.2.4): the Network ID (k3
 * of the NetKey, kept in the key set) and the Node Identity hash. The
 * advertising itself arrives with the GATT bearer (issue #6). */
#include <string.h>

#include "blemesh/errors.h"
#include "net/net.h"

int bm_net_node_identity_hash(const uint8_t identity_key[BM_KEY_LEN], const uint8_t random[8],
                              uint16_t addr, uint8_t hash[8])
{
    /* Hash = e(IdentityKey, Padding(6 x 0x00) || Random || Address) mod 2^64 */
    uint8_t in[16] = {0}, out[16];
    memcpy(in + 6, random, 8);
    in[14] = (uint8_t)(addr >> 8);
    in[15] = (uint8_t)addr;
    int rc = bm_crypto_aes_ecb(identity_key, in, out);
    if (rc == BM_OK)
        memcpy(hash, out + 8, 8);
    return rc;
}
