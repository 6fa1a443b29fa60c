#include "cli/parse.hpp"

#include "hearth/config_loader.hpp"
#include "hearth/intent.hpp"

#include <nlohmann/json.hpp>

#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hearth::cli {
namespace {

constexpr const char* parse_usage = R"(usage: hearthctl parse --config FILE [--lang en|de] [--area AREA_ID] [--text] TEXT...
       hearthctl parse --config FILE [--lang en|de] --batch IN.jsonl

Understands a command offline: reads the configuration and the sentence templates, and prints
one JSON answer a line (intent, targets, value, state, confidence, confirm, response).

  --config FILE   the hub's configuration (floors, areas, devices, intents, voice)
  --lang LANG     en or de (default: the configuration's language)
  --area AREA_ID  the room the speaker is in ("in here")
  --batch FILE    one {"text": ..., "area": ...} object a line ("-" for standard input);
                  one answer a line, in order; a bad line gets an answer with "error"
  --text          treat the command as typed text rather than voice (no confirmation step)

Exit status: 0 understood (always 0 with --batch), 1 not understood, 2 usage or config errors.
)";

constexpr auto dump_options = nlohmann::json::error_handler_t::replace;

int usage_error(const std::string& message) {
    std::cerr << "hearthctl parse: " << message << "\n" << parse_usage;
    return 2;
}

std::optional<Language> language_from(std::string_view s) {
    if (s == "en") return Language::en;
    if (s == "de") return Language::de;
    return std::nullopt;
}

// Engines by language, built on first use.
class Engines {
public:
    explicit Engines(const Config& config) : config_(config), house_(intent::HouseModel::from_config(config)) {}

    const intent::Engine* get(Language language, std::string& error) {
        auto it = engines_.find(language);
        if (it != engines_.end()) return it->second.get();
        const std::string dir = intent::Grammar::find_data_directory(language);
        if (dir.empty()) {
            error = "cannot find the sentence templates (data/intents/" + std::string(to_string(language)) +
                    "); set HEARTH_INTENTS_DIR to the directory holding en/ and de/";
            return nullptr;
        }
        std::vector<intent::GrammarError> errors;
        auto grammar = intent::Grammar::load(dir, language, config_.intents, config_.path, errors);
        if (!grammar) {
            error.clear();
            for (const auto& e : errors) error += (error.empty() ? "" : "\n") + e.format();
            if (error.empty()) error = "cannot load the sentence templates from " + dir;
            return nullptr;
        }
        auto engine = std::make_unique<intent::Engine>(grammar, house_, intent::SafetyPolicy{config_.voice});
        return engines_.emplace(language, std::move(engine)).first->second.get();
    }

private:
    const Config& config_;
    intent::HouseModel house_;
    std::map<Language, std::unique_ptr<intent::Engine>> engines_;
};

std::string unknown_area_message(const Config& config, const std::string& area) {
    std::string message = "unknown area '" + area + "'";
    if (config.areas.empty()) return message + " (the configuration defines no areas)";
    message += "; the areas are:";
    for (std::size_t i = 0; i < config.areas.size() && i < 20; ++i) message += (i ? ", " : " ") + config.areas[i].id;
    if (config.areas.size() > 20) message += ", ...";
    return message;
}

nlohmann::json error_answer(const nlohmann::json& text, const std::string& error) {
    return nlohmann::json{{"text", text},      {"intent", nullptr},  {"targets", nlohmann::json::array()},
                          {"value", nullptr},  {"state", nullptr},   {"confidence", 0},
                          {"confirm", false},  {"response", ""},     {"error", error}};
}

}  // namespace

