#include "bot/http_front.hpp"

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <event2/thread.h>
#include <fmt/format.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <stdexcept>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "bot/http_head.hpp"
#include "bot/log.hpp"
#include "bot/webhook_routes.hpp"
#include "bot/webhook_service.hpp"

namespace tcns::bot {

namespace {

using Clock = std::chrono::steady_clock;

constexpr std::size_t kMaxHead = 8192;
/// A pipe stops reading one side while the other side has this much unsent (exports stream
/// megabytes to slow phones; memory stays bounded).
constexpr std::size_t kPipeHighWater = 256 * 1024;

const char* reason_phrase(int status) {
    switch (status) {
        case 200:
            return "OK";
        case 400:
            return "Bad Request";
        case 403:
            return "Forbidden";
        case 500:
            return "Internal Server Error";
        default:
            return "Unknown";
    }
}

timeval seconds(int s) {
    timeval tv{};
    tv.tv_sec = s;
    return tv;
}

}  // namespace

/// One fast-path client connection. At most one webhook of a connection is in flight; requests
/// pipelined behind it wait in the input buffer, so answers keep their order.
struct Conn {
    HttpFront::Impl* front = nullptr;
    std::uint64_t id = 0;
    bufferevent* bev = nullptr;
    bool waiting = false;      ///< a webhook is in the write queue
    bool closing = false;      ///< close once the output is flushed
    bool close_after = false;  ///< the request in flight asked for Connection: close
    int served = 0;
    bool in_request = false;  ///< bytes of a request have arrived, not all of it yet
    Clock::time_point request_started{};
    // The request in flight, for its answer, metrics and log line.
    std::string channel;
    std::string path;
    Clock::time_point started{};
};

/// A connection handed to the full server: bytes are copied both ways until either side ends.
struct Pipe;
struct PipeSide {
    Pipe* pipe = nullptr;
    bufferevent* bev = nullptr;
    PipeSide* partner = nullptr;
};
struct Pipe {
    HttpFront::Impl* front = nullptr;
    PipeSide client, backend;
};

/// Completions handed from the writer thread to the loop thread.
struct Mailbox {
    struct Item {
        std::uint64_t conn = 0;
        ApplyOutcome outcome;
        std::exception_ptr error;
    };
    std::mutex mu;
    std::vector<Item> items;
    bool closed = false;
    event* wake = nullptr;

    void post(Item item) {
        std::lock_guard lock(mu);
        if (closed) return;  // the front is gone; the webhook was stored all the same
        items.push_back(std::move(item));
        // Under the lock, so that the event cannot be freed in between. libevent coalesces
        // activations of an event that is already active.
        if (items.size() == 1) event_active(wake, EV_READ, 0);
    }
};

struct HttpFront::Impl {
    Options options;
    const Config& config;
    WebhookService* webhooks;
    std::function<void()> on_queued;

    event_base* base = nullptr;
    evconnlistener* listener = nullptr;
    event* stop_event = nullptr;
    event* resume_accept = nullptr;  ///< re-enables the listener after running out of fds
    std::shared_ptr<Mailbox> mailbox = std::make_shared<Mailbox>();
    std::unordered_map<std::uint64_t, std::unique_ptr<Conn>> conns;
    std::unordered_set<Pipe*> pipes;
    std::uint64_t next_id = 1;
    sockaddr_storage backend_addr{};
    socklen_t backend_len = 0;

    Impl(Options o, const Config& c, WebhookService* w, std::function<void()> q)
        : options(std::move(o)), config(c), webhooks(w), on_queued(std::move(q)) {}

    // --- connections -------------------------------------------------------------------

