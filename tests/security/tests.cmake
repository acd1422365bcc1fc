# Attack tests, air quality and secrets in logs (issue #8), label security.
add_library(bm_sec_env STATIC security/sec_env.c)
target_link_libraries(bm_sec_env PUBLIC bm_mesh_sim)
target_include_directories(bm_sec_env PUBLIC security)

bm_add_test(test_replay security security/test_replay.c)
target_link_libraries(test_replay PRIVATE bm_sec_env)

bm_add_test(test_beacon_attacks security security/test_beacon_attacks.c)
target_link_libraries(test_beacon_attacks PRIVATE bm_sec_env)

bm_add_test(test_prov_attacks security security/test_prov_attacks.c node/rogue.c)
target_link_libraries(test_prov_attacks PRIVATE bm_mesh_sim)

bm_add_test(test_reset_wipe security security/test_reset_wipe.c)
target_link_libraries(test_reset_wipe PRIVATE bm_mesh_sim)

bm_add_test(test_flood security security/test_flood.c)
target_link_libraries(test_flood PRIVATE bm_sec_env)
# The core has no heap: its archive references no allocator.
add_test(NAME test_core_has_no_heap
         COMMAND sh -c "! nm -u $<TARGET_FILE:blemesh> | grep -wE 'malloc|calloc|realloc|free|aligned_alloc'")
set_tests_properties(test_core_has_no_heap PROPERTIES LABELS security TIMEOUT 60)

bm_add_test(test_air_quality security security/test_air_quality.c)
target_link_libraries(test_air_quality PRIVATE bm_sec_env)

bm_add_test(test_secrets_in_logs security security/test_secrets_in_logs.c)
target_link_libraries(test_secrets_in_logs PRIVATE bm_mesh_sim)
bm_add_py_test(security_cli_secrets security security/test_cli_secrets.py)
