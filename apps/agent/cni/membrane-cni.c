/*
 * membrane-cni: the CNI 1.0 plugin the container runtime executes on the node.
 *
 * It stays small on purpose: it checks the environment the runtime must provide, answers
 * VERSION itself, and forwards ADD / DEL / CHECK to the Membrane agent over a unix socket in the
 * agent's state directory. The agent validates the configuration fully, plumbs the pod's veth,
 * allocates its address and identity, and attaches the programs before it answers, so a pod is
 * never reachable unenforced. Static, no JSON library: the few fields read here are found with a
 * deliberately simple scanner, and everything else is the agent's job.
 *
 * Wire protocol (one connection per call):
 *   plugin → agent: {"command":…,"containerId":…,"netns":…,"ifname":…,"args":…,"path":…,"config":"<stdin>"}\n
 *   agent → plugin: {"exitCode":N}\n<the JSON the plugin prints on stdout, possibly empty>
 *
 * Errors follow the spec's codes: 1 incompatible version, 4 invalid environment variables,
 * 5 I/O failure, 6 failed to decode content, 7 invalid network config, 11 try again later.
 * Keep the list of supported versions in sync with apps/agent/src/cni/protocol.ts.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define MAX_INPUT (1 << 20)
#define DEFAULT_SOCKET "/var/lib/membrane/cni.sock"
#define DEFAULT_CONNECT_TIMEOUT_S 10
#define RESPONSE_TIMEOUT_MS (120 * 1000)

static const char *const SUPPORTED[] = {"1.0.0"};
#define N_SUPPORTED (sizeof(SUPPORTED) / sizeof(SUPPORTED[0]))

static const char *reply_version = "1.0.0";

struct buf {
	char *data;
	size_t len, cap;
};

static void buf_put(struct buf *b, const char *s, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 4096;
		while (cap < b->len + n + 1)
			cap *= 2;
		char *d = realloc(b->data, cap);
		if (!d) {
			fputs("{\"cniVersion\":\"1.0.0\",\"code\":5,\"msg\":\"out of memory\"}\n", stdout);
			exit(1);
		}
		b->data = d;
		b->cap = cap;
	}
	memcpy(b->data + b->len, s, n);
	b->len += n;
	b->data[b->len] = '\0';
}

static void buf_str(struct buf *b, const char *s) { buf_put(b, s, strlen(s)); }

/* Appends s as a JSON string literal. */
static void buf_json(struct buf *b, const char *s)
{
	buf_put(b, "\"", 1);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		char esc[8];
		if (*p == '"' || *p == '\\') {
			esc[0] = '\\';
			esc[1] = (char)*p;
			buf_put(b, esc, 2);
		} else if (*p < 0x20) {
			snprintf(esc, sizeof(esc), "\\u%04x", *p);
			buf_put(b, esc, 6);
		} else {
			buf_put(b, (const char *)p, 1);
		}
	}
	buf_put(b, "\"", 1);
}

/* Prints the spec's error object and exits with status 1 (the code is in the JSON). */
static void fail(int code, const char *details, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	struct buf out = {0};
	char head[64];
	buf_str(&out, "{\"cniVersion\":");
	buf_json(&out, reply_version);
	snprintf(head, sizeof(head), ",\"code\":%d,\"msg\":", code);
	buf_str(&out, head);
	buf_json(&out, msg);
	if (details) {
		buf_str(&out, ",\"details\":");
		buf_json(&out, details);
	}
	buf_str(&out, "}\n");
	fputs(out.data, stdout);
	exit(1);
}

/*
 * Finds the first string value of "key" in a JSON text (a scanner, not a parser: the agent
 * re-validates everything; runtimes put cniVersion and name first in the object).
 */
