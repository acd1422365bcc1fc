/* Footprint build only: mbed TLS is not available as Cortex-M source here
 * (Debian ships x86 libraries and the headers), so the calls the crypto
 * backend makes land on these empty stand-ins. The size report lists this
 * file as "mbedtls-stub" and leaves it out of the core's totals; the real
 * library's size is reported separately (BENCHMARKS.md). Never linked into
 * anything that runs. */
#include <mbedtls/aes.h>
#include <mbedtls/ccm.h>
#include <mbedtls/cipher.h>
#include <mbedtls/cmac.h>
#include <mbedtls/ecdh.h>
#include <mbedtls/ecp.h>
#include <mbedtls/md.h>
#include <mbedtls/platform_util.h>
#include <mbedtls/sha256.h>

#define FAIL (-1)

void mbedtls_platform_zeroize(void *buf, size_t len)
{
    volatile unsigned char *p = buf;
    while (len--)
        *p++ = 0;
}
void mbedtls_aes_init(mbedtls_aes_context *ctx) { (void)ctx; }
void mbedtls_aes_free(mbedtls_aes_context *ctx) { (void)ctx; }
int mbedtls_aes_setkey_enc(mbedtls_aes_context *ctx, const unsigned char *key, unsigned int bits)
{
    (void)ctx, (void)key, (void)bits;
    return FAIL;
}
int mbedtls_aes_crypt_ecb(mbedtls_aes_context *ctx, int mode, const unsigned char in[16],
                          unsigned char out[16])
{
    (void)ctx, (void)mode, (void)in, (void)out;
    return FAIL;
}
void mbedtls_ccm_init(mbedtls_ccm_context *ctx) { (void)ctx; }
void mbedtls_ccm_free(mbedtls_ccm_context *ctx) { (void)ctx; }
int mbedtls_ccm_setkey(mbedtls_ccm_context *ctx, mbedtls_cipher_id_t cipher,
                       const unsigned char *key, unsigned int bits)
{
    (void)ctx, (void)cipher, (void)key, (void)bits;
    return FAIL;
}
int mbedtls_ccm_encrypt_and_tag(mbedtls_ccm_context *ctx, size_t length, const unsigned char *iv,
                                size_t iv_len, const unsigned char *add, size_t add_len,
                                const unsigned char *input, unsigned char *output,
                                unsigned char *tag, size_t tag_len)
{
    (void)ctx, (void)length, (void)iv, (void)iv_len, (void)add, (void)add_len, (void)input;
    (void)output, (void)tag, (void)tag_len;
    return FAIL;
}
int mbedtls_ccm_auth_decrypt(mbedtls_ccm_context *ctx, size_t length, const unsigned char *iv,
                             size_t iv_len, const unsigned char *add, size_t add_len,
                             const unsigned char *input, unsigned char *output,
                             const unsigned char *tag, size_t tag_len)
{
    (void)ctx, (void)length, (void)iv, (void)iv_len, (void)add, (void)add_len, (void)input;
    (void)output, (void)tag, (void)tag_len;
    return FAIL;
}
void mbedtls_cipher_init(mbedtls_cipher_context_t *ctx) { (void)ctx; }
void mbedtls_cipher_free(mbedtls_cipher_context_t *ctx) { (void)ctx; }
int mbedtls_cipher_setup(mbedtls_cipher_context_t *ctx, const mbedtls_cipher_info_t *info)
{
    (void)ctx, (void)info;
    return FAIL;
}
int mbedtls_cipher_setkey(mbedtls_cipher_context_t *ctx, const unsigned char *key, int bits,
                          const mbedtls_operation_t op)
{
    (void)ctx, (void)key, (void)bits, (void)op;
    return FAIL;
}
int mbedtls_cipher_update(mbedtls_cipher_context_t *ctx, const unsigned char *input, size_t ilen,
                          unsigned char *output, size_t *olen)
{
    (void)ctx, (void)input, (void)ilen, (void)output, (void)olen;
    return FAIL;
}
const mbedtls_cipher_info_t *mbedtls_cipher_info_from_type(const mbedtls_cipher_type_t type)
{
    (void)type;
    return NULL;
}
int mbedtls_cipher_cmac(const mbedtls_cipher_info_t *info, const unsigned char *key,
                        size_t keylen, const unsigned char *input, size_t ilen,
                        unsigned char *output)
{
    (void)info, (void)key, (void)keylen, (void)input, (void)ilen, (void)output;
    return FAIL;
}
const mbedtls_md_info_t *mbedtls_md_info_from_type(mbedtls_md_type_t md_type)
{
    (void)md_type;
    return NULL;
}
int mbedtls_md_hmac(const mbedtls_md_info_t *md_info, const unsigned char *key, size_t keylen,
                    const unsigned char *input, size_t ilen, unsigned char *output)
{
    (void)md_info, (void)key, (void)keylen, (void)input, (void)ilen, (void)output;
    return FAIL;
}
int mbedtls_sha256_ret(const unsigned char *input, size_t ilen, unsigned char output[32],
                       int is224)
{
    (void)input, (void)ilen, (void)output, (void)is224;
    return FAIL;
}
void mbedtls_ecp_group_init(mbedtls_ecp_group *grp) { (void)grp; }
void mbedtls_ecp_group_free(mbedtls_ecp_group *grp) { (void)grp; }
int mbedtls_ecp_group_load(mbedtls_ecp_group *grp, mbedtls_ecp_group_id id)
{
    (void)grp, (void)id;
    return FAIL;
}
void mbedtls_ecp_point_init(mbedtls_ecp_point *pt) { (void)pt; }
void mbedtls_ecp_point_free(mbedtls_ecp_point *pt) { (void)pt; }
int mbedtls_ecp_point_read_binary(const mbedtls_ecp_group *grp, mbedtls_ecp_point *p,
                                  const unsigned char *buf, size_t ilen)
{
    (void)grp, (void)p, (void)buf, (void)ilen;
    return FAIL;
}
int mbedtls_ecp_point_write_binary(const mbedtls_ecp_group *grp, const mbedtls_ecp_point *p,
                                   int format, size_t *olen, unsigned char *buf, size_t buflen)
{
    (void)grp, (void)p, (void)format, (void)olen, (void)buf, (void)buflen;
    return FAIL;
}
int mbedtls_ecp_check_pubkey(const mbedtls_ecp_group *grp, const mbedtls_ecp_point *pt)
{
    (void)grp, (void)pt;
    return FAIL;
}
int mbedtls_ecp_check_privkey(const mbedtls_ecp_group *grp, const mbedtls_mpi *d)
{
    (void)grp, (void)d;
    return FAIL;
}
int mbedtls_ecp_gen_keypair(mbedtls_ecp_group *grp, mbedtls_mpi *d, mbedtls_ecp_point *q,
                            int (*f_rng)(void *, unsigned char *, size_t), void *p_rng)
{
    (void)grp, (void)d, (void)q, (void)f_rng, (void)p_rng;
    return FAIL;
}
int mbedtls_ecp_mul(mbedtls_ecp_group *grp, mbedtls_ecp_point *r, const mbedtls_mpi *m,
                    const mbedtls_ecp_point *p, int (*f_rng)(void *, unsigned char *, size_t),
                    void *p_rng)
{
    (void)grp, (void)r, (void)m, (void)p, (void)f_rng, (void)p_rng;
    return FAIL;
}
int mbedtls_ecdh_compute_shared(mbedtls_ecp_group *grp, mbedtls_mpi *z, const mbedtls_ecp_point *q,
                                const mbedtls_mpi *d, int (*f_rng)(void *, unsigned char *, size_t),
                                void *p_rng)
{
    (void)grp, (void)z, (void)q, (void)d, (void)f_rng, (void)p_rng;
    return FAIL;
}
void mbedtls_mpi_init(mbedtls_mpi *x) { (void)x; }
void mbedtls_mpi_free(mbedtls_mpi *x) { (void)x; }
int mbedtls_mpi_read_binary(mbedtls_mpi *x, const unsigned char *buf, size_t buflen)
{
    (void)x, (void)buf, (void)buflen;
    return FAIL;
}
int mbedtls_mpi_write_binary(const mbedtls_mpi *x, unsigned char *buf, size_t buflen)
{
    (void)x, (void)buf, (void)buflen;
    return FAIL;
}
