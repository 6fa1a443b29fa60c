// The control socket: a local Unix stream socket through which hearthctl talks to the running
// daemon. Each request is one JSON object on one line; each answer is one JSON object on one
// line: {"ok": true, "result": ...} or {"ok": false, "error": "..."}. A connection may carry
// several requests in turn. Access is the socket file's permissions (mode 0660).
#pragma once

#include "hearth/config.hpp"

#include <asio/io_context.hpp>
#include <nlohmann/json.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>

namespace hearth {

class ControlServer {
public:
    // Answers a request's "command"; throws std::invalid_argument for a bad request.
    using Handler = std::function<nlohmann::json(const nlohmann::json& request)>;

    static constexpr std::size_t max_request_bytes = 1 << 20;
    static constexpr std::size_t max_connections = 32;

    ControlServer(asio::io_context& io, Handler handler);
    ~ControlServer();
    ControlServer(const ControlServer&) = delete;
    ControlServer& operator=(const ControlServer&) = delete;

    // Creates the socket (and its directory if missing). A leftover socket from a crashed
    // daemon is replaced; one that still answers means another daemon runs, and is an error.
    bool open(const ControlSettings& settings, std::string& error);
    void close();
    const std::string& path() const;

private:
    class Impl;
    std::unique_ptr<Impl> impl_;
};

// Sends one request to the daemon at `socket_path` and waits for its answer (blocking; for the
// command line). Returns nothing and sets `error` when the daemon cannot be reached.
std::optional<nlohmann::json> control_request(const std::string& socket_path, const nlohmann::json& request,
                                              std::chrono::milliseconds timeout, std::string& error);

}  // namespace hearth
