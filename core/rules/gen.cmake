# The simple lower-case mapping used by the sign-up context (unicase.c).
set(_lower_c ${CMAKE_BINARY_DIR}/gen/lowercase.c)
add_custom_command(
  OUTPUT ${_lower_c}
  COMMAND node ${CMAKE_SOURCE_DIR}/tools/gen-lowercase.mjs ${_lower_c}
  DEPENDS ${CMAKE_SOURCE_DIR}/tools/gen-lowercase.mjs
  COMMENT "Generating the Unicode lower-case table"
  VERBATIM)
list(APPEND TALLY_GENERATED_SOURCES ${_lower_c})
