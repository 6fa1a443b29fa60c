#include "daemon/assistant.hpp"

#include "core/log.hpp"
#include "core/time.hpp"

#include <malloc.h>

#include <algorithm>
#include <array>
#include <cmath>

namespace hearth {
namespace {

using nlohmann::json;
using intent::Intent;
using Kind = DeviceCommand::Kind;

constexpr std::size_t audit_capacity = 200;
constexpr int max_pin_attempts = 3;

// The few sentences of the dialogue itself; everything about devices comes from the grammar.
struct Phrases {
    const char* cancelled;
    const char* expired;
    const char* wrong_pin;
    const char* too_many_pins;
    const char* not_reached;  // followed by the devices and why
    const char* unavailable;
    const char* retry_pin;
};

const Phrases& phrases(Language language) {
    static const Phrases en{"Okay, I won't do it.",
                            "That question has expired; nothing was done.",
                            "That PIN is wrong; nothing was done.",
                            "That PIN was wrong too often; nothing was done.",
                            "I could not reach",
                            "I can't understand commands right now.",
                            "That PIN is wrong. Please say it again."};
    static const Phrases de{"Okay, ich mache es nicht.",
                            "Die Frage ist abgelaufen; es wurde nichts ausgeführt.",
                            "Die PIN ist falsch; es wurde nichts ausgeführt.",
                            "Die PIN war zu oft falsch; es wurde nichts ausgeführt.",
                            "Nicht erreicht:",
                            "Ich kann gerade keine Befehle verstehen.",
                            "Die PIN ist falsch. Bitte sag sie noch einmal."};
    return language == Language::de ? de : en;
}

// Colour names the grammar yields, as the light should show them.
std::optional<Rgb> colour(const std::string& name) {
    static constexpr std::array<std::pair<std::string_view, Rgb>, 16> table{{
        {"red", {255, 0, 0}},       {"green", {0, 255, 0}},       {"blue", {0, 0, 255}},
        {"yellow", {255, 200, 0}},  {"orange", {255, 120, 0}},    {"purple", {140, 0, 255}},
        {"pink", {255, 90, 160}},   {"white", {255, 255, 255}},   {"cyan", {0, 255, 255}},
        {"magenta", {255, 0, 255}}, {"violet", {170, 60, 255}},   {"turquoise", {64, 224, 208}},
        {"warm white", {255, 190, 120}}, {"cold white", {200, 220, 255}}, {"gold", {255, 180, 40}},
        {"brown", {150, 75, 20}},
    }};
    for (const auto& [n, rgb] : table)
        if (n == name) return rgb;
    return std::nullopt;
}

// What one target receives for an understood command; nothing for questions.
std::optional<DeviceCommand> command_for(const intent::Answer& a, DeviceType type, std::string& error) {
    switch (*a.intent) {
        case Intent::TurnOn:
        case Intent::TurnOff: {
            const bool on = *a.intent == Intent::TurnOn;
            if (type == DeviceType::thermostat) {
                DeviceCommand c(Kind::set_mode);
                c.mode = on ? ThermostatMode::heat : ThermostatMode::off;
                return c;
            }
            return DeviceCommand(on ? Kind::turn_on : Kind::turn_off);
        }
        case Intent::SetBrightness: {
            if (!a.number) break;
            DeviceCommand c(Kind::set_brightness);
            c.brightness = static_cast<int>(std::lround(std::clamp(*a.number, 0.0, 100.0)));
            return c;
        }
        case Intent::SetColor: {
            auto rgb = colour(a.color);
            if (!rgb) {
                error = "no colour called '" + a.color + "'";
                return std::nullopt;
            }
            DeviceCommand c(Kind::set_color);
            c.color = rgb;
            return c;
        }
        case Intent::SetTemperature: {
            if (!a.number) break;
            DeviceCommand c(Kind::set_temperature);
            c.temperature = *a.number;
            return c;
        }
        case Intent::Lock: return DeviceCommand(Kind::lock);
        case Intent::Unlock: return DeviceCommand(Kind::unlock);
        case Intent::GetState:
        case Intent::GetTemperature: return std::nullopt;
    }
    error = "the command has no value";
    return std::nullopt;
}

intent::HouseModel house_of(const Config& effective) { return intent::HouseModel::from_config(effective); }

}  // namespace

Assistant::Assistant(DeviceRegistry& registry) : registry_(registry) {}
Assistant::~Assistant() = default;

void Assistant::configure(const Config& config, const Config& effective) {
    primary_ = config.language;
    policy_.voice = config.voice;
    pending_.clear();  // questions asked under the old settings are not answered under the new
    // The templates depend on the configuration only through its own sentences: a reload that
    // leaves those alone keeps the compiled grammars and only rebinds them to the house.
    if (grammars_loaded_ && config.intents == loaded_intents_ && config.path == loaded_path_ &&
        config.language == loaded_language_) {
        rebind(effective);
        return;
    }
    grammars_.clear();
    engines_.clear();
    unavailable_reason_.clear();
    grammars_loaded_ = true;
    loaded_intents_ = config.intents;
    loaded_path_ = config.path;
    loaded_language_ = config.language;
    for (Language language : {Language::en, Language::de}) {
        const std::string directory = intent::Grammar::find_data_directory(language);
        if (directory.empty()) {
            if (language == primary_)
                unavailable_reason_ = "the sentence templates were not found: install data/intents (cmake --install) or "
                                      "set HEARTH_INTENTS_DIR to the directory holding en/ and de/";
            continue;
        }
        std::vector<intent::GrammarError> errors;
        auto grammar = intent::Grammar::load(directory, language, config.intents, config.path, errors);
        for (const auto& e : errors) spdlog::error("{}", e.format());
        if (!grammar) {
            if (language == primary_)
                unavailable_reason_ = "the sentence templates have errors; the log names each file and line to fix";
            continue;
        }
        grammars_[language] = std::move(grammar);
    }
    rebind(effective);
    if (!unavailable_reason_.empty()) spdlog::error("commands cannot be understood: {}", unavailable_reason_);
    // Compiling the templates builds large temporary structures; give their pages back rather
    // than keep them in the hub's resident set for its whole life.
    ::malloc_trim(0);
}

void Assistant::rebind(const Config& effective) {
    engines_.clear();
    const intent::HouseModel house = house_of(effective);
    for (const auto& [language, grammar] : grammars_)
        engines_[language] = std::make_unique<intent::Engine>(grammar, house, policy_);
}

const intent::Engine* Assistant::engine(Language language) const {
    auto it = engines_.find(language);
    return it == engines_.end() ? nullptr : it->second.get();
}

std::optional<intent::LiveState> Assistant::live_state(std::string_view device_id) const {
    const DeviceRecord* r = registry_.find(std::string(device_id));
    if (!r) return std::nullopt;
    intent::LiveState s;
    s.available = r->availability != Availability::offline;
    s.on = r->state.on;
    s.brightness = r->state.brightness;
    if (r->state.lock) {
        if (*r->state.lock == LockState::locked) s.locked = true;
        else if (*r->state.lock == LockState::unlocked) s.locked = false;
    }
    s.temperature = r->state.temperature;
    s.target = r->state.target_temperature;
    return s;
}

json Assistant::answer_json(const intent::Answer& answer, const intent::Engine& engine, bool ok,
                            const std::string& error, const std::string& response) const {
    json j = answer.to_json();
    j["ok"] = ok;
    if (!error.empty()) j["error"] = error;
    j["response"] = response;
    j["language"] = std::string(to_string(engine.language()));
    return j;
}

json Assistant::handle(const CommandRequest& request, Clock::time_point now) {
    ++handled_;
    // The language: forced, else the configured one, else whichever understands the sentence.
    std::vector<Language> order;
    if (request.language) order.push_back(*request.language);
    else order = {primary_, primary_ == Language::en ? Language::de : Language::en};
    const intent::Engine* first = nullptr;
    for (Language l : order)
        if ((first = engine(l))) break;
    if (!first) {
        ++refused_;
        const Language l = request.language.value_or(primary_);
        return json{{"text", request.text}, {"intent", nullptr}, {"targets", json::array()}, {"value", nullptr},
                    {"state", nullptr}, {"confidence", 0}, {"confirm", false},
                    {"response", phrases(l).unavailable}, {"ok", false},
                    {"error", unavailable_reason_.empty() ? "no grammar is loaded" : unavailable_reason_}};
    }

    // A question is waiting for this source: the sentence may be its answer.
    if (auto p = request.understand_only ? pending_.end() : pending_.find(request.source_id); p != pending_.end()) {
        const Language l = p->second.answer.language;
        const intent::Engine* replies = engine(l) ? engine(l) : first;
        const intent::Reply reply = replies->classify_reply(request.text);
        if (now > p->second.deadline) {
            pending_.erase(p);
            if (reply.kind != intent::ReplyKind::other) {
                ++refused_;
                intent::Answer none;
                none.text = request.text;
                none.language = l;
                const intent::Engine* e = engine(l) ? engine(l) : first;
                return answer_json(none, *e, false, "the question expired; nothing was done", phrases(l).expired);
            }
        } else if (reply.kind != intent::ReplyKind::other) {
            return reply_to_question(p->second, reply, request);
        } else {
            pending_.erase(p);  // a new command instead of an answer: the question lapses
        }
    }

    intent::ParseContext context;
    context.source = request.source;
    context.area = first->has_area(request.area) ? request.area : "";
    intent::Answer answer;
    const intent::Engine* used = nullptr;
    for (Language l : order) {
        const intent::Engine* e = engine(l);
        if (!e) continue;
        intent::Answer a = e->parse(request.text, context);
        if (!used || a.understood()) {
            answer = std::move(a);
            used = e;
        }
        if (answer.understood()) break;
    }
    if (!answer.understood()) {
        ++refused_;
        return answer_json(answer, *used, false, answer.error.empty() ? "not understood" : answer.error,
                           answer.response);
    }
    ++understood_;
    if (!request.area.empty() && !used->has_area(request.area)) {
        // Reported, not fatal: the sentence may name its place itself.
        spdlog::warn("command from {}: unknown area '{}' ignored", request.source_id, request.area);
    }

    if (!intent::acts(*answer.intent) || request.understand_only) {
        const std::string response = used->respond(answer, [this](std::string_view id) { return live_state(id); });
        return answer_json(answer, *used, !answer.targets.empty(), answer.targets.empty() ? "no such device" : "",
                           response);
    }
    if (answer.targets.empty()) {
        ++refused_;
        return answer_json(answer, *used, false, "no such device", used->respond(answer));
    }
    if (!answer.error.empty()) {
        // Understood but doubtful (a set point no thermostat takes): said, never acted on.
        ++refused_;
        return answer_json(answer, *used, false, answer.error, used->respond(answer));
    }

    switch (answer.safety) {
        case intent::Safety::none: return execute(answer, *used, request, false);
        case intent::Safety::forbidden: {
            ++refused_;
            record_refusal(answer, request, "forbidden by voice.unlock or voice.sensitive");
            spdlog::warn("refused {} by {} from {}: forbidden by the configuration", to_string(*answer.intent),
                         request.source == intent::Source::voice ? "voice" : "text", request.source_id);
            return answer_json(answer, *used, false, "forbidden by the configuration (voice)",
                               used->confirmation_question(answer));
        }
        case intent::Safety::confirm:
        case intent::Safety::pin: {
            if (answer.safety == intent::Safety::pin && policy_.voice.pin.empty()) {
                ++refused_;
                return answer_json(answer, *used, false, "a PIN is required but none is configured",
                                   used->confirmation_question(answer));
            }
            Pending pending;
            pending.answer = answer;
            pending.text = request.text;
            pending.deadline = now + std::chrono::seconds(policy_.voice.confirm_seconds);
            pending_[request.source_id] = std::move(pending);
            json j = answer_json(answer, *used, true, "", used->confirmation_question(answer));
            j["awaiting"] = answer.safety == intent::Safety::pin ? "pin" : "confirmation";
            j["expires_in"] = policy_.voice.confirm_seconds;
            return j;
        }
    }
    return answer_json(answer, *used, false, "unreachable", "");
}

json Assistant::reply_to_question(Pending& pending, const intent::Reply& reply, const CommandRequest& request) {
    const intent::Answer answer = pending.answer;
    const Language l = answer.language;
    const intent::Engine* e = engine(l);
    if (!e) {
        pending_.erase(request.source_id);
        return json{{"text", request.text}, {"ok", false}, {"error", "the grammar was unloaded"}};
    }
    intent::Answer echo = answer;
    echo.text = request.text;
    if (reply.kind == intent::ReplyKind::no) {
        pending_.erase(request.source_id);
        ++refused_;
        json j = answer_json(echo, *e, true, "", phrases(l).cancelled);
        j["cancelled"] = true;
        j["confirm"] = false;
        return j;
    }
    const bool needs_pin = answer.safety == intent::Safety::pin;
    if (needs_pin) {
        if (reply.kind != intent::ReplyKind::pin) {
            // A plain "yes" is not a PIN: ask again, without spending an attempt.
            json j = answer_json(echo, *e, true, "", e->confirmation_question(answer));
            j["awaiting"] = "pin";
            return j;
        }
        if (!intent::pin_matches(reply.digits, policy_.voice.pin)) {
            ++pending.pin_attempts;
            spdlog::warn("wrong PIN for {} from {} (attempt {})", to_string(*answer.intent), request.source_id,
                         pending.pin_attempts);
            if (pending.pin_attempts >= max_pin_attempts) {
                pending_.erase(request.source_id);
                ++refused_;
                CommandRequest original = request;
                original.text = pending.text;
                record_refusal(answer, original, "wrong PIN, " + std::to_string(max_pin_attempts) + " times");
                return answer_json(echo, *e, false, "wrong PIN", phrases(l).too_many_pins);
            }
            json j = answer_json(echo, *e, false, "wrong PIN", phrases(l).retry_pin);
            j["awaiting"] = "pin";
            return j;
        }
    } else if (reply.kind != intent::ReplyKind::yes) {
        // Digits when a yes was asked for: not an answer to this question.
        json j = answer_json(echo, *e, true, "", e->confirmation_question(answer));
        j["awaiting"] = "confirmation";
        return j;
    }
    CommandRequest original = request;
    original.text = pending.text;  // the audit names the words that asked, not the "yes"
    pending_.erase(request.source_id);  // `pending` is gone from here on
    return execute(answer, *e, original, true);
}

json Assistant::execute(const intent::Answer& answer, const intent::Engine& engine, const CommandRequest& request,
                        bool confirmed) {
    std::vector<std::string> failures;
    std::size_t sent = 0;
    for (const std::string& id : answer.targets) {
        const DeviceRecord* target = registry_.find(id);
        if (!target) {
            failures.push_back(id + ": no longer known");
            continue;
        }
        std::string error;
        auto command = command_for(answer, target->device.type, error);
        bool ok = false;
        if (command) ok = registry_.send(id, *command, error);
        if (ok) ++sent;
        else failures.push_back(target->device.name + ": " + error);

        if (target->device.type == DeviceType::lock) {
            AuditEntry entry = audit_entry(answer, request, id);
            entry.confirmed = confirmed;
            entry.sent = ok;
            entry.error = ok ? "" : error;
            record(entry);
        }
    }
    if (sent > 0) ++executed_;
    const Phrases& p = phrases(answer.language);
    std::string response = engine.respond(answer);
    std::string error;
    if (!failures.empty()) {
        for (std::size_t i = 0; i < failures.size(); ++i) error += (i ? "; " : "") + failures[i];
        const std::string not_reached = std::string(p.not_reached) + " " + error + ".";
        response = sent == 0 ? not_reached : response + " " + not_reached;
    }
    json j = answer_json(answer, engine, failures.empty(), error, response);
    j["confirm"] = false;  // done: nothing is waiting for an answer any more
    if (confirmed) j["confirmed"] = true;
    return j;
}

// Who asked what of which lock; whether it was sent is for the caller to add.
AuditEntry Assistant::audit_entry(const intent::Answer& answer, const CommandRequest& request, const std::string& device) {
    AuditEntry entry;
    entry.at = std::chrono::system_clock::now();
    entry.device = device;
    entry.action = *answer.intent == Intent::Unlock ? "unlock" : "lock";
    entry.source = request.source == intent::Source::voice ? "voice" : "text";
    entry.source_id = request.source_id;
    entry.text = request.text;
    return entry;
}

// A lock command that was asked for and not carried out is as much a part of the audit as one
// that was: "somebody shouted 'unlock the door' through the window and was refused".
void Assistant::record_refusal(const intent::Answer& answer, const CommandRequest& request, const std::string& why) {
    if (!answer.intent || (*answer.intent != Intent::Lock && *answer.intent != Intent::Unlock)) return;
    for (const std::string& id : answer.targets) {
        AuditEntry entry = audit_entry(answer, request, id);
        entry.error = why;
        record(entry);
    }
}

void Assistant::record(const AuditEntry& entry) {
    spdlog::info("audit: {} {} by {} from {}{}: {} (\"{}\")", entry.action, entry.device, entry.source,
                 entry.source_id.empty() ? "unknown" : entry.source_id, entry.confirmed ? ", confirmed" : "",
                 entry.sent ? "sent" : "not sent: " + entry.error, entry.text.substr(0, 200));
    audit_.push_back(entry);
    while (audit_.size() > audit_capacity) audit_.pop_front();
}

json Assistant::audit_json() const {
    json list = json::array();
    for (const AuditEntry& e : audit_)
        list.push_back({{"at", iso8601(e.at)},
                        {"device", e.device},
                        {"action", e.action},
                        {"source", e.source},
                        {"source_id", e.source_id},
                        {"text", e.text},
                        {"confirmed", e.confirmed},
                        {"sent", e.sent},
                        {"error", e.error.empty() ? json(nullptr) : json(e.error)}});
    return list;
}

json Assistant::status() const {
    json languages = json::array();
    for (const auto& [language, grammar] : grammars_) languages.push_back(std::string(to_string(language)));
    return json{{"ready", ready()},
                {"languages", languages},
                {"error", unavailable_reason_.empty() ? json(nullptr) : json(unavailable_reason_)},
                {"handled", handled_},
                {"understood", understood_},
                {"executed", executed_},
                {"refused", refused_},
                {"waiting_for_answer", pending_.size()}};
}

}  // namespace hearth
