/* Sockets for the L7 proxy that Node cannot make itself (it has no setsockopt for these options):
 *   proxyListen(address, port, backlog) -> fd: a listening TCP socket with IP_TRANSPARENT, so that
 *     connections the datapath assigns to it (bpf_sk_assign) are accepted with their ORIGINAL
 *     destination as local address and the proxy can answer from it. Wrap with
 *     net.Server.listen({ fd }).
 *   proxySocket({ mark, transparent, bindAddress, portLo, portHi }) -> fd: an unconnected TCP
 *     socket for the proxy's upstream connection: SO_MARK tells the datapath the packets come from
 *     the proxy; with transparent + bindAddress it leaves with a non-local source (the original
 *     client), its port taken from [portLo, portHi]. Wrap with new net.Socket({ fd }).connect().
 *   sockName(fd) -> { address, port }.
 * Every fd is O_NONBLOCK and O_CLOEXEC; the caller owns it (fs.closeSync on failure paths).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common.h"

#ifndef IP_TRANSPARENT
#define IP_TRANSPARENT 19
#endif
#ifndef IP_BIND_ADDRESS_NO_PORT
#define IP_BIND_ADDRESS_NO_PORT 24
#endif
#ifndef IP_LOCAL_PORT_RANGE
#define IP_LOCAL_PORT_RANGE 51 /* Linux 6.3+: per-socket ephemeral range, (hi << 16) | lo */
#endif

static bool parse_ipv4(napi_env env, napi_value v, const char *what, struct in_addr *out) {
  char *s = get_string(env, v, what);
  if (!s) return false;
  int ok = inet_pton(AF_INET, s, out);
  free(s);
  if (ok != 1) {
    throw_type(env, "%s: not an IPv4 address", what);
    return false;
  }
  return true;
}

static bool set_int_opt(napi_env env, int fd, int level, int opt, int value, const char *name) {
  if (setsockopt(fd, level, opt, &value, sizeof(value)) == 0) return true;
  throw_errno(env, errno, "setsockopt", "%s", name);
  return false;
}

static int new_tcp_socket(napi_env env) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) throw_errno(env, errno, "socket", NULL);
  return fd;
}

/* proxyListen(address: string, port: number, backlog: number): number */
static napi_value proxy_listen(napi_env env, napi_callback_info info) {
  GET_ARGS(3);
  struct sockaddr_in sa = {.sin_family = AF_INET};
  uint32_t port, backlog;
  if (!parse_ipv4(env, argv[0], "address", &sa.sin_addr)) return NULL;
  if (!get_u32(env, argv[1], "port", &port)) return NULL;
  if (!get_u32(env, argv[2], "backlog", &backlog)) return NULL;
  if (port > 65535) return throw_type(env, "port: out of range");
  sa.sin_port = htons((uint16_t)port);

  int fd = new_tcp_socket(env);
  if (fd < 0) return NULL;
  if (!set_int_opt(env, fd, SOL_SOCKET, SO_REUSEADDR, 1, "SO_REUSEADDR") ||
      !set_int_opt(env, fd, SOL_IP, IP_TRANSPARENT, 1, "IP_TRANSPARENT"))
    goto fail;
  if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
    throw_errno(env, errno, "bind", "%s:%u", inet_ntoa(sa.sin_addr), port);
    goto fail;
  }
  if (listen(fd, (int)(backlog ? backlog : 511)) < 0) {
    throw_errno(env, errno, "listen", NULL);
    goto fail;
  }
  return make_u32(env, (uint32_t)fd);
fail:
  close(fd);
  return NULL;
}

static bool get_opt_u32(napi_env env, napi_value obj, const char *key, uint32_t *out, bool *present) {
  napi_value v;
  *present = false;
  if (napi_get_named_property(env, obj, key, &v) != napi_ok) return false;
  if (is_nullish(env, v)) return true;
  *present = true;
  return get_u32(env, v, key, out);
}

