bm_add_test(test_msg_path models models/test_msg_path.c)
target_link_libraries(test_msg_path PRIVATE bm_mesh_sim)
bm_add_test(test_generic models models/test_generic.c)
target_link_libraries(test_generic PRIVATE bm_mesh_sim)
bm_add_test(test_health models models/test_health.c)
target_link_libraries(test_health PRIVATE bm_mesh_sim)
bm_add_test(test_seed_models models models/test_seed_models.c)
target_link_libraries(test_seed_models PRIVATE bm_mesh_sim)
bm_add_test(test_cfg_srv models models/test_cfg_srv.c models/cfg_env.c)
target_link_libraries(test_cfg_srv PRIVATE bm_mesh_sim)
bm_add_test(test_cfg_models models models/test_cfg_models.c models/cfg_env.c)
target_link_libraries(test_cfg_models PRIVATE bm_mesh_sim)
bm_add_test(test_time_wrap models models/test_time_wrap.c models/cfg_env.c)
target_link_libraries(test_time_wrap PRIVATE bm_mesh_sim)

# The light of the footprint image with its own table sizes
# (bench/footprint/light_limits.h, the one place they are written): the
# core, the simulator, the test and its helpers all compiled again with
# them. Not linked with bm_testsupport, which brings the core built with
# config.h's defaults: two struct bm_node layouts in one program.
file(GLOB BM_LIGHT_SIM_SOURCES CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/port/sim/*.c)
add_library(blemesh_light STATIC ${BM_CORE_SOURCES} ${BM_LIGHT_SIM_SOURCES})
target_include_directories(blemesh_light PUBLIC ${CMAKE_SOURCE_DIR}/include ${CMAKE_SOURCE_DIR}/src
                           ${CMAKE_SOURCE_DIR}/port/sim ${CMAKE_SOURCE_DIR}/bench/footprint)
target_include_directories(blemesh_light SYSTEM PRIVATE ${MBEDTLS_INCLUDE_DIR})
target_compile_definitions(blemesh_light PUBLIC BM_CFG_USER_HEADER="light_limits.h")
target_link_libraries(blemesh_light PUBLIC ${MBEDCRYPTO_LIBRARY} m)
add_executable(test_light_limits models/test_light_limits.c models/cfg_env.c node/mesh_sim.c
                                 support/test.c)
target_include_directories(test_light_limits PRIVATE support node models)
target_link_libraries(test_light_limits PRIVATE blemesh_light)
add_test(NAME test_light_limits COMMAND test_light_limits)
set_tests_properties(test_light_limits PROPERTIES LABELS models TIMEOUT 120)
