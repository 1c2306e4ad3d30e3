/* rawhttp.c - see rawhttp.h. */
#include "rawhttp.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "strutil.h"

/* "http://A.B.C.D:PORT[/...]" into sin. */
static int addr_of(const char *base_url, struct sockaddr_in *sin)
{
    const char *p = strstr(base_url, "://");
    p = p ? p + 3 : base_url;
    const char *colon = strchr(p, ':');
    if (!colon || (size_t)(colon - p) >= 64)
        return -1;
    char host[64], port[8];
    memcpy(host, p, (size_t)(colon - p));
    host[colon - p] = '\0';
    size_t pl = strcspn(colon + 1, "/");
    if (!pl || pl >= sizeof port)
        return -1;
    memcpy(port, colon + 1, pl);
    port[pl] = '\0';
    int64_t pn;
    if (parse_i64(port, 1, 65535, &pn))
        return -1;
    memset(sin, 0, sizeof *sin);
    sin->sin_family = AF_INET;
    sin->sin_port = htons((uint16_t)pn);
    if (!strcmp(host, "localhost"))
        snprintf(host, sizeof host, "127.0.0.1");
    return inet_pton(AF_INET, host, &sin->sin_addr) == 1 ? 0 : -1;
}

int rawhttp_connect(const char *base_url, const char *src, int timeout_ms)
{
    struct sockaddr_in to;
    if (addr_of(base_url, &to)) {
        errno = EINVAL;
        return -1;
    }
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    if (src) {
        struct sockaddr_in from = {.sin_family = AF_INET};
        if (inet_pton(AF_INET, src, &from.sin_addr) != 1 ||
            bind(fd, (struct sockaddr *)&from, sizeof from)) {
            close(fd);
            errno = EINVAL;
            return -1;
        }
    }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    int fl = fcntl(fd, F_GETFL);
    fcntl(fd, F_SETFL, fl | O_NONBLOCK);
    int rc = connect(fd, (struct sockaddr *)&to, sizeof to);
    if (rc && errno == EINPROGRESS) {
        struct pollfd pf = {fd, POLLOUT, 0};
        int err = 0;
        socklen_t el = sizeof err;
        if (poll(&pf, 1, timeout_ms) == 1 && !getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &el) &&
            !err)
            rc = 0;
        else
            errno = err ? err : ETIMEDOUT;
    }
    if (rc) {
        int e = errno;
        close(fd);
        errno = e;
        return -1;
    }
    fcntl(fd, F_SETFL, fl);
    return fd;
}

int rawhttp_send(int fd, const void *p, size_t n)
{
    const char *c = p;
    while (n) {
        ssize_t w = send(fd, c, n, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        c += w;
        n -= (size_t)w;
    }
    return 0;
}

static int read_some(int fd, struct buf *out, int timeout_ms)
{
    struct pollfd pf = {fd, POLLIN, 0};
    int pr = poll(&pf, 1, timeout_ms);
    if (pr == 0)
        return 0;
    if (pr < 0)
        return -1;
    char tmp[16384];
    ssize_t r = recv(fd, tmp, sizeof tmp, 0);
    if (r == 0 || (r < 0 && errno == ECONNRESET))
        return 1;
    if (r < 0)
        return -1;
    if (buf_append(out, tmp, (size_t)r))
        return 1;
    return 2;
}

int rawhttp_read(int fd, struct buf *out, int timeout_ms)
{
    for (;;) {
        int r = read_some(fd, out, timeout_ms);
        if (r != 2)
            return r;
    }
}

/* The length of a whole response at the start of p, or 0. */
static size_t whole_response(const char *p, size_t n)
{
    const char *end = memmem(p, n, "\r\n\r\n", 4);
    if (!end)
        return 0;
    size_t head = (size_t)(end - p) + 4, clen = 0;
    for (const char *l = p; l && l < end; l = memchr(l, '\n', (size_t)(end - l))) {
        if (*l == '\n')
            l++;
        if (!strncasecmp(l, "Content-Length:", 15)) {
            int64_t v;
            char num[24];
            size_t k = 0;
            for (const char *d = l + 15; d < end && k + 1 < sizeof num && *d != '\r'; d++)
                if (*d != ' ')
                    num[k++] = *d;
            num[k] = '\0';
            if (!parse_i64(num, 0, 1 << 30, &v))
                clen = (size_t)v;
        }
    }
    return n >= head + clen ? head + clen : 0;
}

int rawhttp_read_response(int fd, struct buf *out, int timeout_ms)
{
    for (;;) {
        if (out->len && whole_response(out->ptr, out->len))
            break;
        if (read_some(fd, out, timeout_ms) != 2)
            break;
    }
    int status = 0;
    if (out->len > 12 && !strncmp(out->ptr, "HTTP/1.", 7))
        for (size_t i = 9; i < 12 && out->ptr[i] >= '0' && out->ptr[i] <= '9'; i++)
            status = status * 10 + (out->ptr[i] - '0');
    return status;
}

size_t rawhttp_count_status(const char *p, size_t n)
{
    size_t count = 0;
    for (size_t i = 0; i + 12 <= n; i++)
        if ((i == 0 || p[i - 1] == '\n') && !strncmp(p + i, "HTTP/1.", 7) && p[i + 8] == ' ')
            count++;
    return count;
}