    void accept(evutil_socket_t fd) {
        if (conns.size() + pipes.size() >= options.max_connections) {
            evutil_closesocket(fd);
            return;
        }
        const int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        bufferevent* bev = bufferevent_socket_new(base, fd, BEV_OPT_CLOSE_ON_FREE);
        if (!bev) {
            evutil_closesocket(fd);
            return;
        }
        auto c = std::make_unique<Conn>();
        c->front = this;
        c->id = next_id++;
        c->bev = bev;
        bufferevent_setcb(bev, &Impl::on_conn_read, &Impl::on_conn_write, &Impl::on_conn_event,
                          c.get());
        const timeval rt = seconds(options.read_timeout_s), wt = seconds(options.write_timeout_s);
        bufferevent_set_timeouts(bev, &rt, &wt);
        // Reading stays on while a webhook waits for its commit (no epoll_ctl per request);
        // what a client pipelines meanwhile is bounded by the high watermark.
        bufferevent_setwatermark(bev, EV_READ, 0, kMaxHead + options.max_body_bytes + 1);
        bufferevent_enable(bev, EV_READ | EV_WRITE);
        conns.emplace(c->id, std::move(c));
    }

    void close(Conn* c) {
        if (c->bev) bufferevent_free(c->bev);
        conns.erase(c->id);  // destroys c
    }

    /// Parses and starts every complete request in the input, in order, until one waits.
    void process(Conn* c) {
        evbuffer* in = bufferevent_get_input(c->bev);
        while (!c->waiting && !c->closing) {
            const std::size_t len = evbuffer_get_length(in);
            if (len == 0) {
                c->in_request = false;
                return;
            }
            if (!c->in_request) {
                c->in_request = true;
                c->request_started = Clock::now();
            }
            std::size_t n = std::min(len, kMaxHead);
            auto* data =
                reinterpret_cast<const char*>(evbuffer_pullup(in, static_cast<ev_ssize_t>(n)));
            RequestHead head;
            const HeadStatus st = parse_request_head({data, n}, head, kMaxHead);
            if (st == HeadStatus::kInvalid) return to_pipe(c);
            if (st == HeadStatus::kIncomplete) return check_deadline(c);
            const char* channel = fast_channel(head);
            if (!channel) return to_pipe(c);
            const std::size_t total = head.head_bytes + *head.content_length;
            if (len < total) return check_deadline(c);
            // The head views point into the first pullup; take what is needed before the next.
            const bool close_requested = head.close;
            std::string signature(head.header(std::string_view(channel) == "viber"
                                                  ? "X-Viber-Content-Signature"
                                                  : "X-ZEvent-Signature"));
            c->path = std::string(head.path);
            const std::size_t head_bytes = head.head_bytes;
            data =
                reinterpret_cast<const char*>(evbuffer_pullup(in, static_cast<ev_ssize_t>(total)));
            std::string body(data + head_bytes, total - head_bytes);
            evbuffer_drain(in, total);
            c->in_request = false;
            c->close_after = close_requested || ++c->served >= options.keep_alive_max;
            start_webhook(c, channel, body, signature);
        }
    }

    /// "viber" or "zalo" when the fast path takes this request, else null.
    const char* fast_channel(const RequestHead& h) const {
        if (!webhooks || h.unusual || h.minor_version != 1 || !h.content_length) return nullptr;
        if (*h.content_length > options.max_body_bytes) return nullptr;  // the full server: 413
        if (h.method != "POST" || !h.query.empty()) return nullptr;
        if (h.path == "/webhook/viber" && config.viber.enabled) return "viber";
        if (h.path == "/webhook/zalo" && config.zalo.enabled) return "zalo";
        return nullptr;
    }

    /// A request must arrive whole within the read timeout: a client that trickles bytes
    /// (slow loris) is cut off even though each byte resets the idle timer.
    void check_deadline(Conn* c) {
        if (Clock::now() - c->request_started > std::chrono::seconds(options.read_timeout_s)) {
            log::warn("http.request_timeout", {{"after_s", options.read_timeout_s}});
            close(c);
        }
    }

