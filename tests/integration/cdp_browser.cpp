#include "tests/integration/cdp_browser.hpp"

#include <fcntl.h>
#include <openssl/evp.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <stdexcept>
#include <thread>

namespace tcns::test {

namespace {

std::runtime_error failure(const std::string& what) {
    return std::runtime_error("headless browser: " + what);
}

}  // namespace

std::optional<std::string> CdpBrowser::find_executable() {
    if (const char* env = std::getenv("TCNS_CHROMIUM"); env && *env) return std::string(env);
    const char* path = std::getenv("PATH");
    std::string dirs = path ? path : "/usr/local/bin:/usr/bin:/bin";
    for (const char* name :
         {"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"}) {
        std::size_t start = 0;
        while (start <= dirs.size()) {
            const std::size_t end = std::min(dirs.find(':', start), dirs.size());
            const std::string candidate = dirs.substr(start, end - start) + "/" + name;
            if (end > start && ::access(candidate.c_str(), X_OK) == 0) return candidate;
            start = end + 1;
        }
    }
    return std::nullopt;
}

CdpBrowser::CdpBrowser(const std::string& executable, const std::string& profile_dir,
                       const std::string& log_file, std::chrono::seconds budget)
    : deadline_(std::chrono::steady_clock::now() + budget) {
    int commands[2], answers[2];
    if (::pipe2(commands, O_CLOEXEC) != 0 || ::pipe2(answers, O_CLOEXEC) != 0)
        throw failure("pipe2 failed");
    std::vector<std::string> args = {executable,
                                     "--headless=new",
                                     "--disable-gpu",
                                     "--no-sandbox",
                                     "--disable-dev-shm-usage",
                                     "--no-first-run",
                                     "--no-default-browser-check",
                                     "--disable-extensions",
                                     "--disable-background-networking",
                                     "--disable-component-update",
                                     "--disable-sync",
                                     "--mute-audio",
                                     "--hide-scrollbars",
                                     "--window-size=1280,1600",
                                     "--user-data-dir=" + profile_dir,
                                     "--remote-debugging-pipe",
                                     "about:blank"};
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);

    pid_ = ::fork();
    if (pid_ < 0) throw failure("fork failed");
    if (pid_ == 0) {
        // Only async-signal-safe calls until exec: this process has other threads.
        const int in = ::fcntl(commands[0], F_DUPFD, 10);
        const int out = ::fcntl(answers[1], F_DUPFD, 10);
        const int log = ::open(log_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
        if (in < 0 || out < 0 || ::dup2(in, 3) < 0 || ::dup2(out, 4) < 0) ::_exit(127);
        if (log >= 0) {
            ::dup2(log, 1);
            ::dup2(log, 2);
        }
        const int null = ::open("/dev/null", O_RDONLY);
        if (null >= 0) ::dup2(null, 0);
        ::close_range(5, ~0U, 0);  // the test server's sockets stay out of the browser
        ::execv(argv[0], argv.data());
        ::_exit(127);
    }
    ::close(commands[0]);
    ::close(answers[1]);
    to_browser_ = commands[1];
    from_browser_ = answers[0];
}

CdpBrowser::~CdpBrowser() {
    try {
        close();
    } catch (...) {  // a destructor never throws; close() has killed the browser by now
    }
}

std::chrono::milliseconds CdpBrowser::remaining() const {
    return std::chrono::duration_cast<std::chrono::milliseconds>(deadline_ -
                                                                 std::chrono::steady_clock::now());
}

void CdpBrowser::send(const json& message) {
    std::string text = message.dump();
    text.push_back('\0');
    std::size_t done = 0;
    while (done < text.size()) {
        const ssize_t n = ::write(to_browser_, text.data() + done, text.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) throw failure("the browser stopped reading commands");
        done += static_cast<std::size_t>(n);
    }
}

CdpBrowser::json CdpBrowser::read_message() {
    for (;;) {
        const auto nul = buffer_.find('\0');
        if (nul != std::string::npos) {
            json message = json::parse(buffer_.substr(0, nul), nullptr, false);
            buffer_.erase(0, nul + 1);
            if (message.is_discarded()) throw failure("unreadable message");
            return message;
        }
        const auto left = remaining().count();
        if (left <= 0) throw failure("timed out waiting for the browser");
        pollfd p{from_browser_, POLLIN, 0};
        const int ready = ::poll(&p, 1, static_cast<int>(std::min<long long>(left, 1000)));
        if (ready < 0 && errno == EINTR) continue;
        if (ready <= 0) continue;
        char chunk[65536];
        const ssize_t n = ::read(from_browser_, chunk, sizeof chunk);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) throw failure("the browser exited (see its log next to the test output)");
        buffer_.append(chunk, static_cast<std::size_t>(n));
    }
}

