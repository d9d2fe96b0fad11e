#include "bot/http/http_server.hpp"

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <regex>
#include <stdexcept>
#include <thread>

#include "bot/log.hpp"
#include "bot/metrics.hpp"

namespace tcns::bot {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;
using Clock = std::chrono::steady_clock;

namespace {

bool iequals(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i)
        if (std::tolower(static_cast<unsigned char>(a[i])) !=
            std::tolower(static_cast<unsigned char>(b[i])))
            return false;
    return true;
}

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

std::string error_body(std::string_view message) {
    return nlohmann::json{{"error", message}}.dump();
}

/// The JSON answer of a request refused by the server itself (not by a route).
HttpResponse refusal(int status, std::string_view message) {
    HttpResponse r;
    r.status = status;
    r.set_content(error_body(message), "application/json; charset=utf-8");
    return r;
}

std::string trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return std::string(s);
}

}  // namespace

std::string HttpRequest::header(std::string_view name) const {
    for (const auto& [k, v] : headers)
        if (iequals(k, name)) return v;
    return {};
}

bool HttpRequest::has_header(std::string_view name) const {
    for (const auto& [k, v] : headers)
        if (iequals(k, name)) return true;
    return false;
}

bool HttpRequest::has_param(std::string_view name) const {
    for (const auto& [k, v] : params)
        if (k == name) return true;
    return false;
}

std::string HttpRequest::param(std::string_view name) const {
    for (const auto& [k, v] : params)
        if (k == name) return v;
    return {};
}

std::string url_decode(std::string_view text, bool plus_is_space) {
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (c == '%' && i + 2 < text.size() + 0 && i + 2 <= text.size() - 1 + 0) {
            const int hi = hex_value(text[i + 1]), lo = hex_value(text[i + 2]);
            if (hi >= 0 && lo >= 0) {
                out.push_back(static_cast<char>(hi * 16 + lo));
                i += 2;
                continue;
            }
        }
        out.push_back(c == '+' && plus_is_space ? ' ' : c);
    }
    return out;
}

void parse_params(std::string_view text, std::vector<std::pair<std::string, std::string>>& out) {
    while (!text.empty()) {
        const auto amp = text.find('&');
        const std::string_view pair = text.substr(0, amp);
        text = amp == std::string_view::npos ? std::string_view() : text.substr(amp + 1);
        if (pair.empty()) continue;
        const auto eq = pair.find('=');
        if (eq == std::string_view::npos)
            out.emplace_back(url_decode(pair), std::string());
        else
            out.emplace_back(url_decode(pair.substr(0, eq)), url_decode(pair.substr(eq + 1)));
    }
}

HttpRoute plain_route(std::string method, std::string path, std::size_t body_limit, RouteRuns runs,
                      std::function<HttpResponse(const HttpRequest&)> fn, bool regex) {
    HttpRoute r;
    r.method = std::move(method);
    r.path = std::move(path);
    r.regex = regex;
    r.body_limit = body_limit;
    r.runs = runs;
    r.handler = [fn = std::move(fn)](HttpRequest& req, Responder respond) { respond(fn(req)); };
    return r;
}

/// Completions from other threads (the handler pool, the writer thread, an export's producer)
/// reach a connection through this gate, which is shut before the io_context goes away: a
/// webhook committed after the server stopped is stored all the same, its answer dropped.
struct Gate {
    std::mutex mu;
    bool open = true;
    template <class Executor, class Fn>
    void post(const Executor& ex, Fn&& fn) {
        std::lock_guard lock(mu);
        if (open) net::post(ex, std::forward<Fn>(fn));
    }
    void shut() {
        std::lock_guard lock(mu);
        open = false;
    }
};

/// The bounded buffer between an export's producer thread and the socket: at most two chunks
/// wait, so a slow client slows the producer down instead of growing memory.
struct StreamChannel : BodySink {
    static constexpr std::size_t kChunk = 64 * 1024;
    static constexpr std::size_t kMaxQueued = 2;
    std::mutex mu;
    std::condition_variable cv;
    std::deque<std::string> queue;
    std::string pending;  ///< producer side, up to kChunk
    bool done = false, ok = false, cancelled = false;
    std::function<void()> notify;  ///< set by the consumer while it waits