    void start_webhook(Conn* c, const char* channel, const std::string& body,
                       const std::string& signature) {
        c->channel = channel;
        c->started = Clock::now();
        const auto now =
            std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
        PreparedWebhook p;
        try {
            p = prepare_webhook(c->channel, body, signature, config, now);
        } catch (const std::exception& e) {
            return respond(c, store_failed_webhook(c->channel, e.what()));
        }
        if (p.response) return respond(c, *p.response);
        c->waiting = true;  // requests pipelined behind it wait in the input buffer
        try {
            webhooks->apply_async(std::move(p.events), now, p.viber,
                                  [mb = mailbox, id = c->id](ApplyOutcome o, std::exception_ptr e) {
                                      mb->post({id, std::move(o), e});
                                  });
        } catch (const std::exception& e) {  // the write queue is stopping
            c->waiting = false;
            respond(c, store_failed_webhook(c->channel, e.what()));
        }
    }

    /// Answers of committed webhooks, on the loop thread.
    void drain_mailbox() {
        std::vector<Mailbox::Item> items;
        {
            std::lock_guard lock(mailbox->mu);
            items.swap(mailbox->items);
        }
        bool queued = false;
        for (auto& item : items) {
            auto it = conns.find(item.conn);
            Conn* c = it == conns.end() ? nullptr : it->second.get();
            WebhookResponse w;
            if (item.error) {
                std::string what = "unknown error";
                try {
                    std::rethrow_exception(item.error);
                } catch (const std::exception& e) {
                    what = e.what();
                } catch (...) {
                }
                w = store_failed_webhook(c ? c->channel : "unknown", what);
            } else {
                w = finish_webhook(item.outcome, config);
                queued = queued || w.outcome == "ok";
            }
            if (!c) continue;  // the client left; what it sent is stored all the same
            c->waiting = false;
            respond(c, w);
            if (!c->closing) process(c);  // requests pipelined behind it
        }
        if (queued && on_queued) on_queued();
    }

    void respond(Conn* c, const WebhookResponse& w) {
        const bool close_now = c->close_after;
        std::string out = fmt::format(
            "HTTP/1.1 {} {}\r\nContent-Type: application/json; charset=utf-8\r\n"
            "Content-Length: {}\r\n{}\r\n",
            w.status, reason_phrase(w.status), w.body.size(),
            close_now ? "Connection: close\r\n" : "");
        out += w.body;
        std::size_t sent = 0;
        if (!close_now && evbuffer_get_length(bufferevent_get_output(c->bev)) == 0) {
            // Nothing queued before it: write now, without registering for writability (an
            // answer fits the socket buffer); the rest, if any, goes through the bufferevent.
            const ssize_t n = ::send(bufferevent_getfd(c->bev), out.data(), out.size(),
                                     MSG_NOSIGNAL | MSG_DONTWAIT);
            if (n > 0) sent = static_cast<std::size_t>(n);
        }
        if (sent < out.size()) bufferevent_write(c->bev, out.data() + sent, out.size() - sent);
        const double secs = std::chrono::duration<double>(Clock::now() - c->started).count();
        record_webhook(c->channel, w, secs);
        if (log::enabled(log::Level::kInfo))
            log::info("http.request", {{"method", "POST"},
                                       {"path", c->path},
                                       {"status", w.status},
                                       {"latency_ms", secs * 1000}});
        if (close_now) {
            c->closing = true;
            bufferevent_disable(c->bev, EV_READ);
        }
    }

    static void on_conn_read(bufferevent*, void* ctx) {
        auto* c = static_cast<Conn*>(ctx);
        c->front->process(c);
    }

    static void on_conn_write(bufferevent* bev, void* ctx) {
        auto* c = static_cast<Conn*>(ctx);
        if (c->closing && evbuffer_get_length(bufferevent_get_output(bev)) == 0) c->front->close(c);
    }

