#include "core/text.hpp"

#include <algorithm>
#include <vector>

namespace hearth::text {

std::size_t edit_distance(std::string_view a, std::string_view b, std::size_t cap) {
    // Optimal string alignment: insertions, deletions, substitutions and swaps of two
    // neighbouring letters ("lihgt" -> "light") each cost one.
    const std::size_t length_gap = a.size() > b.size() ? a.size() - b.size() : b.size() - a.size();
    if (length_gap > cap) return cap + 1;
    std::vector<std::size_t> before_previous(b.size() + 1), previous(b.size() + 1), current(b.size() + 1);
    for (std::size_t j = 0; j <= b.size(); ++j) previous[j] = j;
    for (std::size_t i = 1; i <= a.size(); ++i) {
        current[0] = i;
        std::size_t row_min = current[0];
        for (std::size_t j = 1; j <= b.size(); ++j) {
            const std::size_t substitution = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
            current[j] = std::min({previous[j] + 1, current[j - 1] + 1, substitution});
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                current[j] = std::min(current[j], before_previous[j - 2] + 1);
            row_min = std::min(row_min, current[j]);
        }
        if (row_min > cap) return cap + 1;
        std::swap(before_previous, previous);
        std::swap(previous, current);
    }
    return std::min(previous[b.size()], cap + 1);
}

std::optional<std::string_view> closest_match(std::string_view word,
                                              std::span<const std::string_view> candidates) {
    // A typo is at most a third of the word, and never more than three edits.
    const std::size_t allowed = std::clamp<std::size_t>(word.size() / 3, 1, 3);
    std::optional<std::string_view> best;
    std::size_t best_distance = allowed + 1;
    for (std::string_view candidate : candidates) {
        const std::size_t d = edit_distance(word, candidate, allowed);
        if (d < best_distance) {
            best_distance = d;
            best = candidate;
        }
    }
    return best;
}

std::optional<std::size_t> first_invalid_utf8(std::string_view s) {
    std::size_t i = 0;
    while (i < s.size()) {
        const auto c = static_cast<unsigned char>(s[i]);
        std::size_t length = 0;
        unsigned min_code_point = 0;
        unsigned code_point = 0;
        if (c < 0x80) {
            ++i;
            continue;
        } else if ((c & 0xE0) == 0xC0) {
            length = 2, min_code_point = 0x80, code_point = c & 0x1Fu;
        } else if ((c & 0xF0) == 0xE0) {
            length = 3, min_code_point = 0x800, code_point = c & 0x0Fu;
        } else if ((c & 0xF8) == 0xF0) {
            length = 4, min_code_point = 0x10000, code_point = c & 0x07u;
        } else {
            return i;
        }
        if (i + length > s.size()) return i;
        for (std::size_t k = 1; k < length; ++k) {
            const auto continuation = static_cast<unsigned char>(s[i + k]);
            if ((continuation & 0xC0) != 0x80) return i;
            code_point = (code_point << 6) | (continuation & 0x3Fu);
        }
        // Overlong forms, UTF-16 surrogates and values past U+10FFFF are not UTF-8.
        if (code_point < min_code_point || code_point > 0x10FFFF ||
            (code_point >= 0xD800 && code_point <= 0xDFFF))
            return i;
        i += length;
    }
    return std::nullopt;
}

std::string name_from_id(std::string_view id) {
    // Underscores become single spaces; leading, trailing and repeated ones leave no blanks behind.
    std::string name;
    for (char c : id) {
        if (c != '_') {
            name += c;
        } else if (!name.empty() && name.back() != ' ') {
            name += ' ';
        }
    }
    if (!name.empty() && name.back() == ' ') name.pop_back();
    if (name.empty()) return std::string(id);  // "___": nothing readable to derive, keep the id
    if (name[0] >= 'a' && name[0] <= 'z') name[0] = static_cast<char>(name[0] - 'a' + 'A');
    return name;
}

std::string quote(std::string_view value, std::size_t max_length) {
    std::string out = "'";
    std::size_t shown = 0;
    for (char ch : value) {
        const auto c = static_cast<unsigned char>(ch);
        // Counts characters, not bytes, so a cut never splits a UTF-8 sequence; the byte limit
        // holds for text that is not UTF-8 (a run of continuation bytes).
        const bool continuation = (c & 0xC0) == 0x80;
        if ((shown == max_length && !continuation) || out.size() >= 1 + 4 * max_length) {
            out += "...";
            break;
        }
        if (c < 0x20 || c == 0x7F) {
            static constexpr char hex[] = "0123456789abcdef";
            out += "\\x";
            out += hex[c >> 4];
            out += hex[c & 0xF];
        } else {
            out += ch;
        }
        if (!continuation) ++shown;
    }
    out += "'";
    return out;
}

std::string_view trim(std::string_view s) {
    const auto first = s.find_first_not_of(" \t\r\n");
    if (first == std::string_view::npos) return {};
    const auto last = s.find_last_not_of(" \t\r\n");
    return s.substr(first, last - first + 1);
}

}  // namespace hearth::text
