/*
 * grpc-echo-bench - the kefu-bench of the gRPC baseline: calls/s and
 * p50/p90/p99 latency of kefu.bench.Echo/Say on grpc-echo-server at 1, 16 and
 * 64 (or any) concurrent callers, printed in kefu-bench's table and --json
 * formats with kefu-bench's own histogram (tools/bench_common.c, via hist.h).
 *
 * The load works as kefu-bench's drivers do: exactly `concurrency` calls in
 * flight, each slot issuing its next call as soon as the previous one
 * completes, until --duration has passed; the calls still in flight are then
 * awaited (each has a --timeout deadline), and calls/s is the completed calls
 * over the time from the first call to the last completion.
 *
 * gRPC side: the generic async client API (Stub::PrepareAsyncSay +
 * Finish on a CompletionQueue). --threads completion queues, each drained by
 * its own thread; --channels channels, each on its own TCP connection (a
 * local subchannel pool, so they are not merged into one). Slot i uses queue
 * i % threads and channel i % channels. Each run opens fresh channels and
 * waits for them to connect before the clock starts, as kefu-bench dials
 * before it starts.
 *
 * The defaults (2 threads, 4 channels) are gRPC's best on the 2-core machine
 * the target is set for: at 16 and 64 callers, 4 channels gave the highest
 * median calls/s of 1, 2, 4 and 8 (one HTTP/2 connection serializes its
 * framing work; 8 adds more than it spreads), and 2 client threads matched or
 * beat 3 and 4. kefu-bench uses one connection; giving gRPC more is on
 * purpose, the baseline should be gRPC at its best. Retries are disabled
 * (kefu-bench never resends either, and gRPC's retry layer costs time even
 * when no policy is configured).
 *
 * A benchmark, not a test: it prints figures and exits 0 whatever they are.
 */
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <getopt.h>

#include <cjson/cJSON.h>
#include <grpcpp/grpcpp.h>

#include "echo.grpc.pb.h"
#include "hist.h"

using kefu::bench::Echo;
using kefu::bench::Msg;

