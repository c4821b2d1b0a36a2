# Fails unless every symbol libcrmcore_c.so defines in its dynamic symbol table starts
# with crm_, and its SONAME is EXPECTED_SONAME. Run with cmake -P (see CMakeLists.txt).
#
# The one exception is the version node itself (VERSION_NODE), which the linker lists as
# an absolute symbol when a version script names it; it is not callable.
cmake_policy(VERSION 3.25)

foreach(var LIBRARY NM READELF EXPECTED_SONAME VERSION_NODE)
  if(NOT ${var})
    message(FATAL_ERROR "check_exports.cmake: -D${var}=... is required")
  endif()
endforeach()

execute_process(COMMAND "${NM}" -D --defined-only "${LIBRARY}"
  OUTPUT_VARIABLE symbols RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "${NM} -D --defined-only ${LIBRARY} failed (${rc})")
endif()

string(REPLACE "\n" ";" lines "${symbols}")
set(exported "")
set(leaked "")
foreach(line IN LISTS lines)
  if(line STREQUAL "")
    continue()
  endif()
  # "<address> <type> <name>[@@<version>]"
  string(REGEX REPLACE "^[0-9a-fA-F]* *[A-Za-z] " "" name "${line}")
  string(REGEX REPLACE "@.*$" "" name "${name}")
  if(name STREQUAL VERSION_NODE AND line MATCHES " A ")
    continue()
  endif()
  if(name MATCHES "^crm_")
    list(APPEND exported "${name}")
  else()
    list(APPEND leaked "${line}")
  endif()
endforeach()

list(LENGTH exported exported_count)
if(leaked)
  list(JOIN leaked "\n  " leaked_text)
  message(FATAL_ERROR "libcrmcore_c exports symbols outside crm_*:\n  ${leaked_text}")
endif()
# Guards the test itself: an empty table (wrong file, stripped output) must not pass.
foreach(required crm_version_number crm_last_error crm_ladder_rung)
  if(NOT required IN_LIST exported)
    message(FATAL_ERROR "libcrmcore_c does not export ${required}; exported: ${exported}")
  endif()
endforeach()

execute_process(COMMAND "${READELF}" -d "${LIBRARY}" OUTPUT_VARIABLE dynamic RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "${READELF} -d ${LIBRARY} failed (${rc})")
endif()
if(NOT dynamic MATCHES "\\(SONAME\\)[^\n]*\\[${EXPECTED_SONAME}\\]")
  message(FATAL_ERROR "SONAME of ${LIBRARY} is not ${EXPECTED_SONAME}:\n${dynamic}")
endif()
message(STATUS "${exported_count} symbols exported, all crm_*; SONAME ${EXPECTED_SONAME}")
