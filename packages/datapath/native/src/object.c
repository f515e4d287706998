/* loadObject(path, { pinMapsDir }) -> ObjectHandle, plus objGet/objPin/closeFd.
 *
 * The handle owns the bpf_object: close() releases every program and map fd libbpf opened.
 * Garbage collection does NOT close it, because JS code may still hold the bare fd numbers;
 * an fd closed behind its back could be reused by an unrelated object. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "common.h"

typedef struct {
  struct bpf_object *obj;
} object_handle;

/* The ObjectHandle constructor, per environment (main thread and each worker load the addon). */
static napi_ref get_ctor_ref(napi_env env) {
  napi_ref *ref = NULL;
  if (napi_get_instance_data(env, (void **)&ref) != napi_ok || !ref) return NULL;
  return *ref;
}

static void free_instance_data(napi_env env, void *data, void *hint) {
  (void)hint;
  napi_ref *ref = data;
  if (ref && *ref) napi_delete_reference(env, *ref);
  free(ref);
}

static object_handle *unwrap_handle(napi_env env, napi_value self, bool need_open) {
  object_handle *h = NULL;
  if (napi_unwrap(env, self, (void **)&h) != napi_ok || !h) {
    throw_type(env, "not an ObjectHandle");
    return NULL;
  }
  if (need_open && !h->obj) {
    throw_errno(env, EBADF, "bpf_object", "object handle is closed");
    return NULL;
  }
  return h;
}

static void handle_finalize(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  free(data); /* deliberately leaves h->obj open: see the file comment */
}

static napi_value throw_with_log(napi_env env, int err, const char *syscall, const char *path) {
  throw_errno(env, err, syscall, "%s", path);
  napi_value exc;
  if (napi_get_and_clear_last_exception(env, &exc) == napi_ok) {
    set_prop(env, exc, "log", make_string(env, log_capture_text()));
    napi_throw(env, exc);
  }
  return NULL;
}

static napi_value load_object(napi_env env, napi_callback_info info) {
  GET_ARGS(2);
  char *path = get_string(env, argv[0], "path");
  if (!path) return NULL;
  char *pin_dir = NULL;
  if (!is_nullish(env, argv[1])) {
    napi_value v;
    bool has = false;
    napi_valuetype t;
    if (napi_typeof(env, argv[1], &t) != napi_ok || t != napi_object) {
      free(path);
      return throw_type(env, "options must be an object");
    }
    if (napi_has_named_property(env, argv[1], "pinMapsDir", &has) == napi_ok && has &&
        napi_get_named_property(env, argv[1], "pinMapsDir", &v) == napi_ok && !is_nullish(env, v)) {
      pin_dir = get_string(env, v, "options.pinMapsDir");
      if (!pin_dir) {
        free(path);
        return NULL;
      }
    }
  }
  log_capture_begin();
  LIBBPF_OPTS(bpf_object_open_opts, opts, .pin_root_path = pin_dir);
  struct bpf_object *obj = bpf_object__open_file(path, &opts);
  napi_value result = NULL;
  if (!obj) {
    throw_with_log(env, errno, "bpf_object__open_file", path);
    goto out;
  }
  if (!pin_dir) {
    /* Without a pin directory libbpf would pin LIBBPF_PIN_BY_NAME maps under /sys/fs/bpf itself:
     * a load that asked for no pins must leave none behind. */
    struct bpf_map *m;
    bpf_object__for_each_map(m, obj) bpf_map__set_pin_path(m, NULL);
  }
  if (bpf_object__load(obj) != 0) {
    int err = errno;
    bpf_object__close(obj);
    throw_with_log(env, err, "bpf_object__load", path);
    goto out;
  }
  object_handle *h = calloc(1, sizeof(*h));
  napi_value ctor;
  if (!h || !get_ctor_ref(env) || napi_get_reference_value(env, get_ctor_ref(env), &ctor) != napi_ok ||
      napi_new_instance(env, ctor, 0, NULL, &result) != napi_ok ||
      napi_wrap(env, result, h, handle_finalize, NULL, NULL) != napi_ok) {
    free(h);
    bpf_object__close(obj);
    result = NULL;
    throw_errno(env, ENOMEM, "loadObject", NULL);
    goto out;
  }
  h->obj = obj;
out:
  log_capture_end();
  free(path);
  free(pin_dir);
  return result;
}

static napi_value handle_ctor(napi_env env, napi_callback_info info) {
  GET_THIS();
  return self_this;
}

static napi_value handle_program_fd(napi_env env, napi_callback_info info) {
  GET_ARGS(1);
  object_handle *h = unwrap_handle(env, self_this, true);
  if (!h) return NULL;
  char *name = get_string(env, argv[0], "name");
  if (!name) return NULL;
  struct bpf_program *p = bpf_object__find_program_by_name(h->obj, name);
  if (!p) {
    throw_errno(env, ENOENT, "bpf_object__find_program_by_name", "no program named '%s'", name);
    free(name);
    return NULL;
  }
  free(name);
  int fd = bpf_program__fd(p);
  if (fd < 0) return throw_errno(env, ENOENT, "bpf_program__fd", "program was not loaded");
  return make_i64(env, fd);
}

static napi_value handle_map_fd(napi_env env, napi_callback_info info) {
  GET_ARGS(1);
  object_handle *h = unwrap_handle(env, self_this, true);
  if (!h) return NULL;
  char *name = get_string(env, argv[0], "name");
  if (!name) return NULL;
  struct bpf_map *m = bpf_object__find_map_by_name(h->obj, name);
  if (!m) {
    throw_errno(env, ENOENT, "bpf_object__find_map_by_name", "no map named '%s'", name);
    free(name);
    return NULL;
  }
  free(name);
  return make_i64(env, bpf_map__fd(m));
}

