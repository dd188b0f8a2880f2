/**
 * @file erplink/esi.h
 * @brief EVE Online ESI client and EVE SSO (being written; nothing is declared yet).
 */
#ifndef ERPLINK_ESI_H
#define ERPLINK_ESI_H

#include "common.h"

#endif
