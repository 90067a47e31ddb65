# The tz database compiled into C (tools/gen-tzdata.mjs reads the build
# machine's /usr/share/zoneinfo, or $TZDIR), so named zones work in wasm too.
# zone.c only looks at the tables when TALLY_HAVE_TZDATA is defined.
set(_tzdata_c ${CMAKE_BINARY_DIR}/gen/tzdata.c)
add_custom_command(
  OUTPUT ${_tzdata_c}
  COMMAND node ${CMAKE_SOURCE_DIR}/tools/gen-tzdata.mjs ${_tzdata_c}
  DEPENDS ${CMAKE_SOURCE_DIR}/tools/gen-tzdata.mjs
  COMMENT "Compiling the tz database into gen/tzdata.c"
  VERBATIM)
list(APPEND TALLY_GENERATED_SOURCES ${_tzdata_c})
# For targets defined after this file is included, and for zone.c in this
# directory whenever the target is defined.
add_compile_definitions(TALLY_HAVE_TZDATA=1)
set_property(SOURCE ${CMAKE_SOURCE_DIR}/core/time/zone.c APPEND PROPERTY COMPILE_DEFINITIONS TALLY_HAVE_TZDATA=1)
