# Scale-out tests (tests/scale/): redis-server and nginx from Debian's
# packages, several screener-server processes with --store redis://. Label
# "scale". Included by tests/CMakeLists.txt. The binary skips its tests with
# a message when redis-server or nginx is missing; tools/install-deps
# --browser (./dev test) installs both.
if(TARGET screener-server)
  add_executable(scale_tests ${CMAKE_CURRENT_SOURCE_DIR}/scale/scale_test.cc)
  target_link_libraries(scale_tests PRIVATE screener_server GTest::gtest GTest::gtest_main)
  target_compile_definitions(scale_tests PRIVATE SCREENER_BINARY_DIR="${PROJECT_BINARY_DIR}")
  add_dependencies(scale_tests screener-server)  # the tests run the real binary
  gtest_discover_tests(scale_tests
    WORKING_DIRECTORY ${PROJECT_SOURCE_DIR}
    DISCOVERY_TIMEOUT 60
    PROPERTIES TIMEOUT 180 LABELS scale RESOURCE_LOCK scale)
endif()
