// split_args: POSIX-shell-like word splitting of `args:` strings.
#include "core/args.hpp"

#include <catch2/catch.hpp>

using pgorch::split_args;
using Words = std::vector<std::string>;

TEST_CASE("split_args splits on blanks", "[args]") {
    auto w = split_args("--encoding=UTF8 --locale=ru_RU.UTF-8");
    REQUIRE(w.ok());
    CHECK(*w == Words{"--encoding=UTF8", "--locale=ru_RU.UTF-8"});
    auto many = split_args("  --jobs\t2 \n --link  ");
    REQUIRE(many.ok());
    CHECK(*many == Words{"--jobs", "2", "--link"});
}

TEST_CASE("split_args gives nothing for an empty or blank string", "[args]") {
    REQUIRE(split_args("").ok());
    CHECK(split_args("")->empty());
    CHECK(split_args(" \t ")->empty());
}

TEST_CASE("split_args keeps quoted text as one word", "[args]") {
    auto w = split_args(R"(--jobs 2 -o "-c work_mem=64MB")");
    REQUIRE(w.ok());
    CHECK(*w == Words{"--jobs", "2", "-o", "-c work_mem=64MB"});
    auto s = split_args(R"(-o '-c shared_buffers=1GB -c "x"')");
    REQUIRE(s.ok());
    CHECK(*s == Words{"-o", R"(-c shared_buffers=1GB -c "x")"});
    auto glued = split_args(R"(--opt="a b"'c d'e)");
    REQUIRE(glued.ok());
    CHECK(*glued == Words{"--opt=a bc de"});
}

TEST_CASE("split_args keeps empty quoted words", "[args]") {
    auto w = split_args(R"(a '' "" b)");
    REQUIRE(w.ok());
    CHECK(*w == Words{"a", "", "", "b"});
}

TEST_CASE("split_args handles backslashes like a shell", "[args]") {
    auto outside = split_args(R"(a\ b c\"d \\)");
    REQUIRE(outside.ok());
    CHECK(*outside == Words{"a b", "c\"d", "\\"});
    // Inside double quotes only \ " $ ` and newline are escapes; others stay.
    auto inside = split_args(R"("x\"y\\z\n$")");
    REQUIRE(inside.ok());
    CHECK(*inside == Words{"x\"y\\z\\n$"});
    // Inside single quotes nothing is an escape.
    auto single = split_args(R"('a\b')");
    REQUIRE(single.ok());
    CHECK(*single == Words{"a\\b"});
    // Backslash-newline joins lines.
    auto joined = split_args("--a\\\nb");
    REQUIRE(joined.ok());
    CHECK(*joined == Words{"--ab"});
}

TEST_CASE("split_args does no expansion", "[args]") {
    auto w = split_args("$HOME ~ * `x`");
    REQUIRE(w.ok());
    CHECK(*w == Words{"$HOME", "~", "*", "`x`"});
}

TEST_CASE("split_args refuses unterminated quotes and a trailing backslash", "[args]") {
    auto d = split_args(R"(-o "-c work_mem=64MB)");
    REQUIRE_FALSE(d.ok());
    CHECK(d.error().code == pgorch::ExitCode::invalid_input);
    CHECK(d.error().message == "unterminated double quote at character 4");
    CHECK_FALSE(d.error().hint.empty());
    auto s = split_args("it's");
    REQUIRE_FALSE(s.ok());
    CHECK(s.error().message == "unterminated single quote at character 3");
    auto b = split_args("abc\\");
    REQUIRE_FALSE(b.ok());
    CHECK(b.error().message == "trailing backslash at character 4");
    // An escaped quote inside double quotes does not close them.
    CHECK_FALSE(split_args(R"("abc\")").ok());
}

TEST_CASE("quote_arg round-trips through split_args", "[args]") {
    for (std::string word : {"plain", "", "a b", "it's", "-c work_mem=64MB", "$x", "\"q\""}) {
        auto back = split_args(pgorch::quote_arg(word));
        REQUIRE(back.ok());
        REQUIRE(back->size() == 1);
        CHECK(back->front() == word);
    }
    CHECK(pgorch::quote_arg("--link") == "--link");
}
