#include "support/mqtt_probe.hpp"

#include <mosquitto.h>

#include <algorithm>
#include <stdexcept>

namespace hearth::test {

MqttProbe::MqttProbe(int port, const std::string& subscription) : subscription_(subscription) {
    mosquitto_lib_init();
    mosq_ = mosquitto_new(nullptr, true, this);
    if (!mosq_) throw std::runtime_error("mosquitto_new failed");
    mosquitto_connect_callback_set(mosq_, &MqttProbe::on_connect);
    mosquitto_message_callback_set(mosq_, &MqttProbe::on_message);
    mosquitto_reconnect_delay_set(mosq_, 1, 1, false);
    if (mosquitto_connect(mosq_, "127.0.0.1", port, 30) != MOSQ_ERR_SUCCESS)
        throw std::runtime_error("probe cannot connect to port " + std::to_string(port));
    mosquitto_loop_start(mosq_);
    if (!wait_connected(std::chrono::seconds(5))) throw std::runtime_error("probe did not get a CONNACK");
}

MqttProbe::~MqttProbe() {
    mosquitto_disconnect(mosq_);
    mosquitto_loop_stop(mosq_, true);
    mosquitto_destroy(mosq_);
}

void MqttProbe::on_connect(mosquitto* m, void* self_ptr, int rc) {
    auto* self = static_cast<MqttProbe*>(self_ptr);
    if (rc != 0) return;
    mosquitto_subscribe(m, nullptr, self->subscription_.c_str(), 1);
    std::lock_guard lock(self->mutex_);
    self->connected_ = true;
    self->changed_.notify_all();
}

void MqttProbe::on_message(mosquitto*, void* self_ptr, const mosquitto_message* m) {
    auto* self = static_cast<MqttProbe*>(self_ptr);
    std::lock_guard lock(self->mutex_);
    self->messages_.push_back(ProbeMessage{
        m->topic, std::string(static_cast<const char*>(m->payload), static_cast<std::size_t>(m->payloadlen)), m->retain});
    self->changed_.notify_all();
}

void MqttProbe::publish(const std::string& topic, const std::string& payload, bool retain, int qos) {
    mosquitto_publish(mosq_, nullptr, topic.c_str(), static_cast<int>(payload.size()), payload.data(), qos, retain);
}

std::vector<ProbeMessage> MqttProbe::messages() const {
    std::lock_guard lock(mutex_);
    return messages_;
}

std::vector<std::string> MqttProbe::payloads(const std::string& topic) const {
    std::lock_guard lock(mutex_);
    std::vector<std::string> out;
    for (const auto& m : messages_)
        if (m.topic == topic) out.push_back(m.payload);
    return out;
}

void MqttProbe::clear() {
    std::lock_guard lock(mutex_);
    messages_.clear();
}

bool MqttProbe::wait_for(const std::string& topic, const std::string& payload, std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, timeout, [&] {
        return std::any_of(messages_.begin(), messages_.end(),
                           [&](const ProbeMessage& m) { return m.topic == topic && m.payload == payload; });
    });
}

bool MqttProbe::wait_connected(std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, timeout, [&] { return connected_; });
}

}  // namespace hearth::test
