# Run by ctest with cmake -P (see CMakeLists.txt). Fails with message(FATAL_ERROR) on the first
# broken link: install, find_package, out-of-tree build, loading by the installed host, calling.
cmake_minimum_required(VERSION 3.25)
foreach(var PGORCH_BUILD_DIR PGORCH_PLUGIN_SUBDIR WORK_DIR OOT_SOURCE_DIR GENERATOR CXX_COMPILER)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "sdk test: ${var} is not set")
  endif()
endforeach()

set(prefix "${WORK_DIR}/prefix")
set(oot_build "${WORK_DIR}/oot-build")
file(REMOVE_RECURSE "${WORK_DIR}")
file(MAKE_DIRECTORY "${WORK_DIR}")

include("${CMAKE_CURRENT_LIST_DIR}/../lib/run.cmake")
function(require_success what out)
  expect_rc("sdk test" "${what}" ${out} 0)
endfunction()

# 1. Install the host, the plugins and the SDK into a fresh prefix.
run(install "${CMAKE_COMMAND}" --install "${PGORCH_BUILD_DIR}" --prefix "${prefix}")
require_success("cmake --install" install)
foreach(f bin/pgorch-host include/pgorch/pgorch_plugin.h include/pgorch/plugin.hpp
          "${PGORCH_PLUGIN_SUBDIR}/pgorch-step-noop.so")
  if(NOT EXISTS "${prefix}/${f}")
    message(FATAL_ERROR "sdk test: \"${f}\" is not installed under \"${prefix}\"")
  endif()
endforeach()
file(GLOB_RECURSE config "${prefix}/*/pgorch-sdk-config.cmake")
if(NOT config)
  message(FATAL_ERROR "sdk test: no pgorch-sdk-config.cmake installed under \"${prefix}\"")
endif()
file(GLOB_RECURSE fixtures "${prefix}/*fx_*")
if(fixtures)
  message(FATAL_ERROR "sdk test: test fixtures were installed: ${fixtures}")
endif()

# 2. Configure and build the out-of-tree plugin against the installed SDK only.
run(configure "${CMAKE_COMMAND}" -S "${OOT_SOURCE_DIR}" -B "${oot_build}" -G "${GENERATOR}"
    "-DCMAKE_PREFIX_PATH=${prefix}" "-DCMAKE_CXX_COMPILER=${CXX_COMPILER}" -DCMAKE_FIND_PACKAGE_NO_PACKAGE_REGISTRY=ON)
require_success("configuring the out-of-tree plugin" configure)
run(build "${CMAKE_COMMAND}" --build "${oot_build}")
require_success("building the out-of-tree plugin" build)
set(plugin "${oot_build}/pgorch-step-oot_hello.so")
if(NOT EXISTS "${plugin}")
  message(FATAL_ERROR "sdk test: the build did not produce \"${plugin}\"")
endif()
# The version script must leave exactly one exported function.
find_program(NM nm)
if(NM)
  run(nm "${NM}" -D --defined-only "${plugin}")
  require_success("nm" nm)
  string(REGEX MATCHALL "[^\n]+ T [^\n]+" exported "${nm_stdout}")
  if(NOT exported MATCHES "T pgorch_plugin_entry$" OR exported MATCHES ";")
    message(FATAL_ERROR "sdk test: the plugin should export only pgorch_plugin_entry, it exports: ${exported}")
  endif()
endif()

# 3. The installed host lists it next to the installed noop.
set(host "${prefix}/bin/pgorch-host")
set(env "${CMAKE_COMMAND}" -E env "PGORCH_PLUGIN_PATH=${oot_build}")
run(list ${env} "${host}" plugins)
require_success("pgorch-host plugins" list)
foreach(name oot_hello noop)
  if(NOT list_stdout MATCHES "${name}")
    message(FATAL_ERROR "sdk test: \"pgorch-host plugins\" does not list \"${name}\":\n${list_stdout}${list_stderr}")
  endif()
endforeach()

# 4. The installed host calls it, and prints its result as JSON.
run(call ${env} "${host}" plugins --call oot_hello --input "{\"x\":1}")
require_success("pgorch-host plugins --call oot_hello" call)
string(JSON greeting ERROR_VARIABLE json_error GET "${call_stdout}" greeting)
if(json_error)
  message(FATAL_ERROR "sdk test: the output of --call is not the expected JSON (${json_error}):\n${call_stdout}")
endif()
string(JSON x_plus_one GET "${call_stdout}" x_plus_one)
if(NOT greeting STREQUAL "hello from out of tree" OR NOT x_plus_one EQUAL 2)
  message(FATAL_ERROR "sdk test: unexpected result of --call:\n${call_stdout}")
endif()

# 5. A failed call (the installed noop, asked to fail) exits 1 and says why.
run(fail ${env} "${host}" plugins --call noop --input "{\"options\":{\"fail\":true}}")
if(NOT fail_rc EQUAL 1 OR NOT "${fail_stdout}${fail_stderr}" MATCHES "noop failed on purpose")
  message(FATAL_ERROR "sdk test: a failed call should exit 1 with its message, got ${fail_rc}:\n${fail_stdout}${fail_stderr}")
endif()
message(STATUS "sdk test: passed (${prefix})")