    static void on_conn_event(bufferevent*, short what, void* ctx) {
        auto* c = static_cast<Conn*>(ctx);
        if (what & BEV_EVENT_EOF) {
            // A client that half-closed after its request still gets the answer.
            if (c->waiting) {
                c->close_after = true;
                return;
            }
            if (evbuffer_get_length(bufferevent_get_output(c->bev)) > 0) {
                c->closing = true;
                return;
            }
        }
        if ((what & BEV_EVENT_TIMEOUT) && (what & BEV_EVENT_READING) && c->waiting) {
            // Reading stays on while a webhook commits, so its read timer runs: silence then is
            // the client waiting for our answer, not an idle connection. libevent disabled
            // reading when the timer fired; turn it back on (this costs only on a slow commit).
            bufferevent_enable(c->bev, EV_READ);
            return;
        }
        if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR | BEV_EVENT_TIMEOUT)) c->front->close(c);
    }

    // --- pipes to the full server ------------------------------------------------------

    void to_pipe(Conn* c) {
        bufferevent* client = c->bev;
        c->bev = nullptr;
        close(c);
        bufferevent* backend = bufferevent_socket_new(base, -1, BEV_OPT_CLOSE_ON_FREE);
        if (!backend ||
            bufferevent_socket_connect(backend, reinterpret_cast<sockaddr*>(&backend_addr),
                                       static_cast<int>(backend_len)) < 0) {
            log::error("http.pipe_failed", {{"port", options.backend_port}});
            if (backend) bufferevent_free(backend);
            bufferevent_free(client);
            return;
        }
        auto* p = new Pipe;
        p->front = this;
        p->client = {p, client, &p->backend};
        p->backend = {p, backend, &p->client};
        pipes.insert(p);
        // The full server applies its own read timeouts; a stuck reader is cut off here.
        const timeval wt = seconds(options.write_timeout_s);
        bufferevent_set_timeouts(client, nullptr, &wt);
        bufferevent_setcb(client, &Impl::on_pipe_read, nullptr, &Impl::on_pipe_event, &p->client);
        bufferevent_setcb(backend, &Impl::on_pipe_read, nullptr, &Impl::on_pipe_event, &p->backend);
        bufferevent_enable(client, EV_READ | EV_WRITE);
        bufferevent_enable(backend, EV_READ | EV_WRITE);
        on_pipe_read(client, &p->client);  // what was read already goes first
    }

    /// Frees one side; the pipe goes with its last side (do not touch `s` afterwards).
    static void free_side(PipeSide* s) {
        if (s->bev) bufferevent_free(s->bev);
        s->bev = nullptr;
        Pipe* p = s->pipe;
        if (!p->client.bev && !p->backend.bev) {
            p->front->pipes.erase(p);
            delete p;
        }
    }

    static void on_pipe_read(bufferevent* bev, void* ctx) {
        auto* s = static_cast<PipeSide*>(ctx);
        evbuffer* src = bufferevent_get_input(bev);
        if (!s->partner->bev) {
            evbuffer_drain(src, evbuffer_get_length(src));
            return;
        }
        evbuffer* dst = bufferevent_get_output(s->partner->bev);
        evbuffer_add_buffer(dst, src);
        if (evbuffer_get_length(dst) >= kPipeHighWater) {
            // Stop reading here until the partner has written half of it.
            bufferevent_setcb(s->partner->bev, &Impl::on_pipe_read, &Impl::on_pipe_drained,
                              &Impl::on_pipe_event, s->partner);
            bufferevent_setwatermark(s->partner->bev, EV_WRITE, kPipeHighWater / 2, kPipeHighWater);
            bufferevent_disable(bev, EV_READ);
        }
    }

    static void on_pipe_drained(bufferevent* bev, void* ctx) {
        auto* s = static_cast<PipeSide*>(ctx);
        bufferevent_setcb(bev, &Impl::on_pipe_read, nullptr, &Impl::on_pipe_event, s);
        bufferevent_setwatermark(bev, EV_WRITE, 0, 0);
        if (s->partner->bev) bufferevent_enable(s->partner->bev, EV_READ);
    }

    static void on_pipe_close_when_flushed(bufferevent* bev, void* ctx) {
        if (evbuffer_get_length(bufferevent_get_output(bev)) == 0)
            free_side(static_cast<PipeSide*>(ctx));
    }

    static void on_pipe_event(bufferevent* bev, short what, void* ctx) {
        auto* s = static_cast<PipeSide*>(ctx);
        if (!(what & (BEV_EVENT_EOF | BEV_EVENT_ERROR | BEV_EVENT_TIMEOUT))) return;
        PipeSide* partner = s->partner;
        if (partner->bev) {
            on_pipe_read(bev, s);  // what this side sent last still reaches the other
            if (evbuffer_get_length(bufferevent_get_output(partner->bev)) > 0) {
                bufferevent_setcb(partner->bev, nullptr, &Impl::on_pipe_close_when_flushed,
                                  &Impl::on_pipe_event, partner);
                bufferevent_disable(partner->bev, EV_READ);
            } else {
                free_side(partner);
            }
        }
        free_side(s);
    }

    /// Every client connection and pipe, at once. The sockets are shut down here because
    /// bufferevent_free() leaves the close to a finalizer that only a running loop (or
    /// event_base_free()) executes.
    void close_all() {
        const auto shut = [](bufferevent* bev) {
            if (!bev) return;
            const evutil_socket_t fd = bufferevent_getfd(bev);
            if (fd >= 0) ::shutdown(fd, SHUT_RDWR);
            bufferevent_free(bev);
        };
        for (auto& [id, c] : conns) shut(c->bev);
        conns.clear();
        for (Pipe* p : pipes) {
            shut(p->client.bev);
            shut(p->backend.bev);
            delete p;
        }
        pipes.clear();
    }

    // --- the mailbox and stop events ---------------------------------------------------

    static void on_mailbox(evutil_socket_t, short, void* ctx) {
        static_cast<Impl*>(ctx)->drain_mailbox();
    }
    static void on_stop(evutil_socket_t, short, void* ctx) {
        event_base_loopbreak(static_cast<Impl*>(ctx)->base);
    }
    static void on_accept(evconnlistener*, evutil_socket_t fd, sockaddr*, int, void* ctx) {
        static_cast<Impl*>(ctx)->accept(fd);
    }
    /// accept() failed: out of file descriptors (EMFILE, ENFILE) or memory. The listening
    /// socket stays readable, so the loop would spin on it: pause accepting for 100 ms.
    static void on_accept_error(evconnlistener* l, void* ctx) {
        auto* self = static_cast<Impl*>(ctx);
        const int err = EVUTIL_SOCKET_ERROR();
        log::warn("http.accept_failed", {{"error", evutil_socket_error_to_string(err)}});
        evconnlistener_disable(l);
        const timeval pause{0, 100'000};
        event_add(self->resume_accept, &pause);
    }
    static void on_resume_accept(evutil_socket_t, short, void* ctx) {
        auto* self = static_cast<Impl*>(ctx);
        if (self->listener) evconnlistener_enable(self->listener);
    }
};