namespace
{

constexpr int kMaxLevels = 32;
constexpr int kConnectSeconds = 10; /* for each channel to connect, before a run */
constexpr const char *kMethod = "kefu.bench.Echo/Say";
constexpr const char *kTarget = "grpc";
constexpr const char *kLabel = "gRPC C++ async echo";

struct Options {
    std::string addr;
    double duration = 5;
    std::vector<int> levels{1, 16, 64};
    int timeout_ms = 5000;
    int threads = 2;
    int channels = 4;
    int payload = 64;
    bool json = false;
};

/* What one run measured; the same fields as kefu-bench's bench_result. */
struct Result {
    int concurrency = 0;
    double seconds = 0;
    uint64_t calls = 0;
    uint64_t errors = 0;
    std::string first_error;
    grpc_bench_hist *hist = nullptr;
};

struct Driver;

/* One of the `concurrency` callers: its current call and its own counters. */
struct Slot {
    Driver *d = nullptr;
    Echo::Stub *stub = nullptr;
    grpc::CompletionQueue *cq = nullptr;
    std::unique_ptr<grpc::ClientContext> ctx;
    std::unique_ptr<grpc::ClientAsyncResponseReader<Msg>> rpc;
    Msg reply;
    grpc::Status status;
    uint64_t sent_ns = 0;
    uint64_t calls = 0;
    uint64_t errors = 0;
    grpc_bench_hist *hist = nullptr;
};

struct Driver {
    Msg request;
    int timeout_ms = 0;
    uint64_t end_ns = 0;
    std::atomic<bool> error_claimed{false}; /* the first failing slot writes first_error */
    std::string first_error;
    std::mutex mu;
    std::condition_variable idle;
    int active = 0;       /* slots still calling; under mu */
    uint64_t done_ns = 0; /* when the last slot finished; under mu */
};

const char *code_name(grpc::StatusCode code)
{
    static const char *const names[] = {
        "OK",
        "CANCELLED",
        "UNKNOWN",
        "INVALID_ARGUMENT",
        "DEADLINE_EXCEEDED",
        "NOT_FOUND",
        "ALREADY_EXISTS",
        "PERMISSION_DENIED",
        "RESOURCE_EXHAUSTED",
        "FAILED_PRECONDITION",
        "ABORTED",
        "OUT_OF_RANGE",
        "UNIMPLEMENTED",
        "INTERNAL",
        "UNAVAILABLE",
        "DATA_LOSS",
        "UNAUTHENTICATED",
    };
    int i = (int)code;
    return i >= 0 && i < (int)(sizeof(names) / sizeof(names[0])) ? names[i] : "?";
}

void note_error(Driver *d, const std::string &what)
{
    if (d->error_claimed.exchange(true))
        return;
    d->first_error = what;
}

void slot_finish(Slot *s)
{
    Driver *d = s->d;
    std::lock_guard<std::mutex> lock(d->mu);
    if (--d->active == 0) {
        d->done_ns = grpc_bench_now_ns();
        d->idle.notify_all();
    }
}

void slot_issue(Slot *s)
{
    Driver *d = s->d;
    /*
     * A ClientContext serves one call only. The reader lives in the call's
     * arena, which goes with the context: release it first.
     */
    s->rpc.reset();
    s->ctx.reset(new grpc::ClientContext);
    s->ctx->set_deadline(std::chrono::system_clock::now() +
                         std::chrono::milliseconds(d->timeout_ms));
    s->reply.Clear();
    s->sent_ns = grpc_bench_now_ns();
    s->rpc = s->stub->PrepareAsyncSay(s->ctx.get(), d->request, s->cq);
    s->rpc->StartCall();
    s->rpc->Finish(&s->reply, &s->status, s);
}

/* A call completed: record it, then call again or stop. */
void slot_done(Slot *s)
{
    Driver *d = s->d;
    uint64_t now = grpc_bench_now_ns();
    grpc_bench_hist_record(s->hist, now - s->sent_ns);
    s->calls++;
    if (!s->status.ok()) {
        s->errors++;
        note_error(d, std::string(code_name(s->status.error_code())) + ": " +
                          s->status.error_message());
    } else if (s->reply.text() != d->request.text()) {
        s->errors++;
        note_error(d, "reply differs from the request");
    }
    if (now >= d->end_ns) {
        slot_finish(s);
        return;
    }
    slot_issue(s);
}

void drain(grpc::CompletionQueue *cq)
{
    void *tag;
    bool ok;
    /* Finish always completes with ok == true; the outcome is in the status. */
    while (cq->Next(&tag, &ok))
        slot_done(static_cast<Slot *>(tag));
}

/* One run at one concurrency level; false with `err` set when a channel never connects. */
bool run(const Options &o, int concurrency, Result *out, std::string *err)
{
    Driver d;
    d.request.set_text(std::string((size_t)o.payload, 'k'));
    d.timeout_ms = o.timeout_ms;

    std::vector<std::shared_ptr<grpc::Channel>> channels;
    std::vector<std::unique_ptr<Echo::Stub>> stubs;
    for (int i = 0; i < o.channels; i++) {
        grpc::ChannelArguments args;
        args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1); /* one connection per channel */
        args.SetInt(GRPC_ARG_ENABLE_RETRIES, 0);
        auto ch = grpc::CreateCustomChannel(o.addr, grpc::InsecureChannelCredentials(), args);
        if (!ch->WaitForConnected(std::chrono::system_clock::now() +
                                  std::chrono::seconds(kConnectSeconds))) {
            *err = "cannot connect to " + o.addr;
            return false;
        }
        stubs.push_back(Echo::NewStub(ch));
        channels.push_back(std::move(ch));
    }

    std::vector<std::unique_ptr<grpc::CompletionQueue>> cqs;
    for (int i = 0; i < o.threads; i++)
        cqs.emplace_back(new grpc::CompletionQueue);
    std::vector<Slot> slots((size_t)concurrency);
    for (int i = 0; i < concurrency; i++) {
        Slot &s = slots[(size_t)i];
        s.d = &d;
        s.stub = stubs[(size_t)(i % o.channels)].get();
        s.cq = cqs[(size_t)(i % o.threads)].get();
        s.hist = grpc_bench_hist_new();
        if (s.hist == nullptr) {
            fprintf(stderr, "grpc-echo-bench: out of memory\n");
            exit(1);
        }
    }
    std::vector<std::thread> workers;
    for (auto &cq : cqs)
        workers.emplace_back(drain, cq.get());

