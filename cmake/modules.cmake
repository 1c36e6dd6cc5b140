# Helpers that keep the build free of per-file bookkeeping: a module is a folder lib/<name>/,
# its *.cc files (but not *_test.cc) make the static library doorman_<name>, and each *_test.cc
# anywhere under lib/ or server/ becomes one GoogleTest executable.

function(doorman_module name)
  file(GLOB sources CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/lib/${name}/*.cc)
  list(FILTER sources EXCLUDE REGEX "_test\\.cc$")
  if(sources)
    add_library(doorman_${name} STATIC ${sources})
  else()
    # Keep dependants linkable while a module has no sources yet.
    add_library(doorman_${name} INTERFACE)
  endif()
  get_target_property(type doorman_${name} TYPE)
  if(type STREQUAL "INTERFACE_LIBRARY")
    target_include_directories(doorman_${name} INTERFACE ${CMAKE_SOURCE_DIR}/include)
  else()
    target_include_directories(doorman_${name} PUBLIC ${CMAKE_SOURCE_DIR}/include)
  endif()
  foreach(dep IN LISTS ARGN)
    if(type STREQUAL "INTERFACE_LIBRARY")
      target_link_libraries(doorman_${name} INTERFACE doorman_${dep})
    else()
      target_link_libraries(doorman_${name} PUBLIC doorman_${dep})
    endif()
  endforeach()
endfunction()

# One test executable per *_test.cc; lib/<module>/x_test.cc links doorman_<module>,
# server/.../x_test.cc links doorman_server.
function(doorman_unit_tests)
  file(GLOB_RECURSE tests CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/lib/*_test.cc)
  if(DOORMAN_BUILD_SERVER)
    file(GLOB_RECURSE server_tests CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/server/*_test.cc)
    list(APPEND tests ${server_tests})
  endif()
  foreach(test_file IN LISTS tests)
    get_filename_component(test_name ${test_file} NAME_WE)
    file(RELATIVE_PATH rel ${CMAKE_SOURCE_DIR} ${test_file})
    add_executable(${test_name} ${test_file})
    if(rel MATCHES "^lib/([a-z_]+)/")
      target_link_libraries(${test_name} PRIVATE doorman_${CMAKE_MATCH_1})
    else()
      target_link_libraries(${test_name} PRIVATE doorman_server)
    endif()
    target_link_libraries(${test_name} PRIVATE GTest::gtest GTest::gmock GTest::gtest_main)
    target_compile_definitions(${test_name} PRIVATE
                               DOORMAN_SOURCE_DIR="${CMAKE_SOURCE_DIR}")
    gtest_discover_tests(${test_name} DISCOVERY_MODE PRE_TEST
                         PROPERTIES LABELS unit)
  endforeach()
endfunction()
