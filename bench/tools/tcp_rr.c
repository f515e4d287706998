// tcp_rr: a tiny TCP request/response and streaming load tool for the datapath benchmark.
//
//   tcp_rr server [-b ADDR] [-p PORT]                 echo (rr) or sink (stream) server, one fork per connection
//   tcp_rr rr     -H HOST [-p PORT] [-l SECONDS] [-n TRANSACTIONS] [-s SIZE]
//   tcp_rr stream -H HOST [-p PORT] [-l SECONDS] [-s WRITE_SIZE]
//
// rr: one connection, SIZE-byte (default 1) ping-pong, TCP_NODELAY on both ends; stops after
// SECONDS or TRANSACTIONS (whichever first; both bounded), then half-closes and the server answers
// with the CPU time its connection process used, so the client can report CPU per transaction for
// both ends (user + system, which includes softirq work done in the process's context: on veth
// that is most of the stack, the tc programs included). Unlike a rate, CPU per transaction holds
// on a busy machine. stream: writes for SECONDS, half-closes, and the server answers with the byte
// count it received, so the rate is measured end to end.
// Results go to stdout as one JSON object. The first byte a client sends names the mode.
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MODE_RR 'R'
#define MODE_STREAM 'S'
#define MAX_SECONDS 120
#define MAX_SIZE (1 << 20)
#define HIST_BUCKETS 200000 // latency histogram: 100 ns buckets up to 20 ms, then one overflow bucket
#define WINDOW_S 0.05      // rr also counts transactions per 50 ms window (see tps_window_median)

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void die(const char *what) {
  fprintf(stderr, "tcp_rr: %s: %s\n", what, strerror(errno));
  exit(1);
}

static int read_full(int fd, void *buf, size_t n) {
  size_t got = 0;
  while (got < n) {
    ssize_t r = read(fd, (char *)buf + got, n - got);
    if (r == 0) return 0;
    if (r < 0) {
      if (errno == EINTR) continue;
      return -1;
    }
    got += (size_t)r;
  }
  return 1;
}

static int write_full(int fd, const void *buf, size_t n) {
  size_t put = 0;
  while (put < n) {
    ssize_t w = write(fd, (const char *)buf + put, n - put);
    if (w < 0) {
      if (errno == EINTR) continue;
      return -1;
    }
    put += (size_t)w;
  }
  return 0;
}

static void nodelay(int fd) {
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

static uint64_t cpu_us_self(void) {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return (uint64_t)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000 + ru.ru_utime.tv_usec + ru.ru_stime.tv_usec;
}

static void serve_conn(int fd) {
  char mode;
  if (read_full(fd, &mode, 1) != 1) return;
  if (mode == MODE_RR) {
    uint32_t size;
    if (read_full(fd, &size, sizeof size) != 1 || size == 0 || size > MAX_SIZE) return;
    char *buf = malloc(size);
    if (!buf) return;
    // A forked child's CPU times start at zero, so this is the connection's own cost.
    while (read_full(fd, buf, size) == 1 && write_full(fd, buf, size) == 0) {
    }
    uint64_t used = cpu_us_self();
    write_full(fd, &used, sizeof used);
    free(buf);
  } else if (mode == MODE_STREAM) {
    static char buf[1 << 18];
    uint64_t total = 0;
    for (;;) {
      ssize_t r = read(fd, buf, sizeof buf);
      if (r < 0 && errno == EINTR) continue;
      if (r <= 0) break;
      total += (uint64_t)r;
    }
    write_full(fd, &total, sizeof total);
  }
}

static int run_server(const char *addr, int port) {
  int ls = socket(AF_INET, SOCK_STREAM, 0);
  if (ls < 0) die("socket");
  int one = 1;
  setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(port)};
  if (inet_pton(AF_INET, addr, &sa.sin_addr) != 1) {
    fprintf(stderr, "tcp_rr: bad address %s\n", addr);
    return 2;
  }
  if (bind(ls, (struct sockaddr *)&sa, sizeof sa) < 0) die("bind");
  if (listen(ls, 128) < 0) die("listen");
  signal(SIGCHLD, SIG_IGN); // children are reaped by the kernel
  printf("{\"listening\":%d}\n", port);
  fflush(stdout);
  for (;;) {
    int fd = accept(ls, NULL, NULL);
    if (fd < 0) {
      if (errno == EINTR) continue;
      die("accept");
    }
    nodelay(fd);
    pid_t pid = fork();
    if (pid == 0) {
      close(ls);
      serve_conn(fd);
      _exit(0);
    }
    close(fd);
  }
}

