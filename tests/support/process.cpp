#include "support/process.hpp"

#include "support/temp_dir.hpp"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <stdexcept>
#include <thread>

extern char** environ;

namespace hearth::test {

Process::Process(std::vector<std::string> argv, std::string output_file,
                 std::map<std::string, std::string> extra_environment)
    : output_file_(std::move(output_file)) {
    std::vector<std::string> env_strings;
    for (char** e = environ; *e; ++e) {
        const std::string entry = *e;
        const std::string key = entry.substr(0, entry.find('='));
        if (!extra_environment.count(key)) env_strings.push_back(entry);
    }
    for (const auto& [k, v] : extra_environment) env_strings.push_back(k + "=" + v);
    std::vector<char*> envp;
    for (auto& s : env_strings) envp.push_back(s.data());
    envp.push_back(nullptr);
    std::vector<char*> args;
    for (auto& a : argv) args.push_back(a.data());
    args.push_back(nullptr);

    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 1, output_file_.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    posix_spawn_file_actions_adddup2(&actions, 1, 2);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    const int rc = posix_spawn(&pid_, args[0], &actions, nullptr, args.data(), envp.data());
    posix_spawn_file_actions_destroy(&actions);
    if (rc != 0) throw std::runtime_error("cannot start " + argv[0] + ": " + std::strerror(rc));
}

Process::~Process() {
    if (running()) {
        ::kill(pid_, SIGKILL);
        wait(std::chrono::seconds(5));
    }
}

void Process::signal(int signal_number) const { ::kill(pid_, signal_number); }

std::optional<int> Process::wait(std::chrono::milliseconds timeout) {
    if (status_) return status_;
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        int raw = 0;
        const pid_t r = ::waitpid(pid_, &raw, WNOHANG);
        if (r == pid_) {
            status_ = WIFEXITED(raw) ? WEXITSTATUS(raw) : 128 + WTERMSIG(raw);
            return status_;
        }
        if (std::chrono::steady_clock::now() >= deadline) return std::nullopt;
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
}

bool Process::running() { return !wait(std::chrono::milliseconds(0)).has_value(); }

std::string Process::output() const { return read_file(output_file_); }

RunResult run(std::vector<std::string> argv, std::chrono::milliseconds timeout) {
    TempDir dir;
    Process p(std::move(argv), dir.file("output"));
    const auto status = p.wait(timeout);
    RunResult result;
    result.status = status.value_or(-1);
    result.output = p.output();
    return result;
}

std::string build_path(const std::string& name) { return std::string(HEARTH_BUILD_DIR) + "/" + name; }
std::string source_path(const std::string& name) { return std::string(HEARTH_SOURCE_DIR) + "/" + name; }

}  // namespace hearth::test
