# pgorch_add_plugin(KIND NAME SOURCES...)
#
# Builds the plugin `pgorch-<kind>-<name>.so` as a MODULE library: hidden visibility, a linker
# version script that exports only pgorch_plugin_entry, and --no-undefined so a missing symbol
# fails the build instead of the load. Name = folder = library = registry key.
# Works inside the pgorch tree and out of tree after find_package(pgorch-sdk).
set(_PGORCH_SDK_FUNCTIONS_DIR "${CMAKE_CURRENT_LIST_DIR}")

function(pgorch_add_plugin kind name)
  if(NOT kind MATCHES "^(step|distro)$")
    message(FATAL_ERROR "pgorch_add_plugin: kind must be step or distro, not \"${kind}\"")
  endif()
  set(target "pgorch-${kind}-${name}")
  add_library(${target} MODULE ${ARGN})
  if(TARGET pgorch_sdk)
    target_link_libraries(${target} PRIVATE pgorch_sdk)
  else()
    target_link_libraries(${target} PRIVATE pgorch::sdk)
  endif()
  if(EXISTS "${_PGORCH_SDK_FUNCTIONS_DIR}/pgorch-plugin.map")
    set(map "${_PGORCH_SDK_FUNCTIONS_DIR}/pgorch-plugin.map")
  else()
    set(map "${_PGORCH_SDK_FUNCTIONS_DIR}/../cmake/pgorch-plugin.map")
  endif()
  set_target_properties(${target} PROPERTIES
    PREFIX ""
    CXX_VISIBILITY_PRESET hidden
    C_VISIBILITY_PRESET hidden
    VISIBILITY_INLINES_HIDDEN ON
    LINK_DEPENDS "${map}")
  target_link_options(${target} PRIVATE "LINKER:--version-script=${map}" "LINKER:--no-undefined")
  if(DEFINED PGORCH_PLUGIN_OUTPUT_DIR)
    set_target_properties(${target} PROPERTIES LIBRARY_OUTPUT_DIRECTORY "${PGORCH_PLUGIN_OUTPUT_DIR}")
  endif()
  if(DEFINED PGORCH_PLUGIN_SUBDIR)
    install(TARGETS ${target} LIBRARY DESTINATION "${PGORCH_PLUGIN_SUBDIR}")
  endif()
endfunction()
