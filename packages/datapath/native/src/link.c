/* tc attachment: tcx links (kernel >= 6.6) and the classic clsact qdisc as a fallback;
 * link update/detach and introspection (linkInfo, progInfo) used to re-adopt pinned links. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <net/if.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>

#include "common.h"

/* Debian's libbpf 1.1.2 headers predate tcx; the kernel ABI values are stable. */
#define ATTACH_TCX_INGRESS 46
#define ATTACH_TCX_EGRESS 47

/* Reads 'ingress' | 'egress'; returns 0 for ingress, 1 for egress, -1 after throwing. */
static int get_direction(napi_env env, napi_value v) {
  char *s = get_string(env, v, "direction");
  if (!s) return -1;
  int dir = strcmp(s, "ingress") == 0 ? 0 : strcmp(s, "egress") == 0 ? 1 : -1;
  if (dir < 0) throw_errno(env, EINVAL, NULL, "direction must be 'ingress' or 'egress', got '%s'", s);
  free(s);
  return dir;
}

static bool get_ifindex(napi_env env, napi_value v, uint32_t *out) {
  if (!get_u32(env, v, "ifindex", out)) return false;
  if (*out == 0 || *out > 0x7fffffff) {
    throw_errno(env, ENODEV, NULL, "ifindex %u is not a valid interface index", *out);
    return false;
  }
  return true;
}

static napi_value attach_tcx(napi_env env, napi_callback_info info) {
  GET_ARGS(3);
  int prog_fd;
  uint32_t ifindex;
  if (!get_fd(env, argv[0], "progFd", &prog_fd)) return NULL;
  if (!get_ifindex(env, argv[1], &ifindex)) return NULL;
  int dir = get_direction(env, argv[2]);
  if (dir < 0) return NULL;
  int fd = bpf_link_create(prog_fd, (int)ifindex, (enum bpf_attach_type)(dir ? ATTACH_TCX_EGRESS : ATTACH_TCX_INGRESS),
                           NULL);
  if (fd < 0) return throw_errno(env, errno, "bpf_link_create", "tcx %s on ifindex %u", dir ? "egress" : "ingress", ifindex);
  return make_i64(env, fd);
}

static int tcx_state = -1; /* -1 unknown, 0 no, 1 yes */

/* Probe without attaching anything: a tcx link on ifindex 0 fails with ENODEV only when the
 * kernel understands the attach type (EINVAL otherwise). */
static napi_value tcx_supported(napi_env env, napi_callback_info info) {
  (void)info;
  if (tcx_state >= 0) return make_bool(env, tcx_state == 1);
  struct bpf_insn insns[] = {
      {.code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0},
      {.code = BPF_JMP | BPF_EXIT},
  };
  int prog = bpf_prog_load(BPF_PROG_TYPE_SCHED_CLS, "tcx_probe", "GPL", insns, 2, NULL);
  if (prog < 0) return throw_errno(env, errno, "bpf_prog_load", "tcx probe program");
  int fd = bpf_link_create(prog, 0, (enum bpf_attach_type)ATTACH_TCX_INGRESS, NULL);
  int err = fd < 0 ? errno : 0;
  if (fd >= 0) close(fd);
  close(prog);
  tcx_state = (fd >= 0 || err == ENODEV || err == ENXIO) ? 1 : 0;
  return make_bool(env, tcx_state == 1);
}

static bool get_opt_u32(napi_env env, napi_value obj, const char *key, uint32_t *out) {
  if (is_nullish(env, obj)) return true;
  bool has = false;
  napi_value v;
  if (napi_has_named_property(env, obj, key, &has) != napi_ok || !has) return true;
  if (napi_get_named_property(env, obj, key, &v) != napi_ok) return false;
  if (is_nullish(env, v)) return true;
  return get_u32(env, v, key, out);
}

