# The Python module (python/, docs/python.md), tested with Debian's pytest
# under the interpreter the extension was built for, the built package on
# PYTHONPATH. Not registered where the extension is not built (BM_SANITIZE,
# or no python3-dev).
if(TARGET _blemesh)
  foreach(t api board_scripts socket)
    add_test(NAME python_${t}
             COMMAND ${Python3_EXECUTABLE} -m pytest -q -p no:cacheprovider
                     ${CMAKE_CURRENT_LIST_DIR}/test_${t}.py)
    set_tests_properties(python_${t} PROPERTIES LABELS python TIMEOUT 300
                         ENVIRONMENT "PYTHONPATH=${CMAKE_BINARY_DIR}/python;PYTHONDONTWRITEBYTECODE=1")
  endforeach()
endif()
