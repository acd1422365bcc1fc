bm_add_test(test_crypto_vectors pipeline crypto/test_crypto_vectors.c)
bm_add_test(test_crypto_ecdh pipeline crypto/test_crypto_ecdh.c)