static napi_value attach_clsact(napi_env env, napi_callback_info info) {
  GET_ARGS(4);
  int prog_fd;
  uint32_t ifindex, handle = 1, priority = 1;
  if (!get_fd(env, argv[0], "progFd", &prog_fd)) return NULL;
  if (!get_ifindex(env, argv[1], &ifindex)) return NULL;
  int dir = get_direction(env, argv[2]);
  if (dir < 0) return NULL;
  if (!get_opt_u32(env, argv[3], "handle", &handle) || !get_opt_u32(env, argv[3], "priority", &priority)) return NULL;
  if (priority == 0 || priority > 0xffff) return throw_errno(env, EINVAL, NULL, "priority must be 1..65535");
  LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = (int)ifindex, .attach_point = dir ? BPF_TC_EGRESS : BPF_TC_INGRESS);
  int rc = bpf_tc_hook_create(&hook);
  if (rc < 0 && rc != -EEXIST) return throw_errno(env, -rc, "bpf_tc_hook_create", "clsact on ifindex %u", ifindex);
  LIBBPF_OPTS(bpf_tc_opts, opts, .prog_fd = prog_fd, .handle = handle, .priority = priority,
              .flags = BPF_TC_F_REPLACE);
  rc = bpf_tc_attach(&hook, &opts);
  if (rc < 0) return throw_errno(env, -rc, "bpf_tc_attach", "ifindex %u", ifindex);
  napi_value o;
  if (napi_create_object(env, &o) != napi_ok) return NULL;
  set_prop(env, o, "handle", make_u32(env, opts.handle));
  set_prop(env, o, "priority", make_u32(env, opts.priority));
  set_prop(env, o, "progId", make_u32(env, opts.prog_id));
  return o;
}

/* Returns false when no such filter exists (already gone with its interface, for example). */
static napi_value detach_clsact(napi_env env, napi_callback_info info) {
  GET_ARGS(3);
  uint32_t ifindex, handle = 1, priority = 1;
  if (!get_ifindex(env, argv[0], &ifindex)) return NULL;
  int dir = get_direction(env, argv[1]);
  if (dir < 0) return NULL;
  if (!get_opt_u32(env, argv[2], "handle", &handle) || !get_opt_u32(env, argv[2], "priority", &priority)) return NULL;
  LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = (int)ifindex, .attach_point = dir ? BPF_TC_EGRESS : BPF_TC_INGRESS);
  LIBBPF_OPTS(bpf_tc_opts, opts, .handle = handle, .priority = priority);
  int rc = bpf_tc_detach(&hook, &opts);
  if (rc == -ENOENT || rc == -ENODEV || rc == -EINVAL) return make_bool(env, false);
  if (rc < 0) return throw_errno(env, -rc, "bpf_tc_detach", "ifindex %u", ifindex);
  return make_bool(env, true);
}

static napi_value link_update(napi_env env, napi_callback_info info) {
  GET_ARGS(3);
  int link_fd, prog_fd, old_fd = -1;
  if (!get_fd(env, argv[0], "linkFd", &link_fd)) return NULL;
  if (!get_fd(env, argv[1], "progFd", &prog_fd)) return NULL;
  if (!is_nullish(env, argv[2]) && !get_fd(env, argv[2], "oldProgFd", &old_fd)) return NULL;
  LIBBPF_OPTS(bpf_link_update_opts, opts);
  if (old_fd >= 0) {
    opts.flags = BPF_F_REPLACE;
    opts.old_prog_fd = (uint32_t)old_fd;
  }
  if (bpf_link_update(link_fd, prog_fd, &opts) != 0) return throw_errno(env, errno, "bpf_link_update", "link fd %d", link_fd);
  return make_undefined(env);
}

static napi_value link_detach(napi_env env, napi_callback_info info) {
  GET_ARGS(1);
  int link_fd;
  if (!get_fd(env, argv[0], "linkFd", &link_fd)) return NULL;
  if (bpf_link_detach(link_fd) != 0) return throw_errno(env, errno, "bpf_link_detach", "link fd %d", link_fd);
  return make_undefined(env);
}

/* bpf_link_info as the running kernel fills it; the union is read raw because Debian's header
 * lacks the tcx member (ifindex, attach_type at the start of the union). */
struct link_info_raw {
  uint32_t type, id, prog_id, pad;
  uint32_t u[32];
};

