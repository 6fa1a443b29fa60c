// The text helpers behind the configuration messages: typo suggestions, UTF-8 validation,
// default names and quoting of values in diagnostics.
#include "core/text.hpp"

#include <catch2/catch.hpp>

#include <array>
#include <string>
#include <string_view>

using namespace std::string_view_literals;
namespace text = hearth::text;

TEST_CASE("text: edit_distance counts insertions, deletions, substitutions and swaps", "[text]") {
    CHECK(text::edit_distance("", "") == 0);
    CHECK(text::edit_distance("light", "light") == 0);
    CHECK(text::edit_distance("", "abc") == 3);
    CHECK(text::edit_distance("abc", "") == 3);
    CHECK(text::edit_distance("prefx", "prefix") == 1);   // insertion
    CHECK(text::edit_distance("prefixx", "prefix") == 1); // deletion
    CHECK(text::edit_distance("hast", "host") == 1);      // substitution
    CHECK(text::edit_distance("lihgt", "light") == 1);    // two neighbours swapped
    CHECK(text::edit_distance("ab", "ba") == 1);
    CHECK(text::edit_distance("kitten", "sitting") == 3);
    CHECK(text::edit_distance("abc", "ca") == 3);         // optimal string alignment, not Damerau
    // Symmetric.
    CHECK(text::edit_distance("zigbe2mqtt", "zigbee2mqtt") == text::edit_distance("zigbee2mqtt", "zigbe2mqtt"));
}

TEST_CASE("text: edit_distance stops at the cap", "[text]") {
    CHECK(text::edit_distance("abcdefgh", "stuvwxyz", 2) == 3);  // cap + 1
    CHECK(text::edit_distance("abcdefgh", "stuvwxyz", 8) == 8);  // within the cap: exact
    CHECK(text::edit_distance("abcdefgh", "stuvwxyz", 7) == 8);
    CHECK(text::edit_distance("a", std::string(1000, 'b'), 3) == 4);  // length gap alone exceeds the cap
    CHECK(text::edit_distance("", std::string(20, 'x')) == 9);        // default cap 8
    CHECK(text::edit_distance("light", "lihgt", 0) == 1);
    CHECK(text::edit_distance("light", "light", 0) == 0);

    // Garbage of a megabyte against a short key is answered at once (the cap bounds the work).
    const std::string garbage(1'000'000, 'q');
    CHECK(text::edit_distance(garbage, "language", 3) == 4);
}

