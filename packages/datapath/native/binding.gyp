{
  "targets": [
    {
      "target_name": "membrane_native",
      "sources": [
        "src/addon.c",
        "src/util.c",
        "src/map.c",
        "src/map_batch.c",
        "src/object.c",
        "src/link.c",
        "src/prog.c",
        "src/ringbuf.c",
        "src/ringbuf_ring.c",
        "src/proxy_sock.c"
      ],
      "defines": ["_GNU_SOURCE", "NAPI_VERSION=8"],
      "cflags_c": ["-std=gnu11", "-O2", "-Wall", "-Wextra", "-Wno-unused-parameter", "-Wno-missing-field-initializers"],
      "libraries": ["-lbpf", "-lelf", "-lz", "-lpthread"]
    }
  ]
}
