# The Node-API addon build/Release/erplink.node. Run through scripts/build.js (the npm
# "install" script), which first generates build/swig/erplink_wrap.cxx with SWIG >= 4.2.
# The C sources of liberplink are not listed here: scripts/gyp-info.js reads them from
# src/meson.build (core_sources, service_sources), so the meson build stays the only list;
# in a packed tarball they come from vendor/ (scripts/vendor.js, the prepack script).
{
  "targets": [
    {
      "target_name": "erplink",
      "sources": [
        "<!(node scripts/gyp-info.js wrap)",
        "src/elnode.cc",
        "<!@(node scripts/gyp-info.js sources)"
      ],
      "include_dirs": [
        "<!(node scripts/gyp-info.js napi)",
        "<!(node scripts/gyp-info.js root)/include",
        "<!(node scripts/gyp-info.js root)/src/core",
        "<!(node scripts/gyp-info.js root)/src",
        "."
      ],
      "defines": [
        "ERPLINK_STATIC",
        "_GNU_SOURCE",
        "NAPI_VERSION=8"
      ],
      "cflags": ["-fvisibility=hidden", "<!@(node scripts/gyp-info.js cflags)"],
      "cflags_c": ["-std=c11"],
      "cflags_cc": ["-fno-exceptions"],
      "libraries": ["<!@(node scripts/gyp-info.js libs)"]
    }
  ]
}
