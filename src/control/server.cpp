#include "hearth/control.hpp"

#include <asio/local/stream_protocol.hpp>
#include <asio/read_until.hpp>
#include <asio/steady_timer.hpp>
#include <asio/streambuf.hpp>
#include <asio/write.hpp>
#include <spdlog/spdlog.h>

#include <grp.h>
#include <sys/stat.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <list>

namespace hearth {
namespace {

using Local = asio::local::stream_protocol;

// True when something accepts connections at `path` (a live daemon).
bool socket_answers(const std::string& path) {
    const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return false;
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::strncpy(address.sun_path, path.c_str(), sizeof(address.sun_path) - 1);
    const bool answers = ::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0;
    ::close(fd);
    return answers;
}

}  // namespace

class ControlServer::Impl {
public:
    Impl(asio::io_context& io, Handler handler) : io_(io), handler_(std::move(handler)) {}
    ~Impl() { close(); }

    bool open(const ControlSettings& settings, std::string& error) {
        close();
        const std::string& path = settings.socket;
        namespace fs = std::filesystem;
        std::error_code ec;
        const fs::path parent = fs::path(path).parent_path();
        if (!parent.empty() && !fs::exists(parent, ec)) {
            fs::create_directories(parent, ec);
            if (ec) {
                error = "cannot create the directory " + parent.string() + " for the control socket: " + ec.message();
                return false;
            }
        }
        struct stat st {};
        if (::lstat(path.c_str(), &st) == 0) {
            if (!S_ISSOCK(st.st_mode)) {
                error = path + " exists and is not a socket; refusing to replace it";
                return false;
            }
            if (socket_answers(path)) {
                error = "another hearthd is already running (its control socket " + path + " answers)";
                return false;
            }
            ::unlink(path.c_str());  // left behind by a daemon that did not exit cleanly
        }
        acceptor_ = std::make_unique<Local::acceptor>(io_);
        asio::error_code aec;
        acceptor_->open(Local(), aec);
        // The socket must never exist with wider permissions than 0660, not even for a moment.
        const mode_t old_umask = ::umask(0117);
        if (!aec) acceptor_->bind(Local::endpoint(path), aec);
        ::umask(old_umask);
        if (!aec) acceptor_->listen(16, aec);
        if (aec) {
            error = "cannot create the control socket " + path + ": " + aec.message();
            acceptor_.reset();
            return false;
        }
        ::chmod(path.c_str(), 0660);
        if (!settings.group.empty()) {
            if (const group* g = ::getgrnam(settings.group.c_str())) {
                if (::chown(path.c_str(), static_cast<uid_t>(-1), g->gr_gid) != 0)
                    spdlog::warn("control socket: cannot give {} to group {}: {}", path, settings.group,
                                 std::strerror(errno));
            } else {
                spdlog::warn("control socket: group '{}' does not exist; {} keeps the daemon's group", settings.group,
                             path);
            }
        }
        path_ = path;
        accept();
        return true;
    }

    void close() {
        if (acceptor_) {
            asio::error_code ignored;
            acceptor_->close(ignored);
            acceptor_.reset();
            ::unlink(path_.c_str());
        }
        for (auto& session : sessions_) {
            asio::error_code ignored;
            session.socket.close(ignored);
            session.timer.cancel();
        }
    }

    const std::string& path() const { return path_; }

private:
    struct Session {
        explicit Session(asio::io_context& io) : socket(io), timer(io), buffer(max_request_bytes) {}
        Local::socket socket;
        asio::steady_timer timer;
        asio::streambuf buffer;
        std::string reply;
    };
    using SessionIt = std::list<Session>::iterator;

    void accept() {
        auto& session = sessions_.emplace_back(io_);
        auto it = std::prev(sessions_.end());
        acceptor_->async_accept(session.socket, [this, it](const asio::error_code& ec) {
            if (ec) {
                sessions_.erase(it);
                if (ec != asio::error::operation_aborted && acceptor_) {
                    spdlog::warn("control socket: accept failed: {}", ec.message());
                    accept();
                }
                return;
            }
            if (sessions_.size() > max_connections) {
                // Too many open clients: refuse this one rather than grow without bound.
                asio::error_code ignored;
                it->socket.close(ignored);
                sessions_.erase(it);
            } else {
                read_request(it);
            }
            accept();
        });
    }

    void read_request(SessionIt it) {
        // A client that connects and says nothing is dropped after a while.
        it->timer.expires_after(std::chrono::seconds(30));
        it->timer.async_wait([it](const asio::error_code& ec) {
            if (!ec) {
                asio::error_code ignored;
                it->socket.close(ignored);
            }
        });
        asio::async_read_until(it->socket, it->buffer, '\n', [this, it](const asio::error_code& ec, std::size_t n) {
            it->timer.cancel();
            if (ec) {
                if (ec == asio::error::not_found)  // the line outgrew the buffer
                    send_and_close(it, nlohmann::json{{"ok", false}, {"error", "request too long"}});
                else
                    sessions_.erase(it);
                return;
            }
            std::string line(asio::buffers_begin(it->buffer.data()),
                             asio::buffers_begin(it->buffer.data()) + static_cast<std::ptrdiff_t>(n));
            it->buffer.consume(n);
            it->reply = answer(line).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
            asio::async_write(it->socket, asio::buffer(it->reply), [this, it](const asio::error_code& wec, std::size_t) {
                if (wec) {
                    sessions_.erase(it);
                    return;
                }
                read_request(it);
            });
        });
    }

    void send_and_close(SessionIt it, const nlohmann::json& reply) {
        it->reply = reply.dump() + "\n";
        asio::async_write(it->socket, asio::buffer(it->reply),
                          [this, it](const asio::error_code&, std::size_t) { sessions_.erase(it); });
    }

    nlohmann::json answer(const std::string& line) {
        nlohmann::json request;
        try {
            request = nlohmann::json::parse(line);
        } catch (const nlohmann::json::exception&) {
            return {{"ok", false}, {"error", "the request is not valid JSON"}};
        }
        if (!request.is_object() || !request.contains("command") || !request["command"].is_string())
            return {{"ok", false}, {"error", "a request is a JSON object with a \"command\" string"}};
        try {
            return {{"ok", true}, {"result", handler_(request)}};
        } catch (const std::invalid_argument& e) {
            return {{"ok", false}, {"error", e.what()}};
        } catch (const std::exception& e) {
            spdlog::error("control socket: command '{}' failed: {}", request["command"].get<std::string>(), e.what());
            return {{"ok", false}, {"error", std::string("internal error: ") + e.what()}};
        }
    }

    asio::io_context& io_;
    Handler handler_;
    std::unique_ptr<Local::acceptor> acceptor_;
    std::list<Session> sessions_;
    std::string path_;
};

ControlServer::ControlServer(asio::io_context& io, Handler handler)
    : impl_(std::make_unique<Impl>(io, std::move(handler))) {}
ControlServer::~ControlServer() = default;
bool ControlServer::open(const ControlSettings& settings, std::string& error) { return impl_->open(settings, error); }
void ControlServer::close() { impl_->close(); }
const std::string& ControlServer::path() const { return impl_->path(); }

}  // namespace hearth
