#pragma once

#include "support/process.hpp"
#include "support/temp_dir.hpp"

#include <memory>

namespace hearth::test {

// A real mosquitto on a free loopback port. kill() and start() again keep the same port, so a
// hub under test sees its broker die and come back.
class Broker {
public:
    // `listener_options` go under the listener line (certificates, ...); `security_options`
    // replace the default "allow_anonymous true" (password files, ...).
    explicit Broker(const std::string& listener_options = "", const std::string& security_options = "");
    ~Broker();

    int port() const { return port_; }
    void start();  // returns once the port accepts connections
    void kill();   // SIGKILL, as a crash or power cut would
    bool running() const { return process_ != nullptr; }
    std::string log() const;

private:
    TempDir dir_;
    int port_ = 0;
    std::unique_ptr<Process> process_;
};

int free_port();
bool port_accepts(int port);

}  // namespace hearth::test
