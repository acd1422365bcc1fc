bm_add_test(test_friend_vectors gatt friend/test_friend_vectors.c)
bm_add_test(test_friend_sim gatt friend/test_friend_sim.c)
target_link_libraries(test_friend_sim PRIVATE bm_mesh_sim)
