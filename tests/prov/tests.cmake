bm_add_test(test_prov_pdu provisioning prov/test_prov_pdu.c)
