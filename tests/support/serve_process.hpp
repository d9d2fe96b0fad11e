#pragma once

// Runs the real `tcns serve` binary as a child process for black-box tests: start with a given
// environment, wait (bounded) until /healthz answers, kill with any signal, reap (bounded).
#include <fcntl.h>
#include <httplib.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace tcns::test {

/// A free loopback TCP port (the kernel's pick; the server binds it with SO_REUSEADDR).
inline int free_loopback_port() {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = 0;
    socklen_t len = sizeof a;
    if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
        if (fd >= 0) ::close(fd);
        throw std::runtime_error("cannot pick a free port");
    }
    ::close(fd);
    return ntohs(a.sin_port);
}

class ServeProcess {
  public:
    /// `env`: the child's whole environment ("NAME=value"). Output goes to `log_path`.
    ServeProcess(std::vector<std::string> argv, std::vector<std::string> env, std::string log_path)
        : argv_(std::move(argv)), env_(std::move(env)), log_path_(std::move(log_path)) {}
    ~ServeProcess() {
        if (pid_ > 0) {
            ::kill(pid_, SIGKILL);
            ::waitpid(pid_, nullptr, 0);
        }
    }
    ServeProcess(const ServeProcess&) = delete;
    ServeProcess& operator=(const ServeProcess&) = delete;

    /// Starts the child and waits until GET /healthz on `port` answers 200 (false after `bound`
    /// or when the child exits).
    bool start(int port, std::chrono::milliseconds bound = std::chrono::seconds(10)) {
        // Everything the child needs is prepared before fork(): only async-signal-safe calls
        // between fork and exec (the test process has threads).
        std::vector<char*> args, envp;
        for (auto& a : argv_) args.push_back(a.data());
        args.push_back(nullptr);
        for (auto& e : env_) envp.push_back(e.data());
        envp.push_back(nullptr);
        const int out = ::open(log_path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
        pid_ = ::fork();
        if (pid_ == 0) {
            if (out >= 0) {
                ::dup2(out, 1);
                ::dup2(out, 2);
            }
            ::execve(args[0], args.data(), envp.data());
            ::_exit(127);
        }
        if (out >= 0) ::close(out);
        if (pid_ < 0) return false;
        const auto deadline = std::chrono::steady_clock::now() + bound;
        while (std::chrono::steady_clock::now() < deadline) {
            int status = 0;
            if (::waitpid(pid_, &status, WNOHANG) == pid_) {
                pid_ = -1;
                return false;
            }
            httplib::Client c("127.0.0.1", port);
            c.set_connection_timeout(0, 200000);
            c.set_read_timeout(1, 0);
            if (auto r = c.Get("/healthz"); r && r->status == 200) return true;
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
        ::kill(pid_, SIGKILL);  // never leave a half-started child behind
        ::waitpid(pid_, nullptr, 0);
        pid_ = -1;
        return false;
    }

    /// Sends `sig` and reaps the child; returns its wait status, or -1 when it did not exit
    /// within `bound` (it is then killed).
    int stop(int sig, std::chrono::milliseconds bound = std::chrono::seconds(10)) {
        if (pid_ <= 0) return -1;
        ::kill(pid_, sig);
        const auto deadline = std::chrono::steady_clock::now() + bound;
        int status = 0;
        while (std::chrono::steady_clock::now() < deadline) {
            if (::waitpid(pid_, &status, WNOHANG) == pid_) {
                pid_ = -1;
                return status;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
        ::kill(pid_, SIGKILL);
        ::waitpid(pid_, nullptr, 0);
        pid_ = -1;
        return -1;
    }
    bool running() const { return pid_ > 0; }
    pid_t pid() const { return pid_; }

  private:
    std::vector<std::string> argv_;
    std::vector<std::string> env_;
    std::string log_path_;
    pid_t pid_ = -1;
};

}  // namespace tcns::test
