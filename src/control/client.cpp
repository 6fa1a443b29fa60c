#include "hearth/control.hpp"

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace hearth {
namespace {

struct Fd {
    int fd = -1;
    ~Fd() {
        if (fd >= 0) ::close(fd);
    }
};

bool wait_for(int fd, short events, std::chrono::steady_clock::time_point deadline) {
    for (;;) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) return false;
        pollfd p{fd, events, 0};
        const int rc = ::poll(&p, 1, static_cast<int>(left.count()));
        if (rc > 0) return true;
        if (rc < 0 && errno != EINTR) return false;
    }
}

}  // namespace

std::optional<nlohmann::json> control_request(const std::string& socket_path, const nlohmann::json& request,
                                              std::chrono::milliseconds timeout, std::string& error) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    Fd sock{::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)};
    if (sock.fd < 0) {
        error = std::string("cannot create a socket: ") + std::strerror(errno);
        return std::nullopt;
    }
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    if (socket_path.size() >= sizeof(address.sun_path)) {
        error = "socket path too long: " + socket_path;
        return std::nullopt;
    }
    std::strncpy(address.sun_path, socket_path.c_str(), sizeof(address.sun_path) - 1);
    if (::connect(sock.fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0) {
        const int err = errno;
        error = "cannot reach hearthd at " + socket_path + ": " + std::strerror(err);
        if (err == ENOENT || err == ECONNREFUSED) error += " (is hearthd running?)";
        if (err == EACCES) error += " (are you in the socket's group?)";
        return std::nullopt;
    }
    const std::string line = request.dump() + "\n";
    std::size_t sent = 0;
    while (sent < line.size()) {
        if (!wait_for(sock.fd, POLLOUT, deadline)) {
            error = "timed out sending the request";
            return std::nullopt;
        }
        const ssize_t n = ::send(sock.fd, line.data() + sent, line.size() - sent, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            error = std::string("cannot send the request: ") + std::strerror(errno);
            return std::nullopt;
        }
        sent += static_cast<std::size_t>(n);
    }
    std::string reply;
    char buffer[65536];
    while (reply.find('\n') == std::string::npos) {
        if (!wait_for(sock.fd, POLLIN, deadline)) {
            error = "hearthd did not answer in time";
            return std::nullopt;
        }
        const ssize_t n = ::recv(sock.fd, buffer, sizeof(buffer), 0);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            error = "hearthd closed the connection without an answer";
            return std::nullopt;
        }
        reply.append(buffer, static_cast<std::size_t>(n));
    }
    try {
        return nlohmann::json::parse(reply.substr(0, reply.find('\n')));
    } catch (const nlohmann::json::exception&) {
        error = "hearthd sent an answer that is not JSON";
        return std::nullopt;
    }
}

}  // namespace hearth
