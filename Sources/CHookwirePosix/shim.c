#define _GNU_SOURCE
#include "CHookwirePosix.h"

#include <arpa/inet.h>
#include <errno.h>
#include <malloc.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

int hw_epoll_create(void) { return epoll_create1(EPOLL_CLOEXEC); }

int hw_epoll_ctl(int epfd, int op, int fd, uint32_t events, uint64_t data) {
  struct epoll_event event;
  memset(&event, 0, sizeof(event));
  event.events = events;
  event.data.u64 = data;
  return epoll_ctl(epfd, op, fd, &event);
}

int hw_epoll_wait(int epfd, hw_epoll_event *events, int max_events, int timeout_ms) {
  struct epoll_event raw[256];
  if (max_events > 256) max_events = 256;
  int n = epoll_wait(epfd, raw, max_events, timeout_ms);
  for (int i = 0; i < n; i++) {
    events[i].events = raw[i].events;
    events[i].data = raw[i].data.u64;
  }
  return n;
}

int hw_eventfd(void) { return eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK); }

int hw_eventfd_signal(int fd) {
  uint64_t one = 1;
  return (int)write(fd, &one, sizeof(one));
}

int hw_eventfd_drain(int fd) {
  uint64_t value;
  return (int)read(fd, &value, sizeof(value));
}

int hw_tcp_socket(int ipv6) {
  return socket(ipv6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
}

int hw_setsockopt_int(int fd, int level, int name, int value) {
  return setsockopt(fd, level, name, &value, sizeof(value));
}

static int fill_address(const char *host, int port, struct sockaddr_storage *storage, socklen_t *length) {
  memset(storage, 0, sizeof(*storage));
  struct sockaddr_in *v4 = (struct sockaddr_in *)storage;
  if (inet_pton(AF_INET, host, &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons((uint16_t)port);
    *length = sizeof(*v4);
    return 0;
  }
  struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)storage;
  if (inet_pton(AF_INET6, host, &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons((uint16_t)port);
    *length = sizeof(*v6);
    return 0;
  }
  errno = EINVAL;
  return -1;
}

int hw_is_ipv6(const char *host) {
  struct in6_addr address;
  return inet_pton(AF_INET6, host, &address) == 1;
}

int hw_bind_listen(int fd, const char *host, int port, int backlog, int reuse_port) {
  struct sockaddr_storage storage;
  socklen_t length;
  if (fill_address(host, port, &storage, &length) != 0) return -1;
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  if (reuse_port) setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one));
  if (bind(fd, (struct sockaddr *)&storage, length) != 0) return -1;
  if (listen(fd, backlog) != 0) return -1;
  return fd;
}

int hw_local_port(int fd) {
  struct sockaddr_storage storage;
  socklen_t length = sizeof(storage);
  if (getsockname(fd, (struct sockaddr *)&storage, &length) != 0) return -1;
  if (storage.ss_family == AF_INET) return ntohs(((struct sockaddr_in *)&storage)->sin_port);
  if (storage.ss_family == AF_INET6) return ntohs(((struct sockaddr_in6 *)&storage)->sin6_port);
  return -1;
}

int hw_accept(int fd) { return accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC); }

int hw_accept_peer(int fd, uint8_t address[16], int *family) {
  struct sockaddr_storage storage;
  socklen_t length = sizeof(storage);
  memset(&storage, 0, sizeof(storage));
  int client = accept4(fd, (struct sockaddr *)&storage, &length, SOCK_NONBLOCK | SOCK_CLOEXEC);
  *family = 0;
  if (client < 0) return client;
  if (storage.ss_family == AF_INET) {
    memcpy(address, &((struct sockaddr_in *)&storage)->sin_addr, 4);
    *family = 4;
  } else if (storage.ss_family == AF_INET6) {
    memcpy(address, &((struct sockaddr_in6 *)&storage)->sin6_addr, 16);
    *family = 6;
  }
  return client;
}

int hw_malloc_trim(void) { return malloc_trim(0); }

int hw_connect(int fd, const char *host, int port) {
  struct sockaddr_storage storage;
  socklen_t length;
  if (fill_address(host, port, &storage, &length) != 0) return -1;
  return connect(fd, (struct sockaddr *)&storage, length);
}

int hw_socket_error(int fd) {
  int error = 0;
  socklen_t length = sizeof(error);
  if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length) != 0) return -1;
  return error;
}

int hw_malloc_thresholds(long trim_bytes, long mmap_bytes) {
  return mallopt(M_TRIM_THRESHOLD, (int)trim_bytes) == 1 && mallopt(M_MMAP_THRESHOLD, (int)mmap_bytes) == 1;
}
