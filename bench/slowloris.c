/* slowloris.c URL CONNS ADDRS MODE SECONDS
 * Holds CONNS attacking connections to a double from ADDRS source addresses
 * (127.0.0.2 and up), reopening any the double closes, while a client at
 * 127.0.0.1 probes it (a fresh connection and GET /_mock/clock every
 * 100 ms).  MODE: "slowloris" (a request's headers, one line every 5 s,
 * never finished) or "idle" (one answered request, then an idle keep-alive
 * connection).  Prints the probes' latencies; exits 1 when a probe went
 * unanswered or took 1 s or more (issue #13, item 3).  Bounded: SECONDS
 * of run time, CONNS at most 10,000. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

struct att {
    int fd;
    int stage;             /* 0 connecting, 1 sending headers, 2 idle after answer */
    double next;           /* time of the next header line */
};

static struct sockaddr_in target;
static char hostport[64];

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static int open_from(const char *src, int nonblock)
{
    int fd = socket(AF_INET, SOCK_STREAM | (nonblock ? SOCK_NONBLOCK : 0), 0);
    if (fd < 0)
        return -1;
    struct sockaddr_in from = {.sin_family = AF_INET};
    inet_pton(AF_INET, src, &from.sin_addr);
    if (bind(fd, (struct sockaddr *)&from, sizeof from) ||
        (connect(fd, (struct sockaddr *)&target, sizeof target) && errno != EINPROGRESS)) {
        close(fd);
        return -1;
    }
    return fd;
}

/* One probe from 127.0.0.1: seconds until the whole answer, or -1. */
static double probe(void)
{
    double t0 = now();
    int fd = open_from("127.0.0.1", 0);
    if (fd < 0)
        return -1;
    struct timeval tv = {5, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    char req[256], buf[4096];
    int n = snprintf(req, sizeof req, "GET /_mock/clock HTTP/1.1\r\nHost: %s\r\n"
                     "Connection: close\r\n\r\n", hostport);
    double r = -1;
    if (send(fd, req, (size_t)n, MSG_NOSIGNAL) == n) {
        size_t got = 0;
        ssize_t k;
        while (got < sizeof buf - 1 && (k = recv(fd, buf + got, sizeof buf - 1 - got, 0)) > 0)
            got += (size_t)k;
        buf[got] = '\0';
        if (!strncmp(buf, "HTTP/1.1 200", 12))
            r = now() - t0;
    }
    close(fd);
    return r;
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
    if (argc != 6) {
        fprintf(stderr, "usage: slowloris URL CONNS ADDRS slowloris|idle SECONDS\n");
        return 2;
    }
    const char *url = strstr(argv[1], "://");
    url = url ? url + 3 : argv[1];
    snprintf(hostport, sizeof hostport, "%.60s", url);
    char host[64];
    const char *colon = strrchr(hostport, ':');
    if (!colon) return 2;
    snprintf(host, sizeof host, "%.*s", (int)(colon - hostport), hostport);
    target.sin_family = AF_INET;
    target.sin_port = htons((unsigned short)atoi(colon + 1));
    inet_pton(AF_INET, host, &target.sin_addr);
    int conns = atoi(argv[2]), addrs = atoi(argv[3]), idle = !strcmp(argv[4], "idle");
    double secs = atof(argv[5]);
    if (conns < 1 || conns > 10000 || addrs < 1 || addrs > 250 || secs <= 0 || secs > 600)
        return 2;
    struct rlimit rl;
    getrlimit(RLIMIT_NOFILE, &rl);
    rl.rlim_cur = rl.rlim_max;
    setrlimit(RLIMIT_NOFILE, &rl);

    struct att *a = calloc((size_t)conns, sizeof *a);
    char src[32];
    double start = now(), next_probe = start + 2;   /* 2 s to open the attack */
    double lat[8192];
    int nprobe = 0, failed = 0, reopened = 0;
    for (int i = 0; i < conns; i++)
        a[i].fd = -1;
    while (now() - start < secs) {
        double t = now();
        int open = 0;
        for (int i = 0; i < conns; i++) {
            struct att *x = &a[i];
            if (x->fd < 0) {
                snprintf(src, sizeof src, "127.0.0.%d", 2 + i % addrs);
                x->fd = open_from(src, 1);
                x->stage = 0;
                x->next = t;
                if (x->fd >= 0 && t > start + 2)
                    reopened++;
                continue;
            }
            /* closed by the double? */
            char tmp[4096];
            ssize_t k = recv(x->fd, tmp, sizeof tmp, MSG_DONTWAIT);
            if (k == 0 || (k < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != ENOTCONN)) {
                close(x->fd);
                x->fd = -1;
                continue;
            }
            if (k > 0 && idle)
                x->stage = 2;
            open++;
            if (x->stage == 2 || t < x->next)
                continue;
            char line[256];
            int n;
            if (x->stage == 0)
                n = idle ? snprintf(line, sizeof line, "GET /_mock/clock HTTP/1.1\r\nHost: %s\r\n\r\n",
                                    hostport)
                         : snprintf(line, sizeof line, "GET /_mock/clock HTTP/1.1\r\nHost: %s\r\n",
                                    hostport);
            else
                n = idle ? 0 : snprintf(line, sizeof line, "X-Slow-%d: 1\r\n", rand() % 1000);
            if (n > 0 && send(x->fd, line, (size_t)n, MSG_NOSIGNAL | MSG_DONTWAIT) < 0 &&
                errno != EAGAIN && errno != ENOTCONN)
                continue;
            x->stage = x->stage ? x->stage : 1;
            x->next = t + 5;
        }
        if (t >= next_probe && nprobe < 8192) {
            double l = probe();
            if (l < 0 || l >= 1.0)
                failed++;
            lat[nprobe++] = l < 0 ? 99 : l;
            next_probe = now() + 0.1;
            if (nprobe % 50 == 0)
                printf("  t=%5.1fs attack connections open %d, probes %d, failed %d\n", t - start,
                       open, nprobe, failed);
        }
        struct timespec ts = {0, 10 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    int open = 0;
    for (int i = 0; i < conns; i++)
        if (a[i].fd >= 0) {
            open++;
            close(a[i].fd);
        }
    qsort(lat, (size_t)nprobe, sizeof lat[0], cmp);
    printf("%s: %d connections from %d addresses for %.0f s (%d reopened after the double "
           "closed them; %d open at the end)\n", argv[4], conns, addrs, secs, reopened, open);
    if (nprobe)
        printf("probes from 127.0.0.1: %d, unanswered or >= 1 s: %d; latency median %.1f ms, "
               "p99 %.1f ms, max %.1f ms\n", nprobe, failed, lat[nprobe / 2] * 1e3,
               lat[nprobe * 99 / 100] * 1e3, lat[nprobe - 1] * 1e3);
    free(a);
    return failed || !nprobe ? 1 : 0;
}
