# The blemesh command-line tool, driven by Python (stdlib only) against the
# spec sample data. Each script gets the tool's path and the vectors dir.
bm_add_py_test(tools_cli_messages pipeline tools/test_cli_messages.py)
bm_add_py_test(tools_cli_beacons pipeline tools/test_cli_beacons.py)
bm_add_py_test(tools_cli_errors pipeline tools/test_cli_errors.py)
bm_add_py_test(tools_demo models tools/test_demo.py)
