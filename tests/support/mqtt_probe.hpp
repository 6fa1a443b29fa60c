#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <vector>

struct mosquitto;
struct mosquitto_message;

namespace hearth::test {

struct ProbeMessage {
    std::string topic;
    std::string payload;
    bool retain = false;
};

// An independent MQTT client (libmosquitto with its own thread) that watches what the hub
// publishes, as any other program on the network would.
class MqttProbe {
public:
    explicit MqttProbe(int port, const std::string& subscription = "#");
    ~MqttProbe();
    MqttProbe(const MqttProbe&) = delete;
    MqttProbe& operator=(const MqttProbe&) = delete;

    void publish(const std::string& topic, const std::string& payload, bool retain = false, int qos = 1);
    std::vector<ProbeMessage> messages() const;
    std::vector<std::string> payloads(const std::string& topic) const;
    void clear();
    // Waits until a message on `topic` with `payload` arrives (or has arrived since clear()).
    bool wait_for(const std::string& topic, const std::string& payload, std::chrono::milliseconds timeout);
    bool wait_connected(std::chrono::milliseconds timeout);

private:
    static void on_message(mosquitto*, void*, const ::mosquitto_message*);
    static void on_connect(mosquitto*, void*, int);

    mosquitto* mosq_ = nullptr;
    std::string subscription_;
    mutable std::mutex mutex_;
    std::condition_variable changed_;
    std::vector<ProbeMessage> messages_;
    bool connected_ = false;
};

}  // namespace hearth::test
