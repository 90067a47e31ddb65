# Installs the build into a private prefix, then configures, builds and runs
# tests/consumer against it twice: once through find_package(tally), once
# through pkg-config. Run by ctest as `cmake -P` (test "consumer").
set(work ${TALLY_BINARY_DIR}/consumer)
set(prefix ${work}/prefix)
file(REMOVE_RECURSE ${prefix})

function(run)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "failed (${rc}): ${ARGN}\n${out}")
  endif()
endfunction()

run(${CMAKE_COMMAND} --install ${TALLY_BINARY_DIR} --prefix ${prefix})

foreach(mode IN ITEMS cmake pkgconfig)
  set(bin ${work}/build-${mode})
  file(REMOVE_RECURSE ${bin})
  if(mode STREQUAL "pkgconfig")
    set(use_pc ON)
  else()
    set(use_pc OFF)
  endif()
  run(${CMAKE_COMMAND} -S ${TALLY_SOURCE_DIR}/tests/consumer -B ${bin} -G ${TALLY_GENERATOR}
      -DCMAKE_C_COMPILER=${TALLY_C_COMPILER}
      -DCMAKE_PREFIX_PATH=${prefix}
      -DCONSUMER_USE_PKGCONFIG=${use_pc}
      "-DCMAKE_C_FLAGS=${TALLY_EXTRA_FLAGS}"
      "-DCMAKE_EXE_LINKER_FLAGS=${TALLY_EXTRA_FLAGS}")
  run(${CMAKE_COMMAND} --build ${bin})
  run(${bin}/consumer)
  message(STATUS "consumer via ${mode}: ok")
endforeach()
