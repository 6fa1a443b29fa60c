// The broken configurations in tests/config/broken, checked both through load_config() and
// through the real `hearthd --check-config`, plus files no one should ever pass as a
// configuration (huge files, /dev/zero, a FIFO, a directory).
//
// Every broken file states what it must produce: one line per expected error at its top,
//
//     # expect: LINE:COLUMN: substring of the message
//
// or, for files that cannot hold a comment (empty, NUL bytes, invalid UTF-8), the same lines in
// a sidecar file named like the file plus ".expect". Positions are exact, and the file must
// yield exactly as many errors as it has expectations (warnings are not counted).
#include "hearth/config_loader.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"

#include <catch2/catch.hpp>

#include <sys/stat.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

namespace {

using hearth::Diagnostic;
using hearth::test::build_path;
using hearth::test::read_file;
using hearth::test::run;
using hearth::test::source_path;
using hearth::test::TempDir;

struct Expectation {
    int line = 0;
    int column = 0;
    std::string text;
};

struct BrokenFile {
    std::string name;  // e.g. "duplicate-key.yaml"
    std::string path;
    std::vector<Expectation> expectations;
};

// Parses "# expect: LINE:COLUMN: text" lines; stops at the first line that is not one, so only
// the header of a fixture counts.
std::vector<Expectation> parse_expectations(const std::string& text, const std::string& origin) {
    static const std::string prefix = "# expect: ";
    std::vector<Expectation> out;
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line) && line.rfind(prefix, 0) == 0) {
        const std::string rest = line.substr(prefix.size());
        const auto first = rest.find(':');
        const auto second = first == std::string::npos ? std::string::npos : rest.find(':', first + 1);
        if (second == std::string::npos || second + 2 > rest.size() || rest[second + 1] != ' ')
            FAIL(origin << ": malformed expectation line: " << line);
        Expectation e;
        e.line = std::stoi(rest.substr(0, first));
        e.column = std::stoi(rest.substr(first + 1, second - first - 1));
        e.text = rest.substr(second + 2);
        if (e.line < 1 || e.column < 1 || e.text.empty()) FAIL(origin << ": malformed expectation line: " << line);
        out.push_back(std::move(e));
    }
    return out;
}

std::vector<BrokenFile> broken_files() {
    const std::string dir = source_path("tests/config/broken");
    std::vector<BrokenFile> files;
    for (const auto& entry : std::filesystem::directory_iterator(dir)) {
        const std::string name = entry.path().filename().string();
        if (entry.path().extension() != ".yaml") continue;
        BrokenFile f;
        f.name = name;
        f.path = entry.path().string();
        const std::string sidecar = f.path + ".expect";
        if (std::filesystem::exists(sidecar))
            f.expectations = parse_expectations(read_file(sidecar), name + ".expect");
        else
            f.expectations = parse_expectations(read_file(f.path), name);
        files.push_back(std::move(f));
    }
    std::sort(files.begin(), files.end(), [](const BrokenFile& a, const BrokenFile& b) { return a.name < b.name; });
    return files;
}

std::string describe(const std::vector<Diagnostic>& diagnostics) {
    std::string out;
    for (const auto& d : diagnostics) out += "  " + d.format() + "\n";
    return out.empty() ? "  (no diagnostics)\n" : out;
}

std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> out;
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line)) out.push_back(line);
    return out;
}

bool starts_with(const std::string& s, const std::string& prefix) { return s.rfind(prefix, 0) == 0; }

// What every line of `hearthd --check-config` output must look like: a diagnostic, or the
// final summary. Nothing else (no dumps of the file, no exception texts).
void check_output_shape(const std::string& path, const std::string& output) {
    for (const std::string& line : lines_of(output)) {
        INFO("output line: " << line);
        CHECK(line.size() <= 400);
        CHECK(std::none_of(line.begin(), line.end(), [](char c) {
            const auto u = static_cast<unsigned char>(c);
            return u < 0x20 || u == 0x7F;
        }));
        const bool diagnostic = starts_with(line, path + ":") &&
                                (line.find(": error: ") != std::string::npos ||
                                 line.find(": warning: ") != std::string::npos);
        const bool summary = line.rfind(path + ": ", 0) == 0 && line.find(" error(s)") != std::string::npos;
        CHECK((diagnostic || summary));
    }
}

