// Command-line parsing for pgorch-host: global options, a subcommand, its options and operands.
#pragma once

#include "core/error.hpp"

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace pgorch::cli {

namespace fs = std::filesystem;

struct Options {
    std::string command;                 // run, validate, list, plugins, provision, versions, gc, compare ("" = none)
    std::vector<std::string> operands;   // positional arguments after the command
    int verbosity = 0;                   // -q: -1, -v: 1, -vv: 2
    bool color = true;
    bool help = false;
    bool version = false;
    std::vector<fs::path> plugin_dirs;
    fs::path work_dir, cache_dir, log_file;
    std::string runtime = "auto";
    int jobs = 0;
    bool bless = false;
    bool keep = false;
    std::optional<std::string> describe;  // plugins --describe NAME
    std::optional<std::string> call;      // plugins --call NAME
    std::string input = "{}";             // plugins --call --input JSON
    std::string edition;                  // provision --edition
    std::vector<std::string> packages;    // provision --package FILE
    bool json = false;                    // machine-readable output where offered
    fs::path junit_file;                  // run --junit FILE
    bool dry_run = false;                 // run --dry-run
    std::string older_than = "7d";        // gc --older-than AGE
    // compare
    std::string p1, p2;                   // -p1 / -p2 (pum's checker), else the two operands
    std::vector<std::string> ignore;      // --ignore / -i KIND[:NAME]
    std::vector<std::string> exclude_schemas;  // --exclude-schema SCHEMA
    bool data = false;                    // --data
    bool silent = false;                  // -s / --silent
    std::string format = "text";          // --format text|json|html
    fs::path output;                      // -o / --output FILE
};

// Parses argv (without argv[0]). Options may come before or after the command.
Expected<Options> parse(const std::vector<std::string>& args);

// Help text: general, or of one command.
std::string usage(const std::string& command = "");

}  // namespace pgorch::cli
