#pragma once

// A raw client socket for HTTP tests: bytes exactly as written, bounded waits.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <chrono>
#include <optional>
#include <string>

namespace tcns::test {

using namespace std::chrono_literals;

/// A client socket whose every read and write gives up after `timeout`, so that a bug in the
/// server cannot hang CTest.
class Socket {
  public:
    /// `require`: fail the test when the connection is refused (else see connected()).
    explicit Socket(int port, std::chrono::milliseconds timeout = 3000ms, bool require = true) {
        fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
        REQUIRE(fd_ >= 0);
        timeval tv{};
        tv.tv_sec = static_cast<time_t>(timeout.count() / 1000);
        tv.tv_usec = static_cast<suseconds_t>((timeout.count() % 1000) * 1000);
        ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        ::setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_port = htons(static_cast<std::uint16_t>(port));
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
        if (require) REQUIRE(connected_);
    }
    bool connected() const { return connected_; }
    ~Socket() { ::close(fd_); }
    Socket(const Socket&) = delete;
    Socket& operator=(const Socket&) = delete;

    /// False when the peer is gone.
    bool send(const std::string& data) {
        std::size_t done = 0;
        while (done < data.size()) {
            const ssize_t n = ::send(fd_, data.data() + done, data.size() - done, MSG_NOSIGNAL);
            if (n <= 0) return false;
            done += static_cast<std::size_t>(n);
        }
        return true;
    }
    void shutdown_write() { ::shutdown(fd_, SHUT_WR); }

    struct Response {
        int status = 0;
        std::string head;  ///< status line and headers, with the blank line
        std::string body;
        bool has_header(const std::string& line) const {
            return head.find("\r\n" + line + "\r\n") != std::string::npos;
        }
    };

    /// The next response (Content-Length bodies only), or nothing on a timeout or close.
    std::optional<Response> read_response() {
        std::size_t end;
        while ((end = buf_.find("\r\n\r\n")) == std::string::npos)
            if (!fill()) return std::nullopt;
        Response r;
        r.head = buf_.substr(0, end + 4);
        if (r.head.rfind("HTTP/1.", 0) != 0 || r.head.size() < 12) return std::nullopt;
        r.status = std::stoi(r.head.substr(9, 3));
        std::size_t length = 0;
        std::string lower = r.head;
        for (char& ch : lower) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
        const auto cl = lower.find("\r\ncontent-length:");
        if (cl != std::string::npos) length = std::stoul(r.head.substr(cl + 17));
        while (buf_.size() < end + 4 + length)
            if (!fill()) return std::nullopt;
        r.body = buf_.substr(end + 4, length);
        buf_.erase(0, end + 4 + length);
        return r;
    }

    /// Whether the server closes the connection within `within` (bytes before the end are
    /// kept for read_response).
    bool closed_within(std::chrono::milliseconds within) {
        const auto deadline = std::chrono::steady_clock::now() + within;
        while (std::chrono::steady_clock::now() < deadline) {
            pollfd p{fd_, POLLIN, 0};
            const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                deadline - std::chrono::steady_clock::now());
            if (::poll(&p, 1, static_cast<int>(std::max<long>(left.count(), 1))) <= 0) continue;
            char tmp[4096];
            const ssize_t n = ::recv(fd_, tmp, sizeof tmp, 0);
            if (n <= 0) return true;  // end of stream or reset
            buf_.append(tmp, static_cast<std::size_t>(n));
        }
        return false;
    }

    const std::string& unread() const { return buf_; }

  private:
    bool fill() {
        char tmp[65536];
        const ssize_t n = ::recv(fd_, tmp, sizeof tmp, 0);
        if (n <= 0) return false;
        buf_.append(tmp, static_cast<std::size_t>(n));
        return true;
    }

    int fd_ = -1;
    bool connected_ = false;
    std::string buf_;
};

}  // namespace tcns::test