    bool write(const char* data, std::size_t size) override {
        pending.append(data, size);
        if (pending.size() < kChunk) return true;
        return flush();
    }
    bool flush() {
        if (pending.empty()) return true;
        std::function<void()> n;
        {
            std::unique_lock lock(mu);
            cv.wait(lock, [&] { return queue.size() < kMaxQueued || cancelled; });
            if (cancelled) return false;
            queue.push_back(std::move(pending));
            pending.clear();
            n = std::exchange(notify, {});
        }
        if (n) n();
        return true;
    }
    void finish(bool success) {
        if (success) success = flush();
        std::function<void()> n;
        {
            std::lock_guard lock(mu);
            done = true;
            ok = success;
            n = std::exchange(notify, {});
        }
        if (n) n();
    }
    void cancel() {
        std::lock_guard lock(mu);
        cancelled = true;
        notify = {};
        cv.notify_all();
    }
};

struct HttpServer::Impl : std::enable_shared_from_this<HttpServer::Impl> {
    Options options;
    std::vector<HttpRoute> routes;
    std::vector<std::optional<std::regex>> patterns;
    std::atomic<std::size_t> connections{0};
    std::atomic<std::size_t> streams{0};
    std::atomic<bool> stopping{false};
    std::shared_ptr<Gate> gate = std::make_shared<Gate>();
    std::mutex streams_mu;
    std::condition_variable streams_cv;
    net::thread_pool pool;
    net::io_context ioc;
    tcp::acceptor acceptor{ioc};
    std::optional<net::executor_work_guard<net::io_context::executor_type>> work;
    /// Live sessions, to close them all on stop().
    std::mutex sessions_mu;
    std::map<std::uint64_t, std::function<void()>> closers;
    std::uint64_t next_session = 0;

    std::uint64_t add_session(std::function<void()> closer) {
        std::lock_guard lock(sessions_mu);
        closers.emplace(++next_session, std::move(closer));
        return next_session;
    }
    void remove_session(std::uint64_t id) {
        std::lock_guard lock(sessions_mu);
        closers.erase(id);
    }
    void close_sessions() {
        std::map<std::uint64_t, std::function<void()>> all;
        {
            std::lock_guard lock(sessions_mu);
            all = closers;
        }
        for (auto& [id, c] : all) c();
    }

    Impl(Options o, std::vector<HttpRoute> r)
        : options(std::move(o)),
          routes(std::move(r)),
          pool(static_cast<std::size_t>(std::max(1, options.pool_threads))),
          ioc(std::max(1, options.io_threads)) {
        for (const auto& route : routes)
            patterns.push_back(route.regex ? std::optional<std::regex>(std::regex(route.path))
                                           : std::nullopt);
    }

    /// The route for a method and path; `matches` gets the pattern's groups.
    const HttpRoute* find(std::string_view method, const std::string& path,
                          std::vector<std::string>& matches) const {
        const std::string_view m = method == "HEAD" ? std::string_view("GET") : method;
        for (std::size_t i = 0; i < routes.size(); ++i) {
            const HttpRoute& r = routes[i];
            if (r.method != m) continue;
            if (!patterns[i]) {
                if (r.path == path) {
                    matches = {path};
                    return &r;
                }
                continue;
            }
            std::smatch sm;
            if (std::regex_match(path, sm, *patterns[i])) {
                matches.clear();
                for (const auto& g : sm) matches.push_back(g.str());
                return &r;
            }
        }
        return nullptr;
    }

    bool trusted(const std::string& peer) const {
        for (const auto& p : options.trusted_proxies)
            if (p == peer) return true;
        return false;
    }

    void accept();
    void stream_ended() {
        std::lock_guard lock(streams_mu);
        --streams;
        streams_cv.notify_all();
    }
};