static int connect_to(const char *host, int port) {
  struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(port)};
  if (inet_pton(AF_INET, host, &sa.sin_addr) != 1) {
    fprintf(stderr, "tcp_rr: bad address %s\n", host);
    exit(2);
  }
  // The server may still be starting: retry refused connects for up to 3 s.
  double deadline = now_s() + 3;
  for (;;) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) die("socket");
    if (connect(fd, (struct sockaddr *)&sa, sizeof sa) == 0) {
      nodelay(fd);
      return fd;
    }
    close(fd);
    if (errno != ECONNREFUSED || now_s() > deadline) die("connect");
    usleep(20000);
  }
}

/** The q-quantile of the latency histogram, in µs. */
static double percentile(const uint32_t *hist, uint64_t n, double q) {
  uint64_t want = (uint64_t)(q * (double)n), seen = 0;
  for (int i = 0; i <= HIST_BUCKETS; i++) {
    seen += hist[i];
    if (seen > want) return i / 10.0;
  }
  return HIST_BUCKETS / 10.0;
}

static int cmp_u32(const void *a, const void *b) {
  uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
  return (x > y) - (x < y);
}

/**
 * Rate from the median 50 ms window: on a shared machine a run can lose a stretch to other work
 * (or to softirq processing deferred to ksoftirqd); the median window ignores such stretches as
 * long as they are a minority, where the plain average would not. Falls back to the average for
 * runs shorter than three windows.
 */
static double window_median_tps(uint32_t *windows, size_t full, double average) {
  if (full < 3) return average;
  qsort(windows, full, sizeof *windows, cmp_u32);
  double m = full % 2 ? windows[full / 2] : (windows[full / 2 - 1] + windows[full / 2]) / 2.0;
  return m / WINDOW_S;
}

static int run_rr(const char *host, int port, double seconds, uint64_t max_tx, uint32_t size) {
  int fd = connect_to(host, port);
  char *buf = calloc(1, size);
  uint32_t *hist = calloc(HIST_BUCKETS + 1, sizeof *hist);
  size_t nwindows = (size_t)(seconds / WINDOW_S) + 2;
  uint32_t *windows = calloc(nwindows, sizeof *windows);
  if (!buf || !hist || !windows) die("calloc");
  char mode = MODE_RR;
  if (write_full(fd, &mode, 1) || write_full(fd, &size, sizeof size)) die("write");
  uint64_t tx = 0, cpu0 = cpu_us_self();
  double start = now_s(), end = start + seconds, t = start;
  while (tx < max_tx && t < end) {
    if (write_full(fd, buf, size)) die("write");
    if (read_full(fd, buf, size) != 1) die("read (server closed?)");
    double t2 = now_s();
    uint64_t b = (uint64_t)((t2 - t) * 1e7);
    hist[b > HIST_BUCKETS ? HIST_BUCKETS : b]++;
    size_t w = (size_t)((t2 - start) / WINDOW_S);
    if (w < nwindows) windows[w]++;
    t = t2;
    tx++;
  }
  double elapsed = t - start;
  size_t full = (size_t)(elapsed / WINDOW_S);
  double tps_window = window_median_tps(windows, full < nwindows ? full : nwindows, tx / elapsed);
  uint64_t client_cpu = cpu_us_self() - cpu0, server_cpu = 0;
  shutdown(fd, SHUT_WR);
  if (read_full(fd, &server_cpu, sizeof server_cpu) != 1) server_cpu = 0;
  close(fd);
  printf("{\"mode\":\"rr\",\"size\":%u,\"transactions\":%llu,\"seconds\":%.6f,\"tps\":%.1f,"
         "\"tps_window_median\":%.1f,"
         "\"latency_us_mean\":%.2f,\"latency_us_p50\":%.1f,\"latency_us_p99\":%.1f,"
         "\"client_cpu_us\":%llu,\"server_cpu_us\":%llu,\"cpu_us_per_tx\":%.3f}\n",
         size, (unsigned long long)tx, elapsed, tx / elapsed, tps_window, elapsed * 1e6 / (tx ? tx : 1),
         percentile(hist, tx, 0.5), percentile(hist, tx, 0.99), (unsigned long long)client_cpu,
         (unsigned long long)server_cpu, (double)(client_cpu + server_cpu) / (tx ? tx : 1));
  return 0;
}