/* proxySocket(opts: { mark?, transparent?, bindAddress?, portLo?, portHi? }): number */
static napi_value proxy_socket(napi_env env, napi_callback_info info) {
  GET_ARGS(1);
  uint32_t mark = 0, port_lo = 0, port_hi = 0;
  bool has_mark, has_lo, has_hi, has_bind = false, transparent = false;
  struct sockaddr_in sa = {.sin_family = AF_INET};
  napi_value v;

  if (is_nullish(env, argv[0])) return throw_type(env, "options: expected an object");
  if (!get_opt_u32(env, argv[0], "mark", &mark, &has_mark) ||
      !get_opt_u32(env, argv[0], "portLo", &port_lo, &has_lo) ||
      !get_opt_u32(env, argv[0], "portHi", &port_hi, &has_hi))
    return NULL;
  if (has_lo != has_hi || port_lo > port_hi || port_hi > 65535 || (has_lo && port_lo == 0))
    return throw_type(env, "portLo/portHi: expected 1 <= portLo <= portHi <= 65535");
  if (napi_get_named_property(env, argv[0], "transparent", &v) != napi_ok) return NULL;
  if (!is_nullish(env, v) && napi_get_value_bool(env, v, &transparent) != napi_ok)
    return throw_type(env, "transparent: expected a boolean");
  if (napi_get_named_property(env, argv[0], "bindAddress", &v) != napi_ok) return NULL;
  if (!is_nullish(env, v)) {
    if (!parse_ipv4(env, v, "bindAddress", &sa.sin_addr)) return NULL;
    has_bind = true;
  }

  int fd = new_tcp_socket(env);
  if (fd < 0) return NULL;
  if (has_mark && !set_int_opt(env, fd, SOL_SOCKET, SO_MARK, (int)mark, "SO_MARK")) goto fail;
  if (transparent && !set_int_opt(env, fd, SOL_IP, IP_TRANSPARENT, 1, "IP_TRANSPARENT")) goto fail;
  if (has_lo && !set_int_opt(env, fd, SOL_IP, IP_LOCAL_PORT_RANGE, (int)((port_hi << 16) | port_lo),
                             "IP_LOCAL_PORT_RANGE"))
    goto fail;
  if (has_bind) {
    /* The port is chosen at connect(), unique for the whole 4-tuple, not just the address. */
    if (!set_int_opt(env, fd, SOL_IP, IP_BIND_ADDRESS_NO_PORT, 1, "IP_BIND_ADDRESS_NO_PORT")) goto fail;
    if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
      throw_errno(env, errno, "bind", "%s", inet_ntoa(sa.sin_addr));
      goto fail;
    }
  }
  return make_u32(env, (uint32_t)fd);
fail:
  close(fd);
  return NULL;
}

/* sockName(fd): { address, port } */
static napi_value sock_name(napi_env env, napi_callback_info info) {
  GET_ARGS(1);
  int fd;
  struct sockaddr_in sa;
  socklen_t len = sizeof(sa);
  char buf[INET_ADDRSTRLEN];
  napi_value out;

  if (!get_fd(env, argv[0], "fd", &fd)) return NULL;
  if (getsockname(fd, (struct sockaddr *)&sa, &len) < 0) return throw_errno(env, errno, "getsockname", NULL);
  if (sa.sin_family != AF_INET) return throw_errno(env, EAFNOSUPPORT, "getsockname", "not an IPv4 socket");
  inet_ntop(AF_INET, &sa.sin_addr, buf, sizeof(buf));
  if (napi_create_object(env, &out) != napi_ok) return NULL;
  if (!set_prop(env, out, "address", make_string(env, buf)) ||
      !set_prop(env, out, "port", make_u32(env, ntohs(sa.sin_port))))
    return NULL;
  return out;
}

bool init_proxy_sockets(napi_env env, napi_value exports) {
  return register_fn(env, exports, "proxyListen", proxy_listen) &&
         register_fn(env, exports, "proxySocket", proxy_socket) && register_fn(env, exports, "sockName", sock_name);
}