    uint64_t start = grpc_bench_now_ns();
    d.end_ns = start + (uint64_t)(o.duration * 1e9);
    d.active = concurrency;
    for (auto &s : slots)
        slot_issue(&s);
    {
        std::unique_lock<std::mutex> lock(d.mu);
        d.idle.wait(lock, [&] { return d.active == 0; });
    }
    /* Nothing is in flight any more: the queues drain empty and the threads end. */
    for (auto &cq : cqs)
        cq->Shutdown();
    for (auto &w : workers)
        w.join();

    out->concurrency = concurrency;
    out->seconds = (double)(d.done_ns - start) / 1e9;
    out->hist = grpc_bench_hist_new();
    if (out->hist == nullptr) {
        fprintf(stderr, "grpc-echo-bench: out of memory\n");
        exit(1);
    }
    for (auto &s : slots) {
        out->calls += s.calls;
        out->errors += s.errors;
        grpc_bench_hist_merge(out->hist, s.hist);
        grpc_bench_hist_free(s.hist);
    }
    out->first_error = d.first_error;
    return true;
}

double per_s(const Result &r)
{
    return r.seconds > 0 ? (double)r.calls / r.seconds : 0;
}

double round_to(double v, double unit)
{
    return (double)(long long)(v / unit + 0.5) * unit;
}

void print_table_header(const Options &o)
{
    printf("grpc-echo-bench: %s at %s, %.1f s per run, %d-byte message, %d channel%s, "
           "%d thread%s\n",
           kMethod, o.addr.c_str(), o.duration, o.payload, o.channels, o.channels == 1 ? "" : "s",
           o.threads, o.threads == 1 ? "" : "s");
    printf("%5s  %-32s %11s %10s %10s %10s %8s\n", "conc", "target", "calls/s", "p50 us", "p90 us",
           "p99 us", "errors");
}

void print_table_row(const Result &r)
{
    printf("%5d  %-32s %11.0f %10.1f %10.1f %10.1f %8llu\n", r.concurrency, kLabel, per_s(r),
           grpc_bench_hist_quantile_us(r.hist, 0.50), grpc_bench_hist_quantile_us(r.hist, 0.90),
           grpc_bench_hist_quantile_us(r.hist, 0.99), (unsigned long long)r.errors);
    if (!r.first_error.empty())
        printf("%5s   first error (%s): %s\n", "", kLabel, r.first_error.c_str());
    fflush(stdout);
}

/* The keys of kefu-bench --json, in its order. */
void print_json_row(const Result &r)
{
    cJSON *obj = cJSON_CreateObject();
    cJSON_AddNumberToObject(obj, "concurrency", r.concurrency);
    cJSON_AddStringToObject(obj, "target", kTarget);
    cJSON_AddStringToObject(obj, "label", kLabel);
    cJSON_AddStringToObject(obj, "method", kMethod);
    cJSON_AddNumberToObject(obj, "seconds", round_to(r.seconds, 0.001));
    cJSON_AddNumberToObject(obj, "calls", (double)r.calls);
    cJSON_AddNumberToObject(obj, "errors", (double)r.errors);
    cJSON_AddNumberToObject(obj, "calls_per_s", round_to(per_s(r), 0.1));
    cJSON_AddNumberToObject(obj, "p50_us", round_to(grpc_bench_hist_quantile_us(r.hist, .5), .1));
    cJSON_AddNumberToObject(obj, "p90_us", round_to(grpc_bench_hist_quantile_us(r.hist, .9), .1));
    cJSON_AddNumberToObject(obj, "p99_us", round_to(grpc_bench_hist_quantile_us(r.hist, .99), .1));
    if (!r.first_error.empty())
        cJSON_AddStringToObject(obj, "first_error", r.first_error.c_str());
    else
        cJSON_AddNullToObject(obj, "first_error");
    char *text = cJSON_PrintUnformatted(obj);
    if (text != nullptr)
        puts(text);
    cJSON_free(text);
    cJSON_Delete(obj);
    fflush(stdout);
}

