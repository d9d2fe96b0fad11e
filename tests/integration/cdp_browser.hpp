#pragma once

#include <sys/types.h>

#include <chrono>
#include <deque>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace tcns::test {

/// Headless Chromium driven over the DevTools protocol on --remote-debugging-pipe: the browser
/// reads NUL-terminated JSON commands on fd 3 and writes NUL-terminated answers and events on
/// fd 4. Every wait is bounded by the deadline given at start; a missed deadline throws.
class CdpBrowser {
  public:
    using json = nlohmann::json;

    /// The browser executable: $TCNS_CHROMIUM, else chromium, chromium-browser or google-chrome
    /// on the PATH; nullopt when there is none.
    static std::optional<std::string> find_executable();

    /// Starts the browser with a fresh profile in `profile_dir`; its output goes to `log_file`.
    CdpBrowser(const std::string& executable, const std::string& profile_dir,
               const std::string& log_file, std::chrono::seconds budget);
    ~CdpBrowser();
    CdpBrowser(const CdpBrowser&) = delete;
    CdpBrowser& operator=(const CdpBrowser&) = delete;

    /// Sends a command (to the attached page when `to_page`) and waits for its result; throws
    /// with the browser's message when it answers with an error.
    json call(const std::string& method, json params = json::object(), bool to_page = true);
    /// Opens a blank page and attaches to it (flattened session); Page events enabled.
    void open_page();
    /// Forgets the events received so far (before an action whose events we wait for).
    void clear_events() { events_.clear(); }
    /// Waits for an event of the attached page.
    json wait_event(const std::string& method);
    /// Navigates and waits for the load event.
    void navigate(const std::string& url);
    /// Evaluates an expression in the page and returns its value (by value).
    json evaluate(const std::string& expression);
    /// Evaluates an expression that starts a navigation and waits for the new page's load.
    void evaluate_and_wait_load(const std::string& expression);
    /// Closes the browser and waits for it to exit (killed when it does not in time).
    void close();

  private:
    json read_message();
    void send(const json& message);
    std::chrono::milliseconds remaining() const;

    pid_t pid_ = -1;
    int to_browser_ = -1;
    int from_browser_ = -1;
    std::string buffer_;
    std::deque<json> events_;
    int next_id_ = 1;
    std::string session_;
    std::chrono::steady_clock::time_point deadline_;
};

/// Decodes base64 (the screenshot's PNG).
std::string base64_decode(const std::string& text);

}  // namespace tcns::test