static int json_string_field(const char *json, const char *key, char *out, size_t outlen)
{
	char pattern[128];
	snprintf(pattern, sizeof(pattern), "\"%s\"", key);
	for (const char *p = strstr(json, pattern); p; p = strstr(p + 1, pattern)) {
		const char *q = p + strlen(pattern);
		while (*q == ' ' || *q == '\t' || *q == '\n' || *q == '\r')
			q++;
		if (*q != ':')
			continue;
		q++;
		while (*q == ' ' || *q == '\t' || *q == '\n' || *q == '\r')
			q++;
		if (*q != '"')
			return 0;
		q++;
		size_t n = 0;
		while (*q && *q != '"' && n + 1 < outlen) {
			if (*q == '\\' && q[1])
				q++;
			out[n++] = *q++;
		}
		out[n] = '\0';
		return *q == '"';
	}
	return 0;
}

static long json_number_field(const char *json, const char *key, long fallback)
{
	char pattern[128];
	snprintf(pattern, sizeof(pattern), "\"%s\"", key);
	const char *p = strstr(json, pattern);
	if (!p)
		return fallback;
	p += strlen(pattern);
	while (*p == ' ' || *p == ':' || *p == '\t' || *p == '\n' || *p == '\r')
		p++;
	char *end;
	long v = strtol(p, &end, 10);
	return end == p ? fallback : v;
}

static const char *env_or_empty(const char *name)
{
	const char *v = getenv(name);
	return v ? v : "";
}

static long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

/* Connects, retrying while the agent is not (yet) listening, for at most timeout_s seconds. */
static int connect_agent(const char *path, long timeout_s)
{
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	if (strlen(path) >= sizeof(addr.sun_path))
		fail(7, path, "agentSocket path is too long");
	strcpy(addr.sun_path, path);
	long deadline = now_ms() + timeout_s * 1000L;
	int delay_ms = 50;
	char last[256] = "";
	for (;;) {
		int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd < 0)
			fail(5, strerror(errno), "cannot create a unix socket");
		if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) == 0)
			return fd;
		snprintf(last, sizeof(last), "%s: %s", path, strerror(errno));
		close(fd);
		/* Sleep at most until the deadline, then try once more: the whole budget is used. */
		long remaining = deadline - now_ms();
		if (remaining <= 0)
			break;
		usleep((useconds_t)(delay_ms < remaining ? delay_ms : remaining) * 1000);
		delay_ms = delay_ms * 2 > 1000 ? 1000 : delay_ms * 2;
	}
	fail(11, last, "the Membrane agent is not reachable (waited %lds); try again later", timeout_s);
	return -1;
}

static void write_all(int fd, const char *data, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, data, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			fail(11, strerror(errno), "lost the connection to the Membrane agent while sending");
		data += n;
		len -= (size_t)n;
	}
}

static void read_response(int fd, struct buf *resp)
{
	long deadline = now_ms() + RESPONSE_TIMEOUT_MS;
	char chunk[8192];
	for (;;) {
		long left = deadline - now_ms();
		if (left <= 0)
			fail(11, NULL, "the Membrane agent did not answer in time; try again later");
		struct pollfd pfd = {.fd = fd, .events = POLLIN};
		int r = poll(&pfd, 1, (int)left);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			continue;
		ssize_t n = read(fd, chunk, sizeof(chunk));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			fail(11, strerror(errno), "lost the connection to the Membrane agent");
		if (n == 0)
			return;
		if (resp->len + (size_t)n > MAX_INPUT)
			fail(5, NULL, "the agent's answer is too large");
		buf_put(resp, chunk, (size_t)n);
	}
}