const char usage[] = "usage: grpc-echo-bench --addr HOST:PORT [options]\n"
                     "\n"
                     "Measures calls/s and p50/p90/p99 latency of kefu.bench.Echo/Say on\n"
                     "grpc-echo-server at each concurrency level, in kefu-bench's formats.\n"
                     "\n"
                     "  --addr HOST:PORT      the server (e.g. 127.0.0.1:50051)\n"
                     "  --duration SECONDS    length of each run (default 5)\n"
                     "  --concurrency LIST    calls in flight, comma separated (default 1,16,64)\n"
                     "  --timeout MS          per-call deadline (default 5000)\n"
                     "  --threads N           completion queues, one thread each (default 2)\n"
                     "  --channels N          channels, one TCP connection each (default 4)\n"
                     "  --payload BYTES       length of the echoed string (default 64, about the\n"
                     "                        size of kefu-bench's sys.Health request)\n"
                     "  --json                one JSON object per row instead of a table\n"
                     "  --help\n";

bool parse_levels(const char *s, std::vector<int> *levels)
{
    levels->clear();
    while (*s != '\0') {
        char *end;
        long v = strtol(s, &end, 10);
        if (end == s || v < 1 || v > 10000 || (int)levels->size() == kMaxLevels ||
            (*end != ',' && *end != '\0'))
            return false;
        levels->push_back((int)v);
        s = *end == ',' ? end + 1 : end;
    }
    return !levels->empty();
}

long parse_int(const char *flag, const char *s, long lo, long hi)
{
    char *end;
    long v = strtol(s, &end, 10);
    if (end == s || *end != '\0' || v < lo || v > hi) {
        fprintf(stderr, "grpc-echo-bench: %s: expected an integer in %ld..%ld\n", flag, lo, hi);
        exit(2);
    }
    return v;
}

/* Returns -1 to go on, else the exit code. */
int parse_opts(int argc, char **argv, Options *o)
{
    static const struct option longopts[] = {
        {"addr", required_argument, nullptr, 'a'},
        {"duration", required_argument, nullptr, 'd'},
        {"concurrency", required_argument, nullptr, 'c'},
        {"timeout", required_argument, nullptr, 'T'},
        {"threads", required_argument, nullptr, 't'},
        {"channels", required_argument, nullptr, 'C'},
        {"payload", required_argument, nullptr, 'p'},
        {"json", no_argument, nullptr, 'j'},
        {"help", no_argument, nullptr, 'h'},
        {nullptr, 0, nullptr, 0},
    };
    int c;
    char *end;
    while ((c = getopt_long(argc, argv, "", longopts, nullptr)) != -1) {
        switch (c) {
        case 'a':
            o->addr = optarg;
            break;
        case 'd':
            o->duration = strtod(optarg, &end);
            if (*end != '\0' || !(o->duration > 0 && o->duration <= 3600)) {
                fprintf(stderr, "grpc-echo-bench: --duration: expected seconds in (0, 3600]\n");
                return 2;
            }
            break;
        case 'c':
            if (!parse_levels(optarg, &o->levels)) {
                fprintf(stderr, "grpc-echo-bench: --concurrency: expected e.g. 1,16,64 "
                                "(each 1..10000)\n");
                return 2;
            }
            break;
        case 'T':
            o->timeout_ms = (int)parse_int("--timeout", optarg, 1, 600000);
            break;
        case 't':
            o->threads = (int)parse_int("--threads", optarg, 1, 256);
            break;
        case 'C':
            o->channels = (int)parse_int("--channels", optarg, 1, 256);
            break;
        case 'p':
            o->payload = (int)parse_int("--payload", optarg, 0, 1 << 20);
            break;
        case 'j':
            o->json = true;
            break;
        case 'h':
            fputs(usage, stdout);
            return 0;
        default:
            fputs(usage, stderr);
            return 2;
        }
    }
    if (optind < argc || o->addr.empty()) {
        fprintf(stderr, "grpc-echo-bench: %s\n",
                optind < argc ? "unexpected argument" : "--addr is required");
        fputs(usage, stderr);
        return 2;
    }
    return -1;
}

} // namespace

int main(int argc, char **argv)
{
    Options o;
    int rc = parse_opts(argc, argv, &o);
    if (rc >= 0)
        return rc;

    for (size_t l = 0; l < o.levels.size(); l++) {
        Result r;
        std::string err;
        if (!run(o, o.levels[l], &r, &err)) {
            fprintf(stderr, "grpc-echo-bench: %s\n", err.c_str());
            return 1;
        }
        if (o.json) {
            print_json_row(r);
        } else {
            if (l == 0)
                print_table_header(o);
            print_table_row(r);
        }
        grpc_bench_hist_free(r.hist);
    }
    return 0;
}
