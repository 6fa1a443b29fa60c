// hearthctl: the command line for people and scripts.
#include "hearth/config_loader.hpp"
#include "hearth/control.hpp"

#include "cli/parse.hpp"

#include <nlohmann/json.hpp>

#include <chrono>
#include <iostream>
#include <string>
#include <string_view>
#include <vector>

namespace {

constexpr const char* default_socket = "/run/hearth/hearth.sock";

constexpr const char* usage = R"(usage: hearthctl [--socket PATH | --config FILE] [--timeout SECONDS] COMMAND

Commands that work offline (they read the configuration only):
  parse       understand a command: hearthctl parse --config FILE [--area AREA] TEXT...
              (hearthctl parse --help for more)

Commands that talk to the running hearthd (through its control socket):
  status      uptime, broker connection, configuration file and device count, as JSON
  devices     every device with its availability and state (a table; JSON with --json)
  say TEXT    a command for the hub, as if spoken (or typed, with --text): it is understood,
              carried out and answered, and the answer is also published on <prefix>/reply.
              --area AREA names the speaker's room, --lang en|de forces the language.
              An unlock asks first; answer with: hearthctl say yes
  audit       the lock commands the hub has executed or refused, with their source, as JSON

Options:
  --socket PATH      the daemon's control socket (default /run/hearth/hearth.sock)
  --config FILE      take the socket path from FILE's control.socket
  --timeout SECONDS  how long to wait for the daemon (default 5)
  --json             machine-readable output where a command prints a table

Exit status: 0 done, 1 the daemon or the command failed (say: not understood or not done),
2 usage errors.
)";

struct Options {
    std::string socket = default_socket;
    std::string config;
    double timeout_seconds = 5;
    bool json = false;
    bool typed = false;     // say --text
    std::string area;       // say --area
    std::string language;   // say --lang
    std::vector<std::string> words;
};

int fail(const std::string& message, int code = 1) {
    std::cerr << "hearthctl: " << message << '\n';
    return code;
}

// One line a device: id, type, availability, then what its state says, for people to read.
void print_device_table(const nlohmann::json& devices) {
    std::size_t id_width = 2;
    for (const auto& d : devices) id_width = std::max(id_width, d.value("id", std::string()).size());
    for (const auto& d : devices) {
        std::string state;
        for (const auto& [key, value] : d.at("state").items())
            state += (state.empty() ? "" : " ") + key + "=" + (value.is_string() ? value.get<std::string>() : value.dump());
        std::string line = d.value("id", std::string());
        line.resize(id_width + 2, ' ');
        std::string type = d.value("type", std::string());
        type.resize(12, ' ');
        std::string availability = d.value("availability", std::string());
        availability.resize(9, ' ');
        std::cout << line << type << availability << state << '\n';
    }
}

int run_daemon_command(const Options& options, const std::string& command, nlohmann::json request = {}) {
    std::string socket = options.socket;
    if (!options.config.empty()) {
        const hearth::LoadResult result = hearth::load_config(options.config);
        if (!result.ok()) {
            for (const auto& d : result.diagnostics) std::cerr << d.format() << '\n';
            return fail("cannot read the socket path from " + options.config, 2);
        }
        socket = result.config->control.socket;
    }
    std::string error;
    const auto timeout = std::chrono::milliseconds(static_cast<long long>(options.timeout_seconds * 1000));
    if (!request.is_object()) request = nlohmann::json::object();
    request["command"] = command;
    const auto reply = hearth::control_request(socket, request, timeout, error);
    if (!reply) return fail(error);
    if (!reply->value("ok", false)) return fail(reply->value("error", std::string("the daemon refused the request")));
    if (command == "say") {
        // The hub's answer, as published on <prefix>/reply; the spoken sentence goes to stderr
        // for a person, the JSON to stdout for scripts.
        const nlohmann::json& answer = (*reply)["result"];
        std::cout << answer.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << '\n';
        if (!options.json) std::cerr << answer.value("response", std::string()) << '\n';
        return answer.value("ok", false) ? 0 : 1;
    }
    if (command == "devices" && !options.json)
        print_device_table((*reply)["result"]);
    else
        std::cout << (*reply)["result"].dump(2) << '\n';
    return 0;
}

// Index of the command word in argv (skipping the global options and their values), or 0.
int command_position(int argc, char** argv) {
    for (int i = 1; i < argc; ++i) {
        const std::string_view arg = argv[i];
        if (arg == "--socket" || arg == "--config" || arg == "--timeout") {
            ++i;
        } else if (arg.empty() || arg[0] != '-') {
            return i;
        }
    }
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    // parse has options of its own (--lang, --area, --batch); it reads the whole command line.
    if (const int at = command_position(argc, argv); at > 0 && std::string_view(argv[at]) == "parse")
        return hearth::cli::run_parse(argc, argv, at);
    Options options;
    for (int i = 1; i < argc; ++i) {
        const std::string_view arg = argv[i];
        auto value = [&]() -> const char* { return i + 1 < argc ? argv[++i] : nullptr; };
        if (arg == "--help" || arg == "-h") {
            std::cout << usage;
            return 0;
        } else if (arg == "--socket") {
            const char* v = value();
            if (!v) return fail("--socket needs a path", 2);
            options.socket = v;
        } else if (arg == "--config") {
            const char* v = value();
            if (!v) return fail("--config needs a file", 2);
            options.config = v;
        } else if (arg == "--json") {
            options.json = true;
        } else if (arg == "--text" && !options.words.empty()) {
            options.typed = true;
        } else if ((arg == "--area" || arg == "--lang") && !options.words.empty()) {
            const char* v = value();
            if (!v) return fail(std::string(arg) + " needs a value", 2);
            (arg == "--area" ? options.area : options.language) = v;
        } else if (arg == "--timeout") {
            const char* v = value();
            try {
                options.timeout_seconds = v ? std::stod(v) : -1;
            } catch (const std::exception&) {
                options.timeout_seconds = -1;
            }
            if (!(options.timeout_seconds > 0 && options.timeout_seconds <= 3600))
                return fail("--timeout needs a number of seconds", 2);
        } else if (!arg.empty() && arg[0] == '-' && options.words.empty()) {
            return fail("unknown option '" + std::string(arg) + "'\n" + usage, 2);
        } else {
            options.words.emplace_back(arg);
        }
    }
    if (options.words.empty()) {
        std::cerr << usage;
        return 2;
    }
    const std::string& command = options.words[0];
    if (command == "status" || command == "devices" || command == "audit") {
        if (options.words.size() > 1) return fail(command + " takes no arguments", 2);
        return run_daemon_command(options, command);
    }
    if (command == "say") {
        std::string text;
        for (std::size_t i = 1; i < options.words.size(); ++i) text += (i > 1 ? " " : "") + options.words[i];
        if (text.empty()) return fail("say needs the words of a command, e.g. hearthctl say turn on the kitchen light", 2);
        if (!options.language.empty() && options.language != "en" && options.language != "de")
            return fail("--lang must be en or de", 2);
        nlohmann::json request{{"text", text}, {"input", options.typed ? "text" : "voice"}};
        if (!options.area.empty()) request["area"] = options.area;
        if (!options.language.empty()) request["lang"] = options.language;
        return run_daemon_command(options, command, std::move(request));
    }
    return fail("unknown command '" + command + "'\n" + usage, 2);
}
