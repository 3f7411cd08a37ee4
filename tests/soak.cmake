# Soak (tests/soak/): many clients with real conversations and abuse against
# a real screener-server. ctest runs a short version (label "soak"); the
# documented long run is in docs/reliability.md.
if(TARGET screener_server AND TARGET screener-server)
  add_executable(screener-soak ${CMAKE_CURRENT_SOURCE_DIR}/soak/soak.cc)
  # soak.cc uses coroutines: see SCREENER_COROUTINE_FLAGS in the top CMakeLists.
  set_source_files_properties(${CMAKE_CURRENT_SOURCE_DIR}/soak/soak.cc PROPERTIES COMPILE_OPTIONS "${SCREENER_COROUTINE_FLAGS}")
  target_link_libraries(screener-soak PRIVATE screener_server)  # Beast/Asio, compiled once there
  # Coroutines: see SCREENER_COROUTINE_FLAGS in the top CMakeLists (clang 14 + UBSan).
  target_compile_options(screener-soak PRIVATE ${SCREENER_COROUTINE_FLAGS})
  set_target_properties(screener-soak PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${PROJECT_BINARY_DIR})
  set(SCREENER_SOAK_CLIENTS 300 CACHE STRING "Clients in the ctest soak run")
  set(SCREENER_SOAK_SECONDS 30 CACHE STRING "Seconds of the ctest soak run")
  add_test(NAME soak.short
           COMMAND sh ${CMAKE_CURRENT_SOURCE_DIR}/soak/run.sh $<TARGET_FILE:screener-server>
                   $<TARGET_FILE:screener-soak> --clients ${SCREENER_SOAK_CLIENTS}
                   --seconds ${SCREENER_SOAK_SECONDS} --warmup 10)
  set_tests_properties(soak.short PROPERTIES LABELS soak TIMEOUT 300 RUN_SERIAL TRUE
                       WORKING_DIRECTORY ${PROJECT_SOURCE_DIR})
endif()
