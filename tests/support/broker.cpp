#include "support/broker.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <stdexcept>

namespace hearth::test {

int free_port() {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = 0;
    if (::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0) {
        ::close(fd);
        throw std::runtime_error("cannot find a free port");
    }
    socklen_t length = sizeof(address);
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
    ::close(fd);
    return ntohs(address.sin_port);
}

bool port_accepts(int port) {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = htons(static_cast<uint16_t>(port));
    const bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0;
    ::close(fd);
    return ok;
}

Broker::Broker(const std::string& listener_options, const std::string& security_options) : port_(free_port()) {
    // Started as root, mosquitto drops to its own user, which must still reach its log file.
    ::chmod(dir_.path().c_str(), 0755);
    dir_.write("broker.log", "");
    ::chmod(dir_.file("broker.log").c_str(), 0666);
    dir_.write("mosquitto.conf", "listener " + std::to_string(port_) + " 127.0.0.1\n" + listener_options +
                                     (security_options.empty() ? "allow_anonymous true\n" : security_options) +
                                     "persistence false\n"
                                     "set_tcp_nodelay true\n"
                                     // A log file is flushed line by line; a redirected stdout is not.
                                     "log_dest file " + dir_.file("broker.log") + "\n"
                                     "log_type error\nlog_type warning\nlog_type notice\nlog_type information\n");
    start();
}

Broker::~Broker() { kill(); }

void Broker::start() {
    if (process_) return;
    process_ = std::make_unique<Process>(std::vector<std::string>{"/usr/sbin/mosquitto", "-c", dir_.file("mosquitto.conf")},
                                         dir_.file("broker.stdout"));
    if (!eventually([&] { return port_accepts(port_); }, std::chrono::seconds(10)))
        throw std::runtime_error("mosquitto did not start on port " + std::to_string(port_) + ": " + log());
}

void Broker::kill() {
    if (!process_) return;
    process_->signal(SIGKILL);
    process_->wait(std::chrono::seconds(5));
    process_.reset();
}

std::string Broker::log() const { return read_file(dir_.file("broker.log")); }

}  // namespace hearth::test
