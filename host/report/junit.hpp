// JUnit XML (`results/junit.xml`), the report CI servers (Jenkins, GitLab, GitHub actions)
// read: <testsuites name=scenario tests failures errors skipped time> holding
//   perf:    a <testsuite> per target ("pgdg 15.20") with <properties> (run_id, db_type, version,
//            exact_version, performance_coefficient ...) and a <testcase> per setup script, hook,
//            explain query ("explain <file>") and timing query ("timing <file>"); classname
//            "<scenario>.<target>.<case>" (dots inside a segment become '_', since readers split
//            the class name at dots); a suite "expected results" when expected/conf.yaml was
//            compared or --bless wrote files;
//   upgrade: one <testsuite> for the chain with a <testcase> per initial script, per step
//            ("step 2 pg_upgrade 15.18 -> 15.20") and per script a step ran.
// A plan mismatch, an exceeded timing, a failed script or verification is a <failure message>
// with the diff or differences as text; a query or setup that could not run (the cluster did not
// start, provisioning failed) is an <error>; what did not run is <skipped>. Times are seconds
// with 3 decimals. Written with Poco::XML::XMLWriter (escaping, valid UTF-8, no control chars).
#pragma once

#include "report/document.hpp"

#include <string>

namespace pgorch::report {

std::string perf_junit(const PerfResults& results, const ReportMeta& meta);
std::string upgrade_junit(const UpgradeResults& results, const ReportMeta& meta);

}  // namespace pgorch::report