static napi_value handle_programs(napi_env env, napi_callback_info info) {
  GET_THIS();
  object_handle *h = unwrap_handle(env, self_this, true);
  if (!h) return NULL;
  napi_value arr;
  if (napi_create_array(env, &arr) != napi_ok) return NULL;
  struct bpf_program *p;
  uint32_t i = 0;
  bpf_object__for_each_program(p, h->obj) {
    napi_value o;
    if (napi_create_object(env, &o) != napi_ok) return NULL;
    set_prop(env, o, "name", make_string(env, bpf_program__name(p)));
    set_prop(env, o, "section", make_string(env, bpf_program__section_name(p)));
    set_prop(env, o, "fd", make_i64(env, bpf_program__fd(p)));
    set_prop(env, o, "type", make_u32(env, (uint32_t)bpf_program__type(p)));
    napi_set_element(env, arr, i++, o);
  }
  return arr;
}

static napi_value handle_maps(napi_env env, napi_callback_info info) {
  GET_THIS();
  object_handle *h = unwrap_handle(env, self_this, true);
  if (!h) return NULL;
  napi_value arr;
  if (napi_create_array(env, &arr) != napi_ok) return NULL;
  struct bpf_map *m;
  uint32_t i = 0;
  bpf_object__for_each_map(m, h->obj) {
    napi_value o;
    if (napi_create_object(env, &o) != napi_ok) return NULL;
    set_prop(env, o, "name", make_string(env, bpf_map__name(m)));
    set_prop(env, o, "fd", make_i64(env, bpf_map__fd(m)));
    set_prop(env, o, "type", make_u32(env, (uint32_t)bpf_map__type(m)));
    const char *pin = bpf_map__pin_path(m);
    set_prop(env, o, "pinPath", pin ? make_string(env, pin) : make_null(env));
    set_prop(env, o, "pinned", make_bool(env, bpf_map__is_pinned(m)));
    napi_set_element(env, arr, i++, o);
  }
  return arr;
}

static napi_value handle_close(napi_env env, napi_callback_info info) {
  GET_THIS();
  object_handle *h = unwrap_handle(env, self_this, false);
  if (!h) return NULL;
  if (h->obj) bpf_object__close(h->obj);
  h->obj = NULL;
  return make_undefined(env);
}

static napi_value obj_get(napi_env env, napi_callback_info info) {
  GET_ARGS(1);
  char *path = get_string(env, argv[0], "path");
  if (!path) return NULL;
  int fd = bpf_obj_get(path);
  napi_value r = fd >= 0 ? make_i64(env, fd) : throw_errno(env, errno, "bpf_obj_get", "%s", path);
  free(path);
  return r;
}

static napi_value obj_pin(napi_env env, napi_callback_info info) {
  GET_ARGS(2);
  int fd;
  if (!get_fd(env, argv[0], "fd", &fd)) return NULL;
  char *path = get_string(env, argv[1], "path");
  if (!path) return NULL;
  napi_value r = bpf_obj_pin(fd, path) == 0 ? make_undefined(env) : throw_errno(env, errno, "bpf_obj_pin", "%s", path);
  free(path);
  return r;
}

/* Only closes fds that refer to bpf objects, so a stray number cannot close stdio or a socket. */
static napi_value close_fd(napi_env env, napi_callback_info info) {
  GET_ARGS(1);
  int fd;
  if (!get_fd(env, argv[0], "fd", &fd)) return NULL;
  char path[64], kind[128];
  snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
  ssize_t n = readlink(path, kind, sizeof(kind) - 1);
  if (n < 0) return throw_errno(env, EBADF, "close", "fd %d is not open", fd);
  kind[n] = 0;
  if (strncmp(kind, "anon_inode:bpf", 14) != 0)
    return throw_errno(env, EINVAL, "close", "fd %d is not a BPF object (%s)", fd, kind);
  if (close(fd) != 0) return throw_errno(env, errno, "close", "fd %d", fd);
  return make_undefined(env);
}

bool init_objects(napi_env env, napi_value exports) {
  napi_property_descriptor methods[] = {
      {"programFd", NULL, handle_program_fd, NULL, NULL, NULL, napi_default, NULL},
      {"mapFd", NULL, handle_map_fd, NULL, NULL, NULL, napi_default, NULL},
      {"programs", NULL, handle_programs, NULL, NULL, NULL, napi_default, NULL},
      {"maps", NULL, handle_maps, NULL, NULL, NULL, napi_default, NULL},
      {"close", NULL, handle_close, NULL, NULL, NULL, napi_default, NULL},
  };
  napi_value ctor;
  if (napi_define_class(env, "ObjectHandle", NAPI_AUTO_LENGTH, handle_ctor, NULL,
                        sizeof(methods) / sizeof(methods[0]), methods, &ctor) != napi_ok)
    return false;
  napi_ref *ref = calloc(1, sizeof(*ref));
  if (!ref) return false;
  if (napi_create_reference(env, ctor, 1, ref) != napi_ok ||
      napi_set_instance_data(env, ref, free_instance_data, NULL) != napi_ok) {
    free(ref);
    return false;
  }
  return register_fn(env, exports, "loadObject", load_object) && register_fn(env, exports, "objGet", obj_get) &&
         register_fn(env, exports, "objPin", obj_pin) && register_fn(env, exports, "closeFd", close_fd);
}