CdpBrowser::json CdpBrowser::call(const std::string& method, json params, bool to_page) {
    const int id = next_id_++;
    json message = {{"id", id}, {"method", method}, {"params", std::move(params)}};
    if (to_page && !session_.empty()) message["sessionId"] = session_;
    send(message);
    for (;;) {
        json m = read_message();
        if (m.contains("id") && m["id"] == id) {
            if (m.contains("error")) throw failure(method + ": " + m["error"].dump());
            return m.value("result", json::object());
        }
        if (m.contains("method")) events_.push_back(std::move(m));
    }
}

void CdpBrowser::open_page() {
    const json target = call("Target.createTarget", {{"url", "about:blank"}}, false);
    const json attached = call("Target.attachToTarget",
                               {{"targetId", target.at("targetId")}, {"flatten", true}}, false);
    session_ = attached.at("sessionId").get<std::string>();
    call("Page.enable");
    call("Network.enable");
}

CdpBrowser::json CdpBrowser::wait_event(const std::string& method) {
    const auto matches = [&](const json& m) {
        return m.value("method", "") == method && m.value("sessionId", "") == session_;
    };
    for (auto it = events_.begin(); it != events_.end(); ++it) {
        if (matches(*it)) {
            json m = std::move(*it);
            events_.erase(it);
            return m;
        }
    }
    for (;;) {
        json m = read_message();
        if (matches(m)) return m;
        if (m.contains("method")) events_.push_back(std::move(m));
    }
}

void CdpBrowser::navigate(const std::string& url) {
    clear_events();
    const json r = call("Page.navigate", {{"url", url}});
    if (r.contains("errorText")) throw failure("navigate " + url + ": " + r["errorText"].dump());
    wait_event("Page.loadEventFired");
}

CdpBrowser::json CdpBrowser::evaluate(const std::string& expression) {
    const json r = call("Runtime.evaluate", {{"expression", expression}, {"returnByValue", true}});
    if (r.contains("exceptionDetails")) throw failure("evaluate: " + r["exceptionDetails"].dump());
    return r.at("result").value("value", json());
}

void CdpBrowser::evaluate_and_wait_load(const std::string& expression) {
    clear_events();
    evaluate(expression);
    wait_event("Page.loadEventFired");
}

void CdpBrowser::close() {
    if (pid_ <= 0) return;
    try {
        if (remaining().count() > 0) call("Browser.close", json::object(), false);
    } catch (const std::exception&) {  // it may have gone already; reaped below
    }
    if (to_browser_ >= 0) ::close(to_browser_);
    to_browser_ = -1;
    const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    int status = 0;
    while (::waitpid(pid_, &status, WNOHANG) == 0) {
        if (std::chrono::steady_clock::now() > give_up) {
            ::kill(pid_, SIGKILL);
            ::waitpid(pid_, &status, 0);
            break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    pid_ = -1;
    if (from_browser_ >= 0) ::close(from_browser_);
    from_browser_ = -1;
}

std::string base64_decode(const std::string& text) {
    std::string out(text.size() / 4 * 3 + 3, '\0');
    const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                  reinterpret_cast<const unsigned char*>(text.data()),
                                  static_cast<int>(text.size()));
    if (n < 0) throw std::runtime_error("bad base64");
    std::size_t size = static_cast<std::size_t>(n);
    // EVP_DecodeBlock counts the padding as zero bytes.
    if (!text.empty() && text.back() == '=') --size;
    if (text.size() > 1 && text[text.size() - 2] == '=') --size;
    out.resize(size);
    return out;
}

}  // namespace tcns::test
