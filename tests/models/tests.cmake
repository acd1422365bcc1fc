bm_add_test(test_msg_path models models/test_msg_path.c)
target_link_libraries(test_msg_path PRIVATE bm_mesh_sim)
bm_add_test(test_generic models models/test_generic.c)
target_link_libraries(test_generic PRIVATE bm_mesh_sim)
