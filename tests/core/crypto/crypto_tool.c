/* Helper for crypto_oracle.py. Reads lines "HEXKEY HEXDATA" from stdin and prints, per line:
 * "HMAC SHA256 B64STD B64URLNOPAD RT" where HMAC/SHA256 are lowercase hex, B64* are
 * erplink's encodings of DATA, and RT is "ok" when decoding both encodings gives DATA back.
 * Any failure prints "ERROR <code> <message>". */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "erplink/erplink.h"

int main(void) {
  char *line = NULL;
  size_t cap = 0;
  ssize_t n;
  while ((n = getline(&line, &cap, stdin)) >= 0) {
    if (n > 0 && line[n - 1] == '\n') line[--n] = '\0';
    char *sp = strchr(line, ' ');
    if (!sp) {
      printf("ERROR 0 bad input line\n");
      continue;
    }
    *sp = '\0';
    unsigned char *key = NULL, *data = NULL, *d1 = NULL, *d2 = NULL;
    char *b1 = NULL, *b2 = NULL;
    size_t kl = 0, dl = 0, b1l = 0, b2l = 0, d1l = 0, d2l = 0;
    unsigned char tag[32], dig[32];
    char th[65], dh[65];
    int rc = erplink_hex_decode(&key, &kl, line, strlen(line));
    if (!rc) rc = erplink_hex_decode(&data, &dl, sp + 1, strlen(sp + 1));
    erplink_hmac *h = NULL;
    if (!rc) rc = erplink_hmac_new(&h, key, kl);
    if (!rc) rc = erplink_hmac_sha256(tag, h, data, dl);
    if (!rc) rc = erplink_sha256(dig, data, dl);
    if (!rc) rc = erplink_hex_encode_to(th, sizeof th, tag, 32);
    if (!rc) rc = erplink_hex_encode_to(dh, sizeof dh, dig, 32);
    if (!rc) rc = erplink_base64_encode(&b1, &b1l, data, dl, ERPLINK_BASE64_STD);
    if (!rc) rc = erplink_base64_encode(&b2, &b2l, data, dl, ERPLINK_BASE64_URL | ERPLINK_BASE64_NOPAD);
    if (!rc) rc = erplink_base64_decode(&d1, &d1l, b1, b1l, ERPLINK_BASE64_STD);
    if (!rc) rc = erplink_base64_decode(&d2, &d2l, b2, b2l, ERPLINK_BASE64_URL | ERPLINK_BASE64_NOPAD);
    if (rc) {
      printf("ERROR %d %s\n", rc, erplink_error_message(erplink_error_last()));
    } else {
      int rt = d1l == dl && d2l == dl && erplink_ct_equal(d1, d1l, data, dl) && erplink_ct_equal(d2, d2l, data, dl);
      printf("%s %s %s %s %s\n", th, dh, b1, b2, rt ? "ok" : "bad");
    }
    erplink_hmac_free(h);
    erplink_free(key);
    erplink_free(data);
    erplink_free(d1);
    erplink_free(d2);
    erplink_free(b1);
    erplink_free(b2);
  }
  free(line);
  return 0;
}
