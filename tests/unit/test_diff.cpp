// Unified diff: edit scripts, hunk ranges and context, as `diff -u` prints them.
#include <pgorch/diff.hpp>

#include <catch2/catch.hpp>

using namespace pgorch::sdk;

TEST_CASE("split_lines handles final newline and CRLF", "[diff]") {
    CHECK(split_lines("").empty());
    CHECK(split_lines("a\nb\n") == std::vector<std::string>{"a", "b"});
    CHECK(split_lines("a\r\nb") == std::vector<std::string>{"a", "b"});
    CHECK(split_lines("a\n\nb\n") == std::vector<std::string>{"a", "", "b"});
}

TEST_CASE("equal texts give an empty diff", "[diff]") {
    CHECK(unified_diff("x\ny\n", "x\ny", "a", "b").empty());
    CHECK(count_changed_lines({"x", "y"}, {"x", "y"}) == 0);
}

TEST_CASE("a changed line in the middle gives one hunk with context", "[diff]") {
    std::string a = "1\n2\n3\n4\n5\n6\n7\n8\n9\n";
    std::string b = "1\n2\n3\n4\nFIVE\n6\n7\n8\n9\n";
    std::string expected =
        "--- old\n+++ new\n"
        "@@ -2,7 +2,7 @@\n"
        " 2\n 3\n 4\n-5\n+FIVE\n 6\n 7\n 8\n";
    CHECK(unified_diff(a, b, "old", "new") == expected);
}

TEST_CASE("distant changes give separate hunks, close ones merge", "[diff]") {
    std::string a, b;
    for (int i = 1; i <= 20; ++i) {
        a += std::to_string(i) + "\n";
        b += (i == 2 || i == 18 ? "x" : std::to_string(i)) + "\n";
    }
    std::string d = unified_diff(a, b, "a", "b");
    CHECK(d.find("@@ -1,5 +1,5 @@") != std::string::npos);
    CHECK(d.find("@@ -15,6 +15,6 @@") != std::string::npos);

    std::string c;
    for (int i = 1; i <= 20; ++i) c += (i == 5 || i == 11 ? "x" : std::to_string(i)) + "\n";
    std::string merged = unified_diff(a, c, "a", "b");
    CHECK(merged.find("@@ -2,13 +2,13 @@") != std::string::npos);
    CHECK(merged.find("@@ -", merged.find("@@ -2,13") + 1) == std::string::npos);  // one hunk
}

TEST_CASE("insertions and deletions at the edges use GNU ranges", "[diff]") {
    CHECK(unified_diff("", "a\n", "x", "y") == "--- x\n+++ y\n@@ -0,0 +1 @@\n+a\n");
    CHECK(unified_diff("a\nb\n", "b\n", "x", "y") == "--- x\n+++ y\n@@ -1,2 +1 @@\n-a\n b\n");
}

TEST_CASE("the edit script is minimal", "[diff]") {
    std::vector<std::string> a{"a", "b", "c", "d"}, b{"a", "c", "d", "e"};
    CHECK(count_changed_lines(a, b) == 2);
    auto script = diff_lines(a, b);
    REQUIRE(script.size() == 5);
    CHECK(script[1].op == DiffLine::Op::removed);
    CHECK(script[1].text == "b");
    CHECK(script[4].op == DiffLine::Op::added);
    CHECK(script[4].text == "e");
}
