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
  gtest_discover_tests(${target}
    TEST_PREFIX "${module}."
    PROPERTIES LABELS "${labels}"
    DISCOVERY_TIMEOUT 30)
  if(ARG_LABELS)
    # gtest_discover_tests flattens PROPERTIES into one list, so a second label
    # ("unit;slow") would be lost. Set the labels from a CTest include file
    # that runs after the discovered tests are defined (<target>_TESTS).
    set(label_file ${CMAKE_CURRENT_BINARY_DIR}/${target}_labels.cmake)
    file(WRITE ${label_file}
      "if(${target}_TESTS)\n  set_tests_properties(\${${target}_TESTS} PROPERTIES LABELS \"${labels}\")\nendif()\n")
    set_property(DIRECTORY APPEND PROPERTY TEST_INCLUDE_FILES ${label_file})
  endif()
endfunction()
