#ifndef ERPLINK_FUZZ_H
#define ERPLINK_FUZZ_H
#include <stddef.h>
#include <stdint.h>
int fuzz_xmlrpc(const uint8_t *data, size_t len);
int fuzz_json(const uint8_t *data, size_t len);
extern long fuzz_accepted, fuzz_rejected;
#endif
