/**
 * @file erplink/cartona.h
 * @brief Cartona supplier-integration client (being written; nothing is declared yet).
 */
#ifndef ERPLINK_CARTONA_H
#define ERPLINK_CARTONA_H

#include "common.h"

#endif