namespace {

/// One client connection: reads a request, answers it, then reads the next (so pipelined
/// requests are answered in order). Every step runs on the connection's strand.
class Session : public std::enable_shared_from_this<Session> {
  public:
    Session(tcp::socket socket, std::shared_ptr<HttpServer::Impl> server)
        : socket_(std::move(socket)), timer_(socket_.get_executor()), srv_(std::move(server)) {
        beast::error_code ec;
        const auto ep = socket_.remote_endpoint(ec);
        if (!ec) peer_ = ep.address().to_string();
        socket_.set_option(tcp::no_delay(true), ec);
    }
    ~Session() {
        if (channel_) channel_->cancel();
        srv_->remove_session(id_);
        --srv_->connections;
    }

    void start() {
        std::weak_ptr<Session> weak = shared_from_this();
        id_ = srv_->add_session([weak, ex = socket_.get_executor()] {
            net::post(ex, [weak] {
                if (auto s = weak.lock()) s->shut();
            });
        });
        wait_for_request();
    }

    /// Called through the Responder, on the strand.
    void answer(HttpResponse r) {
        if (phase_ != Phase::kHandling) return;  // answered twice: the first one counts
        if (r.status == 0) {
            log::error("http.no_status", {{"path", path_}});
            r = refusal(500, "internal error");
        }
        send(std::move(r));
    }

    auto executor() { return socket_.get_executor(); }
    void shut() { close(); }
    const std::shared_ptr<Gate>& gate() const { return srv_->gate; }

  private:
    enum class Phase { kIdle, kReading, kHandling, kWriting };

    const HttpServer::Options& opt() const { return srv_->options; }

    /// Deadlines: a generation number tells a stale expiry from the current one.
    void arm(int seconds) {
        const unsigned gen = ++timer_gen_;
        timer_.expires_after(std::chrono::seconds(seconds));
        timer_.async_wait([self = shared_from_this(), gen](beast::error_code ec) {
            if (ec || gen != self->timer_gen_) return;
            self->expired();
        });
    }
    void disarm() {
        ++timer_gen_;
        timer_.cancel();
    }
    void expired() {
        beast::error_code ec;
        if (phase_ == Phase::kReading) {
            timed_out_ = true;
            socket_.cancel(ec);  // the read completes with operation_aborted: answer 408
        } else if (phase_ != Phase::kHandling) {
            socket_.close(ec);  // idle keep-alive, or a client too slow to take its answer
        }
    }

    void wait_for_request() {
        if (srv_->stopping) return close();
        if (buffer_.size() > 0) return read_head();  // pipelined: already here
        phase_ = Phase::kIdle;
        arm(opt().idle_timeout_s);
        // A read rather than async_wait(wait_read): asio re-registers the socket with epoll for
        // every wait (one epoll_ctl a request), while a read finds the socket registered. The
        // bytes go to buffer_, where read_head's parser takes them as it takes pipelined ones.
        socket_.async_read_some(buffer_.prepare(kFirstRead),
                                [self = shared_from_this()](beast::error_code ec, std::size_t n) {
                                    if (ec) return self->close();
                                    self->buffer_.commit(n);
                                    self->read_head();
                                });
    }

    void read_head() {
        phase_ = Phase::kReading;
        timed_out_ = false;
        started_ = Clock::now();
        method_ = "-";
        path_ = "-";
        // The deadline covers the whole request, head and body: a client that trickles bytes is
        // cut off although each byte arrives in time.
        arm(opt().request_timeout_s);
        parser_.emplace();
        parser_->header_limit(static_cast<std::uint32_t>(opt().max_header_bytes));
        parser_->body_limit(boost::none);  // decided per route once the head is read
        http::async_read_header(
            socket_, buffer_, *parser_,
            [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_head(ec); });
    }

    /// Refuses the request being read and closes the connection after the answer.
    void refuse(int status, std::string_view message, std::string_view reason) {
        keep_alive_ = false;
        Metrics::instance().add("tcns_http_refused_total",
                                "status=\"" + std::to_string(status) + "\"");
        reason_ = std::string(reason);  // on the request's one log line
        phase_ = Phase::kHandling;
        head_only_ = false;
        send(refusal(status, message));
    }

