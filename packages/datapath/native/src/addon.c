/* Module entry: registers every export of membrane_native.node. */
#include <bpf/libbpf.h>

#include "common.h"

static napi_value init(napi_env env, napi_value exports) {
  /* libbpf 1.x is strict by default (errors as -errno, errno set); silence its debug chatter. */
  log_capture_end();
  if (!init_maps(env, exports) || !init_objects(env, exports) || !init_links(env, exports) ||
      !init_progs(env, exports) || !init_ringbuf(env, exports) ||
      !init_proxy_sockets(env, exports)) {
    napi_throw_error(env, "EINIT", "membrane_native: failed to register exports");
    return NULL;
  }
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