HttpFront::HttpFront(Options options, const Config& config, WebhookService* webhooks,
                     std::function<void()> on_queued)
    : impl_(std::make_unique<Impl>(std::move(options), config, webhooks, std::move(on_queued))) {
    static std::once_flag threads_once;
    std::call_once(threads_once, [] {
        evthread_use_pthreads();   // event_active() from the writer thread
        signal(SIGPIPE, SIG_IGN);  // a client gone mid-answer is an error, not a signal
    });
    // The changelist folds an event added and deleted within one loop turn into no syscall.
    event_config* cfg = event_config_new();
    event_config_set_flag(cfg, EVENT_BASE_FLAG_EPOLL_USE_CHANGELIST);
    impl_->base = event_base_new_with_config(cfg);
    event_config_free(cfg);
    if (!impl_->base) throw std::runtime_error("cannot create the event loop");
    impl_->mailbox->wake = event_new(impl_->base, -1, 0, &Impl::on_mailbox, impl_.get());
    impl_->stop_event = event_new(impl_->base, -1, 0, &Impl::on_stop, impl_.get());
    impl_->resume_accept = evtimer_new(impl_->base, &Impl::on_resume_accept, impl_.get());

    sockaddr_in* b = reinterpret_cast<sockaddr_in*>(&impl_->backend_addr);
    b->sin_family = AF_INET;
    b->sin_port = htons(static_cast<std::uint16_t>(impl_->options.backend_port));
    b->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    impl_->backend_len = sizeof(sockaddr_in);
}

