#include "intent/text.hpp"

#include <algorithm>
#include <cmath>

namespace hearth::intent {
namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }

bool is_word_byte(unsigned char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c >= 0x80;
}

bool contains(const std::vector<std::string>& list, std::string_view word) {
    return std::find(list.begin(), list.end(), word) != list.end();
}

template <typename Map>
std::optional<int> lookup(const Map& map, std::string_view word) {
    if (word.empty()) return std::nullopt;
    const auto it = map.find(std::string(word));
    if (it == map.end()) return std::nullopt;
    return it->second;
}

// 0..99 written as one word: "neunzehn", "zwanzig", "einundzwanzig".
std::optional<int> compound_below_hundred(std::string_view word, const NumberWords& w) {
    if (auto u = lookup(w.units, word)) return u;
    if (auto t = lookup(w.tens, word)) return t;
    for (const std::string& joiner : w.joiner) {
        const auto at = word.find(joiner);
        if (at == std::string_view::npos || at == 0) continue;
        const auto unit = lookup(w.units, word.substr(0, at));
        const auto ten = lookup(w.tens, word.substr(at + joiner.size()));
        if (unit && ten && *unit >= 1 && *unit <= 9) return *ten + *unit;
    }
    return std::nullopt;
}

// 0..999 written as one word: "hundertfünf", "zweihundert", "einhundertzwanzig".
std::optional<int> compound_number(std::string_view word, const NumberWords& w) {
    if (auto below = compound_below_hundred(word, w)) return below;
    for (const std::string& hundred : w.hundred) {
        const auto at = word.find(hundred);
        if (at == std::string_view::npos) continue;
        int factor = 1;
        if (at > 0) {
            const auto unit = lookup(w.units, word.substr(0, at));
            if (!unit || *unit < 1 || *unit > 9) continue;
            factor = *unit;
        }
        const std::string_view rest = word.substr(at + hundred.size());
        int tail = 0;
        if (!rest.empty()) {
            std::string_view r = rest;
            for (const std::string& joiner : w.joiner)
                if (r.starts_with(joiner) && r.size() > joiner.size()) r.remove_prefix(joiner.size());
            const auto below = compound_below_hundred(r, w);
            if (!below) continue;
            tail = *below;
        }
        return factor * 100 + tail;
    }
    return std::nullopt;
}

// Integer readings (value, tokens used) starting at `at`.
void integer_readings(const std::vector<std::string_view>& t, std::size_t at, const NumberWords& w,
                      std::vector<NumberMatch>& out) {
    const std::size_t n = t.size();
    if (at >= n) return;
    const std::string_view first = t[at];
    if (!first.empty() && is_digit(first[0])) {
        if (first.find_first_of(".,") == std::string_view::npos) {
            if (auto v = parse_decimal(first)) out.push_back({1, *v});
        }
        return;
    }
    if (w.compound) {
        if (auto v = compound_number(first, w)) {
            out.push_back({1, static_cast<double>(*v)});
        } else {
            // "neunzehneinhalb", "zwanzigeinhalb"
            for (const std::string& suffix : w.half_suffix) {
                if (first.size() <= suffix.size() || !first.ends_with(suffix)) continue;
                if (auto whole = compound_number(first.substr(0, first.size() - suffix.size()), w))
                    out.push_back({1, *whole + 0.5});
            }
        }
        return;
    }
    // Separate words: [unit | a] hundred [and] [tens [unit] | unit]
    auto below_hundred = [&](std::size_t i, auto&& emit) {
        if (i >= n) return;
        if (auto ten = lookup(w.tens, t[i])) {
            emit(i + 1, *ten);
            if (i + 1 < n)
                if (auto unit = lookup(w.units, t[i + 1]); unit && *unit >= 1 && *unit <= 9) emit(i + 2, *ten + *unit);
        } else if (auto unit = lookup(w.units, t[i])) {
            emit(i + 1, *unit);
        }
    };
    below_hundred(at, [&](std::size_t end, int value) { out.push_back({end - at, static_cast<double>(value)}); });
    // "hundred", "one hundred", "a hundred", "one hundred and five"
    std::size_t h = at;
    int factor = 1;
    if (auto unit = lookup(w.units, t[at]); unit && *unit >= 1 && *unit <= 9 && at + 1 < n && contains(w.hundred, t[at + 1])) {
        factor = *unit;
        h = at + 1;
    } else if ((t[at] == "a" || t[at] == "ein") && at + 1 < n && contains(w.hundred, t[at + 1])) {
        h = at + 1;
    }
    if (!contains(w.hundred, t[h])) return;
    const int base = factor * 100;
    out.push_back({h + 1 - at, static_cast<double>(base)});
    std::size_t rest = h + 1;
    if (rest < n && contains(w.joiner, t[rest])) ++rest;
    below_hundred(rest, [&](std::size_t end, int value) {
        if (value > 0) out.push_back({end - at, static_cast<double>(base + value)});
    });
}

}  // namespace

