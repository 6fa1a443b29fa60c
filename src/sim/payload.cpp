#include "sim/payload.hpp"

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <ctime>

namespace hearth::sim {

namespace {

// Nesting depth of a JSON text, counted without parsing it (brackets inside strings excluded),
// so a payload of a million '[' is refused before the parser or the destructor can recurse.
int nesting_depth(std::string_view text) {
    int depth = 0;
    int deepest = 0;
    bool in_string = false;
    bool escaped = false;
    for (const char c : text) {
        if (in_string) {
            if (escaped) escaped = false;
            else if (c == '\\') escaped = true;
            else if (c == '"') in_string = false;
            continue;
        }
        if (c == '"') in_string = true;
        else if (c == '[' || c == '{') deepest = std::max(deepest, ++depth);
        else if (c == ']' || c == '}') --depth;
    }
    return deepest;
}

double srgb_to_linear(double channel) {
    const double c = channel / 255.0;
    return c > 0.04045 ? std::pow((c + 0.055) / 1.055, 2.4) : c / 12.92;
}

double linear_to_srgb(double c) {
    c = std::clamp(c, 0.0, 1.0);
    return 255.0 * (c <= 0.0031308 ? 12.92 * c : 1.055 * std::pow(c, 1.0 / 2.4) - 0.055);
}

// Hue (degrees) and saturation (percent) of an RGB colour, as HSV.
void hue_saturation(double r, double g, double b, Color& color) {
    const double high = std::max({r, g, b});
    const double low = std::min({r, g, b});
    const double delta = high - low;
    double hue = 0;
    if (delta > 0) {
        if (high == r) hue = 60.0 * std::fmod((g - b) / delta, 6.0);
        else if (high == g) hue = 60.0 * ((b - r) / delta + 2.0);
        else hue = 60.0 * ((r - g) / delta + 4.0);
    }
    if (hue < 0) hue += 360.0;
    color.hue = std::round(hue);
    color.saturation = high > 0 ? std::round(100.0 * delta / high) : 0.0;
}

std::optional<int> hex_byte(std::string_view two) {
    int value = 0;
    for (const char c : two) {
        int digit = 0;
        if (c >= '0' && c <= '9') digit = c - '0';
        else if (c >= 'a' && c <= 'f') digit = c - 'a' + 10;
        else if (c >= 'A' && c <= 'F') digit = c - 'A' + 10;
        else return std::nullopt;
        value = value * 16 + digit;
    }
    return value;
}

std::optional<Color> color_from_hex(std::string_view hex) {
    if (!hex.empty() && hex.front() == '#') hex.remove_prefix(1);
    if (hex.size() != 6) return std::nullopt;
    const auto r = hex_byte(hex.substr(0, 2));
    const auto g = hex_byte(hex.substr(2, 2));
    const auto b = hex_byte(hex.substr(4, 2));
    if (!r || !g || !b) return std::nullopt;
    return color_from_rgb(*r, *g, *b);
}

std::optional<int> byte_value(const json& object, const char* key) {
    const auto it = object.find(key);
    if (it == object.end()) return std::nullopt;
    const auto n = to_number(*it);
    if (!n || *n < 0 || *n > 255) return std::nullopt;
    return static_cast<int>(std::lround(*n));
}

}  // namespace

std::optional<json> parse_json(std::string_view payload) {
    if (payload.size() > max_payload_bytes || nesting_depth(payload) > max_json_depth) return std::nullopt;
    json value = json::parse(payload.begin(), payload.end(), nullptr, /*allow_exceptions=*/false);
    if (value.is_discarded()) return std::nullopt;
    return value;
}

std::optional<json> parse_json_object(std::string_view payload) {
    auto value = parse_json(payload);
    if (!value || !value->is_object()) return std::nullopt;
    return value;
}

std::string dump(const json& value) { return value.dump(-1, ' ', false, json::error_handler_t::replace); }

std::optional<double> to_number(const json& value) {
    if (value.is_number()) {
        const double n = value.get<double>();
        if (std::isfinite(n)) return n;
        return std::nullopt;
    }
    if (value.is_string()) return parse_number(value.get_ref<const std::string&>());
    return std::nullopt;
}

std::optional<double> parse_number(std::string_view text) {
    const std::string copy(text.substr(0, 64));
    if (copy.empty() || copy.size() != text.size()) return std::nullopt;
    char* end = nullptr;
    const double n = std::strtod(copy.c_str(), &end);
    if (end == copy.c_str()) return std::nullopt;
    while (*end == ' ') ++end;
    if (*end != '\0' || !std::isfinite(n)) return std::nullopt;
    return n;
}

std::optional<std::string> to_string(const json& value) {
    if (!value.is_string()) return std::nullopt;
    return value.get<std::string>();
}

std::string lower(std::string_view text) {
    std::string out(text);
    std::transform(out.begin(), out.end(), out.begin(), [](char c) {
        return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
    });
    return out;
}

std::string upper(std::string_view text) {
    std::string out(text);
    std::transform(out.begin(), out.end(), out.begin(), [](char c) {
        return (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c;
    });
    return out;
}

double round_to(double value, double step) {
    // Dividing by the inverse of a decimal step gives the double nearest the decimal (18.4),
    // where multiplying by the step would print as 18.400000000000002.
    const double inverse = std::round(1.0 / step);
    return std::round(value * inverse) / inverse;
}

int clamp_to_int(double value, int low, int high) {
    return static_cast<int>(std::lround(std::clamp(value, static_cast<double>(low), static_cast<double>(high))));
}

double epoch_seconds() {
    const auto now = std::chrono::system_clock::now().time_since_epoch();
    return std::round(std::chrono::duration<double>(now).count() * 100.0) / 100.0;
}

std::string tasmota_time() {
    const std::time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
    std::tm local{};
    localtime_r(&now, &local);
    std::array<char, 32> buffer{};
    const std::size_t n = std::strftime(buffer.data(), buffer.size(), "%Y-%m-%dT%H:%M:%S", &local);
    return std::string(buffer.data(), n);
}

Color color_from_rgb(int r8, int g8, int b8) {
    const double r = srgb_to_linear(r8), g = srgb_to_linear(g8), b = srgb_to_linear(b8);
    const double X = r * 0.4124 + g * 0.3576 + b * 0.1805;
    const double Y = r * 0.2126 + g * 0.7152 + b * 0.0722;
    const double Z = r * 0.0193 + g * 0.1192 + b * 0.9505;
    Color color;
    const double sum = X + Y + Z;
    // Black has no chromaticity; lamps report the white point for it.
    color.x = sum > 0 ? round_to(X / sum, 0.0001) : 0.3127;
    color.y = sum > 0 ? round_to(Y / sum, 0.0001) : 0.3290;
    hue_saturation(r8, g8, b8, color);
    return color;
}

Color color_from_xy(double x, double y) {
    Color color;
    color.x = round_to(x, 0.0001);
    color.y = round_to(y, 0.0001);
    if (y <= 0) return color;
    // xy at full luminance back to sRGB, only to derive hue and saturation for the report.
    const double X = x / y, Y = 1.0, Z = (1.0 - x - y) / y;
    double r = 3.2406 * X - 1.5372 * Y - 0.4986 * Z;
    double g = -0.9689 * X + 1.8758 * Y + 0.0415 * Z;
    double b = 0.0557 * X - 0.2040 * Y + 1.0570 * Z;
    r = std::max(r, 0.0), g = std::max(g, 0.0), b = std::max(b, 0.0);
    const double high = std::max({r, g, b});
    if (high > 0) r /= high, g /= high, b /= high;
    hue_saturation(linear_to_srgb(r), linear_to_srgb(g), linear_to_srgb(b), color);
    return color;
}

Color color_from_hs(double hue, double saturation) {
    hue = std::fmod(std::fmod(hue, 360.0) + 360.0, 360.0);
    const double s = std::clamp(saturation, 0.0, 100.0) / 100.0;
    const double c = s;  // value is 1: the lamp's brightness is set separately
    const double x = c * (1 - std::fabs(std::fmod(hue / 60.0, 2.0) - 1));
    const double m = 1 - c;
    double r = 0, g = 0, b = 0;
    if (hue < 60) r = c, g = x;
    else if (hue < 120) r = x, g = c;
    else if (hue < 180) g = c, b = x;
    else if (hue < 240) g = x, b = c;
    else if (hue < 300) r = x, b = c;
    else r = c, b = x;
    Color color = color_from_rgb(static_cast<int>(std::lround((r + m) * 255)), static_cast<int>(std::lround((g + m) * 255)),
                                 static_cast<int>(std::lround((b + m) * 255)));
    // Keep what was asked for rather than the value after the round trip through RGB.
    color.hue = std::round(hue);
    color.saturation = std::round(s * 100.0);
    return color;
}

std::optional<Color> parse_color(const json& value) {
    if (value.is_string()) return color_from_hex(value.get_ref<const std::string&>());
    if (!value.is_object()) return std::nullopt;
    if (value.contains("x") && value.contains("y")) {
        const auto x = to_number(value["x"]);
        const auto y = to_number(value["y"]);
        if (!x || !y || *x < 0 || *x > 1 || *y <= 0 || *y > 1) return std::nullopt;
        return color_from_xy(*x, *y);
    }
    if (value.contains("hue") || value.contains("saturation")) {
        const auto h = value.contains("hue") ? to_number(value["hue"]) : std::optional<double>(0);
        const auto s = value.contains("saturation") ? to_number(value["saturation"]) : std::optional<double>(100);
        if (!h || !s || *s < 0 || *s > 100) return std::nullopt;
        return color_from_hs(*h, *s);
    }
    if (value.contains("r") && value.contains("g") && value.contains("b")) {
        const auto r = byte_value(value, "r"), g = byte_value(value, "g"), b = byte_value(value, "b");
        if (!r || !g || !b) return std::nullopt;
        return color_from_rgb(*r, *g, *b);
    }
    if (const auto it = value.find("rgb"); it != value.end() && it->is_string()) {
        const std::string& text = it->get_ref<const std::string&>();
        std::array<int, 3> parts{};
        std::size_t start = 0;
        for (std::size_t i = 0; i < 3; ++i) {
            const std::size_t comma = i < 2 ? text.find(',', start) : text.size();
            if (comma == std::string::npos) return std::nullopt;
            const auto n = parse_number(std::string_view(text).substr(start, comma - start));
            if (!n || *n < 0 || *n > 255) return std::nullopt;
            parts[i] = static_cast<int>(std::lround(*n));
            start = comma + 1;
        }
        return color_from_rgb(parts[0], parts[1], parts[2]);
    }
    if (const auto it = value.find("hex"); it != value.end() && it->is_string())
        return color_from_hex(it->get_ref<const std::string&>());
    return std::nullopt;
}

}  // namespace hearth::sim
