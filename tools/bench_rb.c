/*
 * bench_rb.c - the Redis ceiling as the project's targets state it: the same
 * command run by redis-benchmark (-c 50 -P 1), for --redis-benchmark.
 * "{{n}}" becomes redis-benchmark's __rand_int__ (with -r), so each call
 * differs the way the service's calls do.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench.h"

/* `s` with every "{{n}}" replaced by "__rand_int__"; caller frees. */
static char *with_rand(const char *s, size_t len)
{
    size_t cap = len * 4 + 1, o = 0;
    char *out = malloc(cap);

    for (size_t i = 0; out && i < len;) {
        if (i + 5 <= len && memcmp(s + i, "{{n}}", 5) == 0) {
            memcpy(out + o, "__rand_int__", 12);
            o += 12;
            i += 5;
        } else {
            out[o++] = s[i++];
        }
    }
    if (out)
        out[o] = '\0';
    return out;
}

double bench_redis_benchmark(const bench_redis_url *url, const kefu_bench_ceiling *cmd, int clients,
                             long requests, char *err, size_t errlen)
{
    char *argv[KEFU_BENCH_MAX_ARGS + 24], port[16], cl[16], n[24], db[16];
    char out[8192];
    int pipefd[2], argc = 0, status;
    size_t len = 0;
    ssize_t r;
    pid_t pid;
    double rps = -1;

    snprintf(port, sizeof(port), "%d", url->port);
    snprintf(cl, sizeof(cl), "%d", clients);
    snprintf(n, sizeof(n), "%ld", requests);
    snprintf(db, sizeof(db), "%d", url->db);
    argv[argc++] = "redis-benchmark";
    if (url->path[0]) {
        argv[argc++] = "-s";
        argv[argc++] = (char *)url->path;
    } else {
        argv[argc++] = "-h";
        argv[argc++] = (char *)url->host;
        argv[argc++] = "-p";
        argv[argc++] = port;
    }
    if (url->password[0]) {
        argv[argc++] = "-a";
        argv[argc++] = (char *)url->password;
        if (url->user[0]) {
            argv[argc++] = "--user";
            argv[argc++] = (char *)url->user;
        }
    }
    argv[argc++] = "--dbnum";
    argv[argc++] = db;
    argv[argc++] = "-c";
    argv[argc++] = cl;
    argv[argc++] = "-P";
    argv[argc++] = "1";
    argv[argc++] = "-n";
    argv[argc++] = n;
    argv[argc++] = "-r";
    argv[argc++] = "100000000";
    argv[argc++] = "--csv";
    int first_arg = argc;
    for (int i = 0; i < cmd->argc; i++)
        argv[argc++] = with_rand(cmd->argv[i], cmd->argvlen[i]);
    argv[argc] = NULL;

    if (pipe(pipefd) != 0) {
        snprintf(err, errlen, "pipe failed");
        goto out;
    }
    pid = fork();
    if (pid == 0) {
        dup2(pipefd[1], 1);
        close(pipefd[0]);
        close(pipefd[1]);
        execvp(argv[0], argv);
        _exit(127);
    }
    close(pipefd[1]);
    while (len < sizeof(out) - 1 && (r = read(pipefd[0], out + len, sizeof(out) - 1 - len)) > 0)
        len += (size_t)r;
    out[len] = '\0';
    close(pipefd[0]);
    waitpid(pid, &status, 0);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        snprintf(err, errlen, "redis-benchmark failed (is redis-tools installed?)");
        goto out;
    }
    /* CSV: a header line, then "name","rps", and six more numbers. The name
     * is the command itself and may hold quotes and commas, so count the
     * separators from the end of the line. */
    {
        char *end = out + len, *p;
        int seps = 0;
        while (end > out && (end[-1] == '\n' || end[-1] == '\r'))
            *--end = '\0';
        for (p = end; p > out + 2; p--) {
            if (p[-3] == '"' && p[-2] == ',' && p[-1] == '"' && ++seps == 7)
                break;
        }
        if (seps == 7)
            rps = strtod(p, NULL); /* p is just after the opening quote of rps */
        if (rps <= 0)
            snprintf(err, errlen, "unexpected redis-benchmark output");
    }
out:
    for (int i = first_arg; i < argc; i++)
        free(argv[i]);
    return rps;
}
