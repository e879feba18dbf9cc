# Run by ctest with cmake -P (see CMakeLists.txt). Fails with message(FATAL_ERROR) on the first
# broken link: install, find_package, out-of-tree build of every plugin folder, loading by the
# installed host, calling.
#
# Every folder of plugins/<kind>/<name> and the third-party oot_plugin/ are copied side by side
# into one scratch project that only add_subdirectory()s them: each folder's own CMakeLists.txt
# then runs its project() and find_package(pgorch-sdk) against the install prefix (a folder's
# find_package is seen by that folder alone), and one parallel build compiles them all (no
# optimisation: the test loads them, it does not time them; ccache when given).
cmake_minimum_required(VERSION 3.25)
foreach(var PGORCH_BUILD_DIR PGORCH_SOURCE_DIR PGORCH_PLUGIN_SUBDIR WORK_DIR OOT_SOURCE_DIR GENERATOR CXX_COMPILER)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "sdk test: ${var} is not set")
  endif()
endforeach()

set(prefix "${WORK_DIR}/prefix")
set(src "${WORK_DIR}/src")
set(oot_build "${WORK_DIR}/build")
file(REMOVE_RECURSE "${WORK_DIR}")
file(MAKE_DIRECTORY "${src}")

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
# The installed host must load the plugins built below, not its own copies of them.
file(REMOVE_RECURSE "${prefix}/${PGORCH_PLUGIN_SUBDIR}")

# 2. Copy every plugin folder and the third-party plugin into one scratch project.
file(GLOB folders LIST_DIRECTORIES true RELATIVE "${PGORCH_SOURCE_DIR}/plugins" "${PGORCH_SOURCE_DIR}/plugins/*/*")
set(names oot_hello)
string(CONCAT body "cmake_minimum_required(VERSION 3.25)\nproject(pgorch_plugins_out_of_tree LANGUAGES CXX)\n"
       "set(CMAKE_LIBRARY_OUTPUT_DIRECTORY \"\${CMAKE_BINARY_DIR}/plugins\")\nadd_subdirectory(oot_hello)\n")
file(COPY "${OOT_SOURCE_DIR}/" DESTINATION "${src}/oot_hello")
foreach(f ${folders})
  if(NOT EXISTS "${PGORCH_SOURCE_DIR}/plugins/${f}/CMakeLists.txt")
    continue()
  endif()
  get_filename_component(name "${f}" NAME)
  list(APPEND names "${name}")
  file(COPY "${PGORCH_SOURCE_DIR}/plugins/${f}/" DESTINATION "${src}/${f}")
  string(APPEND body "add_subdirectory(${f})\n")
endforeach()
file(WRITE "${src}/CMakeLists.txt" "${body}")

# 3. Configure and build them against the installed SDK only.
set(launcher "")
if(CXX_LAUNCHER)
  set(launcher "-DCMAKE_CXX_COMPILER_LAUNCHER=${CXX_LAUNCHER}")
endif()
run(configure "${CMAKE_COMMAND}" -S "${src}" -B "${oot_build}" -G "${GENERATOR}" -DCMAKE_BUILD_TYPE=
    "-DCMAKE_PREFIX_PATH=${prefix}" "-DCMAKE_CXX_COMPILER=${CXX_COMPILER}" ${launcher}
    -DCMAKE_FIND_PACKAGE_NO_PACKAGE_REGISTRY=ON)
require_success("configuring the plugins out of tree" configure)
file(STRINGS "${oot_build}/CMakeCache.txt" sdk_dir REGEX "^pgorch-sdk_DIR:")
string(FIND "${sdk_dir}" "=${prefix}/" at)
if(at EQUAL -1)
  message(FATAL_ERROR "sdk test: pgorch-sdk was found outside the install prefix \"${prefix}\": ${sdk_dir}")
endif()
run(build "${CMAKE_COMMAND}" --build "${oot_build}")
require_success("building the plugins out of tree" build)

# The version script must leave exactly one exported function in each.
find_program(NM nm)
set(plugin_dir "${oot_build}/plugins")
foreach(name ${names})
  file(GLOB so "${plugin_dir}/pgorch-*-${name}.so")
  if(NOT so)
    message(FATAL_ERROR "sdk test: the build did not produce a plugin \"${name}\" in \"${plugin_dir}\"")
  endif()
  if(NM)
    run(nm "${NM}" -D --defined-only "${so}")
    require_success("nm" nm)
    string(REGEX MATCHALL "[^\n]+ T [^\n]+" exported "${nm_stdout}")
    if(NOT exported MATCHES "T pgorch_plugin_entry$" OR exported MATCHES ";")
      message(FATAL_ERROR "sdk test: \"${so}\" should export only pgorch_plugin_entry, it exports: ${exported}")
    endif()
  endif()
endforeach()

# 4. The installed host loads every one of them from that folder, refuses none, describes each.
set(host "${prefix}/bin/pgorch-host")
set(env "${CMAKE_COMMAND}" -E env "PGORCH_PLUGIN_PATH=${plugin_dir}")
run(list ${env} "${host}" plugins --json)
require_success("pgorch-host plugins --json" list)
string(JSON loaded LENGTH "${list_stdout}" plugins)
string(JSON refused LENGTH "${list_stdout}" refused)
list(LENGTH names expected)
if(NOT loaded EQUAL expected OR NOT refused EQUAL 0)
  message(FATAL_ERROR "sdk test: the installed host should load ${expected} plugins (${names}) and refuse none:\n${list_stdout}")
endif()
foreach(name ${names})
  run(describe ${env} "${host}" plugins --describe "${name}")
  require_success("pgorch-host plugins --describe ${name}" describe)
  if(NOT describe_stdout MATCHES "^${name} \\((step|distro) plugin, version ")
    message(FATAL_ERROR "sdk test: unexpected description of \"${name}\":\n${describe_stdout}")
  endif()
endforeach()

# 5. The installed host calls the third-party plugin, and prints its result as JSON.
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

# 6. A failed call (noop built out of tree, asked to fail) exits 1 and says why.
run(fail ${env} "${host}" plugins --call noop --input "{\"options\":{\"fail\":true}}")
if(NOT fail_rc EQUAL 1 OR NOT "${fail_stdout}${fail_stderr}" MATCHES "noop failed on purpose")
  message(FATAL_ERROR "sdk test: a failed call should exit 1 with its message, got ${fail_rc}:\n${fail_stdout}${fail_stderr}")
endif()
message(STATUS "sdk test: passed, ${expected} plugins built out of tree and loaded (${prefix})")