    void on_read_error(beast::error_code ec) {
        if (timed_out_) return refuse(408, "request timeout", "deadline");
        if (ec == http::error::end_of_stream || ec == net::error::eof ||
            ec == net::error::connection_reset || ec == net::error::operation_aborted ||
            ec == net::error::bad_descriptor) {
            // The client went away (between requests, or in the middle of one).
            if (parser_ && parser_->got_some() && !parser_->is_header_done())
                log::debug("http.client_gone", {{"client", peer_}});
            return close();
        }
        if (ec == http::error::header_limit)
            return refuse(431, "request header fields too large", "header_limit");
        if (ec == http::error::body_limit) return refuse(413, "payload too large", "body_limit");
        return refuse(400, "bad request", ec.message());
    }

    void on_head(beast::error_code ec) {
        if (ec) return on_read_error(ec);
        const auto& h = parser_->get();
        method_ = std::string(h.method_string());
        const std::string_view target(h.target().data(), h.target().size());
        path_ = std::string(target.substr(0, target.find('?')));

        std::size_t fields = 0, content_lengths = 0;
        bool transfer_encoding = false;
        for (const auto& f : h) {
            ++fields;
            if (f.name() == http::field::content_length) ++content_lengths;
            if (f.name() == http::field::transfer_encoding) transfer_encoding = true;
        }
        if (fields > opt().max_header_fields)
            return refuse(431, "request header fields too large", "header_fields");
        // RFC 9112 §6.3: a Transfer-Encoding whose last coding is not chunked gives no way to
        // find the end of a request. Beast accepts it (and then a Content-Length beside it).
        if (transfer_encoding && !parser_->chunked())
            return refuse(400, "bad request", "transfer_encoding_not_chunked");
        // Beast takes repeated equal Content-Length values as one; refuse them all the same
        // (proxies differ in which one they use).
        if (content_lengths > 1) return refuse(400, "bad request", "repeated_content_length");
        if (h.version() != 11 && h.version() != 10)
            return refuse(400, "bad request", "http_version");

        const bool has_body =
            parser_->chunked() || (parser_->content_length() && *parser_->content_length() > 0);
        // A body on GET/HEAD means nothing here and is how requests are smuggled past a proxy
        // that reads it differently: refuse, never parse it as the next request.
        if ((h.method() == http::verb::get || h.method() == http::verb::head) && has_body)
            return refuse(400, "bad request", "body_on_get");

        route_ = srv_->find(method_, path_, matches_);
        if (!route_ && has_body) return refuse(404, "not found", "no_route");
        const std::size_t limit = route_ ? route_->body_limit : 0;
        if (parser_->content_length() && *parser_->content_length() > limit)
            return refuse(413, "payload too large", "content_length");
        parser_->body_limit(limit);

        if (parser_->is_done()) return on_body({});
        const auto expect = h[http::field::expect];
        if (!expect.empty()) {
            if (!iequals(expect, "100-continue"))
                return refuse(417, "expectation failed", "expect");
            continue_ = "HTTP/1.1 100 Continue\r\n\r\n";
            return net::async_write(socket_, net::buffer(continue_),
                                    [self = shared_from_this()](beast::error_code ec, std::size_t) {
                                        if (ec) return self->close();
                                        self->read_body();
                                    });
        }
        read_body();
    }

    void read_body() {
        http::async_read(
            socket_, buffer_, *parser_,
            [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_body(ec); });
    }

