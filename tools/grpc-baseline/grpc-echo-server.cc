/*
 * grpc-echo-server - the baseline kefu's throughput target is stated against:
 * a gRPC C++ async unary echo server (kefu.bench.Echo/Say returns its
 * request), written the standard way of gRPC's greeter_async_server example:
 * one CallData state machine per call (CREATE -> PROCESS -> FINISH), driven by
 * completion queues. Here there is one ServerCompletionQueue per thread, each
 * drained by its own thread, and each queue has --prepost calls requested up
 * front so an arriving call never waits for a thread to post the next
 * request (gRPC's own qps benchmark server does the same, with thousands).
 *
 * Insecure credentials, loopback only. SIGINT/SIGTERM shut it down cleanly.
 */
#include <atomic>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <getopt.h>
#include <pthread.h>

#include <grpcpp/grpcpp.h>

#include "echo.grpc.pb.h"

using kefu::bench::Echo;
using kefu::bench::Msg;

namespace
{

std::atomic<bool> shutting_down{false};

/* One call's life, as in gRPC's async server example. */
class CallData
{
  public:
    CallData(Echo::AsyncService *service, grpc::ServerCompletionQueue *cq)
        : service_(service), cq_(cq), responder_(&ctx_)
    {
        Proceed(true);
    }

    void Proceed(bool ok)
    {
        switch (state_) {
        case CREATE:
            state_ = PROCESS;
            service_->RequestSay(&ctx_, &request_, &responder_, cq_, cq_, this);
            break;
        case PROCESS:
            if (!ok) { /* the server is shutting down: no call came */
                delete this;
                return;
            }
            /* Keep one request posted per finished one, so the pool stays full. */
            if (!shutting_down.load(std::memory_order_relaxed))
                new CallData(service_, cq_);
            reply_.mutable_text()->swap(*request_.mutable_text());
            state_ = FINISH;
            responder_.Finish(reply_, grpc::Status::OK, this);
            break;
        case FINISH:
            delete this;
            break;
        }
    }

  private:
    Echo::AsyncService *service_;
    grpc::ServerCompletionQueue *cq_;
    grpc::ServerContext ctx_;
    Msg request_;
    Msg reply_;
    grpc::ServerAsyncResponseWriter<Msg> responder_;
    enum { CREATE, PROCESS, FINISH } state_ = CREATE;
};

void serve(grpc::ServerCompletionQueue *cq)
{
    void *tag;
    bool ok;
    while (cq->Next(&tag, &ok))
        static_cast<CallData *>(tag)->Proceed(ok);
}

const char usage[] = "usage: grpc-echo-server [--port PORT] [--threads N] [--prepost N]\n"
                     "\n"
                     "A gRPC C++ async (completion-queue) unary echo server on 127.0.0.1:PORT,\n"
                     "the baseline tools/bench-compare measures kefu against.\n"
                     "\n"
                     "  --port PORT     TCP port on 127.0.0.1 (default 50051; 0 picks a free one)\n"
                     "  --threads N     completion queues, one thread each (default 2)\n"
                     "  --prepost N     calls requested up front on each queue (default 64)\n"
                     "  --help\n";

long parse_int(const char *flag, const char *s, long lo, long hi)
{
    char *end;
    long v = strtol(s, &end, 10);
    if (end == s || *end != '\0' || v < lo || v > hi) {
        fprintf(stderr, "grpc-echo-server: %s: expected an integer in %ld..%ld\n", flag, lo, hi);
        exit(2);
    }
    return v;
}

} // namespace

int main(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"port", required_argument, nullptr, 'p'},
        {"threads", required_argument, nullptr, 't'},
        {"prepost", required_argument, nullptr, 'P'},
        {"help", no_argument, nullptr, 'h'},
        {nullptr, 0, nullptr, 0},
    };
    int port = 50051;
    int threads = 2;
    int prepost = 64;
    int c;
    while ((c = getopt_long(argc, argv, "", longopts, nullptr)) != -1) {
        switch (c) {
        case 'p':
            port = (int)parse_int("--port", optarg, 0, 65535);
            break;
        case 't':
            threads = (int)parse_int("--threads", optarg, 1, 256);
            break;
        case 'P':
            prepost = (int)parse_int("--prepost", optarg, 1, 100000);
            break;
        case 'h':
            fputs(usage, stdout);
            return 0;
        default:
            fputs(usage, stderr);
            return 2;
        }
    }
    if (optind < argc) {
        fputs(usage, stderr);
        return 2;
    }

    /*
     * SIGINT/SIGTERM are blocked in every thread (gRPC's included, which
     * inherit the mask) and taken by sigwait below.
     */
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGINT);
    sigaddset(&stop, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop, nullptr);

    std::string addr = "127.0.0.1:" + std::to_string(port);
    Echo::AsyncService service;
    grpc::ServerBuilder builder;
    int bound = 0;
    builder.AddListeningPort(addr, grpc::InsecureServerCredentials(), &bound);
    builder.RegisterService(&service);
    std::vector<std::unique_ptr<grpc::ServerCompletionQueue>> cqs;
    for (int i = 0; i < threads; i++)
        cqs.push_back(builder.AddCompletionQueue());
    std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
    if (server == nullptr || bound == 0) {
        fprintf(stderr, "grpc-echo-server: cannot listen on %s\n", addr.c_str());
        return 1;
    }
    for (auto &cq : cqs)
        for (int i = 0; i < prepost; i++)
            new CallData(&service, cq.get());

    std::vector<std::thread> workers;
    for (auto &cq : cqs)
        workers.emplace_back(serve, cq.get());
    printf("grpc-echo-server: listening on 127.0.0.1:%d, %d threads, %d calls posted per queue\n",
           bound, threads, prepost);
    fflush(stdout);

    int sig = 0;
    sigwait(&stop, &sig);

    /* The server first (it fails the posted requests), then the queues. */
    shutting_down.store(true);
    server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(2));
    for (auto &cq : cqs)
        cq->Shutdown();
    for (auto &w : workers)
        w.join();
    return 0;
}
