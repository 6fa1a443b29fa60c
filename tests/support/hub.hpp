#pragma once

#include "support/broker.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"

#include <nlohmann/json.hpp>

#include <map>
#include <memory>
#include <string>

namespace hearth::test {

// A small house for daemon tests: 2 floors, 3 areas, 4 devices.
// `mqtt_options` are extra lines for the mqtt: section, indented by two spaces.
std::string small_house_yaml(int port, const std::string& socket_path, const std::string& prefix = "hearth",
                             const std::string& extra_devices = "", const std::string& mqtt_options = "");

// The real build/hearthd, run against a test broker with a config in its own directory.
class Hub {
public:
    Hub(const Broker& broker, std::string prefix = "hearth", std::map<std::string, std::string> environment = {},
        const std::string& mqtt_options = "");
    ~Hub();

    void start();
    void set_log_level(std::string level) { log_level_ = std::move(level); }
    Process& process() { return *process_; }
    const std::string& config_path() const { return config_path_; }
    const std::string& socket_path() const { return socket_path_; }
    TempDir& dir() { return dir_; }
    void write_config(const std::string& yaml);

    // The daemon's answer to a control request; throws when it cannot be reached.
    nlohmann::json request(const nlohmann::json& request) const;
    nlohmann::json status() const { return request({{"command", "status"}}).at("result"); }
    bool wait_socket(std::chrono::milliseconds timeout) const;
    std::string output() const { return process_ ? process_->output() : std::string(); }

private:
    TempDir dir_;
    int port_;
    std::string prefix_;
    std::string config_path_;
    std::string socket_path_;
    std::map<std::string, std::string> environment_;
    std::unique_ptr<Process> process_;
    std::string log_level_ = "debug";
};

}  // namespace hearth::test