template <typename F>
double seconds_taken(F f) {
    const auto start = std::chrono::steady_clock::now();
    f();
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

TEST_CASE("config: every broken configuration yields exactly its expected errors", "[config][check]") {
    const auto files = broken_files();
    REQUIRE(files.size() >= 32);

    for (const auto& file : files) {
        DYNAMIC_SECTION(file.name) {
            REQUIRE_FALSE(file.expectations.empty());
            const hearth::LoadResult result = hearth::load_config(file.path);
            INFO("diagnostics:\n" << describe(result.diagnostics));
            CHECK_FALSE(result.ok());
            CHECK_FALSE(result.config.has_value());
            CHECK(result.error_count() == file.expectations.size());
            for (const auto& d : result.diagnostics) CHECK(d.file == file.path);

            std::vector<bool> used(result.diagnostics.size(), false);
            for (const auto& e : file.expectations) {
                INFO("expected " << e.line << ":" << e.column << ": ..." << e.text << "...");
                bool found = false;
                for (std::size_t i = 0; i < result.diagnostics.size() && !found; ++i) {
                    const Diagnostic& d = result.diagnostics[i];
                    if (!used[i] && d.severity == Diagnostic::Severity::error && d.line == e.line &&
                        d.column == e.column && d.message.find(e.text) != std::string::npos) {
                        used[i] = true;
                        found = true;
                    }
                }
                CHECK(found);
            }
        }
    }
}

TEST_CASE("config: hearthd --check-config reports each broken file and exits 2", "[config][check][hearthd]") {
    const auto files = broken_files();
    REQUIRE(files.size() >= 32);

    for (const auto& file : files) {
        DYNAMIC_SECTION(file.name) {
            const auto result = run({build_path("hearthd"), "--check-config", file.path});
            INFO("output:\n" << result.output);
            CHECK(result.status == 2);
            const auto lines = lines_of(result.output);
            for (const auto& e : file.expectations) {
                const std::string prefix =
                    file.path + ":" + std::to_string(e.line) + ":" + std::to_string(e.column) + ": error: ";
                INFO("expected a line starting " << prefix << " and containing " << e.text);
                CHECK(std::any_of(lines.begin(), lines.end(), [&](const std::string& line) {
                    return starts_with(line, prefix) && line.find(e.text) != std::string::npos;
                }));
            }
            const std::string summary = file.path + ": " + std::to_string(file.expectations.size()) + " error(s)";
            CHECK(std::find(lines.begin(), lines.end(), summary) != lines.end());
            check_output_shape(file.path, result.output);
        }
    }
}

TEST_CASE("config: config/example.yaml passes the check", "[config][check][hearthd]") {
    const std::string path = source_path("config/example.yaml");
    const auto result = run({build_path("hearthd"), "--check-config", path});
    INFO("output:\n" << result.output);
    CHECK(result.status == 0);
    CHECK(result.output.find("error") == std::string::npos);
    CHECK(result.output.find(": OK (2 floors, 9 areas, 24 devices)") != std::string::npos);

    const auto loaded = hearth::load_config(path);
    INFO("diagnostics:\n" << describe(loaded.diagnostics));
    CHECK(loaded.ok());
    CHECK(loaded.error_count() == 0);
}

TEST_CASE("config: files that are not configurations are refused quickly", "[config][check][robustness]") {
    TempDir dir;

    SECTION("a file over 4 MiB") {
        std::string big;
        big.reserve(hearth::max_config_bytes + 64);
        big = "language: en\n";
        while (big.size() <= hearth::max_config_bytes) big += "# padding padding padding padding padding\n";
        const std::string path = dir.write("big.yaml", big);
        hearth::LoadResult result;
        const double took = seconds_taken([&] { result = hearth::load_config(path); });
        CHECK(took < 5.0);
        REQUIRE_FALSE(result.ok());
        REQUIRE(result.error_count() == 1);
        CHECK(result.diagnostics[0].line == 1);
        CHECK(result.diagnostics[0].column == 1);
        CHECK(result.diagnostics[0].message.find("a configuration is at most 4194304 bytes") != std::string::npos);

        const auto checked = run({build_path("hearthd"), "--check-config", path}, std::chrono::seconds(10));
        CHECK(checked.status == 2);
        CHECK(checked.output.find(path + ":1:1: error: the file is ") != std::string::npos);
    }

    SECTION("a file of exactly 4 MiB is read") {
        std::string text = "language: en\n";
        text += std::string(hearth::max_config_bytes - text.size() - 1, '#');
        text += "\n";
        REQUIRE(text.size() == hearth::max_config_bytes);
        const std::string path = dir.write("limit.yaml", text);
        const auto result = hearth::load_config(path);
        INFO("diagnostics:\n" << describe(result.diagnostics));
        CHECK(result.ok());
    }

    SECTION("/dev/zero") {
        hearth::LoadResult result;
        const double took = seconds_taken([&] { result = hearth::load_config("/dev/zero"); });
        CHECK(took < 5.0);
        REQUIRE(result.error_count() == 1);
        CHECK(result.diagnostics[0].message == "not a regular file");
        CHECK(result.diagnostics[0].file == "/dev/zero");

        const auto checked = run({build_path("hearthd"), "--check-config", "/dev/zero"}, std::chrono::seconds(10));
        CHECK(checked.status == 2);
        CHECK(checked.output.find("/dev/zero:1:1: error: not a regular file") != std::string::npos);
    }

    SECTION("a FIFO nobody writes to") {
        const std::string path = dir.file("pipe.yaml");
        REQUIRE(::mkfifo(path.c_str(), 0600) == 0);
        // The binary first: if opening the FIFO blocked, run() gives up after the timeout and
        // the test fails instead of hanging.
        const auto checked = run({build_path("hearthd"), "--check-config", path}, std::chrono::seconds(10));
        INFO("output:\n" << checked.output);
        CHECK(checked.status == 2);
        CHECK(checked.output.find(path + ":1:1: error: not a regular file") != std::string::npos);

        const auto result = hearth::load_config(path);
        REQUIRE(result.error_count() == 1);
        CHECK(result.diagnostics[0].message == "not a regular file");
    }

    SECTION("a path that does not exist") {
        const std::string path = dir.file("missing.yaml");
        const auto result = hearth::load_config(path);
        REQUIRE(result.error_count() == 1);
        CHECK_FALSE(result.ok());
        CHECK(result.diagnostics[0].message == "cannot open the file: No such file or directory");

        const auto checked = run({build_path("hearthd"), "--check-config", path});
        CHECK(checked.status == 2);
        CHECK(checked.output.find(path + ":1:1: error: cannot open the file") != std::string::npos);
    }

    SECTION("a directory") {
        const auto result = hearth::load_config(dir.path());
        REQUIRE(result.error_count() == 1);
        CHECK(result.diagnostics[0].message == "not a regular file");

        const auto checked = run({build_path("hearthd"), "--check-config", dir.path()});
        CHECK(checked.status == 2);
    }

    SECTION("a 4 MiB value is quoted short, not dumped") {
        const std::string path = dir.write("long.yaml", "language: " + std::string(4'000'000, 'x') + "\n");
        const auto checked = run({build_path("hearthd"), "--check-config", path}, std::chrono::seconds(10));
        INFO("first 500 bytes of output:\n" << checked.output.substr(0, 500));
        CHECK(checked.status == 2);
        CHECK(checked.output.size() < 2000);
        CHECK(checked.output.find(path + ":1:11: error: language: unknown value 'xxxx") != std::string::npos);
        check_output_shape(path, checked.output);
    }

    SECTION("thousands of problems are cut off after max_diagnostics") {
        std::string text;
        for (int i = 0; i < 1000; ++i) text += "unknown_" + std::to_string(i) + ": 1\n";
        const std::string path = dir.write("many.yaml", text);
        const auto result = hearth::load_config(path);
        REQUIRE(result.diagnostics.size() == hearth::max_diagnostics + 1);
        CHECK(result.diagnostics.front().line == 1);
        CHECK(result.diagnostics.front().message.find("unknown key 'unknown_0'") != std::string::npos);
        CHECK(result.diagnostics.back().message == "900 more problems not shown; fix the ones above first");

        const auto checked = run({build_path("hearthd"), "--check-config", path});
        CHECK(checked.status == 2);
        CHECK(lines_of(checked.output).size() == hearth::max_diagnostics + 2);  // + the summary
    }
}

TEST_CASE("config: alias bombs and deep nesting finish quickly", "[config][check][robustness]") {
    // A guard against hangs and exponential work, not a speed target.
    SECTION("the committed fixtures") {
        for (const std::string name : {"alias-bomb-device-aliases.yaml", "alias-bomb-devices.yaml",
                                       "alias-bomb-unknown-key.yaml", "deep-nesting.yaml",
                                       "deep-nesting-mappings.yaml"}) {
            INFO(name);
            const std::string path = source_path("tests/config/broken/" + name);
            REQUIRE(std::filesystem::exists(path));
            hearth::LoadResult result;
            const double took = seconds_taken([&] { result = hearth::load_config(path); });
            CHECK(took < 5.0);
            CHECK_FALSE(result.ok());
            CHECK(result.error_count() >= 1);

            const auto checked = run({build_path("hearthd"), "--check-config", path}, std::chrono::seconds(10));
            CHECK(checked.status == 2);
        }
    }

    SECTION("a wider bomb built at test time, referenced from several known keys") {
        // 12 levels of 12: expanded, 12^12 strings, far more than fits in memory.
        std::string text = "laughs:\n  - &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n";
        for (int i = 1; i <= 12; ++i) {
            text += "  - &l" + std::to_string(i) + " [";
            for (int k = 0; k < 12; ++k) text += (k ? ", *l" : "*l") + std::to_string(i - 1);
            text += "]\n";
        }
        text += "floors:\n  - id: ground\n    aliases: *l12\n";
        text += "areas: *l12\n";
        text += "devices:\n  - id: lamp\n    type: light\n    protocol: tasmota\n    topic: lamp\n"
                "    aliases: *l12\n    generic: *l12\n";
        TempDir dir;
        const std::string path = dir.write("bomb.yaml", text);
        hearth::LoadResult result;
        const double took = seconds_taken([&] { result = hearth::load_config(path); });
        INFO("diagnostics:\n" << describe(result.diagnostics));
        CHECK(took < 5.0);
        CHECK_FALSE(result.ok());
        CHECK(result.error_count() >= 2);
        CHECK(result.diagnostics.size() <= hearth::max_diagnostics + 1);
    }

    SECTION("100000 nested lists and maps built at test time") {
        TempDir dir;
        const std::string lists =
            dir.write("lists.yaml", "devices: " + std::string(100'000, '[') + std::string(100'000, ']') + "\n");
        std::string maps_text = "mqtt: ";
        for (int i = 0; i < 100'000; ++i) maps_text += "{a: ";
        maps_text += "1" + std::string(100'000, '}') + "\n";
        const std::string maps = dir.write("maps.yaml", maps_text);
        const std::string blocks = [&] {
            std::string t = "mqtt:\n";
            for (int i = 1; i <= 2000; ++i) t += std::string(static_cast<std::size_t>(i), ' ') + "- \n";
            return dir.write("blocks.yaml", t);
        }();
        for (const std::string& path : {lists, maps, blocks}) {
            INFO(path);
            hearth::LoadResult result;
            const double took = seconds_taken([&] { result = hearth::load_config(path); });
            INFO("diagnostics:\n" << describe(result.diagnostics));
            CHECK(took < 5.0);
            CHECK_FALSE(result.ok());
            REQUIRE(result.error_count() >= 1);
        }
        // The error points at where the nesting starts, not at the far end of the line.
        const auto result = hearth::load_config(lists);
        REQUIRE(result.error_count() == 1);
        CHECK(result.diagnostics[0].line == 1);
        CHECK(result.diagnostics[0].column == 10);
        CHECK(result.diagnostics[0].message.find("nested") != std::string::npos);
    }
}

TEST_CASE("config: load_config_text reports the same problems as load_config", "[config][check]") {
    const auto result = hearth::load_config_text("mqtt:\n  port: 0\n", "inline.yaml");
    REQUIRE(result.error_count() == 1);
    CHECK(result.diagnostics[0].file == "inline.yaml");
    CHECK(result.diagnostics[0].line == 2);
    CHECK(result.diagnostics[0].column == 9);
    CHECK(result.diagnostics[0].format() ==
          "inline.yaml:2:9: error: mqtt.port: '0' is out of range: expected a whole number from 1 to 65535");
}

TEST_CASE("config: quoted values closed correctly are not mistaken for unclosed ones", "[config][check]") {
    // The check for a quote left open at the end of the file must accept every way of closing one.
    for (const std::string text : {
             "mqtt:\n  prefix: \"home\"\n",
             "mqtt:\n  prefix: 'home'\n",
             "mqtt:\n  prefix: \"ho\\\\\"\n",            // "ho\\": an escaped backslash, then the quote
             "mqtt:\n  prefix: 'it''s'\n",               // '' inside single quotes
             "mqtt:\n  prefix: \"a \\\"b\\\" c\"\n",     // escaped quotes inside
             "floors:\n  - id: a\n    name: \"Two\n      lines\"\n",
             "floors:\n  - id: a\n    name: Kid's room\n",  // an apostrophe in plain text
             "floors:\n  - id: a\n    name: \"x\"  # a comment with a \" quote\n",
             "\xEF\xBB\xBFmqtt:\n  prefix: \"home\"\n",  // after a byte order mark
         }) {
        INFO(text);
        const auto result = hearth::load_config_text(text, "quotes.yaml");
        INFO("diagnostics:\n" << describe(result.diagnostics));
        CHECK(result.ok());
    }
    const auto open = hearth::load_config_text("\xEF\xBB\xBFmqtt:\n  prefix: \"home\n", "bom.yaml");
    REQUIRE(open.error_count() == 1);
    CHECK(open.diagnostics[0].line == 2);
    CHECK(open.diagnostics[0].column == 11);
    CHECK(open.diagnostics[0].message.find("never closed") != std::string::npos);
}
