# Included by the cmake -P tests (tests/sdk, tests/ttdb).
# run(OUT COMMAND...): runs a command; sets OUT_stdout, OUT_stderr and OUT_rc in the caller.
function(run out)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE stdout ERROR_VARIABLE stderr)
  set(${out}_stdout "${stdout}" PARENT_SCOPE)
  set(${out}_stderr "${stderr}" PARENT_SCOPE)
  set(${out}_rc "${rc}" PARENT_SCOPE)
endfunction()

# expect_rc(TEST WHAT OUT RC): stops with OUT's output unless the command of run(OUT ...) exited RC.
function(expect_rc test what out rc)
  if(NOT "${${out}_rc}" STREQUAL "${rc}")
    message(FATAL_ERROR "${test}: ${what}: exit ${${out}_rc}, want ${rc}\n--- stdout\n${${out}_stdout}\n--- stderr\n${${out}_stderr}")
  endif()
endfunction()