HttpFront::~HttpFront() {
    {
        std::lock_guard lock(impl_->mailbox->mu);
        impl_->mailbox->closed = true;
    }
    impl_->close_all();
    if (impl_->listener) evconnlistener_free(impl_->listener);
    {
        std::lock_guard lock(impl_->mailbox->mu);
        event_free(impl_->mailbox->wake);
        impl_->mailbox->wake = nullptr;
    }
    event_free(impl_->stop_event);
    event_free(impl_->resume_accept);
    event_base_free(impl_->base);
}

int HttpFront::bind() {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE;
    addrinfo* res = nullptr;
    const std::string port = std::to_string(impl_->options.port);
    if (getaddrinfo(impl_->options.listen.c_str(), port.c_str(), &hints, &res) != 0 || !res)
        throw std::runtime_error(fmt::format("cannot resolve {}", impl_->options.listen));
    impl_->listener =
        evconnlistener_new_bind(impl_->base, &Impl::on_accept, impl_.get(),
                                LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE | LEV_OPT_CLOSE_ON_EXEC,
                                1024, res->ai_addr, static_cast<int>(res->ai_addrlen));
    freeaddrinfo(res);
    if (!impl_->listener)
        throw std::runtime_error(fmt::format("cannot listen on {}:{} (port in use?)",
                                             impl_->options.listen, impl_->options.port));
    evconnlistener_set_error_cb(impl_->listener, &Impl::on_accept_error);
    // Each connection needs a descriptor, a piped one two: use what the hard limit allows,
    // and refuse connections (close at once) before accept() itself starts failing.
    rlimit fds{};
    if (getrlimit(RLIMIT_NOFILE, &fds) == 0) {
        if (fds.rlim_cur < fds.rlim_max) {
            fds.rlim_cur = fds.rlim_max;
            setrlimit(RLIMIT_NOFILE, &fds);
            getrlimit(RLIMIT_NOFILE, &fds);
        }
        if (fds.rlim_cur != RLIM_INFINITY && fds.rlim_cur > 128) {
            const auto usable = static_cast<std::size_t>((fds.rlim_cur - 64) / 2);
            impl_->options.max_connections = std::min(impl_->options.max_connections, usable);
        }
    }
    sockaddr_storage bound{};
    socklen_t len = sizeof bound;
    getsockname(evconnlistener_get_fd(impl_->listener), reinterpret_cast<sockaddr*>(&bound), &len);
    if (bound.ss_family == AF_INET6)
        return ntohs(reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port);
    return ntohs(reinterpret_cast<sockaddr_in*>(&bound)->sin_port);
}

void HttpFront::run() {
    event_base_dispatch(impl_->base);
    // Close what the loop no longer serves now, not when the front is destroyed: a pipe left
    // open keeps a thread of the full server in its keep-alive wait (5 s), which delays the
    // stop of the full server that the caller is about to wait for. One more pass of the loop
    // runs the finalizers that close the sockets of bufferevents freed just before the stop
    // (libevent closes them from the loop, not in bufferevent_free()).
    if (impl_->listener) evconnlistener_disable(impl_->listener);
    impl_->close_all();
    event_base_loop(impl_->base, EVLOOP_NONBLOCK);
}

void HttpFront::stop() {
    // An active event survives until the loop runs it, so a stop before run() is not lost
    // (event_base_loopbreak() before the loop starts would be).
    event_active(impl_->stop_event, EV_READ, 0);
}

}  // namespace tcns::bot
