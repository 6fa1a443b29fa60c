#include "daemon/command_topics.hpp"

#include "core/log.hpp"
#include "core/text.hpp"

namespace hearth {
namespace {

using nlohmann::json;

log::RateLimiter& limiter() {
    static log::RateLimiter instance;
    return instance;
}

std::string field(const json& j, const char* key) {
    auto it = j.find(key);
    return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

std::optional<Language> language_of(const json& j) {
    const std::string lang = field(j, "lang");
    if (lang.rfind("de", 0) == 0) return Language::de;
    if (lang.rfind("en", 0) == 0) return Language::en;
    return std::nullopt;
}

}  // namespace

CommandTopics::CommandTopics(MqttClient& mqtt, Assistant& assistant) : mqtt_(mqtt), assistant_(assistant) {}

void CommandTopics::configure(const Config& config) {
    subscriptions_.clear();
    prefix_ = config.mqtt.prefix;
    areas_.clear();
    for (const Area& a : config.areas) areas_.insert(a.id);
    subscriptions_.add(mqtt_, prefix_ + "/command", 1, [this](const MqttMessage& m) { on_command(m); });
    subscriptions_.add(mqtt_, "hermes/nlu/query", 1, [this](const MqttMessage& m) { on_hermes(m, false); });
    subscriptions_.add(mqtt_, "hermes/asr/textCaptured", 1, [this](const MqttMessage& m) { on_hermes(m, true); });
}

void CommandTopics::publish_reply(const json& reply) {
    std::string error;
    if (!mqtt_.publish(prefix_ + "/reply", reply.dump(), {1, false, std::nullopt}, &error))
        log::limited(limiter(), spdlog::level::warn, "reply", "cannot publish {}/reply: {}", prefix_, error);
}

void CommandTopics::on_command(const MqttMessage& m) {
    // A retained command is the broker replaying the past: acting on it now could unlock a door
    // hours after somebody asked. It is refused, and said so.
    auto refuse = [&](const std::string& why, const json& request) {
        json reply{{"text", field(request, "text")}, {"intent", nullptr}, {"targets", json::array()},
                   {"value", nullptr}, {"state", nullptr}, {"confidence", 0}, {"confirm", false},
                   {"response", ""}, {"ok", false}, {"error", why}};
        if (request.contains("id")) reply["id"] = request["id"];
        publish_reply(reply);
    };
    const json request = json::parse(m.payload, nullptr, false);
    if (m.retain) {
        log::limited(limiter(), spdlog::level::warn, "retained-command",
                     "ignored a retained message on {}: commands are never replayed", m.topic);
        refuse("a retained command is never executed; publish commands without retain", request.is_object() ? request : json::object());
        return;
    }
    if (request.is_discarded() || !request.is_object()) {
        refuse("expected a JSON object like {\"text\": \"turn on the kitchen light\"}", json::object());
        return;
    }
    const auto text = request.find("text");
    if (text == request.end() || !text->is_string() || text->get_ref<const std::string&>().empty()) {
        refuse("\"text\" is missing or not a string", request);
        return;
    }
    if (text->get_ref<const std::string&>().size() > max_text_bytes || text::first_invalid_utf8(text->get_ref<const std::string&>())) {
        refuse("\"text\" is too long or not UTF-8", request);
        return;
    }
    CommandRequest r;
    r.text = text->get<std::string>();
    r.area = field(request, "area");
    // Who is asking: a confirmation must come from the same source. Commands on this topic are
    // treated as spoken unless they say they were typed: the safe assumption for a lock.
    r.source_id = field(request, "source");
    if (r.source_id.empty()) r.source_id = field(request, "site");
    if (r.source_id.empty()) r.source_id = "mqtt:" + prefix_ + "/command";
    r.source = field(request, "input") == "text" ? intent::Source::text : intent::Source::voice;
    r.language = language_of(request);
    json reply = assistant_.handle(r);
    if (request.contains("id")) reply["id"] = request["id"];
    publish_reply(reply);
}

void CommandTopics::on_hermes(const MqttMessage& m, bool act) {
    if (m.retain) return;  // never a live utterance
    const json request = json::parse(m.payload, nullptr, false);
    if (request.is_discarded() || !request.is_object()) {
        log::limited(limiter(), spdlog::level::warn, "hermes-garbage", "ignored {}: not a JSON object", m.topic);
        return;
    }
    CommandRequest r;
    r.text = field(request, act ? "text" : "input");
    if (r.text.empty() || r.text.size() > max_text_bytes || text::first_invalid_utf8(r.text)) return;
    const std::string site = field(request, "siteId");
    r.source_id = "hermes:" + (site.empty() ? std::string("default") : site);
    r.area = areas_.count(site) ? site : "";
    r.source = intent::Source::voice;
    r.language = language_of(request);
    // hermes/nlu/query asks for the NLU's role only: say what was understood, and leave acting
    // to whoever handles hermes/intent. A captured sentence is the whole loop: act and answer.
    r.understand_only = !act;
    json answer = assistant_.handle(r);
    publish_hermes_result(request, answer);
    if (act && answer.contains("response") && answer["response"].is_string() &&
        !answer["response"].get_ref<const std::string&>().empty()) {
        json say{{"text", answer["response"]},
                 {"siteId", site.empty() ? "default" : site},
                 {"lang", answer.value("language", "en")},
                 {"id", "hearth-" + std::to_string(++say_counter_)}};
        if (request.contains("sessionId")) say["sessionId"] = request["sessionId"];
        mqtt_.publish("hermes/tts/say", say.dump(), {1, false, std::nullopt});
    }
}

void CommandTopics::publish_hermes_result(const json& request, const json& answer) {
    const json session = request.value("sessionId", json(nullptr));
    const json site = request.value("siteId", json("default"));
    const std::string input = field(request, "input").empty() ? field(request, "text") : field(request, "input");
    if (!answer.contains("intent") || answer["intent"].is_null()) {
        json j{{"input", input}, {"siteId", site}, {"sessionId", session}, {"id", request.value("id", json(nullptr))},
               {"customData", nullptr}};
        mqtt_.publish("hermes/nlu/intentNotRecognized", j.dump(), {1, false, std::nullopt});
        return;
    }
    const std::string name = answer["intent"].get<std::string>();
    json slots = json::array();
    auto slot = [&](const std::string& slot_name, const json& value) {
        const std::string raw = value.is_string() ? value.get<std::string>() : value.dump();
        slots.push_back({{"entity", slot_name},
                         {"slotName", slot_name},
                         {"rawValue", raw},
                         {"value", {{"kind", value.is_number() ? "Number" : "Custom"}, {"value", value}}},
                         {"confidence", 1.0}});
    };
    for (const json& t : answer.value("targets", json::array())) slot("target", t);
    if (answer.contains("area")) slot("area", answer["area"]);
    if (answer.contains("value") && !answer["value"].is_null()) slot("value", answer["value"]);
    if (answer.contains("state") && !answer["state"].is_null()) slot("state", answer["state"]);
    json j{{"input", input},
           {"intent", {{"intentName", name}, {"confidenceScore", answer.value("confidence", 0.0)}}},
           {"slots", slots},
           {"siteId", site},
           {"sessionId", session},
           {"id", request.value("id", json(nullptr))},
           {"customData", nullptr},
           {"asrTokens", json::array()},
           {"rawInput", input}};
    mqtt_.publish("hermes/intent/" + name, j.dump(), {1, false, std::nullopt});
}

}  // namespace hearth
