#include "config/yaml_reader.hpp"

#include "core/text.hpp"

#include <algorithm>
#include <charconv>

namespace hearth::config {

std::pair<int, int> position(const YAML::Mark& mark) {
    if (mark.is_null() || mark.line < 0) return {1, 1};
    return {mark.line + 1, mark.column + 1};
}

void Diagnostics::error(const YAML::Mark& mark, std::string message) {
    const auto [line, column] = position(mark);
    add(Diagnostic::Severity::error, line, column, std::move(message));
}

void Diagnostics::warning(const YAML::Mark& mark, std::string message) {
    const auto [line, column] = position(mark);
    add(Diagnostic::Severity::warning, line, column, std::move(message));
}

void Diagnostics::warning_at(int line, int column, std::string message) {
    add(Diagnostic::Severity::warning, line, column, std::move(message));
}

void Diagnostics::error_at(int line, int column, std::string message) {
    add(Diagnostic::Severity::error, line, column, std::move(message));
}

void Diagnostics::add(Diagnostic::Severity severity, int line, int column, std::string message) {
    // An alias (*name) repeats the very node it names, positions included; one report is enough.
    for (const Diagnostic& d : list_)
        if (d.severity == severity && d.line == line && d.column == column && d.message == message) return;
    if (severity == Diagnostic::Severity::error) ++errors_;
    if (list_.size() >= max_diagnostics) {
        ++dropped_;
        return;
    }
    list_.push_back(Diagnostic{severity, file_, line, column, std::move(message)});
}

std::vector<Diagnostic> Diagnostics::take() {
    std::stable_sort(list_.begin(), list_.end(), [](const Diagnostic& a, const Diagnostic& b) {
        return std::tie(a.line, a.column) < std::tie(b.line, b.column);
    });
    if (dropped_ > 0) {
        const int last_line = list_.empty() ? 1 : list_.back().line;
        list_.push_back(Diagnostic{Diagnostic::Severity::error, file_, last_line, 1,
                                   std::to_string(dropped_) + " more problems not shown; fix the ones above first"});
        dropped_ = 0;
    }
    return std::move(list_);
}

std::string describe_node(const YAML::Node& node) {
    switch (node.Type()) {
        case YAML::NodeType::Null: return "nothing";
        case YAML::NodeType::Sequence: return "a list";
        case YAML::NodeType::Map: return "a mapping";
        case YAML::NodeType::Scalar: return text::quote(node.Scalar());
        case YAML::NodeType::Undefined: break;
    }
    return "nothing";
}

std::string unknown_value_message(std::string_view value, std::string_view expectation,
                                  std::span<const std::string_view> candidates) {
    std::string message = "unknown value " + text::quote(value) + ": expected " + std::string(expectation);
    if (auto suggestion = text::closest_match(value, candidates))
        message += " (did you mean '" + std::string(*suggestion) + "'?)";
    return message;
}

MapReader::MapReader(const YAML::Node& node, std::string section, std::span<const std::string_view> known_keys,
                     Diagnostics& diagnostics, const YAML::Mark& fallback_mark)
    : section_(std::move(section)), diagnostics_(diagnostics), mark_(fallback_mark) {
    if (!node.IsDefined() || node.IsNull()) {
        // `mqtt:` written with nothing under it: every setting takes its default.
        is_map_ = true;
        return;
    }
    if (!node.Mark().is_null()) mark_ = node.Mark();
    if (!node.IsMap()) {
        diagnostics_.error(mark_, (section_.empty() ? std::string("the file") : "'" + section_ + "'") +
                                      " must be a mapping of keys to values, not " + describe_node(node));
        return;
    }
    is_map_ = true;
    for (auto it = node.begin(); it != node.end(); ++it) {
        // Copies: yaml-cpp's operator-> returns a temporary proxy, so a reference to its members
        // would dangle at the end of the statement.
        const YAML::Node key_node = it->first;
        const YAML::Node value_node = it->second;
        if (!key_node.IsScalar()) {
            diagnostics_.error(key_node.Mark(), "a key must be a plain word, not " + describe_node(key_node));
            continue;
        }
        const std::string& key = key_node.Scalar();
        if (const Entry* earlier = find(key)) {
            diagnostics_.error(key_node.Mark(), "'" + describe(key) + "' is given twice (first at line " +
                                                    std::to_string(position(earlier->key_node.Mark()).first) +
                                                    "); remove one");
            continue;
        }
        if (std::find(known_keys.begin(), known_keys.end(), key) == known_keys.end()) {
            std::string message = "unknown key " + text::quote(key);
            if (!section_.empty()) message += " in '" + section_ + "'";
            if (key == "<<") {
                message += ": YAML merge keys are not supported; write the settings out";
            } else if (auto suggestion = text::closest_match(key, known_keys)) {
                message += " (did you mean '" + std::string(*suggestion) + "'?)";
            } else {
                message += "; known keys:";
                for (std::size_t i = 0; i < known_keys.size(); ++i)
                    message += (i ? ", " : " ") + std::string(known_keys[i]);
            }
            diagnostics_.error(key_node.Mark(), std::move(message));
            continue;
        }
        entries_.push_back(Entry{key, key_node, value_node});
    }
}

const MapReader::Entry* MapReader::find(std::string_view key) const {
    for (const Entry& e : entries_)
        if (e.key == key) return &e;
    return nullptr;
}

bool MapReader::has(std::string_view key) const { return find(key) != nullptr; }

YAML::Node MapReader::value(std::string_view key) const {
    const Entry* e = find(key);
    return e ? e->value : YAML::Node(YAML::NodeType::Undefined);
}

YAML::Mark MapReader::key_mark(std::string_view key) const {
    const Entry* e = find(key);
    return e ? e->key_node.Mark() : mark_;
}

YAML::Mark MapReader::value_mark(std::string_view key) const {
    const Entry* e = find(key);
    if (!e) return mark_;
    // A key written with no value has no position of its own worth pointing at.
    if (e->value.IsNull() || e->value.Mark().is_null()) return e->key_node.Mark();
    return e->value.Mark();
}

std::string MapReader::describe(std::string_view key) const {
    return section_.empty() ? std::string(key) : section_ + "." + std::string(key);
}

void MapReader::missing(std::string_view key) const {
    diagnostics_.error(mark_, (section_.empty() ? std::string("the file") : "'" + section_ + "'") +
                                  " is missing the required key '" + std::string(key) + "'");
}

void MapReader::error(std::string_view key, std::string message) const {
    diagnostics_.error(value_mark(key), describe(key) + ": " + message);
}

void MapReader::warning(std::string_view key, std::string message) const {
    diagnostics_.warning(value_mark(key), describe(key) + ": " + message);
}

std::optional<std::string> MapReader::scalar(std::string_view key, std::string_view expectation) const {
    const Entry* e = find(key);
    if (!e) return std::nullopt;
    if (!e->value.IsScalar()) {
        error(key, "expected " + std::string(expectation) + ", got " + describe_node(e->value));
        return std::nullopt;
    }
    return e->value.Scalar();
}

bool MapReader::read_string(std::string_view key, std::string& out, bool required) {
    if (!has(key)) {
        if (required) missing(key);
        return false;
    }
    auto text = scalar(key, "a text value");
    if (!text) return false;
    if (text::trim(*text).empty()) {
        error(key, "must not be empty");
        return false;
    }
    out = std::move(*text);
    return true;
}

bool MapReader::read_int(std::string_view key, int& out, int min, int max, bool required) {
    if (!has(key)) {
        if (required) missing(key);
        return false;
    }
    const std::string expectation = "a whole number from " + std::to_string(min) + " to " + std::to_string(max);
    auto text = scalar(key, expectation);
    if (!text) return false;
    // A quoted "1883" is text to YAML; saying so beats silently converting it.
    if (value(key).Tag() == "!") {
        error(key, "expected " + expectation + ", got the quoted text " + text::quote(*text) + " (remove the quotes)");
        return false;
    }
    long long parsed = 0;
    const char* begin = text->data();
    const char* end = text->data() + text->size();
    if (begin != end && *begin == '+') ++begin;
    const auto [ptr, ec] = std::from_chars(begin, end, parsed);
    if (ec == std::errc::result_out_of_range ||
        (ec == std::errc() && ptr == end && (parsed < min || parsed > max))) {
        error(key, text::quote(*text) + " is out of range: expected " + expectation);
        return false;
    }
    if (ec != std::errc() || ptr != end) {
        error(key, "expected " + expectation + ", got " + text::quote(*text));
        return false;
    }
    out = static_cast<int>(parsed);
    return true;
}

bool MapReader::read_bool(std::string_view key, bool& out) {
    if (!has(key)) return false;
    auto text = scalar(key, "true or false");
    if (!text) return false;
    if (value(key).Tag() != "!") {
        if (*text == "true" || *text == "True" || *text == "TRUE") {
            out = true;
            return true;
        }
        if (*text == "false" || *text == "False" || *text == "FALSE") {
            out = false;
            return true;
        }
    }
    std::string message = "expected true or false, got " + text::quote(*text);
    for (std::string_view word : {"yes", "Yes", "YES", "on", "On", "ON", "y", "Y"})
        if (*text == word) message += " (write true)";
    for (std::string_view word : {"no", "No", "NO", "off", "Off", "OFF", "n", "N"})
        if (*text == word) message += " (write false)";
    error(key, std::move(message));
    return false;
}

bool MapReader::read_string_list(std::string_view key, std::vector<std::string>& out) {
    if (!has(key)) return false;
    const YAML::Node node = value(key);
    if (node.IsNull()) {
        out.clear();
        return true;
    }
    if (!node.IsSequence()) {
        error(key, "expected a list of text values such as [first, second], got " + describe_node(node));
        return false;
    }
    std::vector<std::string> result;
    bool ok = true;
    for (const YAML::Node& item : node) {
        if (!item.IsScalar() || text::trim(item.Scalar()).empty()) {
            diagnostics_.error(item.Mark().is_null() ? value_mark(key) : item.Mark(),
                               describe(key) + ": every entry must be a non-empty text value, not " +
                                   describe_node(item));
            ok = false;
            continue;
        }
        result.push_back(item.Scalar());
    }
    if (ok) out = std::move(result);
    return ok;
}

std::optional<std::vector<YAML::Node>> read_sequence(const YAML::Node& node, const std::string& what,
                                                     Diagnostics& diagnostics, const YAML::Mark& fallback) {
    if (!node.IsDefined() || node.IsNull()) return std::vector<YAML::Node>{};
    if (!node.IsSequence()) {
        diagnostics.error(node.Mark().is_null() ? fallback : node.Mark(),
                          "'" + what + "' must be a list (entries start with '- '), not " + describe_node(node));
        return std::nullopt;
    }
    std::vector<YAML::Node> items;
    for (const YAML::Node& item : node) items.push_back(item);
    return items;
}

}  // namespace hearth::config