int main(void)
{
	const char *command = env_or_empty("CNI_COMMAND");

	struct buf config = {0};
	buf_put(&config, "", 0);
	char chunk[8192];
	for (;;) {
		ssize_t n = read(STDIN_FILENO, chunk, sizeof(chunk));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			fail(5, strerror(errno), "cannot read the network configuration from stdin");
		if (n == 0)
			break;
		if (config.len + (size_t)n > MAX_INPUT)
			fail(5, NULL, "the network configuration is larger than %d bytes", MAX_INPUT);
		buf_put(&config, chunk, (size_t)n);
	}

	char version[32] = "";
	int has_version = json_string_field(config.data, "cniVersion", version, sizeof(version));
	int supported = 0;
	for (size_t i = 0; i < N_SUPPORTED; i++)
		if (has_version && strcmp(version, SUPPORTED[i]) == 0) {
			supported = 1;
			reply_version = SUPPORTED[i];
		}

	if (strcmp(command, "VERSION") == 0) {
		printf("{\"cniVersion\":\"%s\",\"supportedVersions\":[", reply_version);
		for (size_t i = 0; i < N_SUPPORTED; i++)
			printf("%s\"%s\"", i ? "," : "", SUPPORTED[i]);
		printf("]}\n");
		return 0;
	}
	if (!*command)
		fail(4, "CNI_COMMAND", "CNI_COMMAND is not set");
	int add = strcmp(command, "ADD") == 0, del = strcmp(command, "DEL") == 0,
	    check = strcmp(command, "CHECK") == 0;
	if (!add && !del && !check)
		fail(4, command, "unsupported CNI_COMMAND \"%s\" (ADD, DEL, CHECK, VERSION)", command);

	const char *p = config.data;
	while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
		p++;
	if (*p != '{')
		fail(6, NULL, "the network configuration on stdin is not a JSON object");
	if (!has_version)
		fail(7, "cniVersion", "the network configuration has no cniVersion");
	if (!supported) {
		char details[128];
		snprintf(details, sizeof(details), "supported versions: %s", SUPPORTED[0]);
		fail(1, details, "incompatible CNI version \"%s\"", version);
	}

	/* DEL may come without a namespace (it is already gone); everything else needs one. */
	const char *required[] = {"CNI_CONTAINERID", "CNI_IFNAME", "CNI_PATH", (add || check) ? "CNI_NETNS" : NULL};
	char missing[160] = "";
	for (size_t i = 0; i < sizeof(required) / sizeof(required[0]); i++) {
		if (required[i] && !*env_or_empty(required[i])) {
			if (*missing)
				strcat(missing, ",");
			strcat(missing, required[i]);
		}
	}
	if (*missing)
		fail(4, missing, "required environment variables are not set: %s", missing);

	char socket_path[108];
	if (!json_string_field(config.data, "agentSocket", socket_path, sizeof(socket_path))) {
		const char *env = getenv("MEMBRANE_CNI_SOCKET");
		snprintf(socket_path, sizeof(socket_path), "%s", env && *env ? env : DEFAULT_SOCKET);
	}
	long timeout_s = json_number_field(config.data, "connectTimeoutSeconds", DEFAULT_CONNECT_TIMEOUT_S);
	if (timeout_s < 0 || timeout_s > 600)
		timeout_s = DEFAULT_CONNECT_TIMEOUT_S;

	struct buf req = {0};
	buf_str(&req, "{\"command\":");
	buf_json(&req, command);
	const char *fields[][2] = {{"containerId", "CNI_CONTAINERID"}, {"netns", "CNI_NETNS"},
				   {"ifname", "CNI_IFNAME"},	    {"args", "CNI_ARGS"},
				   {"path", "CNI_PATH"}};
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		buf_str(&req, ",\"");
		buf_str(&req, fields[i][0]);
		buf_str(&req, "\":");
		buf_json(&req, env_or_empty(fields[i][1]));
	}
	buf_str(&req, ",\"config\":");
	buf_json(&req, config.data);
	buf_str(&req, "}\n");

	int fd = connect_agent(socket_path, timeout_s);
	write_all(fd, req.data, req.len);
	shutdown(fd, SHUT_WR);
	struct buf resp = {0};
	buf_put(&resp, "", 0);
	read_response(fd, &resp);
	close(fd);

	int exit_code;
	char *body = strchr(resp.data, '\n');
	if (!body || sscanf(resp.data, "{\"exitCode\":%d}", &exit_code) != 1)
		fail(11, NULL, "the Membrane agent closed the connection without an answer; try again later");
	body++;
	fputs(body, stdout);
	return exit_code;
}
