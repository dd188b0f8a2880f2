/* Helper for pkey_oracle.py. Reads lines "KIND A_HEX B_HEX ALG DATA_HEX SIG_HEX" from stdin,
 * where KIND is "rsa" (A = n, B = e) or "ec" (A = x, B = y), ALG is "RS256" or "ES256", and
 * "-" stands for an empty hex string. Builds the key with erplink_pkey_new_rsa() or
 * erplink_pkey_new_ec_p256(), verifies the signature with erplink_pkey_verify(), and prints one
 * line per input: "key <code>" when the key was refused, else "verify <code>" (0 when the
 * signature verifies), followed by the error message when the code is not 0. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "erplink/erplink.h"

static unsigned char *hex(const char *s, size_t *len) {
  unsigned char *out = NULL;
  *len = 0;
  if (strcmp(s, "-") == 0) return calloc(1, 1);
  if (erplink_hex_decode(&out, len, s, strlen(s)) != 0) return NULL;
  return out;
}

int main(void) {
  char *line = NULL;
  size_t cap = 0;
  ssize_t n;
  while ((n = getline(&line, &cap, stdin)) >= 0) {
    if (n > 0 && line[n - 1] == '\n') line[--n] = '\0';
    char *f[6];
    int nf = 0;
    for (char *tok = strtok(line, " "); tok && nf < 6; tok = strtok(NULL, " ")) f[nf++] = tok;
    if (nf != 6) {
      printf("bad input line\n");
      continue;
    }
    size_t al = 0, bl = 0, dl = 0, sl = 0;
    unsigned char *a = hex(f[1], &al), *b = hex(f[2], &bl), *d = hex(f[4], &dl), *s = hex(f[5], &sl);
    if (!a || !b || !d || !s) {
      printf("bad hex\n");
    } else {
      erplink_pkey *k = NULL;
      int rc = strcmp(f[0], "rsa") == 0 ? erplink_pkey_new_rsa(&k, a, al, b, bl)
                                        : erplink_pkey_new_ec_p256(&k, a, al, b, bl);
      if (rc != 0) {
        printf("key %d %s\n", rc, erplink_error_message(erplink_error_last()));
      } else {
        erplink_sig_alg alg = strcmp(f[3], "RS256") == 0 ? ERPLINK_SIG_RS256 : ERPLINK_SIG_ES256;
        rc = erplink_pkey_verify(k, alg, d, dl, s, sl);
        if (rc)
          printf("verify %d %s\n", rc, erplink_error_message(erplink_error_last()));
        else
          printf("verify 0\n");
      }
      erplink_pkey_free(k);
    }
    erplink_free(a);
    erplink_free(b);
    erplink_free(d);
    erplink_free(s);
    fflush(stdout);
  }
  free(line);
  return 0;
}
