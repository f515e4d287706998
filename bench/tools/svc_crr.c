// svc_crr: connect + request + response + close, the cost a client pays per short-lived connection
// to a service, for the services benchmark.
//
//   svc_crr server [-p PORT]                       accept, read 1 byte, write 1 byte, wait for the close
//   svc_crr crr -H HOST -p PORT [-l SECONDS] [-n MAX]
//
// crr: sequential transactions for SECONDS (bounded by MAX and by 60 s); each one connects (a new
// socket, so a service frontend is resolved every time), sends 1 byte, waits for 1 byte, and
// closes with a reset (SO_LINGER 0). No side keeps a TIME_WAIT socket: tens of thousands of
// connections from one client to three backends would otherwise reuse 4-tuples still in TIME_WAIT
// on the server within a minute, and stall on SYN retransmits — a property of the test, not of the
// service path.
// Prints one JSON object: transactions, failures, seconds, p50/p90/p99 latency in microseconds
// (100 ns histogram buckets up to 20 ms).
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_SECONDS 60
#define BUCKETS 200000 /* 100 ns each: 20 ms */

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int serve(int port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port), .sin_addr.s_addr = INADDR_ANY};
  if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof a) < 0 || listen(fd, 1024) < 0) {
    perror("svc_crr server");
    return 1;
  }
  signal(SIGPIPE, SIG_IGN);
  printf("{\"listening\":%d}\n", port);
  fflush(stdout);
  for (;;) {
    int c = accept(fd, NULL, NULL);
    if (c < 0) continue;
    char b;
    if (read(c, &b, 1) == 1 && write(c, &b, 1) == 1) {
      while (read(c, &b, 1) > 0) {
      }
    }
    close(c);
  }
}

static unsigned hist[BUCKETS + 1];

static double percentile(unsigned long total, double q) {
  unsigned long want = (unsigned long)(q * total), seen = 0;
  for (int i = 0; i <= BUCKETS; i++) {
    seen += hist[i];
    if (seen > want) return i / 10.0;
  }
  return BUCKETS / 10.0;
}

static int crr(const char *host, int port, double seconds, long max) {
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
  if (inet_pton(AF_INET, host, &a.sin_addr) != 1) {
    fprintf(stderr, "svc_crr: bad host %s\n", host);
    return 2;
  }
  if (seconds > MAX_SECONDS) seconds = MAX_SECONDS;
  unsigned long done = 0, failed = 0;
  double start = now_s(), end = start + seconds;
  while (now_s() < end && (long)done < max) {
    double t0 = now_s();
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    char b = 'x';
    int ok = fd >= 0 && connect(fd, (struct sockaddr *)&a, sizeof a) == 0 && write(fd, &b, 1) == 1 &&
             read(fd, &b, 1) == 1;
    if (fd >= 0) {
      struct linger abort_close = {.l_onoff = 1, .l_linger = 0};
      setsockopt(fd, SOL_SOCKET, SO_LINGER, &abort_close, sizeof abort_close);
      close(fd);
    }
    if (!ok) {
      failed++;
      if (failed > 100) break;
      continue;
    }
    long bucket = (long)((now_s() - t0) * 1e7);
    hist[bucket > BUCKETS ? BUCKETS : bucket]++;
    done++;
  }
  double took = now_s() - start;
  printf("{\"transactions\":%lu,\"failed\":%lu,\"seconds\":%.4f,\"p50_us\":%.1f,\"p90_us\":%.1f,\"p99_us\":%.1f}\n",
         done, failed, took, percentile(done, 0.5), percentile(done, 0.9), percentile(done, 0.99));
  return failed > 100 ? 1 : 0;
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: svc_crr server [-p PORT] | crr -H HOST -p PORT [-l SECONDS] [-n MAX]\n");
    return 2;
  }
  const char *host = "127.0.0.1";
  int port = 8080;
  double seconds = 1;
  long max = 10000000;
  for (int i = 2; i + 1 < argc; i += 2) {
    if (!strcmp(argv[i], "-H")) host = argv[i + 1];
    else if (!strcmp(argv[i], "-p")) port = atoi(argv[i + 1]);
    else if (!strcmp(argv[i], "-l")) seconds = atof(argv[i + 1]);
    else if (!strcmp(argv[i], "-n")) max = atol(argv[i + 1]);
  }
  if (!strcmp(argv[1], "server")) return serve(port);
  if (!strcmp(argv[1], "crr")) return crr(host, port, seconds, max);
  fprintf(stderr, "svc_crr: unknown mode %s\n", argv[1]);
  return 2;
}