static napi_value link_info(napi_env env, napi_callback_info info) {
  GET_ARGS(1);
  int fd;
  if (!get_fd(env, argv[0], "linkFd", &fd)) return NULL;
  struct link_info_raw li;
  memset(&li, 0, sizeof(li));
  uint32_t len = sizeof(li);
  if (bpf_obj_get_info_by_fd(fd, &li, &len) != 0) return throw_errno(env, errno, "bpf_obj_get_info_by_fd", "fd %d", fd);
  napi_value o;
  if (napi_create_object(env, &o) != napi_ok) return NULL;
  set_prop(env, o, "type", make_u32(env, li.type));
  set_prop(env, o, "id", make_u32(env, li.id));
  set_prop(env, o, "progId", make_u32(env, li.prog_id));
  enum { LINK_TYPE_TCX = 11 };
  if (li.type == LINK_TYPE_TCX) {
    set_prop(env, o, "ifindex", make_u32(env, li.u[0]));
    set_prop(env, o, "attachType", make_u32(env, li.u[1]));
    set_prop(env, o, "direction", make_string(env, li.u[1] == ATTACH_TCX_EGRESS ? "egress" : "ingress"));
  }
  return o;
}

static napi_value prog_info(napi_env env, napi_callback_info info) {
  GET_ARGS(1);
  int fd;
  if (!get_fd(env, argv[0], "progFd", &fd)) return NULL;
  struct bpf_prog_info pi;
  memset(&pi, 0, sizeof(pi));
  uint32_t len = sizeof(pi);
  if (bpf_obj_get_info_by_fd(fd, &pi, &len) != 0) return throw_errno(env, errno, "bpf_obj_get_info_by_fd", "fd %d", fd);
  napi_value o;
  if (napi_create_object(env, &o) != napi_ok) return NULL;
  char name[BPF_OBJ_NAME_LEN + 1] = {0}, tag[2 * BPF_TAG_SIZE + 1] = {0};
  memcpy(name, pi.name, BPF_OBJ_NAME_LEN);
  for (int i = 0; i < BPF_TAG_SIZE; i++) {
    static const char hex[] = "0123456789abcdef";
    tag[2 * i] = hex[pi.tag[i] >> 4];
    tag[2 * i + 1] = hex[pi.tag[i] & 15];
  }
  set_prop(env, o, "id", make_u32(env, pi.id));
  set_prop(env, o, "type", make_u32(env, pi.type));
  set_prop(env, o, "name", make_string(env, name));
  set_prop(env, o, "tag", make_string(env, tag));
  return o;
}

/* Resolve an id (from linkInfo().progId, say) to a new fd. */
static napi_value prog_fd_by_id(napi_env env, napi_callback_info info) {
  GET_ARGS(1);
  uint32_t id;
  if (!get_u32(env, argv[0], "id", &id)) return NULL;
  int fd = bpf_prog_get_fd_by_id(id);
  if (fd < 0) return throw_errno(env, errno, "bpf_prog_get_fd_by_id", "id %u", id);
  return make_i64(env, fd);
}

/* BPF_PROG_QUERY's attr as kernels >= 6.6 define it (tcx adds link ids and a revision); Debian's
 * headers predate those fields, so the layout is spelled out here. */
struct query_attr {
  uint32_t target_ifindex;
  uint32_t attach_type;
  uint32_t query_flags;
  uint32_t attach_flags;
  uint64_t prog_ids;
  uint32_t count;
  uint32_t pad;
  uint64_t prog_attach_flags;
  uint64_t link_ids;
  uint64_t link_attach_flags;
  uint64_t revision;
} __attribute__((aligned(8)));

#define QUERY_MAX 64

/* tcxQuery(ifindex, dir) -> { progIds, linkIds, revision }: what is attached, in order. */
static napi_value tcx_query(napi_env env, napi_callback_info info) {
  GET_ARGS(2);
  uint32_t ifindex;
  if (!get_ifindex(env, argv[0], &ifindex)) return NULL;
  int dir = get_direction(env, argv[1]);
  if (dir < 0) return NULL;
  uint32_t progs[QUERY_MAX] = {0}, links[QUERY_MAX] = {0};
  union bpf_attr raw;
  memset(&raw, 0, sizeof(raw));
  struct query_attr *q = (struct query_attr *)&raw;
  _Static_assert(sizeof(struct query_attr) <= sizeof(union bpf_attr), "attr too small");
  q->target_ifindex = ifindex;
  q->attach_type = dir ? ATTACH_TCX_EGRESS : ATTACH_TCX_INGRESS;
  q->prog_ids = (uint64_t)(uintptr_t)progs;
  q->link_ids = (uint64_t)(uintptr_t)links;
  q->count = QUERY_MAX;
  if (syscall(__NR_bpf, BPF_PROG_QUERY, &raw, sizeof(raw)) != 0)
    return throw_errno(env, errno, "bpf_prog_query", "tcx %s on ifindex %u", dir ? "egress" : "ingress", ifindex);
  uint32_t n = q->count < QUERY_MAX ? q->count : QUERY_MAX;
  napi_value o, p, l;
  if (napi_create_object(env, &o) != napi_ok || napi_create_array_with_length(env, n, &p) != napi_ok ||
      napi_create_array_with_length(env, n, &l) != napi_ok)
    return NULL;
  for (uint32_t i = 0; i < n; i++) {
    napi_set_element(env, p, i, make_u32(env, progs[i]));
    napi_set_element(env, l, i, make_u32(env, links[i]));
  }
  set_prop(env, o, "progIds", p);
  set_prop(env, o, "linkIds", l);
  set_prop(env, o, "revision", make_i64(env, (int64_t)q->revision));
  set_prop(env, o, "count", make_u32(env, q->count));
  return o;
}

