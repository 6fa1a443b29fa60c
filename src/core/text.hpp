// Small text helpers shared by the config validator and the command line.
#pragma once

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace hearth::text {

// Levenshtein distance, capped: returns cap + 1 as soon as the distance must exceed cap, so
// comparing a long garbage key against the known keys stays cheap.
std::size_t edit_distance(std::string_view a, std::string_view b, std::size_t cap = 8);

// The candidate closest to `word` if it is close enough to be a plausible typo, else nothing.
std::optional<std::string_view> closest_match(std::string_view word,
                                              std::span<const std::string_view> candidates);

// Offset of the first byte that breaks UTF-8, or nothing when `s` is valid UTF-8.
std::optional<std::size_t> first_invalid_utf8(std::string_view s);

// "kitchen_ceiling" -> "Kitchen ceiling": a readable default name for an id.
std::string name_from_id(std::string_view id);

// Quotes a value for a message and keeps it short and printable, so a diagnostic never
// carries a megabyte of garbage or control characters to the terminal.
std::string quote(std::string_view value, std::size_t max_length = 60);

std::string_view trim(std::string_view s);

}  // namespace hearth::text
