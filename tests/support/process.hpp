#pragma once

#include <sys/types.h>

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace hearth::test {

// A child process started with posix_spawn; its standard output and error go to files.
// Killed with SIGKILL on destruction if still running.
class Process {
public:
    Process(std::vector<std::string> argv, std::string output_file,
            std::map<std::string, std::string> extra_environment = {});
    ~Process();
    Process(const Process&) = delete;
    Process& operator=(const Process&) = delete;

    pid_t pid() const { return pid_; }
    void signal(int signal_number) const;
    // The exit status (or 128 + signal) once the process ends, or nothing after `timeout`.
    std::optional<int> wait(std::chrono::milliseconds timeout);
    bool running();
    std::string output() const;  // what it wrote so far (stdout and stderr together)

private:
    pid_t pid_ = -1;
    std::optional<int> status_;
    std::string output_file_;
};

// Runs a command to completion; returns {exit status, combined output}.
struct RunResult {
    int status = -1;
    std::string output;
};
RunResult run(std::vector<std::string> argv, std::chrono::milliseconds timeout = std::chrono::seconds(30));

std::string build_path(const std::string& name);   // build/<name>
std::string source_path(const std::string& name);  // <repo>/<name>

// Polls `condition` every 10 ms until it holds or `timeout` passes.
template <typename Condition>
bool eventually(Condition condition, std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!condition()) {
        if (std::chrono::steady_clock::now() >= deadline) return false;
        struct timespec ts{0, 10'000'000};
        nanosleep(&ts, nullptr);
    }
    return true;
}

}  // namespace hearth::test
