# Real processes: blemesh prov and five blemesh node processes on the socket
# bearer, SIGKILLed at random moments; the test sniffs the air to check
# that no (SRC, SEQ) was ever used for two different messages.
bm_add_py_test(procs_kill persistence procs/test_procs_kill.py)
set_tests_properties(procs_kill PROPERTIES TIMEOUT 240)
