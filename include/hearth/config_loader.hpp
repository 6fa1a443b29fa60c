// Loading and validating the YAML configuration.
//
// One pass reads the whole file and reports every problem it finds, each with the line and
// column it concerns, in the form compilers use: FILE:LINE:COLUMN: error: MESSAGE. A file that
// yields any error yields no Config, so nothing downstream ever sees a half-valid configuration.
#pragma once

#include "hearth/config.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hearth {

struct Diagnostic {
    enum class Severity { error, warning };
    Severity severity = Severity::error;
    std::string file;
    int line = 1;    // 1-based
    int column = 1;  // 1-based
    std::string message;

    // "FILE:LINE:COLUMN: error: MESSAGE"
    std::string format() const;
};

struct LoadResult {
    std::optional<Config> config;  // set only when there is no error
    std::vector<Diagnostic> diagnostics;

    bool ok() const { return config.has_value(); }
    std::size_t error_count() const;
};

// The largest configuration file read; anything bigger is refused before parsing, so a wrong
// path such as /dev/zero or a log file cannot make the hub hang or run out of memory.
inline constexpr std::size_t max_config_bytes = 4u << 20;

// The most diagnostics reported for one file; the rest are summarised in one line.
inline constexpr std::size_t max_diagnostics = 100;

// Reads and validates the file at `path`. Secrets named by the file (mqtt.password_file,
// mqtt.password_env) are resolved here so that a missing secret is a load error, not a
// connection failure later.
LoadResult load_config(const std::string& path);

// Validates `text` as if read from a file called `display_name` (used in diagnostics);
// relative paths inside it are resolved against `base_directory`.
LoadResult load_config_text(std::string_view text, const std::string& display_name,
                            const std::string& base_directory = ".");

}  // namespace hearth
