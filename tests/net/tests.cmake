bm_add_test(test_net_vectors pipeline net/test_net_vectors.c)
bm_add_test(test_net_rx pipeline net/test_net_rx.c)
bm_add_test(test_net_negative pipeline net/test_net_negative.c)
