// A small C shim for the Linux calls Swift cannot import cleanly: epoll's
// packed `struct epoll_event`, eventfd, and a few socket helpers.
#ifndef CHOOKWIREPOSIX_H
#define CHOOKWIREPOSIX_H

#include <stdint.h>
#include <sys/types.h>
#include <sys/uio.h>

/// One readiness event, unpacked: `events` bits and the 64-bit user datum.
typedef struct {
  uint32_t events;
  uint64_t data;
} hw_epoll_event;

enum {
  HW_EPOLLIN = 0x001,
  HW_EPOLLOUT = 0x004,
  HW_EPOLLERR = 0x008,
  HW_EPOLLHUP = 0x010,
  HW_EPOLLRDHUP = 0x2000,
  HW_EPOLL_CTL_ADD = 1,
  HW_EPOLL_CTL_DEL = 2,
  HW_EPOLL_CTL_MOD = 3,
};

/// `epoll_create1(EPOLL_CLOEXEC)`.
int hw_epoll_create(void);
/// `epoll_ctl` with the event given unpacked.
int hw_epoll_ctl(int epfd, int op, int fd, uint32_t events, uint64_t data);
/// `epoll_wait` into unpacked events; at most 256 per call.
int hw_epoll_wait(int epfd, hw_epoll_event *events, int max_events, int timeout_ms);

/// `eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)`.
int hw_eventfd(void);
/// Adds 1 to an eventfd's counter.
int hw_eventfd_signal(int fd);
/// Reads (and so resets) an eventfd's counter.
int hw_eventfd_drain(int fd);

/// A non-blocking, close-on-exec TCP socket for IPv4 (`ipv6` = 0) or IPv6.
int hw_tcp_socket(int ipv6);
/// Sets an integer socket option.
int hw_setsockopt_int(int fd, int level, int name, int value);
/// Binds to `host:port` (numeric host) and listens; returns the fd or -1.
int hw_bind_listen(int fd, const char *host, int port, int backlog, int reuse_port);
/// The local port a socket is bound to, or -1.
int hw_local_port(int fd);
/// `accept4` with `SOCK_NONBLOCK | SOCK_CLOEXEC`.
int hw_accept(int fd);
/// `hw_accept` that also reports the peer's address: 4 bytes (`*family` =
/// 4) or 16 bytes (`*family` = 6) into `address`, or `*family` = 0 when the
/// peer is neither IPv4 nor IPv6.
int hw_accept_peer(int fd, uint8_t address[16], int *family);

/// Fixes glibc malloc's trim and mmap thresholds (`mallopt`), which also
/// stops their dynamic adjustment; returns 1 when both were accepted.
int hw_malloc_thresholds(long trim_bytes, long mmap_bytes);
/// Gives every malloc arena's free pages back to the kernel (`malloc_trim(0)`);
/// returns 1 when some memory was released.
int hw_malloc_trim(void);
/// Starts a non-blocking connect to `host:port` (numeric host).
int hw_connect(int fd, const char *host, int port);
/// The pending error of a socket (`SO_ERROR`), or -1.
int hw_socket_error(int fd);
/// Whether `host` is a numeric IPv6 address.
int hw_is_ipv6(const char *host);

#endif
