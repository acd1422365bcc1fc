# The POSIX port (port/posix): the directory store with its SIGKILL test,
# the UDP multicast socket bearer, the event loop and its hooks, and two
# real nodes provisioning each other over it in separate processes.
add_library(bm_posix_testutil STATIC posix/posix_util.c)
target_include_directories(bm_posix_testutil PUBLIC posix)

foreach(t test_posix_store test_posix_bearer test_posix_loop test_posix_e2e)
  bm_add_test(${t} persistence posix/${t}.c)
  target_link_libraries(${t} PRIVATE blemesh_posix bm_posix_testutil)
  set_tests_properties(${t} PROPERTIES TIMEOUT 120)
endforeach()
