// Reading what arrives on the simulated devices' command topics, and writing their answers.
//
// Anything may be published to a command topic, so every reader here returns nothing rather
// than throwing or guessing: the caller ignores the message (with a debug log) or answers
// with an error, as the real device would.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace hearth::sim {

using nlohmann::json;

// Larger payloads are dropped unread: no real device accepts commands this long, and parsing
// megabytes of garbage would stall every other simulated device on the loop.
inline constexpr std::size_t max_payload_bytes = 64 * 1024;
// Deeper JSON is refused before parsing; a real command is two or three levels deep.
inline constexpr int max_json_depth = 32;

// The payload as JSON, or nothing when it is not (or is too large or too deep).
std::optional<json> parse_json(std::string_view payload);
// The same, but only a JSON object counts.
std::optional<json> parse_json_object(std::string_view payload);

// Serialises without ever throwing: text that is not UTF-8 (echoed from a command) is replaced.
std::string dump(const json& value);

// A finite number, from a JSON number or a numeric string ("21.5"), else nothing.
std::optional<double> to_number(const json& value);
std::optional<double> parse_number(std::string_view text);
// The JSON value as text when it is a string.
std::optional<std::string> to_string(const json& value);

std::string lower(std::string_view text);
std::string upper(std::string_view text);

// Rounds to a multiple of `step` (0.1 for temperatures as devices report them).
double round_to(double value, double step);
// Clamps first, so that a huge or negative number from a message converts safely.
int clamp_to_int(double value, int low, int high);

// Seconds since the epoch, to two decimals, as Shelly timestamps its notifications.
double epoch_seconds();
// Local time as Tasmota writes it: 2024-05-01T12:00:00.
std::string tasmota_time();

// Light colour, kept in CIE xy (what Zigbee lamps use) with hue and saturation derived from it.
struct Color {
    double x = 0.4575;  // a warm white until someone sets a colour
    double y = 0.4099;
    double hue = 30;         // degrees, 0-360
    double saturation = 60;  // percent, 0-100
};
Color color_from_rgb(int r, int g, int b);
Color color_from_xy(double x, double y);
Color color_from_hs(double hue, double saturation);
// Z2M accepts {x,y}, {hue,saturation}, {r,g,b}, {rgb:"r,g,b"}, {hex:"#rrggbb"} or a bare hex
// string; nothing when the value is none of these.
std::optional<Color> parse_color(const json& value);

}  // namespace hearth::sim
