# The shipped scripts as tests: lint, golden transcripts, and check-safety
# with the crisis corpus (every crisis line at every reachable state).
file(GLOB shipped_scripts CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/scripts/*.json)
add_test(NAME scripts.lint COMMAND screener lint ${shipped_scripts}
         WORKING_DIRECTORY ${PROJECT_SOURCE_DIR})
foreach(script ${shipped_scripts})
  get_filename_component(id ${script} NAME_WE)
  file(GLOB transcripts CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/scripts/transcripts/${id}/*.txt)
  if(transcripts)
    add_test(NAME scripts.transcripts.${id} COMMAND screener test ${script} ${transcripts}
             WORKING_DIRECTORY ${PROJECT_SOURCE_DIR})
  endif()
endforeach()
add_test(NAME scripts.check_safety
         COMMAND screener check-safety ${shipped_scripts} --corpus ${PROJECT_SOURCE_DIR}/tests/crisis/corpus.tsv
         WORKING_DIRECTORY ${PROJECT_SOURCE_DIR})