std::vector<Token> tokenize(std::string_view s) {
    std::vector<Token> out;
    std::string current;
    std::size_t start = 0;
    auto flush = [&](std::size_t end) {
        // An apostrophe left at either end of a word is a quote, not part of it.
        while (!current.empty() && current.back() == '\'') current.pop_back();
        std::size_t lead = 0;
        while (lead < current.size() && current[lead] == '\'') ++lead;
        if (lead < current.size()) out.push_back({current.substr(lead), start, end});
        current.clear();
    };
    std::size_t i = 0;
    while (i < s.size()) {
        const auto c = static_cast<unsigned char>(s[i]);
        auto begin_word = [&] {
            if (current.empty()) start = i;
        };
        if (c == 0xC2 && i + 1 < s.size() && static_cast<unsigned char>(s[i + 1]) == 0xB0) {  // °
            flush(i);
            out.push_back({"°", i, i + 2});
            i += 2;
            continue;
        }
        if (c == 0xC2 && i + 1 < s.size() && static_cast<unsigned char>(s[i + 1]) == 0xA0) {  // no-break space
            flush(i);
            i += 2;
            continue;
        }
        if (c == 0xE2 && i + 2 < s.size() && static_cast<unsigned char>(s[i + 1]) == 0x80) {
            const auto third = static_cast<unsigned char>(s[i + 2]);
            if (third == 0x99 || third == 0x98) {  // ’ ‘ as apostrophe
                begin_word();
                current += '\'';
            } else {  // dashes, other quotes, ellipsis: separators
                flush(i);
            }
            i += 3;
            continue;
        }
        if (c == 0xC3 && i + 1 < s.size()) {
            auto second = static_cast<unsigned char>(s[i + 1]);
            begin_word();
            // German letters are folded as German writes them without the keyboard for them:
            // "Haustür" and "Haustuer", "Heißwasser" and "Heisswasser" are the same word.
            switch (second) {
                case 0xA4: case 0x84: current += "ae"; break;  // ä Ä
                case 0xB6: case 0x96: current += "oe"; break;  // ö Ö
                case 0xBC: case 0x9C: current += "ue"; break;  // ü Ü
                case 0x9F: current += "ss"; break;             // ß
                default:
                    // Other Latin-1 capitals (É, À, ...) are lowered; × (0x97) is no letter.
                    if (second >= 0x80 && second <= 0x9E && second != 0x97) second = static_cast<unsigned char>(second + 0x20);
                    current += static_cast<char>(c);
                    current += static_cast<char>(second);
            }
            i += 2;
            continue;
        }
        if (c == 0xE1 && i + 2 < s.size() && static_cast<unsigned char>(s[i + 1]) == 0xBA &&
            static_cast<unsigned char>(s[i + 2]) == 0x9E) {  // ẞ
            begin_word();
            current += "ss";
            i += 3;
            continue;
        }
        if (c == '%') {
            flush(i);
            out.push_back({"%", i, i + 1});
            ++i;
            continue;
        }
        if ((c == '.' || c == ',') && !current.empty() && is_digit(current.back()) && i + 1 < s.size() &&
            is_digit(s[i + 1]) && std::all_of(current.begin(), current.end(), [](char d) { return is_digit(d) || d == '.' || d == ','; })) {
            current += static_cast<char>(c);
            ++i;
            continue;
        }
        if (c == '\'' && !current.empty()) {
            current += '\'';
            ++i;
            continue;
        }
        if (is_word_byte(c)) {
            begin_word();
            current += (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : static_cast<char>(c);
            ++i;
            continue;
        }
        flush(i);
        ++i;
    }
    flush(s.size());
    return out;
}

std::vector<std::string> normalize_words(std::string_view text) {
    std::vector<std::string> out;
    for (Token& t : tokenize(text)) out.push_back(std::move(t.text));
    return out;
}

std::string normalize_word(std::string_view text) {
    std::string out;
    for (const Token& t : tokenize(text)) out += t.text;
    return out;
}

std::optional<double> parse_decimal(std::string_view token) {
    if (token.empty() || token.size() > 12) return std::nullopt;
    double whole = 0;
    double fraction = 0;
    double scale = 1;
    bool seen_separator = false;
    std::size_t digits = 0;
    for (char c : token) {
        if (is_digit(c)) {
            ++digits;
            if (seen_separator) {
                scale /= 10;
                fraction += (c - '0') * scale;
            } else {
                whole = whole * 10 + (c - '0');
            }
        } else if ((c == '.' || c == ',') && !seen_separator && digits > 0) {
            seen_separator = true;
        } else {
            return std::nullopt;
        }
    }
    if (digits == 0 || token.back() == '.' || token.back() == ',') return std::nullopt;
    return whole + fraction;
}

void match_numbers(const std::vector<std::string_view>& t, std::size_t at, const NumberWords& w,
                   std::vector<NumberMatch>& out) {
    if (at >= t.size()) return;
    const std::string_view first = t[at];
    if (!first.empty() && is_digit(first[0]) && first.find_first_of(".,") != std::string_view::npos) {
        if (auto v = parse_decimal(first)) out.push_back({1, *v});
        return;
    }
    const std::size_t before = out.size();
    integer_readings(t, at, w, out);
    const std::size_t after = out.size();
    // Halves: "twenty and a half", "neunzehn einhalb", "19 ein halb".
    for (std::size_t r = before; r < after; ++r) {
        const NumberMatch whole = out[r];
        if (whole.value != static_cast<double>(static_cast<long>(whole.value))) continue;
        const std::size_t i = at + whole.length;
        for (const auto& phrase : w.half) {
            if (phrase.empty() || i + phrase.size() > t.size()) continue;
            bool same = true;
            for (std::size_t k = 0; k < phrase.size() && same; ++k) same = t[i + k] == phrase[k];
            if (same) out.push_back({whole.length + phrase.size(), whole.value + 0.5});
        }
    }
    // Decimals: INTEGER point DIGIT... ("twenty one point five", "19 komma 5", "neunzehn komma fünf")
    for (std::size_t r = before; r < after; ++r) {
        const NumberMatch whole = out[r];
        std::size_t i = at + whole.length;
        if (i >= t.size() || !contains(w.point, t[i])) continue;
        ++i;
        if (i < t.size() && !t[i].empty() && is_digit(t[i][0])) {
            if (t[i].find_first_of(".,") != std::string_view::npos) continue;
            double scale = 1;
            for (std::size_t k = 0; k < t[i].size(); ++k) scale /= 10;
            if (auto digits = parse_decimal(t[i])) out.push_back({i + 1 - at, whole.value + *digits * scale});
            continue;
        }
        double fraction = 0;
        double scale = 1;
        while (i < t.size()) {
            const auto d = lookup(w.units, t[i]);
            if (!d || *d > 9) break;
            scale /= 10;
            fraction += *d * scale;
            ++i;
            out.push_back({i - at, whole.value + fraction});
        }
    }
}

std::optional<int> word_as_number(std::string_view token, const NumberWords& words) {
    if (!token.empty() && std::all_of(token.begin(), token.end(), is_digit) && token.size() <= 9) {
        int v = 0;
        for (char c : token) v = v * 10 + (c - '0');
        return v;
    }
    if (auto u = lookup(words.units, token)) return u;
    return std::nullopt;
}

}  // namespace hearth::intent
