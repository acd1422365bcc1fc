bm_add_test(test_proxy_vectors gatt bearer/test_proxy_vectors.c)
bm_add_test(test_proxy_sar gatt bearer/test_proxy_sar.c)
