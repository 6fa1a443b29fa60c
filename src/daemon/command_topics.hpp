// Sentences arriving over MQTT: the hub's own <prefix>/command -> <prefix>/reply (CONTRACT.md),
// and the Hermes topics Rhasspy satellites speak (docs/commands.md).
#pragma once

#include "daemon/assistant.hpp"
#include "hearth/config.hpp"
#include "hearth/mqtt_client.hpp"

#include <nlohmann/json.hpp>

#include <set>
#include <string>

namespace hearth {

class CommandTopics {
public:
    CommandTopics(MqttClient& mqtt, Assistant& assistant);

    void configure(const Config& config);

    // Publishes an answer on <prefix>/reply (hearthctl say shows it there too).
    void publish_reply(const nlohmann::json& reply);

    // Largest sentence taken; longer ones are refused (nobody speaks 2 KB at once).
    static constexpr std::size_t max_text_bytes = 2048;

private:
    void on_command(const MqttMessage& message);
    void on_hermes(const MqttMessage& message, bool act);
    void publish_hermes_result(const nlohmann::json& request, const nlohmann::json& answer);

    MqttClient& mqtt_;
    Assistant& assistant_;
    SubscriptionGroup subscriptions_;
    std::string prefix_;
    std::set<std::string> areas_;  // a satellite named after its room speaks from that room
    std::uint64_t say_counter_ = 0;
};

}  // namespace hearth
