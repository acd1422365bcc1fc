bm_add_test(test_net_vectors pipeline net/test_net_vectors.c)
