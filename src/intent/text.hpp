// Turning text into the tokens the matcher compares: lower case, punctuation dropped, numbers
// kept whole ("19,5", "20.5"), "%" and "°" as tokens of their own.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace hearth::intent {

struct Token {
    std::string text;       // normalised
    std::size_t begin = 0;  // byte range in the original text
    std::size_t end = 0;
};

// Splits and normalises. ASCII and Latin-1 letters are lowered; ä ö ü ß are folded to ae oe ue ss
// (so "Haustür" and "Haustuer" match); other bytes are kept.
// Hyphens, quotes and sentence punctuation separate words; an apostrophe inside a word stays
// ("what's"); a decimal point or comma between digits stays ("19,5").
std::vector<Token> tokenize(std::string_view text);

// The same, keeping only the token texts (for names, aliases and template words).
std::vector<std::string> normalize_words(std::string_view text);

// One word as the tokenizer writes it ("Fünf" -> "fuenf"); the tokens run together if the
// text holds several.
std::string normalize_word(std::string_view text);

// "21.5" or "19,5" -> 21.5; nothing when the token is not a plain decimal number.
std::optional<double> parse_decimal(std::string_view token);

// Number words of one language, from the grammar's `numbers:` section.
struct NumberWords {
    std::unordered_map<std::string, int> units;  // zero..nineteen / null..neunzehn (and "a", "ein")
    std::unordered_map<std::string, int> tens;   // twenty..ninety
    std::vector<std::string> hundred;             // hundred / hundert
    std::vector<std::string> point;               // point / komma
    std::vector<std::string> joiner;              // "und" in einundzwanzig (compounds, German)
    bool compound = false;                        // numbers are written as one word
    std::vector<std::vector<std::string>> half;   // "and a half", "einhalb": +0.5 after a number
    std::vector<std::string> half_suffix;         // "einhalb" in "neunzehneinhalb" (compounds)
};

struct NumberMatch {
    std::size_t length = 0;  // tokens used
    double value = 0;
};

// Every reading of a number starting at tokens[at]: "twenty one point five" gives 20 (1 token),
// 21 (2 tokens) and 21.5 (4 tokens). Digit tokens and words mix ("21 point 5").
void match_numbers(const std::vector<std::string_view>& tokens, std::size_t at, const NumberWords& words,
                   std::vector<NumberMatch>& out);

// A single word as a number (digits or a number word), used to read spoken PINs.
std::optional<int> word_as_number(std::string_view token, const NumberWords& words);

}  // namespace hearth::intent