    void on_body(beast::error_code ec) {
        if (ec) return on_read_error(ec);
        disarm();
        phase_ = Phase::kHandling;
        auto msg = parser_->release();
        parser_.reset();
        keep_alive_ = msg.keep_alive() && ++served_ < opt().keep_alive_max && !srv_->stopping;
        head_only_ = msg.method() == http::verb::head;
        version_ = msg.version();

        if (!route_) return send(refusal(404, "not found"));

        HttpRequest req;
        req.method = method_;
        req.target = std::string(msg.target());
        req.path = path_;
        for (const auto& f : msg)
            req.headers.emplace_back(std::string(f.name_string()), std::string(f.value()));
        const auto q = req.target.find('?');
        if (q != std::string::npos)
            parse_params(std::string_view(req.target).substr(q + 1), req.params);
        req.body = std::move(msg.body());
        const auto type = msg[http::field::content_type];
        if (msg.method() == http::verb::post &&
            std::string_view(type.data(), type.size())
                .starts_with("application/x-www-form-urlencoded"))
            parse_params(req.body, req.params);
        req.peer = peer_;
        req.client = peer_;
        if (srv_->trusted(peer_)) {
            // The proxy appends the address it saw: the last entry is the one to believe.
            const std::string xff = req.header("X-Forwarded-For");
            if (!xff.empty()) {
                const auto comma = xff.rfind(',');
                const std::string last = trim(
                    comma == std::string::npos ? xff : std::string_view(xff).substr(comma + 1));
                if (!last.empty()) req.client = last;
            }
        }
        client_ = req.client;
        req.matches = std::move(matches_);

        auto state = make_state();
        const HttpRoute* route = route_;
        if (route->runs == RouteRuns::kNetwork) {
            call(*route, req, Responder(state));
        } else {
            net::post(srv_->pool, [route, req = std::move(req), state]() mutable {
                call(*route, req, Responder(state));
            });
        }
    }

    std::shared_ptr<Responder::State> make_state();

    static void call(const HttpRoute& route, HttpRequest& req, Responder respond) {
        try {
            route.handler(req, respond);
        } catch (const std::exception& e) {
            log::error("http.exception", {{"path", req.path}, {"error", e.what()}});
            respond(refusal(500, "internal error"));
        } catch (...) {
            log::error("http.exception", {{"path", req.path}, {"error", "unknown"}});
            respond(refusal(500, "internal error"));
        }
    }

    void send(HttpResponse r) {
        phase_ = Phase::kWriting;
        status_ = r.status;
        if (r.stream) return send_stream(std::move(r));
        res_.emplace();
        res_->result(static_cast<unsigned>(r.status));
        res_->version(version_ == 10 ? 10 : 11);
        for (auto& [k, v] : r.headers) res_->insert(k, v);
        if (!r.content_type.empty()) res_->set(http::field::content_type, r.content_type);
        res_->keep_alive(keep_alive_);
        const std::size_t length = r.body.size();
        if (!head_only_) res_->body() = std::move(r.body);
        res_->content_length(length);
        arm(opt().write_timeout_s);
        http::async_write(socket_, *res_,
                          [self = shared_from_this()](beast::error_code ec, std::size_t) {
                              self->after_write(ec);
                          });
    }

    void after_write(beast::error_code ec) {
        disarm();
        log_request();
        res_.reset();
        if (ec || !keep_alive_) return close();
        wait_for_request();
    }

    void send_stream(HttpResponse r) {
        if (srv_->streams.fetch_add(1) >= opt().max_streams) {
            srv_->stream_ended();
            keep_alive_ = false;
            return send(refusal(503, "busy"));
        }
        stream_head_.emplace();
        auto& h = *stream_head_;
        h.result(static_cast<unsigned>(r.status));
        h.version(11);
        for (auto& [k, v] : r.headers) h.insert(k, v);
        if (!r.content_type.empty()) h.set(http::field::content_type, r.content_type);
        h.keep_alive(keep_alive_);
        h.chunked(true);
        stream_ser_.emplace(h);
        channel_ = std::make_shared<StreamChannel>();
        std::thread([channel = channel_, fn = std::move(r.stream), srv = srv_] {
            bool ok = false;
            try {
                ok = fn(*channel);
            } catch (const std::exception& e) {
                log::error("http.stream_failed", {{"error", e.what()}});
            } catch (...) {
            }
            channel->finish(ok);
            srv->stream_ended();
        }).detach();
        arm(opt().write_timeout_s);
        http::async_write_header(socket_, *stream_ser_,
                                 [self = shared_from_this()](beast::error_code ec, std::size_t) {
                                     if (ec) return self->end_stream(false);
                                     self->pump();
                                 });
    }