static int run_stream(const char *host, int port, double seconds, uint32_t size) {
  int fd = connect_to(host, port);
  char *buf = calloc(1, size);
  if (!buf) die("calloc");
  char mode = MODE_STREAM;
  if (write_full(fd, &mode, 1)) die("write");
  double start = now_s(), end = start + seconds;
  while (now_s() < end) {
    if (write_full(fd, buf, size)) die("write");
  }
  shutdown(fd, SHUT_WR);
  uint64_t total = 0;
  if (read_full(fd, &total, sizeof total) != 1) die("read total");
  double elapsed = now_s() - start;
  close(fd);
  printf("{\"mode\":\"stream\",\"bytes\":%llu,\"seconds\":%.6f,\"bits_per_second\":%.0f}\n",
         (unsigned long long)total, elapsed, total * 8 / elapsed);
  return 0;
}

static void usage(void) {
  fprintf(stderr,
          "usage: tcp_rr server [-b ADDR] [-p PORT]\n"
          "       tcp_rr rr -H HOST [-p PORT] [-l SECONDS] [-n TRANSACTIONS] [-s SIZE]\n"
          "       tcp_rr stream -H HOST [-p PORT] [-l SECONDS] [-s WRITE_SIZE]\n");
  exit(2);
}

int main(int argc, char **argv) {
  if (argc < 2) usage();
  const char *cmd = argv[1], *host = NULL, *bind_addr = "0.0.0.0";
  int port = 7777;
  double seconds = 3;
  uint64_t max_tx = UINT64_MAX;
  long size = -1;
  int opt;
  optind = 2;
  while ((opt = getopt(argc, argv, "b:H:p:l:n:s:")) != -1) {
    switch (opt) {
    case 'b': bind_addr = optarg; break;
    case 'H': host = optarg; break;
    case 'p': port = atoi(optarg); break;
    case 'l': seconds = atof(optarg); break;
    case 'n': max_tx = strtoull(optarg, NULL, 10); break;
    case 's': size = atol(optarg); break;
    default: usage();
    }
  }
  if (port <= 0 || port > 65535) usage();
  if (seconds <= 0 || seconds > MAX_SECONDS) {
    fprintf(stderr, "tcp_rr: -l must be in (0, %d]\n", MAX_SECONDS);
    return 2;
  }
  signal(SIGPIPE, SIG_IGN);
  if (!strcmp(cmd, "server")) return run_server(bind_addr, port);
  if (!host) usage();
  if (!strcmp(cmd, "rr")) {
    if (size < 0) size = 1;
    if (size < 1 || size > MAX_SIZE) usage();
    return run_rr(host, port, seconds, max_tx, (uint32_t)size);
  }
  if (!strcmp(cmd, "stream")) {
    if (size < 0) size = 128 * 1024;
    if (size < 1 || size > MAX_SIZE) usage();
    return run_stream(host, port, seconds, (uint32_t)size);
  }
  usage();
  return 2;
}
