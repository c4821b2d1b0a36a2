# Fails when the ABI of libcrmcore_c.so differs in any way from the baseline kept in the
# repository (abi/libcrmcore_c.abi, written by abigail-tools' abidw): abidiff must exit 0.
# An added function is a change too (abidiff exit 4): the baseline is then regenerated
# with scripts/update-abi-baseline.sh, which refuses an incompatible change (abidiff
# exit bit 8) unless the SONAME major was bumped as well. Run with cmake -P.
cmake_policy(VERSION 3.25)

foreach(var ABIDIFF LIBRARY BASELINE)
  if(NOT ${var})
    message(FATAL_ERROR "check_abi.cmake: -D${var}=... is required")
  endif()
endforeach()

execute_process(
  COMMAND "${ABIDIFF}" --no-show-locs "${BASELINE}" "${LIBRARY}"
  OUTPUT_VARIABLE report ERROR_VARIABLE errors RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR
    "abidiff exited ${rc} (4: the ABI changed; 8: incompatibly; 1/2: tool error):\n"
    "${report}${errors}\n"
    "If the change is intended, regenerate the baseline: bash scripts/update-abi-baseline.sh "
    "(an incompatible change also needs the SONAME major bumped: the project's major "
    "version, CMakeLists.txt, and capi/crmcore_c.map's version node).")
endif()
message(STATUS "libcrmcore_c.so matches the ABI baseline ${BASELINE}")
