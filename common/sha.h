/* sha.h - SHA-1 (Redis script ids) and SHA-256 (token digests), lowercase hex. */
#ifndef KEFU_SHA_H
#define KEFU_SHA_H

#include <stddef.h>

void kefu_sha1_hex(const void *data, size_t len, char out[41]);
void kefu_sha256_hex(const void *data, size_t len, char out[65]);

#endif