    /// Sends the next chunk the producer has ready, or waits for it: writes are driven by the
    /// socket's readiness, and the producer blocks while two chunks wait.
    void pump() {
        std::optional<std::string> next;
        bool finished = false, ok = false;
        {
            std::lock_guard lock(channel_->mu);
            if (!channel_->queue.empty()) {
                next = std::move(channel_->queue.front());
                channel_->queue.pop_front();
                channel_->cv.notify_all();
            } else if (channel_->done) {
                finished = true;
                ok = channel_->ok;
            } else {
                disarm();  // the producer is working (a slow query is not the client's fault)
                channel_->notify = [self = shared_from_this()] {
                    self->gate()->post(self->executor(), [self] { self->pump(); });
                };
                return;
            }
        }
        if (finished) {
            if (!ok) return end_stream(false);
            arm(opt().write_timeout_s);
            return net::async_write(socket_, http::make_chunk_last(),
                                    [self = shared_from_this()](beast::error_code ec, std::size_t) {
                                        self->end_stream(!ec);
                                    });
        }
        chunk_ = std::move(*next);
        arm(opt().write_timeout_s);
        net::async_write(socket_, http::make_chunk(net::buffer(chunk_)),
                         [self = shared_from_this()](beast::error_code ec, std::size_t) {
                             if (ec) return self->end_stream(false);
                             self->pump();
                         });
    }

    void end_stream(bool ok) {
        disarm();
        if (channel_) channel_->cancel();
        channel_.reset();
        stream_ser_.reset();
        stream_head_.reset();
        chunk_.clear();
        chunk_.shrink_to_fit();
        if (!ok) status_ = 0;  // logged as cut off
        log_request();
        if (!ok || !keep_alive_) return close();
        wait_for_request();
    }

    void log_request() {
        const auto us =
            std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - started_).count();
        Metrics::instance().observe("tcns_http_request_duration_seconds", "",
                                    static_cast<double>(us) / 1e6);
        std::string reason = std::move(reason_);
        reason_.clear();
        const auto level = status_ >= 400 && status_ != 404 ? log::Level::kWarn : log::Level::kInfo;
        if (!log::enabled(level)) return;
        // One line per request. The path never holds the query string; bodies (message text)
        // and headers (signatures, tokens) are never logged.
        const double ms = static_cast<double>(us) / 1000.0;
        const std::string& client = client_.empty() ? peer_ : client_;
        if (reason.empty())
            log::write(level, "http.request",
                       {{"method", method_},
                        {"path", path_},
                        {"status", status_},
                        {"client", client},
                        {"latency_ms", ms}});
        else
            log::write(level, "http.request",
                       {{"method", method_},
                        {"path", path_},
                        {"status", status_},
                        {"reason", reason},
                        {"client", client},
                        {"latency_ms", ms}});
    }

    void close() {
        disarm();
        if (channel_) channel_->cancel();  // also drops the producer's hold on this session
        phase_ = Phase::kIdle;
        beast::error_code ec;
        socket_.shutdown(tcp::socket::shutdown_send, ec);
        socket_.close(ec);
    }

    tcp::socket socket_;
    std::uint64_t id_ = 0;
    net::steady_timer timer_;
    unsigned timer_gen_ = 0;
    std::shared_ptr<HttpServer::Impl> srv_;
    static constexpr std::size_t kFirstRead = 8 * 1024;  ///< a webhook's head and body, usually
    beast::flat_buffer buffer_;
    std::optional<http::request_parser<http::string_body>> parser_;
    std::optional<http::response<http::string_body>> res_;
    std::optional<http::response<http::empty_body>> stream_head_;
    std::optional<http::response_serializer<http::empty_body>> stream_ser_;
    std::shared_ptr<StreamChannel> channel_;
    std::string chunk_;
    std::string continue_;
    Phase phase_ = Phase::kIdle;
    bool timed_out_ = false;
    bool keep_alive_ = true;
    bool head_only_ = false;
    unsigned version_ = 11;
    int served_ = 0;
    int status_ = 0;
    const HttpRoute* route_ = nullptr;
    std::vector<std::string> matches_;
    std::string peer_, client_, method_ = "-", path_ = "-", reason_;
    Clock::time_point started_ = Clock::now();
};

}  // namespace

