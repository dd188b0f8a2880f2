/**
 * @file erplink/odoo.h
 * @brief Odoo client over XML-RPC, JSON-RPC and JSON-2 (being written; nothing is declared yet).
 */
#ifndef ERPLINK_ODOO_H
#define ERPLINK_ODOO_H

#include "common.h"

#endif
