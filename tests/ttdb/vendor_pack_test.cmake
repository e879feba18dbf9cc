# The ttdb vendor pack (cmake -P, see CMakeLists.txt): what a vendor ships. The build is installed
# into a fresh prefix without its own ttdb plugin; a copy of plugins/distro/ttdb is configured and
# built as a project of its own against the installed SDK only; the installed, unmodified host
# loads the result, describes it, and refuses through it a version that is not MAJOR.MINOR.PATCH
# at its file:line:column. Fails with message(FATAL_ERROR) at the first broken link.
cmake_minimum_required(VERSION 3.25)
foreach(var PGORCH_BUILD_DIR PGORCH_PLUGIN_SUBDIR WORK_DIR PACK_SOURCE_DIR GENERATOR CXX_COMPILER)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "vendor pack test: ${var} is not set")
  endif()
endforeach()

set(prefix "${WORK_DIR}/prefix")
set(pack "${WORK_DIR}/ttdb")
set(pack_build "${WORK_DIR}/ttdb-build")
file(REMOVE_RECURSE "${WORK_DIR}")
file(MAKE_DIRECTORY "${WORK_DIR}")

include("${CMAKE_CURRENT_LIST_DIR}/../lib/run.cmake")
macro(expect what out rc)
  expect_rc("vendor pack test" "${what}" ${out} ${rc})
endmacro()

# 1. The host and the SDK, installed; the in-tree ttdb taken out: the vendor brings its own.
run(install "${CMAKE_COMMAND}" --install "${PGORCH_BUILD_DIR}" --prefix "${prefix}")
expect("cmake --install" install 0)
file(REMOVE "${prefix}/${PGORCH_PLUGIN_SUBDIR}/pgorch-distro-ttdb.so")

# 2. The pack's folder, copied, built as its own project against the installed SDK.
file(COPY "${PACK_SOURCE_DIR}/" DESTINATION "${pack}")
run(configure "${CMAKE_COMMAND}" -S "${pack}" -B "${pack_build}" -G "${GENERATOR}" "-DCMAKE_PREFIX_PATH=${prefix}"
    "-DCMAKE_CXX_COMPILER=${CXX_COMPILER}" -DCMAKE_BUILD_TYPE= -DCMAKE_FIND_PACKAGE_NO_PACKAGE_REGISTRY=ON)
expect("configuring the ttdb pack on its own" configure 0)
run(build "${CMAKE_COMMAND}" --build "${pack_build}")
expect("building the ttdb pack" build 0)
if(NOT EXISTS "${pack_build}/pgorch-distro-ttdb.so")
  message(FATAL_ERROR "vendor pack test: the build made no pgorch-distro-ttdb.so")
endif()

# 3. The installed host loads it and describes it.
set(host "${prefix}/bin/pgorch-host")
set(env "${CMAKE_COMMAND}" -E env "PGORCH_PLUGIN_PATH=${pack_build}" --unset=NEXUS_URL --unset=PGORCH_TTDB_METHODS NO_COLOR=1
        "PGORCH_WORK_DIR=${WORK_DIR}/runs" "PGORCH_CACHE_DIR=${WORK_DIR}/cache")
run(bare ${CMAKE_COMMAND} -E env "PGORCH_WORK_DIR=${WORK_DIR}/runs" "${host}" plugins)
if(bare_stdout MATCHES "distro ttdb ")
  message(FATAL_ERROR "vendor pack test: the installed host has a ttdb of its own:\n${bare_stdout}")
endif()
run(describe ${env} "${host}" plugins --describe ttdb)
expect("pgorch-host plugins --describe ttdb" describe 0)
foreach(word nexus_url installer_url "Tantor DB")
  if(NOT describe_stdout MATCHES "${word}")
    message(FATAL_ERROR "vendor pack test: --describe ttdb does not mention \"${word}\":\n${describe_stdout}")
  endif()
endforeach()

# 4. Through the installed host, the pack's own checks: a bad version refused at its place, a
#    good one valid (exact: no Nexus needed to validate it).
set(sc "${WORK_DIR}/scenario")
file(WRITE "${sc}/conf.yaml" "kind: perf\ndb_params:\n  - db_type: ttdb\n    db_version: '15.6'\n    db_edition: se\ncases:\n  - name: c1\n")
run(bad ${env} "${host}" validate "${sc}")
expect("validate with db_version 15.6" bad 2)
if(NOT bad_stderr MATCHES "conf.yaml:4:[0-9]+: error\\[PGO-2011\\]: ttdb version \"15.6\" is not MAJOR.MINOR.PATCH")
  message(FATAL_ERROR "vendor pack test: the refusal is not at its place:\n${bad_stderr}")
endif()
file(WRITE "${sc}/conf.yaml" "kind: perf\ndb_params:\n  - db_type: ttdb\n    db_version: '15.6.0'\n    db_edition: se\ncases:\n  - name: c1\n")
run(good ${env} "${host}" validate "${sc}")
expect("validate with db_version 15.6.0" good 0)
message(STATUS "vendor pack test: the ttdb pack built on its own and the installed host ran it")
