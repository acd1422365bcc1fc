bm_add_test(test_lower_vectors pipeline transport/test_lower_vectors.c)
bm_add_test(test_lower_negative pipeline transport/test_lower_negative.c)
bm_add_test(test_reasm pipeline transport/test_reasm.c)
bm_add_test(test_upper_vectors pipeline transport/test_upper_vectors.c)
