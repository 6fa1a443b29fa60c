#include "devices/common.hpp"

#include <algorithm>
#include <cctype>

namespace hearth::devices {

std::optional<nlohmann::json> parse_object(std::string_view payload) {
    auto j = nlohmann::json::parse(payload, nullptr, false);
    if (j.is_discarded() || !j.is_object()) return std::nullopt;
    return j;
}

std::optional<double> number(const nlohmann::json& object, std::string_view key) {
    const auto it = object.find(key);
    if (it == object.end() || !it->is_number()) return std::nullopt;
    const double v = it->get<double>();
    if (!std::isfinite(v)) return std::nullopt;
    return v;
}

std::optional<std::string> text(const nlohmann::json& object, std::string_view key) {
    const auto it = object.find(key);
    if (it == object.end() || !it->is_string()) return std::nullopt;
    return it->get<std::string>();
}

std::optional<bool> boolean(const nlohmann::json& object, std::string_view key) {
    const auto it = object.find(key);
    if (it == object.end() || !it->is_boolean()) return std::nullopt;
    return it->get<bool>();
}

std::optional<double> in_range(std::optional<double> value, double min, double max) {
    if (!value || !std::isfinite(*value) || *value < min || *value > max) return std::nullopt;
    return value;
}

int to_percent(double value, double full_scale) {
    if (full_scale <= 0) return 0;
    return static_cast<int>(std::lround(std::clamp(value, 0.0, full_scale) * 100.0 / full_scale));
}

int from_percent(int percent, int full_scale) {
    return static_cast<int>(std::lround(std::clamp(percent, 0, 100) * static_cast<double>(full_scale) / 100.0));
}

int mired_to_kelvin(double mired) { return mired <= 0 ? 0 : static_cast<int>(std::lround(1'000'000.0 / mired)); }
int kelvin_to_mired(int kelvin) { return kelvin <= 0 ? 0 : static_cast<int>(std::lround(1'000'000.0 / kelvin)); }

Rgb xy_to_rgb(double x, double y) {
    if (y <= 0) return {255, 255, 255};
    const double Y = 1.0;
    const double X = (Y / y) * x;
    const double Z = (Y / y) * (1.0 - x - y);
    double r = X * 3.2406 - Y * 1.5372 - Z * 0.4986;
    double g = -X * 0.9689 + Y * 1.8758 + Z * 0.0415;
    double b = X * 0.0557 - Y * 0.2040 + Z * 1.0570;
    const double peak = std::max({r, g, b, 1e-9});
    auto channel = [&](double c) {
        c = std::max(0.0, c / peak);
        c = c <= 0.0031308 ? 12.92 * c : 1.055 * std::pow(c, 1.0 / 2.4) - 0.055;
        return static_cast<std::uint8_t>(std::lround(std::clamp(c, 0.0, 1.0) * 255.0));
    };
    return {channel(r), channel(g), channel(b)};
}

std::optional<bool> on_off_word(std::string_view word) {
    std::string w(word);
    std::transform(w.begin(), w.end(), w.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (w == "on" || w == "1" || w == "true") return true;
    if (w == "off" || w == "0" || w == "false") return false;
    return std::nullopt;
}

std::string normalise_action(std::string_view action) {
    std::string a(action);
    std::transform(a.begin(), a.end(), a.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (a == "single" || a == "single_push" || a == "s" || a == "press" || a == "click") return "single";
    if (a == "double" || a == "double_push" || a == "ss") return "double";
    if (a == "triple" || a == "triple_push" || a == "sss") return "triple";
    if (a == "hold" || a == "long" || a == "long_push" || a == "l") return "long";
    if (a == "release" || a == "btn_up") return "release";
    if (a == "brightness_move_up" || a == "brightness_step_up") return "brightness_up";
    if (a == "brightness_move_down" || a == "brightness_step_down") return "brightness_down";
    return a;
}

bool ends_with(std::string_view s, std::string_view suffix) {
    return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

}  // namespace hearth::devices
