// The hub's one connection to its MQTT broker, driven by the hub's own asio::io_context.
//
// libmosquitto runs without its library thread: the client watches mosquitto's socket with
// Asio and calls mosquitto_loop_read/write/misc itself, so every callback runs on the event
// loop and no state is shared between threads. libmosquitto does not reconnect in this mode;
// this class does, with a capped back-off, and restores every subscription after each
// reconnect. Commands are never queued while disconnected: publish() reports the failure, so
// a lock command can never be delivered minutes late.
#pragma once

#include "hearth/config.hpp"

#include <asio/io_context.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace hearth {

struct MqttMessage {
    std::string topic;
    std::string payload;
    int qos = 0;
    bool retain = false;  // set only when the broker replays a stored message to a new subscriber
};

struct MqttWill {
    std::string topic;
    std::string payload;
    int qos = 1;
    bool retain = true;
};

struct PublishOptions {
    int qos = 0;
    bool retain = false;
    // MQTT 5 message expiry: the broker drops the message if it cannot deliver it in time.
    // Ignored on MQTT 3.1.1 connections, which have no such property.
    std::optional<std::uint32_t> expiry_seconds;
};

struct MqttStatus {
    bool connected = false;
    std::string broker;       // host:port
    int protocol_version = 5;
    std::uint64_t connects = 0;          // successful connections since start
    std::uint64_t failed_attempts = 0;   // attempts since the last success
    std::optional<std::chrono::system_clock::time_point> connected_since;
    std::string last_error;   // why the last attempt or connection failed; empty if none
    std::size_t subscriptions = 0;
    std::uint64_t messages_received = 0;
    std::uint64_t messages_sent = 0;
};

class MqttClient {
public:
    using MessageHandler = std::function<void(const MqttMessage&)>;
    using SubscriptionId = std::uint64_t;

    // The longest wait between two connection attempts.
    static constexpr std::chrono::milliseconds max_backoff{5000};

    MqttClient(asio::io_context& io, MqttSettings settings, std::optional<MqttWill> will);
    ~MqttClient();
    MqttClient(const MqttClient&) = delete;
    MqttClient& operator=(const MqttClient&) = delete;

    // Starts connecting; a broker that is down is retried until stop().
    void start();

    // Publishes `final_message` (if any) and disconnects cleanly (so the broker does not send the
    // Last Will), then calls `done`, at the latest after `timeout`.
    void stop(std::optional<MqttMessage> final_message, std::chrono::milliseconds timeout,
              std::function<void()> done);

    // Replaces the settings; reconnects only when they differ from the current ones.
    void reconfigure(MqttSettings settings, std::optional<MqttWill> will);

    // Called on the event loop after each successful (re)connect, once subscriptions are re-sent.
    void on_connected(std::function<void()> handler);
    // Called when an established connection is lost.
    void on_disconnected(std::function<void(const std::string& reason)> handler);

    // Remembered across reconnects. Handlers run on the event loop for every matching message.
    SubscriptionId subscribe(std::string filter, int qos, MessageHandler handler);
    void unsubscribe(SubscriptionId id);

    // False, with `error` set, when the message could not be handed to the broker now.
    bool publish(const std::string& topic, const std::string& payload, const PublishOptions& options,
                 std::string* error = nullptr);

    bool connected() const;
    MqttStatus status() const;
    const MqttSettings& settings() const;

private:
    class Impl;
    std::unique_ptr<Impl> impl_;
};

// Subscriptions that belong together (one adapter's topics) and end together: cleared, or
// destroyed, the group unsubscribes every one of them. The client must outlive the group.
class SubscriptionGroup {
public:
    SubscriptionGroup() = default;
    ~SubscriptionGroup() { clear(); }
    SubscriptionGroup(const SubscriptionGroup&) = delete;
    SubscriptionGroup& operator=(const SubscriptionGroup&) = delete;

    void add(MqttClient& mqtt, std::string filter, int qos, MqttClient::MessageHandler handler) {
        mqtt_ = &mqtt;
        ids_.push_back(mqtt.subscribe(std::move(filter), qos, std::move(handler)));
    }
    void clear() {
        if (mqtt_)
            for (auto id : ids_) mqtt_->unsubscribe(id);
        ids_.clear();
    }

private:
    MqttClient* mqtt_ = nullptr;
    std::vector<MqttClient::SubscriptionId> ids_;
};

}  // namespace hearth
