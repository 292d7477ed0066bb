#ifndef CZSTD_SHIM_H
#define CZSTD_SHIM_H
/* libzstd (Debian libzstd-dev): the one-shot compressor and the streaming decompressor. */
#include <zstd.h>
#endif
