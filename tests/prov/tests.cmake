bm_add_test(test_prov_pdu provisioning prov/test_prov_pdu.c)
bm_add_test(test_pb_adv provisioning prov/test_pb_adv.c)
bm_add_test(test_prov_crypto provisioning prov/test_prov_crypto.c)
