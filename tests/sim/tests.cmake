# The simulated air (port/sim): clock, store and run control; the radio
# model; a 2000-node flood for scale.
foreach(t test_sim_core test_sim_radio test_sim_scale)
  bm_add_test(${t} provisioning sim/${t}.c)
  target_link_libraries(${t} PRIVATE blemesh_sim)
endforeach()
