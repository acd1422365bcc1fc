add_library(bm_mesh_sim STATIC node/mesh_sim.c)
target_link_libraries(bm_mesh_sim PUBLIC blemesh_sim bm_testsupport)
target_include_directories(bm_mesh_sim PUBLIC node)

bm_add_test(test_prov_network provisioning node/test_prov_network.c)
target_link_libraries(test_prov_network PRIVATE bm_mesh_sim)

bm_add_test(test_seed_api provisioning node/test_seed_api.c)
target_link_libraries(test_seed_api PRIVATE bm_mesh_sim)

bm_add_test(test_prov_failures provisioning node/test_prov_failures.c node/rogue.c)
target_link_libraries(test_prov_failures PRIVATE bm_mesh_sim)

bm_add_test(test_iv_kr persistence node/test_iv_kr.c models/cfg_env.c)
target_link_libraries(test_iv_kr PRIVATE bm_mesh_sim)
target_include_directories(test_iv_kr PRIVATE models)

bm_add_test(test_gatt gatt node/test_gatt.c)
target_link_libraries(test_gatt PRIVATE bm_mesh_sim)