struct Responder::State {
    std::shared_ptr<Session> session;
    std::atomic<bool> answered{false};
    ~State() {
        if (answered || !session) return;
        // The handler dropped its Responder without answering: the last resort.
        log::error("http.unanswered", {});
        auto s = session;
        s->gate()->post(s->executor(), [s] { s->answer(refusal(500, "internal error")); });
    }
};

std::shared_ptr<Responder::State> Session::make_state() {
    auto state = std::make_shared<Responder::State>();
    state->session = shared_from_this();
    return state;
}

void Responder::operator()(HttpResponse response) const {
    if (state_->answered.exchange(true)) return;
    auto s = state_->session;
    s->gate()->post(s->executor(),
                    [s, r = std::move(response)]() mutable { s->answer(std::move(r)); });
}

void HttpServer::Impl::accept() {
    acceptor.async_accept(net::make_strand(ioc), [self = shared_from_this()](beast::error_code ec,
                                                                             tcp::socket s) {
        if (ec) {
            if (!self->acceptor.is_open()) return;  // stopping
            // EMFILE and the like: wait a little rather than spin.
            log::warn("http.accept_failed", {{"error", ec.message()}});
            auto t = std::make_shared<net::steady_timer>(self->ioc, std::chrono::milliseconds(50));
            t->async_wait([self, t](beast::error_code) { self->accept(); });
            return;
        }
        if (self->connections.fetch_add(1) >= self->options.max_connections) {
            --self->connections;
            Metrics::instance().add("tcns_http_refused_total", "status=\"connection_cap\"");
            beast::error_code ignored;
            s.close(ignored);
        } else {
            std::make_shared<Session>(std::move(s), self)->start();
        }
        self->accept();
    });
}

HttpServer::HttpServer(Options options, std::vector<HttpRoute> routes)
    : impl_(std::make_shared<Impl>(std::move(options), std::move(routes))) {}

HttpServer::~HttpServer() {
    auto& impl = *impl_;
    impl.stopping = true;
    impl.pool.join();
    // Answers that arrived after run() returned, and the handlers of closed sockets: run them
    // out, so that no session (and through it this server) stays referenced from the queue.
    impl.close_sessions();
    impl.gate->shut();
    beast::error_code ec;
    impl.acceptor.close(ec);
    impl.work.reset();
    impl.ioc.restart();
    impl.ioc.run_for(std::chrono::seconds(2));
}

int HttpServer::bind() {
    beast::error_code ec;
    const auto address = net::ip::make_address(impl_->options.listen, ec);
    if (ec) throw std::runtime_error("bad listen address " + impl_->options.listen);
    const tcp::endpoint ep(address, static_cast<unsigned short>(impl_->options.port));
    auto& a = impl_->acceptor;
    a.open(ep.protocol(), ec);
    if (!ec) a.set_option(net::socket_base::reuse_address(true), ec);
    if (!ec) a.bind(ep, ec);
    if (!ec) a.listen(net::socket_base::max_listen_connections, ec);
    if (ec)
        throw std::runtime_error("cannot listen on " + impl_->options.listen + ":" +
                                 std::to_string(impl_->options.port) + ": " + ec.message());
    return a.local_endpoint().port();
}

void HttpServer::run() {
    auto& impl = *impl_;
    if (impl.stopping) return;
    impl.work.emplace(impl.ioc.get_executor());
    net::post(impl.ioc, [&impl] {
        if (!impl.stopping) impl.accept();
    });
    std::vector<std::thread> threads;
    for (int i = 1; i < std::max(1, impl.options.io_threads); ++i)
        threads.emplace_back([&impl] { impl.ioc.run(); });
    impl.ioc.run();
    for (auto& t : threads) t.join();
    // Producers of streams still running see their channel cancelled once their session goes.
    std::unique_lock lock(impl.streams_mu);
    impl.streams_cv.wait_for(lock, std::chrono::seconds(5), [&] { return impl.streams == 0; });
}

void HttpServer::stop() {
    auto impl = impl_;
    impl->stopping = true;
    net::post(impl->ioc, [impl] {
        beast::error_code ec;
        impl->acceptor.close(ec);
        impl->close_sessions();
        impl->work.reset();  // run() returns once the sessions have closed
    });
}

}  // namespace tcns::bot
