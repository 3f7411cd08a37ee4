# Fault tests (tests/fault/): the real screener-server as a child process,
# killed with SIGKILL, its disk filled, its webhook receiver broken, its
# clients misbehaving. Loopback only; every test bounded in seconds.
if(TARGET screener_server AND TARGET screener-server)
  screener_test(fault screener_server)
  if(TARGET fault_tests)
    add_dependencies(fault_tests screener-server)  # the tests run the real binary
  endif()
endif()
