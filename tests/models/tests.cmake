bm_add_test(test_msg_path models models/test_msg_path.c)
target_link_libraries(test_msg_path PRIVATE bm_mesh_sim)
