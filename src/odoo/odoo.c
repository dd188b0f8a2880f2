/* Odoo client over XML-RPC, JSON-RPC and JSON-2 (being written). */
#include "erplink/odoo.h"
