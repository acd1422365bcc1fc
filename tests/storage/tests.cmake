# Persistence: records, restarts in the simulated air, corruption, reset.
bm_add_test(test_persist persistence storage/test_persist.c models/cfg_env.c)
target_link_libraries(test_persist PRIVATE bm_mesh_sim)
target_include_directories(test_persist PRIVATE models)