int run_parse(int argc, char** argv, int command_at) {
    std::string config_path, area, batch;
    std::optional<Language> language;
    intent::Source source = intent::Source::voice;
    std::vector<std::string> words;
    bool only_words = false;
    for (int i = 1; i < argc; ++i) {
        if (i == command_at) continue;
        const std::string_view arg = argv[i];
        auto value = [&](std::string_view name) -> std::optional<std::string> {
            if (i + 1 >= argc) return std::nullopt;
            (void)name;
            return std::string(argv[++i]);
        };
        if (only_words || arg.empty() || arg[0] != '-' || arg == "-") {
            words.emplace_back(arg);
        } else if (arg == "--") {
            only_words = true;
        } else if (arg == "--help" || arg == "-h") {
            std::cout << parse_usage;
            return 0;
        } else if (arg == "--config") {
            auto v = value(arg);
            if (!v) return usage_error("--config needs a file");
            config_path = *v;
        } else if (arg == "--lang") {
            auto v = value(arg);
            if (!v) return usage_error("--lang needs en or de");
            language = language_from(*v);
            if (!language) return usage_error("unknown language '" + *v + "': expected en or de");
        } else if (arg == "--area") {
            auto v = value(arg);
            if (!v) return usage_error("--area needs an area id");
            area = *v;
        } else if (arg == "--batch") {
            auto v = value(arg);
            if (!v) return usage_error("--batch needs a file");
            batch = *v;
        } else if (arg == "--text") {
            source = intent::Source::text;
        } else if (arg == "--socket" || arg == "--timeout") {
            if (!value(arg)) return usage_error(std::string(arg) + " needs a value");  // hearthctl options parse ignores
        } else if (arg == "--json") {
        } else {
            return usage_error("unknown option '" + std::string(arg) + "'");
        }
    }
    if (config_path.empty()) return usage_error("--config FILE is required (the house to understand commands for)");
    if (batch.empty() && words.empty()) return usage_error("give the command's words, or --batch FILE");
    if (!batch.empty() && !words.empty()) return usage_error("give either words or --batch, not both");

    const LoadResult loaded = load_config(config_path);
    for (const auto& d : loaded.diagnostics) std::cerr << d.format() << '\n';
    if (!loaded.ok()) {
        std::cerr << "hearthctl parse: the configuration has errors\n";
        return 2;
    }
    const Config& config = *loaded.config;
    const Language default_language = language.value_or(config.language);
    if (!area.empty() && !config.find_area(area)) {
        std::cerr << "hearthctl parse: " << unknown_area_message(config, area) << '\n';
        return 2;
    }
    Engines engines(config);
    std::string error;
    const intent::Engine* engine = engines.get(default_language, error);
    if (!engine) {
        std::cerr << "hearthctl parse: " << error << '\n';
        return 2;
    }

    if (batch.empty()) {
        std::string text;
        for (const auto& w : words) text += (text.empty() ? "" : " ") + w;
        intent::Answer answer = engine->parse(text, {area, source});
        std::cout << answer.to_json().dump(-1, ' ', false, dump_options) << '\n';
        return answer.understood() ? 0 : 1;
    }

    std::ifstream file;
    std::istream* in = &std::cin;
    if (batch != "-") {
        file.open(batch);
        if (!file) {
            std::cerr << "hearthctl parse: cannot read " << batch << '\n';
            return 2;
        }
        in = &file;
    }
    std::string line;
    std::size_t number = 0;
    while (std::getline(*in, line)) {
        ++number;
        if (!line.empty() && line.back() == '\r') line.pop_back();
        nlohmann::json out;
        const nlohmann::json item = nlohmann::json::parse(line, nullptr, false);
        if (item.is_discarded() || !item.is_object()) {
            out = error_answer(nullptr, "line " + std::to_string(number) + ": expected a JSON object such as {\"text\": \"...\"}");
        } else if (!item.contains("text") || !item["text"].is_string()) {
            out = error_answer(item.contains("text") ? item["text"] : nlohmann::json(nullptr),
                               "line " + std::to_string(number) + ": \"text\" must be a string");
        } else {
            const std::string text = item["text"].get<std::string>();
            std::string line_area = area;
            Language line_language = default_language;
            std::string problem;
            if (item.contains("area") && !item["area"].is_null()) {
                if (!item["area"].is_string())
                    problem = "\"area\" must be a string";
                else
                    line_area = item["area"].get<std::string>();
                if (problem.empty() && !line_area.empty() && !config.find_area(line_area))
                    problem = unknown_area_message(config, line_area);
            }
            if (problem.empty() && item.contains("lang")) {
                const auto l = item["lang"].is_string() ? language_from(item["lang"].get<std::string>()) : std::nullopt;
                if (!l)
                    problem = "\"lang\" must be en or de";
                else
                    line_language = *l;
            }
            const intent::Engine* e = problem.empty() ? engines.get(line_language, problem) : nullptr;
            if (!e) {
                out = error_answer(text, "line " + std::to_string(number) + ": " + problem);
            } else {
                out = e->parse(text, {line_area, source}).to_json();
            }
        }
        std::cout << out.dump(-1, ' ', false, dump_options) << '\n';
    }
    std::cout.flush();
    return 0;
}

}  // namespace hearth::cli
