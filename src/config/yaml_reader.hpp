// Typed, position-aware reading of a yaml-cpp node tree.
//
// The loader describes the schema with these helpers; each helper checks one value and, when it
// is wrong, records a diagnostic at the exact line and column and carries on, so that one pass
// reports every problem in the file. Nothing here throws for bad input.
#pragma once

#include "hearth/config_loader.hpp"

#include "config/yaml.hpp"

#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace hearth::config {

class Diagnostics {
public:
    explicit Diagnostics(std::string file) : file_(std::move(file)) {}

    void error(const YAML::Mark& mark, std::string message);
    void warning(const YAML::Mark& mark, std::string message);
    void error_at(int line, int column, std::string message);
    void warning_at(int line, int column, std::string message);

    bool has_errors() const { return errors_ > 0; }
    // Sorted by position; past max_diagnostics a final line says how many were left out.
    std::vector<Diagnostic> take();

private:
    void add(Diagnostic::Severity, int line, int column, std::string message);

    std::string file_;
    std::vector<Diagnostic> list_;
    std::size_t errors_ = 0;
    std::size_t dropped_ = 0;
};

// 1-based line and column of a node; yaml-cpp counts from 0 and has no mark for absent nodes.
std::pair<int, int> position(const YAML::Mark& mark);

// "unknown value 'lihgt': expected one of ... (did you mean 'light'?)"
std::string unknown_value_message(std::string_view value, std::string_view expectation,
                                  std::span<const std::string_view> candidates);

template <typename E>
struct EnumName {
    std::string_view name;
    E value;
};

// A YAML mapping read against a fixed set of keys. Construction reports a node that is not a
// mapping, every unknown key (with the closest known key as a suggestion) and repeated keys.
class MapReader {
public:
    MapReader(const YAML::Node& node, std::string section, std::span<const std::string_view> known_keys,
              Diagnostics& diagnostics, const YAML::Mark& fallback_mark);

    bool is_map() const { return is_map_; }
    const YAML::Mark& mark() const { return mark_; }
    const std::string& section() const { return section_; }
    Diagnostics& diagnostics() const { return diagnostics_; }

    bool has(std::string_view key) const;
    YAML::Node value(std::string_view key) const;        // an invalid node when absent
    YAML::Mark key_mark(std::string_view key) const;     // the key's own position
    YAML::Mark value_mark(std::string_view key) const;   // the value's position (the key's if null)

    // Each reader leaves `out` untouched when the key is absent or its value is wrong.
    // `required` reports an absent key at the mapping's position.
    bool read_string(std::string_view key, std::string& out, bool required = false);
    bool read_int(std::string_view key, int& out, int min, int max, bool required = false);
    bool read_bool(std::string_view key, bool& out);
    bool read_string_list(std::string_view key, std::vector<std::string>& out);
    template <typename E>
    bool read_enum(std::string_view key, E& out, std::span<const EnumName<E>> names, bool required = false);

    void missing(std::string_view key) const;
    void error(std::string_view key, std::string message) const;    // at the value
    void warning(std::string_view key, std::string message) const;  // at the value
    std::string describe(std::string_view key) const;               // "mqtt.port"

private:
    std::optional<std::string> scalar(std::string_view key, std::string_view expectation) const;

    struct Entry {
        std::string key;
        YAML::Node key_node;
        YAML::Node value;
    };
    const Entry* find(std::string_view key) const;

    std::vector<Entry> entries_;
    std::string section_;
    Diagnostics& diagnostics_;
    YAML::Mark mark_;
    bool is_map_ = false;
};

// The elements of a sequence, or nothing (with a diagnostic) when `node` is not a sequence.
// A null node (the key written with no value) is an empty sequence.
std::optional<std::vector<YAML::Node>> read_sequence(const YAML::Node& node, const std::string& what,
                                                     Diagnostics& diagnostics, const YAML::Mark& fallback);

// What a node is, in words, for messages: "a list", "a mapping", "the number 12", ...
std::string describe_node(const YAML::Node& node);

template <typename E>
bool MapReader::read_enum(std::string_view key, E& out, std::span<const EnumName<E>> names, bool required) {
    if (!has(key)) {
        if (required) missing(key);
        return false;
    }
    std::string expectation = "one of";
    for (std::size_t i = 0; i < names.size(); ++i) expectation += (i ? ", " : " ") + std::string(names[i].name);
    const auto text = scalar(key, expectation);
    if (!text) return false;
    for (const auto& n : names) {
        if (n.name == *text) {
            out = n.value;
            return true;
        }
    }
    std::vector<std::string_view> candidates;
    for (const auto& n : names) candidates.push_back(n.name);
    error(key, unknown_value_message(*text, expectation, candidates));
    return false;
}


}  // namespace hearth::config