TEST_CASE("text: closest_match suggests plausible typos only", "[text]") {
    constexpr std::array<std::string_view, 9> top{"language", "mqtt", "protocols", "storage", "control",
                                                  "logging",  "floors", "areas", "devices"};
    constexpr std::array<std::string_view, 11> mqtt{"host", "port", "prefix", "client_id", "keepalive",
                                                    "protocol", "username", "password_file", "password_env",
                                                    "password", "tls"};
    CHECK(text::closest_match("langauge", top) == "language"sv);
    CHECK(text::closest_match("mqttt", top) == "mqtt"sv);
    CHECK(text::closest_match("device", top) == "devices"sv);
    CHECK(text::closest_match("floor", top) == "floors"sv);
    CHECK(text::closest_match("prefx", mqtt) == "prefix"sv);
    CHECK(text::closest_match("hots", mqtt) == "host"sv);
    CHECK(text::closest_match("keep_alive", mqtt) == "keepalive"sv);
    CHECK(text::closest_match("passwort", mqtt) == "password"sv);
    CHECK(text::closest_match("PORT", mqtt) == std::nullopt);  // case matters: four substitutions

    // Unrelated words get no suggestion.
    CHECK_FALSE(text::closest_match("automations", top).has_value());
    CHECK_FALSE(text::closest_match("xyzzy", top).has_value());
    CHECK_FALSE(text::closest_match("broker", mqtt).has_value());
    CHECK_FALSE(text::closest_match("", top).has_value());
    CHECK_FALSE(text::closest_match(std::string(100'000, 'x'), top).has_value());

    // Short words allow one edit only: "fr" is not a typo of "en" or "de".
    constexpr std::array<std::string_view, 2> languages{"en", "de"};
    CHECK_FALSE(text::closest_match("fr", languages).has_value());
    CHECK(text::closest_match("dee", languages) == "de"sv);
    CHECK(text::closest_match("e", languages) == "en"sv);

    // No candidates, no suggestion; the first of equally close candidates wins.
    CHECK_FALSE(text::closest_match("anything", std::span<const std::string_view>{}).has_value());
    constexpr std::array<std::string_view, 2> tie{"cat", "car"};
    CHECK(text::closest_match("cab", tie) == "cat"sv);
}

TEST_CASE("text: first_invalid_utf8 accepts UTF-8 and finds the first bad byte", "[text][utf8]") {
    CHECK_FALSE(text::first_invalid_utf8("").has_value());
    CHECK_FALSE(text::first_invalid_utf8("plain ASCII: [a, b] # comment\n").has_value());
    CHECK_FALSE(text::first_invalid_utf8("K\xC3\xBC" "che").has_value());            // ü, 2 bytes
    CHECK_FALSE(text::first_invalid_utf8("\xE2\x82\xAC 5").has_value());              // €, 3 bytes
    CHECK_FALSE(text::first_invalid_utf8("\xF0\x9F\x98\x80").has_value());            // 😀, 4 bytes
    CHECK_FALSE(text::first_invalid_utf8("\xC2\x80").has_value());                    // U+0080, smallest 2-byte
    CHECK_FALSE(text::first_invalid_utf8("\xED\x9F\xBF").has_value());                // U+D7FF, before the surrogates
    CHECK_FALSE(text::first_invalid_utf8("\xEE\x80\x80").has_value());                // U+E000, after them
    CHECK_FALSE(text::first_invalid_utf8("\xEF\xBF\xBF").has_value());                // U+FFFF
    CHECK_FALSE(text::first_invalid_utf8("\xF4\x8F\xBF\xBF").has_value());            // U+10FFFF, the last one

    // Overlong forms.
    CHECK(text::first_invalid_utf8("a\xC0\xAF") == 1u);           // '/' in two bytes
    CHECK(text::first_invalid_utf8("\xC1\xBF") == 0u);
    CHECK(text::first_invalid_utf8("ab\xE0\x80\xAF") == 2u);      // '/' in three bytes
    CHECK(text::first_invalid_utf8("\xF0\x8F\xBF\xBF") == 0u);    // U+FFFF in four bytes
    // UTF-16 surrogates.
    CHECK(text::first_invalid_utf8("x\xED\xA0\x80") == 1u);       // U+D800
    CHECK(text::first_invalid_utf8("\xED\xBF\xBF") == 0u);        // U+DFFF
    // Truncated sequences.
    CHECK(text::first_invalid_utf8("ab\xE2\x82") == 2u);
    CHECK(text::first_invalid_utf8("\xF0\x9F\x98") == 0u);
    CHECK(text::first_invalid_utf8("\xC3") == 0u);
    CHECK(text::first_invalid_utf8("\xC3 x") == 0u);              // continuation byte missing
    // Past U+10FFFF.
    CHECK(text::first_invalid_utf8("\xF4\x90\x80\x80") == 0u);
    CHECK(text::first_invalid_utf8("\xF5\x80\x80\x80") == 0u);
    // Bytes that never start a character.
    CHECK(text::first_invalid_utf8("abc\x80") == 3u);
    CHECK(text::first_invalid_utf8("\xBF") == 0u);
    CHECK(text::first_invalid_utf8("\xFF") == 0u);
    CHECK(text::first_invalid_utf8("\xF8\x88\x80\x80\x80") == 0u);  // old 5-byte form
    // The offset counts bytes, after valid multi-byte characters.
    CHECK(text::first_invalid_utf8("\xC3\xA4\xE2\x82\xAC\xFF") == 5u);
    CHECK(text::first_invalid_utf8("Erdgescho\xDF\n") == 9u);  // Latin-1 ß
}

TEST_CASE("text: name_from_id makes a readable default name", "[text]") {
    CHECK(text::name_from_id("kitchen_ceiling") == "Kitchen ceiling");
    CHECK(text::name_from_id("living_room_lamp") == "Living room lamp");
    CHECK(text::name_from_id("a") == "A");
    CHECK(text::name_from_id("1st_floor") == "1st floor");
    CHECK(text::name_from_id("already_Capitalised") == "Already Capitalised");
    // No stray blanks from leading, trailing or doubled underscores.
    CHECK(text::name_from_id("_x") == "X");
    CHECK(text::name_from_id("hall__light_") == "Hall light");
    CHECK(text::name_from_id("___") == "___");  // never an empty name
    CHECK(text::name_from_id("") == "");
}

TEST_CASE("text: quote keeps values short and printable", "[text]") {
    CHECK(text::quote("abc") == "'abc'");
    CHECK(text::quote("") == "''");
    CHECK(text::quote("a\nb") == "'a\\x0ab'");
    CHECK(text::quote("\t\r\x1b[31m") == "'\\x09\\x0d\\x1b[31m'");
    CHECK(text::quote(std::string_view("nul\0byte", 8)) == "'nul\\x00byte'");
    CHECK(text::quote("del\x7f") == "'del\\x7f'");
    CHECK(text::quote("K\xC3\xBC" "che") == "'K\xC3\xBC" "che'");  // UTF-8 is shown as it is

    const std::string sixty(60, 'x');
    CHECK(text::quote(sixty) == "'" + sixty + "'");
    CHECK(text::quote(sixty + "y") == "'" + sixty + "...'");
    CHECK(text::quote("abcdef", 3) == "'abc...'");
    CHECK(text::quote("abc", 3) == "'abc'");

    // A megabyte is cut to the limit, never carried into a message.
    const std::string huge(1'000'000, 'z');
    CHECK(text::quote(huge).size() == 60 + 5);

    // The cut counts characters and never splits one: the result stays valid UTF-8.
    std::string umlauts;
    for (int i = 0; i < 100; ++i) umlauts += "\xC3\xA4";
    const std::string quoted = text::quote(umlauts);
    CHECK_FALSE(text::first_invalid_utf8(quoted).has_value());
    CHECK(quoted.size() == 1 + 60 * 2 + 3 + 1);
    CHECK(text::first_invalid_utf8(text::quote(umlauts, 7)) == std::nullopt);
    CHECK(text::quote("\xE2\x82\xAC\xE2\x82\xAC", 1) == "'\xE2\x82\xAC...'");
    std::string emoji;
    for (int i = 0; i < 61; ++i) emoji += "\xF0\x9F\x98\x80";
    CHECK(text::quote(emoji) == "'" + emoji.substr(0, 240) + "...'");
    // Bytes that are not UTF-8 are still cut short.
    CHECK(text::quote(std::string(1'000'000, '\x80')).size() <= 4 * 60 + 5);
}

TEST_CASE("text: trim removes surrounding blanks only", "[text]") {
    CHECK(text::trim("  a b  ") == "a b");
    CHECK(text::trim("\t\r\nvalue\r\n") == "value");
    CHECK(text::trim("value") == "value");
    CHECK(text::trim("") == "");
    CHECK(text::trim(" \t\r\n ") == "");
    CHECK(text::trim("\xC2\xA0x") == "\xC2\xA0x");  // a no-break space is not a blank here
}
