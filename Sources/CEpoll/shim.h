#ifndef CEPOLL_SHIM_H
#define CEPOLL_SHIM_H
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/epoll.h>

/// `struct epoll_event` is packed on x86-64; these helpers keep its layout on the C side and
/// hand Swift plain integers (the registration token and the event mask).

static inline int cepoll_create(void) {
    return epoll_create1(EPOLL_CLOEXEC);
}

static inline int cepoll_ctl(int epfd, int op, int fd, uint32_t events, uint64_t token) {
    struct epoll_event ev;
    ev.events = events;
    ev.data.u64 = token;
    return epoll_ctl(epfd, op, fd, op == EPOLL_CTL_DEL ? NULL : &ev);
}

/// Non-blocking wait: up to `max` (at most 256) ready events into `tokens`/`masks`.
static inline int cepoll_poll(int epfd, uint64_t *tokens, uint32_t *masks, int max) {
    struct epoll_event evs[256];
    if (max > 256) max = 256;
    int n = epoll_wait(epfd, evs, max, 0);
    for (int i = 0; i < n; i++) {
        tokens[i] = evs[i].data.u64;
        masks[i] = evs[i].events;
    }
    return n;
}

static const uint32_t CEPOLL_IN = EPOLLIN;
static const uint32_t CEPOLL_PRI = EPOLLPRI;
static const uint32_t CEPOLL_OUT = EPOLLOUT;
static const uint32_t CEPOLL_ERR = EPOLLERR;
static const uint32_t CEPOLL_HUP = EPOLLHUP;
static const uint32_t CEPOLL_RDHUP = EPOLLRDHUP;
static const uint32_t CEPOLL_ONESHOT = EPOLLONESHOT;
static const int CEPOLL_CTL_ADD = EPOLL_CTL_ADD;
static const int CEPOLL_CTL_MOD = EPOLL_CTL_MOD;
static const int CEPOLL_CTL_DEL = EPOLL_CTL_DEL;
#endif
