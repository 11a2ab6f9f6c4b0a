# Helpers shared by every module's CMakeLists.txt.

# sluice_unit_tests(<module> <sources...> LIBS <libs...>)
# Builds one GoogleTest binary per module (src/<module>/tests) and registers
# each test case with CTest under the label "unit".
function(sluice_unit_tests module)
  cmake_parse_arguments(ARG "" "" "SOURCES;LIBS;LABELS" ${ARGN})
  set(target ${module}_tests)
  add_executable(${target} ${ARG_SOURCES})
  target_link_libraries(${target} PRIVATE ${ARG_LIBS} GTest::gtest GTest::gtest_main GTest::gmock Threads::Threads)
  set(labels unit ${ARG_LABELS})
  if(ARG_LABELS)
    # gtest_discover_tests flattens its PROPERTIES, so a list such as
    # "unit;slow" would lose "slow": register the whole binary as one test.
    add_test(NAME ${module} COMMAND ${target})
    set_tests_properties(${module} PROPERTIES LABELS "${labels}" TIMEOUT 600)
  else()
    gtest_discover_tests(${target}
      TEST_PREFIX "${module}."
      PROPERTIES LABELS "${labels}"
      DISCOVERY_TIMEOUT 30)
  endif()
endfunction()
