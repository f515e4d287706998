// udp_flows: sends one UDP datagram to each of many distinct (destination address, port) pairs, so
// that every datagram is a NEW flow for the datapath. Bounded by a count and a time limit; optional
// pacing. Prints one JSON line: {"sent":N,"seconds":S}.
//   udp_flows -d 10.200.1.2,10.200.1.3 [-p 1024] [-P 65000] [-n 1000000] [-l 10] [-r RATE_PER_S]
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_DST 1024
#define BATCH 64

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv) {
  struct in_addr dst[MAX_DST];
  int ndst = 0, port_lo = 1024, port_hi = 65000, opt;
  long limit = 1000000;
  double seconds = 10, rate = 0;
  while ((opt = getopt(argc, argv, "d:p:P:n:l:r:")) != -1) {
    switch (opt) {
    case 'd':
      for (char *tok = strtok(optarg, ","); tok && ndst < MAX_DST; tok = strtok(NULL, ","))
        if (inet_pton(AF_INET, tok, &dst[ndst]) == 1) ndst++;
      break;
    case 'p': port_lo = atoi(optarg); break;
    case 'P': port_hi = atoi(optarg); break;
    case 'n': limit = atol(optarg); break;
    case 'l': seconds = atof(optarg); break;
    case 'r': rate = atof(optarg); break;
    default: fprintf(stderr, "usage: udp_flows -d IP[,IP...] [-p lo] [-P hi] [-n count] [-l sec] [-r rate]\n"); return 2;
    }
  }
  if (ndst == 0 || port_hi < port_lo || limit > (long)ndst * (port_hi - port_lo + 1)) {
    fprintf(stderr, "udp_flows: need destinations, and count <= addresses x ports (tuples must be new)\n");
    return 2;
  }
  int fd = socket(AF_INET, SOCK_DGRAM, 0);
  if (fd < 0) { perror("socket"); return 1; }
  struct sockaddr_in addrs[BATCH];
  struct mmsghdr msgs[BATCH];
  struct iovec iov;
  char payload[16] = "membrane-bench";
  iov.iov_base = payload;
  iov.iov_len = sizeof payload;
  memset(msgs, 0, sizeof msgs);
  long sent = 0, errors = 0;
  int di = 0, port = port_lo;
  double start = now(), end = start + seconds;
  while (sent < limit && port + BATCH / ndst + 1 <= port_hi) {
    double t = now();
    if (t > end) break;
    if (rate > 0 && sent > (t - start) * rate) { usleep(200); continue; }
    int n = limit - sent < BATCH ? (int)(limit - sent) : BATCH;
    for (int i = 0; i < n; i++) {
      // Walk addresses fastest so consecutive datagrams go to different pods.
      addrs[i].sin_family = AF_INET;
      addrs[i].sin_addr = dst[di];
      addrs[i].sin_port = htons(port);
      if (++di == ndst) { di = 0; port++; }
      msgs[i].msg_hdr.msg_name = &addrs[i];
      msgs[i].msg_hdr.msg_namelen = sizeof addrs[i];
      msgs[i].msg_hdr.msg_iov = &iov;
      msgs[i].msg_hdr.msg_iovlen = 1;
    }
    int r = sendmmsg(fd, msgs, n, 0);
    if (r < 0) {
      // ECONNREFUSED from an earlier ICMP port unreachable, or a full queue: the tuple is spent anyway.
      errors++;
      if (errno != ECONNREFUSED && errno != ENOBUFS && errno != EAGAIN) { perror("sendmmsg"); return 1; }
      continue;
    }
    sent += r;
  }
  printf("{\"sent\":%ld,\"seconds\":%.4f,\"errors\":%ld}\n", sent, now() - start, errors);
  return 0;
}