/* ifIndex(name) -> ifindex in the caller's network namespace; ENODEV when there is none. */
static napi_value if_index(napi_env env, napi_callback_info info) {
  GET_ARGS(1);
  char *name = get_string(env, argv[0], "ifname");
  if (!name) return NULL;
  if (strlen(name) >= IF_NAMESIZE) {
    free(name);
    return throw_errno(env, ENODEV, "if_nametoindex", "interface name too long");
  }
  unsigned idx = if_nametoindex(name);
  napi_value r = idx ? make_u32(env, idx) : throw_errno(env, errno == ENXIO ? ENODEV : errno, "if_nametoindex", "%s", name);
  free(name);
  return r;
}

/* A cgroup v2 sock_addr hook (socket-level service LB) as a bpf_link on the cgroup directory:
 * hook is 'connect4' | 'sendmsg4' | 'recvmsg4' | 'getpeername4'. Returns the link fd. */
static napi_value attach_cgroup(napi_env env, napi_callback_info info) {
  GET_ARGS(3);
  int prog_fd;
  if (!get_fd(env, argv[0], "progFd", &prog_fd)) return NULL;
  char *path = get_string(env, argv[1], "cgroupPath");
  if (!path) return NULL;
  char *hook = get_string(env, argv[2], "hook");
  if (!hook) {
    free(path);
    return NULL;
  }
  int type = strcmp(hook, "connect4") == 0       ? BPF_CGROUP_INET4_CONNECT
             : strcmp(hook, "sendmsg4") == 0     ? BPF_CGROUP_UDP4_SENDMSG
             : strcmp(hook, "recvmsg4") == 0     ? BPF_CGROUP_UDP4_RECVMSG
             : strcmp(hook, "getpeername4") == 0 ? BPF_CGROUP_INET4_GETPEERNAME
                                                 : -1;
  napi_value ret = NULL;
  if (type < 0) {
    throw_errno(env, EINVAL, NULL, "unknown cgroup hook '%s'", hook);
    goto out;
  }
  int cg = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (cg < 0) {
    throw_errno(env, errno, "open", "cgroup %s", path);
    goto out;
  }
  int fd = bpf_link_create(prog_fd, cg, (enum bpf_attach_type)type, NULL);
  int err = errno;
  close(cg);
  if (fd < 0)
    throw_errno(env, err, "bpf_link_create", "%s on cgroup %s", hook, path);
  else
    ret = make_i64(env, fd);
out:
  free(path);
  free(hook);
  return ret;
}

bool init_links(napi_env env, napi_value exports) {
  return register_fn(env, exports, "attachTcx", attach_tcx) && register_fn(env, exports, "tcxSupported", tcx_supported) &&
         register_fn(env, exports, "attachClsact", attach_clsact) &&
         register_fn(env, exports, "detachClsact", detach_clsact) &&
         register_fn(env, exports, "linkUpdate", link_update) && register_fn(env, exports, "linkDetach", link_detach) &&
         register_fn(env, exports, "linkInfo", link_info) && register_fn(env, exports, "progInfo", prog_info) &&
         register_fn(env, exports, "progFdById", prog_fd_by_id) && register_fn(env, exports, "tcxQuery", tcx_query) &&
         register_fn(env, exports, "ifIndex", if_index) && register_fn(env, exports, "attachCgroup", attach_cgroup);
}
