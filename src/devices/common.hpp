// Helpers every protocol adapter needs: safe JSON reading and value conversions.
#pragma once

#include "hearth/device.hpp"

#include <nlohmann/json.hpp>

#include <cmath>
#include <optional>
#include <string>
#include <string_view>

namespace hearth::devices {

// Parses without exceptions; nothing for anything that is not a JSON object.
std::optional<nlohmann::json> parse_object(std::string_view payload);

// Typed reads that tolerate devices sending the wrong type: nothing instead of a throw.
std::optional<double> number(const nlohmann::json& object, std::string_view key);
std::optional<std::string> text(const nlohmann::json& object, std::string_view key);
std::optional<bool> boolean(const nlohmann::json& object, std::string_view key);

// A finite number within [min, max], else nothing: a device reporting 1e308 degrees is wrong.
std::optional<double> in_range(std::optional<double> value, double min, double max);

// Device scale (0..full) to percent and back, rounding to the nearest.
int to_percent(double value, double full_scale);
int from_percent(int percent, int full_scale);

int mired_to_kelvin(double mired);
int kelvin_to_mired(int kelvin);

// CIE 1931 xy (as Zigbee reports colour) to sRGB at full brightness.
Rgb xy_to_rgb(double x, double y);

// "ON"/"on"/"1"/"true" -> true, "OFF"/"off"/"0"/"false" -> false.
std::optional<bool> on_off_word(std::string_view word);

// Maps vendors' button words to the hub's: single, double, triple, long, release, ...
std::string normalise_action(std::string_view action);

bool ends_with(std::string_view s, std::string_view suffix);

}  // namespace hearth::devices
