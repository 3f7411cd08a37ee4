# The web widget's tests in a real browser (Debian's chromium driven by npm
# playwright-core; see tests/browser/). Included by tests/CMakeLists.txt.
# run.mjs installs its npm dependencies (npm ci) when node_modules is missing.
# Screenshots of the main states go to ${PROJECT_BINARY_DIR}/browser-artifacts.
if(TARGET screener-server)
  find_program(SCREENER_NODE node)
  find_program(SCREENER_CHROMIUM NAMES chromium chromium-browser)
  if(NOT SCREENER_NODE OR NOT SCREENER_CHROMIUM)
    message(STATUS "browser tests: node or chromium not found (tools/install-deps --browser); browser_widget not registered")
  else()
    add_test(NAME browser_widget
      COMMAND ${SCREENER_NODE} ${PROJECT_SOURCE_DIR}/tests/browser/run.mjs
              --server $<TARGET_FILE:screener-server>
              --source ${PROJECT_SOURCE_DIR}
              --chromium ${SCREENER_CHROMIUM}
              --artifacts ${PROJECT_BINARY_DIR}/browser-artifacts
      WORKING_DIRECTORY ${PROJECT_SOURCE_DIR})
    # One chromium and one server at a time; other suites may run alongside.
    set_tests_properties(browser_widget PROPERTIES
      TIMEOUT 420
      LABELS "browser"
      RESOURCE_LOCK browser
      PROCESSORS 2)
  endif()
endif()
